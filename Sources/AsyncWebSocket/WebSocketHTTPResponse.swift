public import WebSocketCore

/// The answer to a plain HTTP request (one that is not a WebSocket upgrade): status, headers and
/// body.
///
/// Give `WebSocketServer.run` an `http:` handler to serve a page, a health check or a redirect
/// from the same port as the WebSocket endpoint, as the chat example does for its HTML page.
/// Without one, such requests get 426 Upgrade Required. The server answers one request per TCP
/// connection: it adds `Content-Length` and `Connection: close` and closes the socket after the
/// body (a `HEAD` request gets the head only).
///
/// ```swift
/// try await server.run(http: { request in
///     request.path == "/" ? .html("<h1>hello</h1>") : .notFound
/// }) { ws in
///     for await message in ws.messages { try await ws.send(message) }
/// }
/// ```
public struct WebSocketHTTPResponse: Sendable, Equatable {
    /// The status code, such as 200 or 404.
    public var status: Int
    /// The response headers; `Content-Length` and `Connection` are set by the server.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - status: The status code; its standard reason phrase is sent with it.
    ///   - headers: Headers such as `Content-Type` or `Location`.
    ///   - body: The body; empty by default.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/html; charset=utf-8` response, 200 OK by default.
    public static func html(_ page: String, status: Int = 200) -> Self {
        Self(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(page.utf8))
    }

    /// A `text/plain; charset=utf-8` response, 200 OK by default.
    public static func text(_ text: String, status: Int = 200) -> Self {
        Self(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// 404 Not Found with a one-line plain-text body.
    public static var notFound: Self { text("Not Found\n", status: 404) }

    /// 426 Upgrade Required with `Upgrade: websocket` and `Sec-WebSocket-Version: 13`: what the
    /// server answers to plain HTTP requests when `run` has no `http:` handler.
    public static var upgradeRequired: Self {
        Self(
            status: 426,
            headers: ["Upgrade": "websocket", "Sec-WebSocket-Version": ServerHandshake.supportedVersion,
                      "Content-Type": "text/plain; charset=utf-8"],
            body: Array("This endpoint requires a WebSocket upgrade.\n".utf8))
    }

    /// The response as bytes, with `Content-Length` and `Connection: close`; the body is left
    /// out when `includeBody` is `false` (an answer to `HEAD`).
    func serialized(includeBody: Bool) -> [UInt8] {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        headers.replaceOrAdd(name: "Connection", value: "close")
        var bytes = HTTPResponseHead(status: status, headers: headers).serialized()
        if includeBody { bytes.append(contentsOf: body) }
        return bytes
    }
}
