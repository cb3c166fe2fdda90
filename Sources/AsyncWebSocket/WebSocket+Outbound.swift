public import WebSocketCore
import WebSocketIO

extension WebSocket {
    /// Sends a message.
    ///
    /// The message is queued at once, in call order; the call suspends only while more than
    /// `outboundHighWaterMark` bytes wait for the socket, and resumes when the queue drains to
    /// `outboundLowWaterMark`. Writes are batched: everything sent during one turn of the
    /// event loop goes out in one system call.
    ///
    /// - Throws: `WebSocketError` `.connectionClosed` once a Close frame was sent or received or
    ///   the transport ended.
    public func send(_ message: Message) async throws {
        try await send(message, compress: true)
    }

    /// Sends a message, opting it out of compression when `compress` is `false`.
    ///
    /// Use it for data that is already compressed (images, archives) on a connection that
    /// negotiated permessage-deflate: it goes out as is, without RSV1. Without compression
    /// negotiated the flag changes nothing.
    public func send(_ message: Message, compress: Bool) async throws {
        guard !transportClosed else { throw WebSocketError.closed }
        do {
            try connection.send(message, applyingExtensions: compress)
        } catch {
            throw WebSocketError.from(error)
        }
        noteMessageActivity()
        try await afterQueueingOutput()
    }

    /// Sends a text message.
    public func send(text: String) async throws {
        try await send(.text(text))
    }

    /// Sends a binary message.
    public func send(binary: [UInt8]) async throws {
        try await send(.binary(binary))
    }

    /// Sends a Ping and returns the round-trip time when its Pong arrives.
    ///
    /// Each ping carries a distinct 8-byte payload. A Pong answers the ping it echoes and every
    /// ping sent before it (RFC 6455 §5.5.3 lets a peer answer only the latest).
    ///
    /// - Throws: `.connectionClosed` if the connection closes before the Pong arrives.
    @discardableResult
    public func ping() async throws -> Duration {
        guard !transportClosed else { throw WebSocketError.closed }
        pingCounter &+= 1
        let payload = withUnsafeBytes(of: pingCounter.bigEndian) { Array($0) }
        do {
            try connection.ping(payload)
        } catch {
            throw WebSocketError.from(error)
        }
        scheduleFlush()
        let sent = ContinuousClock.now
        return try await withUnsafeThrowingContinuation { continuation in
            pings.append((payload, sent, continuation))
        }
    }

    func receivedPong(_ payload: [UInt8]) {
        keepalivePongReceived()
        guard let index = pings.firstIndex(where: { $0.payload == payload }) else { return }
        let now = ContinuousClock.now
        for ping in pings[...index] { ping.continuation.resume(returning: now - ping.sent) }
        pings.removeFirst(index + 1)
    }

    /// Flushes at the end of the tick and suspends the caller while the queue is too long.
    func afterQueueingOutput() async throws {
        scheduleFlush()
        guard connection.pendingOutputCount > configuration.outboundHighWaterMark else { return }
        flush()
        while connection.pendingOutputCount > configuration.outboundLowWaterMark {
            guard !transportClosed else { throw WebSocketError.closed }
            try await withUnsafeThrowingContinuation { continuation in
                writers.append(continuation)
            }
        }
    }

    /// Arranges one flush at the end of the current loop tick.
    func scheduleFlush() {
        guard !flushScheduled, !writeBlocked, !transportClosed else { return }
        flushScheduled = true
        eventLoop.runAtEndOfTick(callbacks)
    }

    /// Writes pending output until the socket would block.
    func flush() {
        flushScheduled = false
        guard !transportClosed else { return }
        var blocked = false
        var failed = false
        while connection.hasPendingOutput && !blocked && !failed {
            connection.withPendingOutput { bytes in
                do {
                    let result = if let secure { try secure.write(bytes) } else { try socket.write(bytes) }
                    switch result {
                    case .written(let count): return count
                    case .wouldBlock: blocked = true
                    }
                } catch {
                    failed = true
                }
                return 0
            }
        }
        if failed {
            connection.receiveEndOfStream()
            transportEnded()
            return
        }
        if blocked != writeBlocked {
            writeBlocked = blocked
            updateInterest()
        }
        if !writers.isEmpty && connection.pendingOutputCount <= configuration.outboundLowWaterMark {
            let waiting = writers
            writers = []
            for writer in waiting { writer.resume() }
        }
        if !connection.hasPendingOutput && connection.state == .closed { outputDrainedAfterClose() }
    }
}
