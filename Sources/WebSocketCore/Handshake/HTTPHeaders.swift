/// The header fields of an HTTP/1.1 request or response head, in the order they were sent.
///
/// Names compare without regard to ASCII case (RFC 9110 §5.1), so `headers["upgrade"]` finds an
/// `Upgrade` field. Repeated fields are kept as separate entries; ``values(for:)`` returns all of
/// them and ``tokens(for:)`` splits comma-separated lists across them, which is how the handshake
/// reads `Connection`, `Upgrade` and `Sec-WebSocket-Protocol`.
///
/// Names must be HTTP tokens; passing anything else to ``add(name:value:)`` is a programmer error
/// and traps. Values are never trusted to be clean: control characters (including CR and LF,
/// which would let a value inject a header line) are replaced with spaces and surrounding
/// whitespace is trimmed, so a value taken from user input cannot corrupt a serialized head.
///
/// ```swift
/// var headers: HTTPHeaders = ["Host": "example.com", "Connection": "keep-alive, Upgrade"]
/// headers.add(name: "Sec-WebSocket-Protocol", value: "chat")
/// headers["host"]                                   // "example.com"
/// headers.containsToken("upgrade", for: "Connection") // true
/// for (name, value) in headers { print("\(name): \(value)") }
/// ```
public struct HTTPHeaders: Sendable {
    /// One header field: its name as sent and its value without surrounding whitespace.
    public typealias Field = (name: String, value: String)

    private var fields: [Field] = []

    /// Creates an empty list of fields.
    public init() {}

    /// Creates a list holding `fields` in order; each name must be a token.
    public init(_ fields: [Field]) {
        for field in fields { add(name: field.name, value: field.value) }
    }

    /// Whether `name` is a valid header name (a non-empty RFC 9110 token).
    public static func isValidName(_ name: String) -> Bool {
        HTTPSyntax.isToken(name)
    }

    /// The value of the first field called `name`, or `nil` if there is none.
    public subscript(name: String) -> String? {
        fields.first { HTTPSyntax.equalsIgnoringCase($0.name, name) }?.value
    }

    /// The values of every field called `name`, in order.
    public func values(for name: String) -> [String] {
        fields.compactMap { HTTPSyntax.equalsIgnoringCase($0.name, name) ? $0.value : nil }
    }

    /// The elements of the comma-separated lists in every field called `name`, in order.
    ///
    /// Elements are trimmed of spaces and tabs and empty elements are dropped (RFC 9110 §5.6.1):
    /// `Connection: keep-alive, Upgrade` gives `["keep-alive", "Upgrade"]`. Case is kept. Quoted
    /// strings are not recognised, so use this only for headers whose elements are tokens.
    public func tokens(for name: String) -> [String] {
        values(for: name).flatMap(HTTPSyntax.listElements)
    }

    /// Whether a field called `name` lists `token`, compared without regard to ASCII case.
    public func containsToken(_ token: String, for name: String) -> Bool {
        tokens(for: name).contains { HTTPSyntax.equalsIgnoringCase($0, token) }
    }

    /// Whether at least one field is called `name`.
    public func contains(_ name: String) -> Bool {
        fields.contains { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// Appends a field, keeping any others with the same name.
    ///
    /// - Precondition: `name` is a token (see ``isValidName(_:)``).
    public mutating func add(name: String, value: String) {
        precondition(Self.isValidName(name), "invalid HTTP header name")
        fields.append((name, Self.sanitized(value)))
    }

    /// Replaces the value of the first field called `name` and removes the others, or appends a
    /// field if there is none.
    ///
    /// - Precondition: `name` is a token (see ``isValidName(_:)``).
    public mutating func replaceOrAdd(name: String, value: String) {
        precondition(Self.isValidName(name), "invalid HTTP header name")
        guard let first = fields.firstIndex(where: { HTTPSyntax.equalsIgnoringCase($0.name, name) }) else {
            fields.append((name, Self.sanitized(value)))
            return
        }
        fields[first] = (name, Self.sanitized(value))
        var index = fields.index(after: first)
        while index < fields.endIndex {
            if HTTPSyntax.equalsIgnoringCase(fields[index].name, name) {
                fields.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    /// Removes every field called `name`.
    public mutating func remove(name: String) {
        fields.removeAll { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// Appends a field the head parser has already checked.
    mutating func appendValidated(name: String, value: String) {
        fields.append((name, value))
    }

    /// Writes each field as `name: value` followed by CRLF.
    func serialize(into bytes: inout [UInt8]) {
        for field in fields {
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
    }

    /// `value` with control characters replaced by spaces and surrounding whitespace removed.
    private static func sanitized(_ value: String) -> String {
        let bytes = value.utf8
        let isClean = bytes.allSatisfy(HTTPSyntax.isFieldValueByte)
            && !(bytes.first.map(HTTPSyntax.isWhitespace) ?? false)
            && !(bytes.last.map(HTTPSyntax.isWhitespace) ?? false)
        if isClean { return value }
        let cleaned = bytes.map { HTTPSyntax.isFieldValueByte($0) ? $0 : HTTPSyntax.space }
        return String(decoding: HTTPSyntax.trimmingWhitespace(cleaned[...]), as: UTF8.self)
    }
}

extension HTTPHeaders: RandomAccessCollection {
    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Field { fields[position] }
}

extension HTTPHeaders: ExpressibleByDictionaryLiteral {
    /// Creates a list from a literal; repeated names are kept, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name: name, value: value) }
    }
}

extension HTTPHeaders: Equatable {
    /// Two lists are equal when they hold the same fields in the same order, with names compared
    /// without regard to ASCII case and values compared exactly.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy {
                HTTPSyntax.equalsIgnoringCase($0.name, $1.name) && $0.value == $1.value
            }
    }
}

extension HTTPHeaders: CustomStringConvertible {
    /// The fields as `name: value` lines, for logs and test output; not API.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}
