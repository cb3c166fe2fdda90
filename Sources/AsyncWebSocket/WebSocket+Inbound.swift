import WebSocketCore
import WebSocketIO

/// Receives the loop's callbacks for one connection and enters the connection's isolation.
///
/// A separate object rather than a conformance of `WebSocket` itself, so that `ioEvent` and
/// `endOfTick` do not become public API of the actor. The loop holds it (and so the connection)
/// while the socket is registered.
final class LoopCallbacks: IOHandler, EndOfTickHandler {
    let socket: WebSocket

    init(_ socket: WebSocket) { self.socket = socket }

    /// Readiness from the selector; runs on the loop thread, which is the actor's executor.
    func ioEvent(_ events: IOEvents) {
        socket.assumeIsolated { socket in
            if events.contains(.writable) {
                socket.flush()
                // A TLS read can wait for writability (a key update to answer).
                if socket.secure != nil && events.isDisjoint(with: [.readable, .hangup, .error]) {
                    socket.readFromSocket()
                }
            }
            if !events.isDisjoint(with: [.readable, .hangup, .error]) { socket.readFromSocket() }
        }
    }

    /// The end of a tick in which the connection queued output: write it in one go.
    func endOfTick() {
        socket.assumeIsolated { $0.flush() }
    }
}

extension WebSocket {
    /// Registers the socket with the loop and processes bytes that arrived with the handshake.
    func start(initialInput: [UInt8]) {
        do {
            registration = try eventLoop.register(socket.descriptor, interest: .read, handler: callbacks)
        } catch {
            finish(code: .abnormalClosure, reason: "")
            return
        }
        if !initialInput.isEmpty {
            connection.receive(initialInput)
            processEvents()
        }
        if connection.hasPendingOutput { scheduleFlush() }
        startKeepalive()
    }

    /// Reads what the socket has (one read per readiness keeps loops fair) and handles it.
    func readFromSocket() {
        guard !readingPaused, !transportClosed else { return }
        let scratch = eventLoop.readBuffer
        do {
            let result = if let secure { try secure.read(into: scratch) } else { try socket.read(into: scratch) }
            switch result {
            case .bytes(let count):
                lastReceived = ContinuousClock.now
                connection.receive(UnsafeRawBufferPointer(rebasing: scratch[..<count]))
                processEvents()
            case .eof:
                connection.receiveEndOfStream()
                processEvents()
                transportEnded()
            case .wouldBlock:
                if let secure, secure.blockedOn == .write, !writeBlocked {
                    writeBlocked = true
                    updateInterest()
                }
                return
            }
        } catch {
            // A reset or other transport error: deliver what was complete, then close (1006).
            if closeError == nil { closeError = WebSocketError(.transport, "\(error)") }
            connection.receiveEndOfStream()
            processEvents()
            transportEnded()
        }
        if connection.hasPendingOutput { scheduleFlush() }
        if let secure, secure.hasBufferedInput { readBufferedSecureInput() }
    }

    /// The TLS layer holds decrypted bytes the socket will not signal: read them in a later job.
    func readBufferedSecureInput() {
        guard !readingPaused, !transportClosed else { return }
        eventLoop.execute { [self] in
            assumeIsolated { $0.readFromSocket() }
        }
    }

    /// Whether the inbox has reached either of its limits.
    var inboxIsFull: Bool {
        inbox.count >= configuration.inboundBufferMessages || inbox.byteCount >= configuration.inboundBufferBytes
    }

    /// Takes events from the protocol engine until it needs more input or the inbox is full.
    func processEvents() {
        while !inboxIsFull, let event = connection.nextEvent() {
            switch event {
            case .message(let message):
                noteMessageActivity()
                deliver(message)
            case .fragment:
                noteMessageActivity()
            case .ping(let payload):
                controlFrameObserver?(.ping(payload))
            case .pong(let payload):
                receivedPong(payload)
                controlFrameObserver?(.pong(payload))
            case .closeReceived(let frame):
                closeCode = frame.code ?? .noStatusReceived
                closeReason = frame.reason
            case .failed(let violation):
                closeCode = violation.closeCode
                closeReason = violation.description
                closeError = WebSocketError(.protocolViolation, violation.description)
            }
        }
        if inboxIsFull && !readingPaused && connection.state != .closed {
            readingPaused = true
            updateInterest()
        }
        if connection.state != .open { connectionStopped() }
    }

    func deliver(_ message: Message) {
        if let reader {
            self.reader = nil
            reader.resume(returning: message)
        } else {
            inbox.append(message)
        }
    }

    /// The next message for `WebSocketMessages`; `nil` once the connection is closed and every
    /// message received before that has been taken.
    func nextMessage() async -> Message? {
        if let message = inbox.popFirst() {
            if readingPaused && !inboxIsFull { resumeReading() }
            return message
        }
        guard !transportClosed, reader == nil else { return nil }
        if Task.isCancelled {
            cancelledByReader()
            return nil
        }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                reader = continuation
            }
        } onCancel: {
            eventLoop.execute { [self] in
                assumeIsolated { $0.cancelledByReader() }
            }
        }
    }

    /// The task iterating `messages` was cancelled: end the iteration and close with 1001.
    func cancelledByReader() {
        if let reader {
            self.reader = nil
            reader.resume(returning: nil)
        }
        beginClose(code: .goingAway, reason: "")
    }

    /// The application took messages; read again (first from what the engine already holds).
    func resumeReading() {
        readingPaused = false
        processEvents()
        if !readingPaused {
            if let secure, secure.hasBufferedInput { readBufferedSecureInput() }
            updateInterest()
            if connection.hasPendingOutput { scheduleFlush() }
        }
    }

    /// Registers for the readiness this connection needs now.
    func updateInterest() {
        guard let registration, !transportClosed else { return }
        var wanted: IOInterest = []
        if !readingPaused { wanted.insert(.read) }
        if writeBlocked { wanted.insert(.write) }
        guard wanted != interest else { return }
        interest = wanted
        try? eventLoop.setInterest(wanted, for: registration)
    }
}
