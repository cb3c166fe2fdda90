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
        guard let secure = secureStream(for: accepted, makeSecure) else { return }
        let channel = HandshakeChannel(socket: accepted.socket, eventLoop: loop, secure: secure)
        do {
            try await channel.start(timeout: configuration.handshakeTimeout)
            try await channel.secureHandshake()
            let parser = HTTPHeadParser<HTTPRequestHead>(
                maxHeadSize: configuration.maxHandshakeHeadSize, maxHeaderCount: configuration.maxHandshakeHeaderCount)
            _ = try await channel.readHead(with: parser)
            let body = "The server is at its connection limit; try again later.\n"
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: "Connection", value: "close")
            headers.replaceOrAdd(name: "Retry-After", value: "1")
            headers.replaceOrAdd(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
            var bytes = HTTPResponseHead(status: 503, headers: headers).serialized()
            bytes.append(contentsOf: body.utf8)
            try await channel.writeAll(bytes)
        } catch {
            // A bad or slow request over capacity just gets closed (plain HTTP on a TLS port
            // is told so).
            await closeAfterFailure(channel, secure: secure)
            return
        }
        await channel.close()
    }
}
