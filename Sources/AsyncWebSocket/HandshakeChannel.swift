import WebSocketCore
import WebSocketIO

/// The HTTP phase of one connection: read one head, write one, then hand the socket over.
///
/// An actor on the connection's event loop, registered for readiness only while it waits. The
/// whole phase is bounded by one timer (`handshakeTimeout`), so a client that dribbles its
/// request a byte at a time (slow loris) is cut off when the timer fires.
actor HandshakeChannel: IOHandler {
    nonisolated let eventLoop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.asUnownedSerialExecutor() }
    let socket: TCPSocket
    /// The TLS layer (`wss://`): its handshake runs first, under the same deadline.
    let secure: (any SecureStream)?

    private var registration: IORegistration?
    private var waiter: UnsafeContinuation<Void, any Error>?
    private var timer: TimerID?
    private var timedOut = false
    private var inSecureHandshake = false

    init(socket: TCPSocket, eventLoop: EventLoop, secure: (any SecureStream)? = nil) {
        self.socket = socket
        self.secure = secure
        self.eventLoop = eventLoop
    }

    /// Registers with the loop and arms the deadline for the whole handshake.
    func start(timeout: Duration) throws {
        registration = try eventLoop.register(socket.descriptor, interest: [], handler: self)
        timer = eventLoop.scheduleTimer(after: timeout) { [self] in
            assumeIsolated { $0.expire() }
        }
    }

    private func expire() {
        timer = nil
        timedOut = true
        let phase = inSecureHandshake ? "TLS handshake" : "handshake"
        wake(throwing: WebSocketError(.timedOut, "\(phase) timed out"))
    }

    nonisolated func ioEvent(_ events: IOEvents) {
        assumeIsolated { $0.wake(throwing: nil) }
    }

    /// The loop shut down: fail the wait, and every later one (the owner closes the socket).
    nonisolated func eventLoopShutDown() {
        assumeIsolated { channel in
            channel.registration = nil
            channel.wake(throwing: WebSocketError(.connectionClosed, "the event loop shut down during the handshake"))
        }
    }

    private func wake(throwing error: (any Error)?) {
        guard let waiter else { return }
        self.waiter = nil
        if let registration { try? eventLoop.setInterest([], for: registration) }
        if let error { waiter.resume(throwing: error) } else { waiter.resume() }
    }

    /// Suspends until the socket is ready for `interest` or the deadline passes.
    private func waitFor(_ interest: IOInterest) async throws {
        guard !timedOut else { throw WebSocketError(.timedOut, "handshake timed out") }
        guard let registration else { throw WebSocketError.closed }
        try eventLoop.setInterest(interest, for: registration)
        try await withUnsafeThrowingContinuation { continuation in
            waiter = continuation
        }
    }

    /// Runs the TLS handshake, if there is a TLS layer.
    /// - Throws: `WebSocketError` `.tlsFailed` with the reason (certificate, host name, a peer
    ///   that does not speak TLS), or `.timedOut`.
    func secureHandshake() async throws {
        guard let secure else { return }
        inSecureHandshake = true
        defer { inSecureHandshake = false }
        while true {
            let interest: IOInterest?
            do {
                interest = try secure.handshakeStep()
            } catch {
                throw WebSocketError(.tlsFailed, "\(error)")
            }
            guard let interest else { return }
            try await waitFor(interest)
        }
    }

    /// Reads until `parser` has a complete head; returns it with the bytes that followed it.
    func readHead<Head: HTTPHead>(with parser: HTTPHeadParser<Head>) async throws -> (Head, [UInt8]) {
        var parser = parser
        let scratch = eventLoop.readBuffer
        while true {
            let result = if let secure { try secure.read(into: scratch) } else { try socket.read(into: scratch) }
            switch result {
            case .bytes(let count):
                if let head = try parser.append(UnsafeRawBufferPointer(rebasing: scratch[..<count])) {
                    return (head, parser.takeRemainder())
                }
            case .eof:
                throw WebSocketError(.connectionClosed, "the peer closed the connection during the handshake")
            case .wouldBlock:
                try await waitFor(secure?.blockedOn ?? .read)
            }
        }
    }

    /// Writes all of `bytes`, waiting for writability as needed; through the TLS layer unless
    /// `unencrypted` (for answering a peer that sent plain HTTP to a TLS port).
    func writeAll(_ bytes: [UInt8], unencrypted: Bool = false) async throws {
        let secure = unencrypted ? nil : secure
        var offset = 0
        while offset < bytes.count {
            let result = try bytes.withUnsafeBytes { buffer in
                let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                return if let secure { try secure.write(rest) } else { try socket.write(rest) }
            }
            switch result {
            case .written(let count): offset += count
            case .wouldBlock: try await waitFor(secure?.blockedOn ?? .write)
            }
        }
    }

    /// Ends the HTTP phase: cancels the deadline and deregisters, leaving the socket open.
    func detach() {
        if let timer { eventLoop.cancelTimer(timer) }
        timer = nil
        if let registration { eventLoop.deregister(registration) }
        registration = nil
    }

    /// Ends the HTTP phase and closes the socket.
    func close() {
        detach()
        secure?.shutdown()
        socket.close()
    }
}
