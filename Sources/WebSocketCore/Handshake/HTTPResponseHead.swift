/// The head of an HTTP/1.1 response: version, status, reason phrase and header fields.
///
/// A client gets one from ``HTTPHeadParser`` and passes it to ``ClientHandshake/validate(_:)``;
/// a server builds one with ``ServerHandshake/response(to:subprotocol:extensions:extraHeaders:)``
/// or ``ServerHandshake/rejection(for:body:extraHeaders:)`` and writes ``serialized()``.
///
/// ```swift
/// let head = try HTTPResponseHead(startLine: "HTTP/1.1 101 Switching Protocols")
/// head.status   // 101
/// ```
public struct HTTPResponseHead: HTTPHead {
    /// The three-digit status code.
    public var status: Int
    /// The reason phrase; informational only, and may be empty.
    public var reason: String
    /// The HTTP version of the status line.
    public var version: HTTPVersion
    /// The header fields, in order.
    public var headers: HTTPHeaders

    /// Creates a response head.
    ///
    /// - Parameters:
    ///   - status: A status code from 100 to 999.
    ///   - reason: The reason phrase; `nil` uses the standard phrase for `status`. Control
    ///     characters are replaced with spaces when serialized.
    public init(
        status: Int, reason: String? = nil, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.status = status
        self.reason = reason ?? Self.standardReason(for: status)
        self.version = version
        self.headers = headers
    }

    /// Parses a status line such as `HTTP/1.1 101 Switching Protocols` (RFC 9112 §4).
    ///
    /// A missing reason phrase (`HTTP/1.1 101`) is tolerated, as RFC 9112 asks. Bytes in the
    /// reason that are not UTF-8 become U+FFFD.
    public init(startLine: String) throws(HandshakeError) {
        let bytes = Array(startLine.utf8)
        guard bytes.count >= 12, bytes[8] == HTTPSyntax.space,
              bytes.count == 12 || bytes[12] == HTTPSyntax.space
        else { throw .malformedStartLine }
        guard let version = HTTPVersion(parsing: bytes[0..<8]) else { throw .malformedStartLine }
        guard version.major == 1 else { throw .unsupportedHTTPVersion(version) }
        var status = 0
        for byte in bytes[9..<12] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw .malformedStartLine }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard status >= 100 else { throw .malformedStartLine }
        let reason = bytes.count > 13 ? String(decoding: bytes[13...], as: UTF8.self) : ""
        self.init(status: status, reason: reason, version: version)
    }

    /// The head as bytes: status line, header fields and the empty line.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: version.description.utf8)
        bytes.append(HTTPSyntax.space)
        bytes.append(contentsOf: String(status).utf8)
        bytes.append(HTTPSyntax.space)
        bytes.append(contentsOf: reason.utf8.map { HTTPSyntax.isFieldValueByte($0) ? $0 : HTTPSyntax.space })
        bytes.append(contentsOf: "\r\n".utf8)
        headers.serialize(into: &bytes)
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    /// The reason phrase RFC 9110 gives `status`, or an empty string for one it does not name
    /// among those a handshake uses.
    public static func standardReason(for status: Int) -> String {
        switch status {
        case 101: "Switching Protocols"
        case 200: "OK"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 426: "Upgrade Required"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: ""
        }
    }
}
