public import WebSocketIO

extension TLSSession {
    /// Runs the whole handshake on `loop` without blocking a thread, bounded by `timeout`.
    ///
    /// The socket must not be registered with the loop; it is registered for the handshake only.
    /// (`AsyncWebSocket` instead drives `handshakeStep()` itself, under its handshake timer.)
    /// - Throws: `TLSError`, `WebSocketIO.Errno.timedOut` after `timeout`, or `CancellationError`.
    public func handshake(on loop: EventLoop, timeout: Duration = .seconds(10)) async throws {
        try await loop.drive(socket.descriptor, timeout: timeout) { [self] _ in try handshakeStep() }
    }
}
