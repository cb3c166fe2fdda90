import WebSocketCore
public import WebSocketIO

extension WebSocket {
    /// Creates a connected client and server `WebSocket`, already upgraded, over a socket pair.
    ///
    /// No port is bound and no handshake runs: the two ends are joined by `socketpair(2)`
    /// (`AF_UNIX`), so the pair is cheap and cannot collide with anything else on the machine.
    /// Use it to unit-test code that takes a `WebSocket`: hand `server` to your handler and
    /// drive it from `client`, or the other way round. Frames really are encoded, masked
    /// (client to server) and decoded, and flow control works as over TCP.
    ///
    /// `request` and `response` are synthesized: a `GET /` upgrade request with a random key
    /// (and `subprotocol` offered, if any) and the matching 101 response. `remoteAddress` is
    /// `nil`. Close both ends when done (`close()` on one side completes the handshake on both;
    /// `terminate()` aborts).
    ///
    /// ```swift
    /// let (client, server) = try await WebSocket.makePair()
    /// let handler = Task { try await ChatHandler().run(server) }   // code under test
    /// try await client.send(text: "join")
    /// for await reply in client.messages { #expect(reply == .text("welcome")); break }
    /// try await client.close()
    /// try await handler.value
    /// ```
    ///
    /// - Parameters:
    ///   - configuration: Limits and timeouts for both ends.
    ///   - subprotocol: The subprotocol both ends report as negotiated; `nil` for none.
    ///   - group: The event loops to run on; each end gets `group.next()`.
    /// - Throws: `Errno` if the socket pair cannot be created (for example, out of descriptors).
    public static func makePair(
        configuration: WebSocketConfiguration = WebSocketConfiguration(), subprotocol: String? = nil,
        group: EventLoopGroup = .shared
    ) async throws -> (client: WebSocket, server: WebSocket) {
        let (clientSocket, serverSocket) = try TCPSocket.makePair()
        var random = SystemRandomNumberGenerator()
        let keyBytes = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        let handshake = ClientHandshake(
            host: "localhost", keyBytes: keyBytes, subprotocols: subprotocol.map { [$0] } ?? [])
        let response: HTTPResponseHead
        do {
            let upgrade = try ServerHandshake.validate(handshake.request)
            response = ServerHandshake.response(to: upgrade, subprotocol: subprotocol)
        } catch {
            // The request is our own and always valid.
            preconditionFailure("synthesized upgrade request rejected: \(error)")
        }
        let client = await upgraded(
            socket: clientSocket, on: group.next(), role: .client, configuration: configuration,
            request: handshake.request, response: response, subprotocol: subprotocol)
        let server = await upgraded(
            socket: serverSocket, on: group.next(), role: .server, configuration: configuration,
            request: handshake.request, response: response, subprotocol: subprotocol)
        return (client, server)
    }

    /// Wraps a socket whose opening handshake is already done and starts reading it.
    ///
    /// The seam for harnesses and for transports that upgrade elsewhere: a client gets a fresh
    /// system masking-key source; `initialInput` is what arrived after the handshake head.
    static func upgraded(
        socket: TCPSocket, on loop: EventLoop, role: Role, configuration: WebSocketConfiguration,
        request: HTTPRequestHead, response: HTTPResponseHead, subprotocol: String?,
        remoteAddress: SocketAddress? = nil, initialInput: [UInt8] = []
    ) async -> WebSocket {
        let ws = WebSocket(
            socket: socket, eventLoop: loop, role: role, configuration: configuration, request: request,
            response: response, subprotocol: subprotocol, remoteAddress: remoteAddress,
            maskingKeys: role == .client ? SystemRandomNumberGenerator() : nil)
        await ws.start(initialInput: initialInput)
        return ws
    }
}
