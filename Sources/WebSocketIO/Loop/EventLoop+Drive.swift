extension EventLoop {
    /// Drives a non-blocking operation on `descriptor` to completion from this loop, without
    /// blocking any thread: `step` runs on the loop thread once at the start and again on each
    /// readiness report, and returns the readiness to wait for next, or `nil` when the operation
    /// is done.
    ///
    /// Used for a TCP connect (wait for writability, then read `SO_ERROR`) and a TLS handshake
    /// (WANT_READ / WANT_WRITE). The descriptor must not be registered with a loop already; it is
    /// registered only while the operation runs.
    ///
    /// - Parameters:
    ///   - step: Called with `nil` at the start and with the reported events afterwards. Throwing
    ///     ends the operation with that error.
    /// - Throws: What `step` threw, `Errno.timedOut` after `timeout`, `CancellationError` when the
    ///   task is cancelled, `Errno.canceled` when the loop shuts down, or the registration's
    ///   `Errno`.
    package func drive(
        _ descriptor: SocketDescriptor, timeout: Duration,
        step: @escaping @Sendable (IOEvents?) throws -> IOInterest?
    ) async throws {
        let operation = DrivenOperation(descriptor: descriptor, loop: self, timeout: timeout, step: step)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                execute { operation.start(continuation) }
            }
        } onCancel: {
            execute { operation.finish(.failure(CancellationError())) }
        }
    }
}

/// An operation `EventLoop.drive` runs: steps on readiness, on the loop thread, until it is done,
/// fails, times out or is cancelled.
private final class DrivenOperation: IOHandler, @unchecked Sendable {
    // @unchecked Sendable. Invariant: every mutable property is read and written only on
    // `loop`'s thread: `start`, `finish`, `ioEvent` and the timer run there (via `execute`).
    private let descriptor: SocketDescriptor
    private let loop: EventLoop
    private let timeout: Duration
    private let step: @Sendable (IOEvents?) throws -> IOInterest?
    private var continuation: CheckedContinuation<Void, any Error>?
    private var registration: IORegistration?
    private var timer: TimerID?
    /// A result that arrived before `start` (cancellation of an already cancelled task).
    private var earlyResult: Result<Void, any Error>?
    private var finished = false

    init(
        descriptor: SocketDescriptor, loop: EventLoop, timeout: Duration,
        step: @escaping @Sendable (IOEvents?) throws -> IOInterest?
    ) {
        self.descriptor = descriptor
        self.loop = loop
        self.timeout = timeout
        self.step = step
    }

    func start(_ continuation: CheckedContinuation<Void, any Error>) {
        if let earlyResult {
            continuation.resume(with: earlyResult)
            return
        }
        self.continuation = continuation
        do {
            registration = try loop.register(descriptor, interest: [], handler: self)
        } catch {
            finish(.failure(error))
            return
        }
        timer = loop.scheduleTimer(after: timeout) { [self] in finish(.failure(Errno.timedOut)) }
        advance(nil)
    }

    func ioEvent(_ events: IOEvents) { advance(events) }

    func eventLoopShutDown() {
        registration = nil   // ended by the loop
        finish(.failure(Errno.canceled))
    }

    private func advance(_ events: IOEvents?) {
        do {
            guard let interest = try step(events) else { return finish(.success(())) }
            if let registration { try loop.setInterest(interest, for: registration) }
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
