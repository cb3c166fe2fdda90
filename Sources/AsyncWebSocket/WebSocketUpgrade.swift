public import WebSocketCore
public import WebSocketIO

/// An upgrade request as the server's upgrade hook sees it: validated, not yet answered.
///
/// ```swift
/// try await server.run(upgrade: { request in
///     guard request.path == "/chat" else { return .reject(status: 404) }
///     return .accept(subprotocol: request.subprotocols.first(where: { $0 == "chat.v1" }))
/// }) { ws in … }
/// ```
public struct WebSocketUpgradeRequest: Sendable {
    /// The parsed request head (method, target, headers).
    public let head: HTTPRequestHead
    /// The validated WebSocket parts of the request (key, subprotocols, extensions, origin).
    public let upgrade: UpgradeRequest
    /// The client's address.
    public let remoteAddress: SocketAddress?

    /// The request path, without the query.
    public var path: String { upgrade.path }
    /// The query string without `?`, if any.
    public var query: String? { upgrade.query }
    /// The request headers.
    public var headers: HTTPHeaders { head.headers }
    /// The subprotocols the client offered, most preferred first.
    public var subprotocols: [String] { upgrade.subprotocols }
    /// The `Origin` header, which browsers always send.
    public var origin: String? { upgrade.origin }
}

/// What the upgrade hook decided: accept (with a subprotocol and extra headers) or reject.
public struct WebSocketUpgradeDecision: Sendable {
    enum Verdict: Sendable {
        case accept(subprotocol: String?, headers: HTTPHeaders)
        case reject(status: Int, headers: HTTPHeaders, body: String)
    }
    let verdict: Verdict

    /// Accepts the upgrade.
    ///
    /// - Parameters:
    ///   - subprotocol: One of the subprotocols the client offered, or `nil` for none. A name the
    ///     client did not offer is not sent.
    ///   - headers: More headers for the 101 response, such as `Set-Cookie`.
    public static func accept(subprotocol: String? = nil, headers: HTTPHeaders = HTTPHeaders()) -> Self {
        Self(verdict: .accept(subprotocol: subprotocol, headers: headers))
    }

    /// Refuses the upgrade with an HTTP status (for example 401, 403 or 404) and closes the
    /// connection after the response.
    public static func reject(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: String = "") -> Self {
        Self(verdict: .reject(status: status, headers: headers, body: body))
    }
}
