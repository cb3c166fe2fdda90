public import WebSocketIO

extension TLSSession {
    /// Runs the whole handshake on `loop` without blocking a thread, bounded by `timeout`.
    ///
    /// The socket must not be registered with the loop; it is registered for the handshake only.
    /// (`AsyncWebSocket` instead drives `handshakeStep()` itself, under its handshake timer.)
    /// - Throws: `TLSError`, `WebSocketIO.Errno.timedOut` after `timeout`, or `CancellationError`.
    public func handshake(on loop: EventLoop, timeout: Duration = .seconds(10)) async throws {
        let operation = PendingTLSHandshake(session: self, loop: loop, timeout: timeout)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                loop.execute { operation.start(continuation) }
            }
        } onCancel: {
            loop.execute { operation.finish(.failure(CancellationError())) }
        }
    }
}

/// A handshake in progress: steps on readiness, on the loop thread, until done or timed out.
private final class PendingTLSHandshake: IOHandler, @unchecked Sendable {
    // @unchecked Sendable. Invariant: every mutable property is used only on `loop`'s thread.
    private let session: TLSSession
    private let loop: EventLoop
    private let timeout: Duration
    private var continuation: CheckedContinuation<Void, any Error>?
    private var registration: IORegistration?
    private var timer: TimerID?
    private var earlyResult: Result<Void, any Error>?
    private var finished = false

    init(session: TLSSession, loop: EventLoop, timeout: Duration) {
        self.session = session
        self.loop = loop
        self.timeout = timeout
    }

    func start(_ continuation: CheckedContinuation<Void, any Error>) {
        if let earlyResult {
            continuation.resume(with: earlyResult)
            return
        }
        self.continuation = continuation
        do {
            registration = try loop.register(session.socket.descriptor, interest: [], handler: self)
        } catch {
            finish(.failure(error))
            return
        }
        timer = loop.scheduleTimer(after: timeout) { [self] in finish(.failure(Errno.timedOut)) }
        step()
    }

    func ioEvent(_ events: IOEvents) { step() }

    private func step() {
        do {
            if let interest = try session.handshakeStep() {
                if let registration { try loop.setInterest(interest, for: registration) }
            } else {
                finish(.success(()))
            }
        } catch {
            finish(.failure(error))
        }
    }

    func finish(_ result: Result<Void, any Error>) {
        guard !finished else { return }
        guard let continuation else {
            earlyResult = result
            return
        }
        finished = true
        self.continuation = nil
        if let registration { loop.deregister(registration) }
        if let timer { loop.cancelTimer(timer) }
        registration = nil
        timer = nil
        continuation.resume(with: result)
    }
}
