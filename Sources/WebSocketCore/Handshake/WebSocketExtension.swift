/// One extension in a `Sec-WebSocket-Extensions` header: a name and its parameters (RFC 6455 §9.1).
///
/// A client offers extensions in its request and the server answers with those it accepts, in
/// the same syntax. This type is only the structured value; what an extension does to frames
/// (permessage-deflate, RFC 7692) is implemented elsewhere.
///
/// Parameter values are tokens. A value may arrive as a quoted string, but after unescaping it
/// must still be a token (§9.1), so `b="q"` gives the value `q` and `b="a b"` is rejected.
///
/// ```swift
/// let offers = try WebSocketExtension.parse(["permessage-deflate; client_max_window_bits, x-foo; a=1; b=\"q\""])
/// offers[0].name                       // "permessage-deflate"
/// offers[0].parameters[0]              // client_max_window_bits, no value
/// offers[1].parameter(named: "b")      // b = "q"
/// WebSocketExtension.headerValue(for: offers)
/// // "permessage-deflate; client_max_window_bits, x-foo; a=1; b=q"
/// ```
public struct WebSocketExtension: Hashable, Sendable {
    /// One `name` or `name=value` parameter of an extension.
    public struct Parameter: Hashable, Sendable {
        /// The parameter's name, a token.
        public var name: String
        /// The parameter's value, or `nil` when it has none.
        public var value: String?

        /// Creates a parameter.
        public init(name: String, value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    /// The extension's registered name, such as `permessage-deflate`.
    public var name: String
    /// The parameters, in the order they were written.
    public var parameters: [Parameter]

    /// Creates an extension offer or response.
    ///
    /// - Parameters:
    ///   - name: A token.
    ///   - parameters: Parameters whose names, and values if present, are tokens. A value that
    ///     is not a token is still serialized (as a quoted string), but peers will reject it.
    public init(name: String, parameters: [Parameter] = []) {
        self.name = name
        self.parameters = parameters
    }

    /// The first parameter called `name` (compared without regard to ASCII case), if any.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// This extension as one element of a header value, such as `x-foo; a=1`.
    public var headerValue: String {
        var text = name
        for parameter in parameters {
            text += "; " + parameter.name
            if let value = parameter.value {
                text += "=" + (HTTPSyntax.isToken(value) ? value : Self.quoted(value))
            }
        }
        return text
    }

    /// The value of a `Sec-WebSocket-Extensions` header listing `extensions`, in order.
    public static func headerValue(for extensions: [WebSocketExtension]) -> String {
        extensions.map(\.headerValue).joined(separator: ", ")
    }

    /// Parses the values of every `Sec-WebSocket-Extensions` header, in order.
    ///
    /// Each value is parsed on its own and the results are concatenated, which is the same as
    /// parsing the values joined by commas. Empty list elements are skipped (RFC 9110 §5.6.1).
    ///
    /// - Throws: ``HandshakeError/invalidHeaderValue(name:)`` if a value does not follow the
    ///   §9.1 grammar.
    /// - Complexity: O(*n*) in the total length of the values.
    public static func parse(_ headerValues: [String]) throws(HandshakeError) -> [WebSocketExtension] {
        var extensions: [WebSocketExtension] = []
        for value in headerValues {
            var parser = ExtensionListParser(bytes: Array(value.utf8))
            guard let parsed = parser.parseList() else {
                throw .invalidHeaderValue(name: "Sec-WebSocket-Extensions")
            }
            extensions += parsed
        }
        return extensions
    }

    private static func quoted(_ value: String) -> String {
        var text = "\""
        for character in value {
            if character == "\"" || character == "\\" { text.append("\\") }
            text.append(character)
        }
        return text + "\""
    }
}

extension WebSocketExtension: CustomStringConvertible {
    /// The header-value form, for logs and test output; not API.
    public var description: String { headerValue }
}

/// A cursor over one `Sec-WebSocket-Extensions` value; each method returns `nil` on bad syntax.
private struct ExtensionListParser {
    let bytes: [UInt8]
    var index = 0

    /// `extension-list = 1#extension`, where empty elements are allowed and skipped.
    mutating func parseList() -> [WebSocketExtension]? {
        var extensions: [WebSocketExtension] = []
        while true {
            skipWhitespace()
            guard let byte = peek() else { return extensions }
            if byte == HTTPSyntax.comma {
                index += 1
                continue
            }
            guard let parsed = parseExtension() else { return nil }
            extensions.append(parsed)
            skipWhitespace()
            guard let next = peek() else { return extensions }
            guard next == HTTPSyntax.comma else { return nil }
            index += 1
        }
    }

    /// `extension = extension-token *( ";" extension-param )`.
    private mutating func parseExtension() -> WebSocketExtension? {
        guard let name = token() else { return nil }
        var parameters: [WebSocketExtension.Parameter] = []
        skipWhitespace()
        while peek() == UInt8(ascii: ";") {
            index += 1
            skipWhitespace()
            guard let parameterName = token() else { return nil }
            skipWhitespace()
            var value: String?
            if peek() == UInt8(ascii: "=") {
                index += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "\"") {
                    guard let unquoted = quotedString(), HTTPSyntax.isToken(unquoted) else { return nil }
                    value = unquoted
                } else {
                    guard let plain = token() else { return nil }
                    value = plain
                }
                skipWhitespace()
            }
            parameters.append(.init(name: parameterName, value: value))
        }
        return WebSocketExtension(name: name, parameters: parameters)
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), HTTPSyntax.isWhitespace(byte) { index += 1 }
    }

    private mutating func token() -> String? {
        let start = index
        while let byte = peek(), HTTPSyntax.isTokenByte(byte) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// `quoted-string` (RFC 9110 §5.6.4), returned unescaped.
    private mutating func quotedString() -> String? {
        index += 1  // The opening quote.
        var content: [UInt8] = []
        while let byte = peek() {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: content, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek(), HTTPSyntax.isFieldValueByte(escaped) else { return nil }
                index += 1
                content.append(escaped)
            default:
                guard HTTPSyntax.isFieldValueByte(byte) else { return nil }
                content.append(byte)
            }
        }
        return nil  // No closing quote.
    }
}
