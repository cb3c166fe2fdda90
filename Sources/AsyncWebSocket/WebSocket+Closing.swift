public import WebSocketCore
import WebSocketIO

extension WebSocket {
    /// Runs the closing handshake: sends a Close frame and returns once the connection is closed.
    ///
    /// Messages the peer sent before its Close frame are still delivered to `messages`. If the
    /// peer does not answer within `closeTimeout`, the transport is closed anyway. Calling
    /// `close` on a closing or closed connection just waits for the end.
    ///
    /// - Parameters:
    ///   - code: The status code; 1000 by default. 1005, 1006 and 1015 may not be sent.
    ///   - reason: At most 123 UTF-8 bytes.
    /// - Throws: `WebSocketError` `.invalidArgument` for a code that may not be sent or a reason
    ///   that is too long.
    public func close(code: CloseCode = .normalClosure, reason: String = "") async throws {
        if connection.state == .open && !transportClosed {
            do {
                try connection.close(code: code, reason: reason)
            } catch {
                throw WebSocketError.from(error)
            }
            scheduleFlush()
            armCloseTimer()
        }
        await waitUntilClosed()
    }

    /// Closes the transport at once, without a closing handshake. `closeCode` becomes 1006.
    public func terminate() {
        finish(code: .abnormalClosure, reason: "")
    }

    /// Fails the connection from our side without waiting for the peer: queues a Close with
    /// `code` if none was sent yet, writes what the socket takes at once, and closes it.
    ///
    /// Used when a deadline has passed (a server's shutdown grace period). Unlike
    /// `terminate()`, the peer usually still learns why: without this, cancelling
    /// `WebSocketServer.run` (grace period zero) raced the 1001 Close frames against the abort
    /// and clients saw 1006.
    func abort(code: CloseCode, reason: String) {
        guard !transportClosed else { return }
        connection.abort(code: code, reason: reason)
        flush()
        finish(code: code, reason: reason)
    }

    /// Suspends until the transport is closed.
    func waitUntilClosed() async {
        guard !transportClosed else { return }
        await withUnsafeContinuation { continuation in
            closeWaiters.append(continuation)
        }
    }

    /// Starts closing with `code` if the connection is still open, without waiting.
    func beginClose(code: CloseCode, reason: String) {
        guard connection.state == .open, !transportClosed else { return }
        try? connection.close(code: code, reason: Connection.truncated(reason, toUTF8Count: 123))
        scheduleFlush()
        armCloseTimer()
    }

    /// Called after the engine left `.open`: a Close was sent, received, or the peer failed.
    func connectionStopped() {
        armCloseTimer()
        guard connection.state == .closed else { return }
        if connection.hasPendingOutput {
            scheduleFlush()
        } else {
            outputDrainedAfterClose()
        }
    }

    /// Everything, including our Close frame, is written and the handshake is over.
    ///
    /// A server closes the TCP connection now. So does a client after a failure; after a clean
    /// handshake it waits for the server to close first (RFC 6455 §7.1.1), bounded by the timer.
    func outputDrainedAfterClose() {
        guard !transportClosed else { return }
        let cleanClientClose = role == .client && connection.violation == nil && connection.closeFrameReceived != nil
            && !connection.receivedEndOfStream
        if cleanClientClose {
            if readingPaused {
                readingPaused = false
                updateInterest()
            }
            return
        }
        finish(code: closeCode ?? .abnormalClosure, reason: closeReason)
    }

    /// Bounds the closing handshake (and a client's wait for the server's TCP close).
    func armCloseTimer() {
        guard closeTimer == nil, !transportClosed else { return }
        closeTimer = eventLoop.scheduleTimer(after: configuration.closeTimeout) { [self] in
            assumeIsolated { socket in
                socket.closeTimer = nil
                if socket.closeError == nil {
                    socket.closeError = WebSocketError(.timedOut, "the closing handshake did not finish within the close timeout")
                }
                socket.finish(code: socket.closeCode ?? .abnormalClosure, reason: socket.closeReason)
            }
        }
    }

    /// The transport reported EOF or an error.
    func transportEnded() {
        if closeError == nil && connection.closeFrameReceived == nil {
            closeError = WebSocketError(.transport, "the connection ended without a closing handshake")
        }
        finish(code: closeCode ?? .abnormalClosure, reason: closeReason)
    }

    /// The event loop shut down with the socket registered: no byte will move again, so the
    /// connection ends as if the transport had (1006, `.transport`), waking every waiter.
    func eventLoopShutDown() {
        registration = nil   // ended by the loop
        if closeError == nil {
            closeError = WebSocketError(.transport, "the event loop shut down")
        }
        finish(code: closeCode ?? .abnormalClosure, reason: closeReason)
    }

    /// Closes the socket and wakes everyone waiting on this connection. Idempotent.
    func finish(code: CloseCode, reason: String) {
        guard !transportClosed else { return }
        transportClosed = true
        if closeCode == nil {
            closeCode = code
            closeReason = reason
        }
        if let closeTimer {
            eventLoop.cancelTimer(closeTimer)
            self.closeTimer = nil
        }
        stopKeepalive()
        if let registration {
            eventLoop.deregister(registration)
            self.registration = nil
        }
        // Break the cycle with the loop's handle (an end-of-tick flush may still hold it; it
        // runs once and finds the transport closed).
        loopCallbacks = nil
        secure?.shutdown()
        socket.close()
        // What the socket never took is dropped now, not when the actor is released (a slow
        // reader's megabyte of backlog would otherwise outlive the connection with the handler).
        _ = connection.takeOutput()
        if let reader, inbox.isEmpty {
            self.reader = nil
            reader.resume(returning: nil)
        }
        let waitingWriters = writers
        writers = []
        for writer in waitingWriters { writer.resume(throwing: WebSocketError.closed) }
        let waitingPings = pings
        pings = []
        for ping in waitingPings { ping.continuation.resume(throwing: WebSocketError.closed) }
        let waiters = closeWaiters
        closeWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Ends a handler's connection: close with 1000 (or 1011 if it threw) and wait.
    package func handlerReturned(error: (any Error)?) async {
        if error != nil {
            beginClose(code: .internalError, reason: "")
        } else {
            beginClose(code: .normalClosure, reason: "")
        }
        await waitUntilClosed()
    }

    /// Runs a handler isolated to `ws`, then ends its connection: 1000 if the handler returned,
    /// 1011 if it threw (the error is rethrown). The one place the scoped client `connect`s and
    /// the server's per-connection task share.
    package static func run<Result: Sendable>(
        _ ws: WebSocket, _ body: (isolated WebSocket) async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body(ws)
            await ws.handlerReturned(error: nil)
            return result
        } catch {
            await ws.handlerReturned(error: error)
            throw error
        }
    }
}

extension LoopCallbacks {
    /// The loop shut down with the connection registered; see `WebSocket.eventLoopShutDown()`.
    func eventLoopShutDown() {
        socket.assumeIsolated { $0.eventLoopShutDown() }
    }
}
