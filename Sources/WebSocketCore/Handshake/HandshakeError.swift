/// A reason the RFC 6455 §4 opening handshake failed; each maps to one HTTP status.
///
/// The head parser, ``ServerHandshake`` and ``ClientHandshake`` throw only this error. A server
/// answers a failure with ``ServerHandshake/rejection(for:body:extraHeaders:)``, which sends
/// ``httpStatus`` and any header the status requires. An application that refuses an otherwise
/// valid upgrade (an origin it does not trust, a path it does not serve) throws ``forbidden`` or
/// ``notFound`` itself and uses the same function.
///
/// Failures that only a client detects, when it checks the server's response, map to 502 Bad
/// Gateway: that is the status to report if the client is working on behalf of someone else, as a
/// proxy does.
///
/// ```swift
/// do {
///     let upgrade = try ServerHandshake.validate(request)
///     …
/// } catch {
///     write(ServerHandshake.rejection(for: error).serialized())   // e.g. 426 for version 8
/// }
/// ```
public enum HandshakeError: Error, Hashable, Sendable {
    // MARK: Reading a head (both sides)

    /// The head was not complete within the parser's size limit (431).
    case headTooLarge(limit: Int)
    /// The head had more header fields than the parser's limit (431).
    case tooManyHeaders(limit: Int)
    /// A line ended in a bare CR or a bare LF instead of CRLF (400).
    case invalidLineEnding
    /// The request line or status line was malformed (400).
    case malformedStartLine
    /// A header line was not `name: value` with a token name and printable value (400).
    case malformedHeaderField
    /// A header line began with whitespace, the obsolete line folding of RFC 9112 §5.2 (400).
    case obsoleteLineFolding
    /// The HTTP version was not 1.1 or a later 1.x (505).
    case unsupportedHTTPVersion(HTTPVersion)

    // MARK: Validating a request (server)

    /// The request method was not `GET` (405).
    case methodNotAllowed(method: String)
    /// The request target was not a path (origin-form) or an absolute URI (400).
    case invalidRequestTarget
    /// A header the handshake requires was absent (400).
    case missingHeader(name: String)
    /// A header that must appear once appeared more than once (400).
    case duplicateHeader(name: String)
    /// A header's value did not follow its grammar, such as a malformed extension list (400).
    case invalidHeaderValue(name: String)
    /// `Upgrade` did not list `websocket` (400 on a server).
    case upgradeNotWebSocket
    /// `Connection` did not list `upgrade` (400 on a server).
    case connectionNotUpgrade
    /// `Sec-WebSocket-Key` was not the base64 encoding of exactly 16 bytes (400).
    case invalidKey
    /// `Sec-WebSocket-Version` was not `13` (426, with `Sec-WebSocket-Version: 13`).
    case unsupportedWebSocketVersion(String)

    // MARK: Refusals decided by the application (server)

    /// The application refused the request, for example because of its `Origin` (403).
    case forbidden
    /// The application serves no WebSocket endpoint at the requested path (404).
    case notFound

    // MARK: Validating a response (client)

    /// The server answered with a status other than 101 Switching Protocols (502).
    case unexpectedStatus(Int)
    /// `Sec-WebSocket-Accept` was not the value computed from our key (502).
    case invalidAccept
    /// The server selected a subprotocol the client did not offer (502).
    case subprotocolNotOffered(String)
    /// The server accepted an extension the client did not offer (502).
    case extensionNotOffered(String)
    /// The server accepted an offered extension with parameters the client cannot accept, such
    /// as a window size larger than offered (RFC 7692 §7.1), or twice (502).
    case invalidExtensionResponse(name: String, reason: String)

    /// The HTTP status a server sends for this failure.
    public var httpStatus: Int {
        switch self {
        case .headTooLarge, .tooManyHeaders: 431
        case .invalidLineEnding, .malformedStartLine, .malformedHeaderField, .obsoleteLineFolding,
             .invalidRequestTarget, .missingHeader, .duplicateHeader, .invalidHeaderValue,
             .upgradeNotWebSocket, .connectionNotUpgrade, .invalidKey:
            400
        case .unsupportedHTTPVersion: 505
        case .methodNotAllowed: 405
        case .unsupportedWebSocketVersion: 426
        case .forbidden: 403
        case .notFound: 404
        case .unexpectedStatus, .invalidAccept, .subprotocolNotOffered, .extensionNotOffered, .invalidExtensionResponse: 502
        }
    }
}

extension HandshakeError: CustomStringConvertible {
    /// A sentence for logs and rejection bodies; it reveals nothing about the server. Not API.
    public var description: String {
        switch self {
        case .headTooLarge(let limit): "HTTP head exceeds \(limit) bytes"
        case .tooManyHeaders(let limit): "HTTP head has more than \(limit) header fields"
        case .invalidLineEnding: "HTTP line not terminated by CRLF"
        case .malformedStartLine: "malformed HTTP start line"
        case .malformedHeaderField: "malformed HTTP header field"
        case .obsoleteLineFolding: "obsolete line folding in HTTP header"
        case .unsupportedHTTPVersion(let version): "unsupported HTTP version \(version)"
        case .methodNotAllowed(let method): "method \(method) not allowed; use GET"
        case .invalidRequestTarget: "invalid request target"
        case .missingHeader(let name): "missing \(name) header"
        case .duplicateHeader(let name): "\(name) header appears more than once"
        case .invalidHeaderValue(let name): "invalid \(name) header"
        case .upgradeNotWebSocket: "Upgrade header does not list websocket"
        case .connectionNotUpgrade: "Connection header does not list upgrade"
        case .invalidKey: "Sec-WebSocket-Key is not 16 bytes of base64"
        case .unsupportedWebSocketVersion(let version): "unsupported WebSocket version \(version); use 13"
        case .forbidden: "forbidden"
        case .notFound: "not found"
        case .unexpectedStatus(let status): "server answered \(status) instead of 101"
        case .invalidAccept: "Sec-WebSocket-Accept does not match the key"
        case .subprotocolNotOffered(let name): "server selected subprotocol \(name) that was not offered"
        case .extensionNotOffered(let name): "server accepted extension \(name) that was not offered"
        case .invalidExtensionResponse(let name, let reason): "invalid \(name) response: \(reason)"
        }
    }
}
