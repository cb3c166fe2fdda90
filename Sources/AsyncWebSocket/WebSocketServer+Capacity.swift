import WebSocketCore
import WebSocketIO

extension WebSocketServer {
    /// How many over-capacity connections may be answered with 503 at once; beyond that they
    /// are closed without an answer, so a flood cannot grow the rejections without bound.
    static let maxConcurrentRejections = 256

    /// Answers a connection accepted while `maxConnections` are being served with 503 Service
    /// Unavailable (after reading its request, within the handshake timeout) and closes it.
    func rejectOverCapacity(_ accepted: AcceptedSocket, on loop: EventLoop, in group: inout DiscardingTaskGroup) {
        guard activeTasks - servingTasks < Self.maxConcurrentRejections else {
            accepted.socket.close()
            return
        }
        activeTasks += 1
        let configuration = configuration
        let secure = makeSecure
        group.addTask(executorPreference: loop) {
            await ServerHandshakeDriver.rejectOverCapacity(
                accepted, on: loop, configuration: configuration, secure: secure)
            await self.taskEnded(serving: false)
        }
    }
}

extension ServerHandshakeDriver {
    /// Reads the request head (so closing does not reset the connection under the client's
    /// request and lose the answer), answers 503 and closes. On a TLS port the TLS handshake
    /// comes first, so the client can read the answer.
    static func rejectOverCapacity(
        _ accepted: AcceptedSocket, on loop: EventLoop, configuration: WebSocketConfiguration,
        secure makeSecure: WebSocket.SecureStreamFactory?
    ) async {
        guard let channel = channel(for: accepted, on: loop, secure: makeSecure) else { return }
        do {
            try await channel.start(timeout: configuration.handshakeTimeout)
            try await channel.secureHandshake()
            let parser = HTTPHeadParser<HTTPRequestHead>(
                maxHeadSize: configuration.maxHandshakeHeadSize, maxHeaderCount: configuration.maxHandshakeHeaderCount)
            _ = try await channel.readHead(with: parser)
            var answer = WebSocketHTTPResponse.text("The server is at its connection limit; try again later.\n", status: 503)
            answer.headers.replaceOrAdd(name: "Retry-After", value: "1")
            try await channel.writeAll(answer.serialized(includeBody: true))
        } catch {
            // A bad or slow request over capacity just gets closed (plain HTTP on a TLS port
            // is told so).
            await closeAfterFailure(channel)
            return
        }
        await channel.close()
    }
}
