import WebSocketCore
public import WebSocketIO

/// A server running on an ephemeral loopback port for the duration of `withTestServer`.
///
/// Connect to `url` (or build your own from `port`) with `WebSocket.connect`. The underlying
/// `server` is available for assertions such as `connectionCount`, or to call `shutdown`
/// early; `withTestServer` shuts it down in any case when its body ends.
public struct WebSocketTestServer: Sendable {
    /// The running server.
    public let server: WebSocketServer
    /// The port the server listens on, on 127.0.0.1.
    public var port: Int { server.port }
    /// `ws://127.0.0.1:<port>/`.
    public var url: String { url(path: "/") }

    /// `ws://127.0.0.1:<port>` followed by `path` (which should start with `/` and may carry a
    /// query).
    public func url(path: String) -> String { "ws://127.0.0.1:\(port)\(path)" }
}

/// Runs a WebSocket server on 127.0.0.1 with a port the kernel picks, runs `body`, then shuts
/// the server down and waits until `run` has returned.
///
/// Use it to test a handler end to end in `swift test`: each call gets its own port, so tests
/// can run in parallel. The body receives the server's address; when it returns (or throws)
/// every connection still open is closed with 1001 (Going Away), handlers get
/// `shutdownGracePeriod` to finish before they are cancelled, and only then does this
/// function return, so no handler outlives the test.
///
/// ```swift
/// @Test func echoes() async throws {
///     try await withTestServer { ws in
///         for await message in ws.messages { try await ws.send(message) }
///     } body: { server in
///         let reply = try await WebSocket.connect(to: server.url) { ws in
///             try await ws.send(text: "hi")
///             for await message in ws.messages { return message }
///             return nil
///         }
///         #expect(reply == .text("hi"))
///     }
/// }
/// ```
///
/// - Parameters:
///   - configuration: Limits and timeouts for the server's connections.
///   - group: The event loops to run on; the shared group by default.
///   - shutdownGracePeriod: How long handlers may take to finish after the body ends before
///     they are cancelled. Default 2 s: a handler that iterates `messages` ends as soon as the
///     client answers the server's Close, so this only matters for handlers that hang.
///   - upgrade: Decides each upgrade request; accepts every one by default.
///   - http: Answers plain HTTP requests; 426 Upgrade Required for every one by default.
///   - handler: Runs once per connection, isolated to it, as in `WebSocketServer.run`.
///   - body: The test; it runs in the caller's isolation.
/// - Returns: What `body` returned.
/// - Throws: What `bind` or `body` threw.
public func withTestServer<Result>(
    configuration: WebSocketConfiguration = WebSocketConfiguration(),
    group: EventLoopGroup = .shared,
    shutdownGracePeriod: Duration = .seconds(2),
    upgrade: WebSocketServer.UpgradeHook? = nil,
    http: WebSocketServer.HTTPHandler? = nil,
    handler: @escaping WebSocketServer.Handler,
    isolation: isolated (any Actor)? = #isolation,
    body: (WebSocketTestServer) async throws -> Result
) async throws -> Result {
    let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0, configuration: configuration, group: group)
    let running = Task { await server.run(upgrade: upgrade, http: http, handler: handler) }
    let result: Swift.Result<Result, any Error>
    do {
        result = .success(try await body(WebSocketTestServer(server: server)))
    } catch {
        result = .failure(error)
    }
    await server.shutdown(gracePeriod: shutdownGracePeriod)
    await running.value
    return try result.get()
}
