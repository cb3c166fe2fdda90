public import WebSocketIO
public import WebSocketCore

/// A WebSocket server: an accept loop that runs a handler for every upgraded connection.
///
/// ```swift
/// let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 8080)
/// print("listening on", server.localAddress)
/// try await server.run { ws in
///     for await message in ws.messages { try await ws.send(message) }
/// }
/// ```
///
/// Each connection gets a child task that prefers the connection's event loop, and its handler
/// runs isolated to the `WebSocket` actor. When the handler returns, the connection is closed
/// with 1000 (1011 if it threw). Connections are spread round-robin over the group's loops.
///
/// `shutdown(gracePeriod:)` stops accepting, sends 1001 to every connection, waits for them up to
/// the grace period, then cancels the handlers and aborts what is left; `run` then returns.
/// Requests that are not WebSocket upgrades (no `Upgrade` header) go to the `http:` handler
/// given to `run`, or are answered with 426 Upgrade Required when there is none.
public actor WebSocketServer {
    /// A connection handler; it runs isolated to its connection.
    public typealias Handler = @Sendable (isolated WebSocket) async throws -> Void
    /// An upgrade hook: sees each valid upgrade request and accepts or rejects it.
    public typealias UpgradeHook = @Sendable (WebSocketUpgradeRequest) async -> WebSocketUpgradeDecision
    /// A plain-HTTP handler: answers a request that is not a WebSocket upgrade (see
    /// `WebSocketHTTPResponse`). The connection is closed after the response.
    public typealias HTTPHandler = @Sendable (HTTPRequestHead) async -> WebSocketHTTPResponse

    /// The address the server listens on (with the real port when bound to port 0).
    public nonisolated let localAddress: SocketAddress
    /// The port the server listens on.
    public nonisolated var port: Int { localAddress.port }
    /// Limits and timeouts for every connection.
    public nonisolated let configuration: WebSocketConfiguration
    /// The event loops connections run on.
    public nonisolated let eventLoopGroup: EventLoopGroup

    private let acceptor: Acceptor
    private let accepted: AsyncStream<AcceptedSocket>
    private var running = false
    private var shuttingDown = false
    private var connections: [ObjectIdentifier: WebSocket] = [:]
    var activeTasks = 0
    /// Connection tasks that count against `maxConnections` (`activeTasks` less rejections).
    var servingTasks = 0
    private var drainWaiters: [UnsafeContinuation<Void, Never>] = []
    private var graceWaiters: [UnsafeContinuation<Void, Never>] = []
    private var graceExpired = false
    private var deadline: Task<Void, Never>?
    /// Makes each connection's TLS layer (`wss://`); `nil` for `ws://`.
    nonisolated let makeSecure: WebSocket.SecureStreamFactory?

    /// Whether connections speak TLS (`wss://`).
    public nonisolated var isSecure: Bool { makeSecure != nil }

    private init(
        listener: TCPListener, configuration: WebSocketConfiguration, group: EventLoopGroup,
        secure: WebSocket.SecureStreamFactory? = nil
    ) {
        self.makeSecure = secure
        self.localAddress = listener.localAddress
        self.configuration = configuration
        self.eventLoopGroup = group
        let (stream, continuation) = AsyncStream<AcceptedSocket>.makeStream()
        self.accepted = stream
        self.acceptor = Acceptor(listener: listener, eventLoop: group.loops[0], output: continuation)
    }

    /// Binds a listening socket; connections are accepted once `run` is called.
    ///
    /// - Parameters:
    ///   - host: An IPv4 or IPv6 address or a host name; `"127.0.0.1"` by default (loopback
    ///     only). Use `"0.0.0.0"` or `"::"` to listen on every interface.
    ///   - port: The port; 0 picks a free one (read it back from `port`).
    ///   - configuration: Limits and timeouts for every connection.
    ///   - group: The event loops to run connections on; the shared group by default.
    public static func bind(
        host: String = "127.0.0.1", port: Int = 0, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        group: EventLoopGroup = .shared
    ) async throws -> WebSocketServer {
        try await bind(host: host, port: port, configuration: configuration, group: group, secure: nil)
    }

    /// `bind`, with each accepted connection's TLS layer made by `secure` (the
    /// `AsyncWebSocketTLS` module's `bind(…, tls:)`).
    package static func bind(
        host: String, port: Int, configuration: WebSocketConfiguration, group: EventLoopGroup,
        secure: WebSocket.SecureStreamFactory?
    ) async throws -> WebSocketServer {
        let addresses = try await SocketAddress.resolve(host: host, port: port)
        guard let address = addresses.first else {
            throw WebSocketError(.connectFailed, "no address for \(host)")
        }
        let listener = try TCPListener(bindingTo: address)
        return WebSocketServer(listener: listener, configuration: configuration, group: group, secure: secure)
    }

    /// Accepts connections and runs `handler` for each until `shutdown` (or cancellation).
    ///
    /// - Parameters:
    ///   - upgrade: Decides each upgrade request; accepts every one by default.
    ///   - http: Answers requests that are not upgrades, such as `GET /` from a browser for the
    ///     page that then opens the WebSocket; without it they get 426 Upgrade Required.
    ///   - handler: Runs once per connection, isolated to it.
    public func run(upgrade: UpgradeHook? = nil, http: HTTPHandler? = nil, handler: @escaping Handler) async {
        precondition(!running, "WebSocketServer.run may be called only once")
        running = true
        let acceptor = self.acceptor
        acceptor.eventLoop.execute { acceptor.start() }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await accepted in self.accepted {
                    let loop = eventLoopGroup.next()
                    guard servingTasks < configuration.maxConnections else {
                        rejectOverCapacity(accepted, on: loop, in: &group)
                        continue
                    }
                    servingTasks += 1
                    activeTasks += 1
                    group.addTask(executorPreference: loop) {
                        await self.serve(accepted, on: loop, upgrade: upgrade, http: http, handler: handler)
                        await self.taskEnded(serving: true)
                    }
                }
                // Shutdown: let connections finish within the grace period, then cancel them.
                await waitForDrainOrGracePeriod()
                group.cancelAll()
            }
        } onCancel: {
            Task { await self.shutdown(gracePeriod: .zero) }
        }
    }

    /// Stops the server: no new connections, 1001 to every connection, then after
    /// `gracePeriod` handlers are cancelled and remaining connections aborted.
    ///
    /// Returns when every connection task has ended. Calling it again just waits.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        if !shuttingDown {
            shuttingDown = true
            let acceptor = self.acceptor
            acceptor.eventLoop.execute { acceptor.stop() }
            for ws in connections.values {
                Task { try? await ws.close(code: .goingAway, reason: "server shutting down") }
            }
            deadline = Task {
                try? await Task.sleep(for: gracePeriod)
                await self.gracePeriodEnded()
            }
        }
        if activeTasks > 0 {
            await withUnsafeContinuation { drainWaiters.append($0) }
        }
        deadline?.cancel()
    }

    /// The number of connections currently upgraded and not yet closed.
    public var connectionCount: Int { connections.count }

    private func gracePeriodEnded() async {
        graceExpired = true
        resume(&graceWaiters)
        // Abort rather than terminate: a Close frame still queued (the 1001 from `shutdown`)
        // is written first, so clients see 1001 rather than 1006 even with a zero grace period.
        for ws in connections.values { await ws.abort(code: .goingAway, reason: "server shutting down") }
    }

    func taskEnded(serving: Bool) {
        if serving { servingTasks -= 1 }
        activeTasks -= 1
        if activeTasks == 0 {
            resume(&drainWaiters)
            resume(&graceWaiters)
        }
    }

    private func resume(_ waiters: inout [UnsafeContinuation<Void, Never>]) {
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }

    /// Returns when every connection task ended or the grace period expired.
    private func waitForDrainOrGracePeriod() async {
        guard activeTasks > 0 && !graceExpired else { return }
        await withUnsafeContinuation { graceWaiters.append($0) }
    }

    private func track(_ ws: WebSocket) -> Bool {
        guard !shuttingDown else { return false }
        connections[ObjectIdentifier(ws)] = ws
        return true
    }

    private func untrack(_ ws: WebSocket) {
        connections[ObjectIdentifier(ws)] = nil
    }

    /// Runs one connection from accept to close: handshake, handler, closing.
    private nonisolated func serve(
        _ accepted: AcceptedSocket, on loop: EventLoop, upgrade: UpgradeHook?, http: HTTPHandler?, handler: Handler
    ) async {
        guard let ws = await ServerHandshakeDriver.upgrade(
            accepted, on: loop, configuration: configuration, hook: upgrade, http: http, secure: makeSecure)
        else {
            return
        }
        guard await track(ws) else {
            // Upgraded after shutdown began: the same 1001 the tracked connections got, not
            // the 1000 of a handler that finished.
            try? await ws.close(code: .goingAway, reason: "server shutting down")
            return
        }
        // A handler's error only decides the close code (1011); it is not the server's to report.
        try? await WebSocket.run(ws, handler)
        await untrack(ws)
    }
}
