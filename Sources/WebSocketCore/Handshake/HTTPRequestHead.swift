/// The head of an HTTP/1.1 request: method, target, version and header fields.
///
/// A server gets one from ``HTTPHeadParser`` and passes it to ``ServerHandshake/validate(_:)``;
/// a client gets one from ``ClientHandshake/request`` and writes ``serialized()`` to the socket.
/// ``path`` and ``query`` split the target for routing.
///
/// ```swift
/// let head = try HTTPRequestHead(startLine: "GET /chat?room=1 HTTP/1.1")
/// head.path    // "/chat"
/// head.query   // "room=1"
/// ```
public struct HTTPRequestHead: HTTPHead {
    /// The request method, such as `GET`. Methods are case-sensitive.
    public var method: String
    /// The request target as sent: usually a path with an optional query (origin-form).
    public var target: String
    /// The HTTP version of the request line.
    public var version: HTTPVersion
    /// The header fields, in order.
    public var headers: HTTPHeaders

    /// Creates a request head.
    ///
    /// - Parameters:
    ///   - method: A token; `GET` for a WebSocket handshake.
    ///   - target: The request target. When serialized, bytes outside visible ASCII are
    ///     percent-encoded, so a target built from user input cannot break the request line.
    public init(
        method: String = "GET", target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// Parses a request line such as `GET /chat HTTP/1.1` (RFC 9112 §3).
    ///
    /// The three parts must be separated by single spaces, the method must be a token and the
    /// target visible ASCII.
    public init(startLine: String) throws(HandshakeError) {
        let parts = startLine.utf8.split(separator: HTTPSyntax.space, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedStartLine }
        let method = Substring(parts[0])
        let target = Substring(parts[1])
        guard HTTPSyntax.isToken(method), !target.isEmpty, HTTPSyntax.isVisibleASCII(target) else {
            throw .malformedStartLine
        }
        guard let version = HTTPVersion(parsing: parts[2]) else { throw .malformedStartLine }
        guard version.major == 1 else { throw .unsupportedHTTPVersion(version) }
        self.init(method: String(method), target: String(target), version: version)
    }

    /// The path part of the target: everything before `?`.
    ///
    /// For an absolute-form target (`http://host/chat?x`) the scheme and authority are dropped;
    /// an absolute URI without a path gives `/`.
    public var path: String {
        let pathAndQuery = originForm
        guard let questionMark = pathAndQuery.firstIndex(of: "?") else { return String(pathAndQuery) }
        return String(pathAndQuery[..<questionMark])
    }

    /// The query part of the target: everything after the first `?`, or `nil` if there is none.
    public var query: String? {
        let pathAndQuery = originForm
        guard let questionMark = pathAndQuery.firstIndex(of: "?") else { return nil }
        return String(pathAndQuery[pathAndQuery.index(after: questionMark)...])
    }

    /// The target reduced to path and query.
    private var originForm: Substring {
        guard !target.hasPrefix("/"), let schemeEnd = target.firstRange(of: "://") else { return target[...] }
        let authorityAndRest = target[schemeEnd.upperBound...]
        guard let pathStart = authorityAndRest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let rest = authorityAndRest[pathStart...]
        return rest.hasPrefix("?") ? "/" + rest : rest
    }

    /// The head as bytes: request line, header fields and the empty line.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: method.utf8)
        bytes.append(HTTPSyntax.space)
        Self.appendPercentEncoded(target, to: &bytes)
        bytes.append(HTTPSyntax.space)
        bytes.append(contentsOf: version.description.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        headers.serialize(into: &bytes)
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    private static func appendPercentEncoded(_ target: String, to bytes: inout [UInt8]) {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for byte in target.utf8 {
            if (0x21...0x7E).contains(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }
}
