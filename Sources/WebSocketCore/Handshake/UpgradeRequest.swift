/// A WebSocket upgrade request that passed ``ServerHandshake/validate(_:)``.
///
/// It holds what the server needs to decide whether and how to accept: where the client wants
/// to go (``path``, ``query``, ``host``), who sent it (``origin``), and what it offers
/// (``subprotocols``, ``extensions``). Refuse it by throwing ``HandshakeError/forbidden`` or
/// ``HandshakeError/notFound`` into ``ServerHandshake/rejection(for:body:extraHeaders:)``;
/// accept it with ``ServerHandshake/response(to:subprotocol:extensions:extraHeaders:)``.
///
/// ```swift
/// let upgrade = try ServerHandshake.validate(request)
/// guard upgrade.path == "/chat" else { throw HandshakeError.notFound }
/// guard upgrade.origin == "https://example.com" else { throw HandshakeError.forbidden }
/// ```
public struct UpgradeRequest: Equatable, Sendable {
    /// The client's `Sec-WebSocket-Key`, as sent (24 characters of base64).
    public var key: String
    /// The `Host` header.
    public var host: String
    /// The path part of the request target, such as `/chat`.
    public var path: String
    /// The query part of the request target, without `?`, or `nil` if there is none.
    public var query: String?
    /// The `Origin` header, which browsers send; `nil` if absent.
    public var origin: String?
    /// The offered subprotocols, most preferred first.
    public var subprotocols: [String]
    /// The offered extensions, in order.
    public var extensions: [WebSocketExtension]
    /// Every header of the request, for anything the fields above do not cover.
    public var headers: HTTPHeaders
}
