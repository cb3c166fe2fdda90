import WebSocketIO

/// A socket the listener accepted, on its way to a connection task.
struct AcceptedSocket: Sendable {
    let socket: TCPSocket
    let remoteAddress: SocketAddress?
}

/// Accepts connections on a listening socket from its event loop and passes them on.
///
/// When accept fails for lack of descriptors (EMFILE, ENFILE) or memory, it stops watching the
/// listener for a short back-off instead of spinning, then tries again; connections waiting in
/// the kernel's backlog are served once descriptors free up.
final class Acceptor: IOHandler, @unchecked Sendable {
    // @unchecked Sendable. Invariant: `registration`, `backoffTimer` and `stopped` are read and
    // written only on `eventLoop`'s thread (`start`, `stop`, `ioEvent` and the timer run there).
    let listener: TCPListener
    let eventLoop: EventLoop
    let output: AsyncStream<AcceptedSocket>.Continuation
    private var registration: IORegistration?
    private var backoffTimer: TimerID?
    private var stopped = false

    /// How many connections one readiness report accepts before yielding to other work.
    static let acceptsPerWakeUp = 64
    /// How long to pause accepting after running out of descriptors.
    static let backoff: Duration = .milliseconds(100)

    init(listener: TCPListener, eventLoop: EventLoop, output: AsyncStream<AcceptedSocket>.Continuation) {
        self.listener = listener
        self.eventLoop = eventLoop
        self.output = output
    }

    /// Starts accepting. Loop thread only.
    func start() {
        guard !stopped else { return }
        do {
            registration = try eventLoop.register(listener.descriptor, interest: .read, handler: self)
        } catch {
            stop()
        }
    }

    /// Stops accepting and closes the listener. Loop thread only; idempotent.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if let backoffTimer { eventLoop.cancelTimer(backoffTimer) }
        if let registration { eventLoop.deregister(registration) }
        registration = nil
        listener.close()
        output.finish()
    }

    /// The loop shut down: stop accepting, which closes the listener and ends `output`.
    func eventLoopShutDown() {
        registration = nil
        stop()
    }

    func ioEvent(_ events: IOEvents) {
        for _ in 0 ..< Self.acceptsPerWakeUp where !stopped {
            do {
                switch try listener.accept() {
                case .accepted(let socket, let address):
                    try? socket.setNoDelay()
                    output.yield(AcceptedSocket(socket: socket, remoteAddress: address))
                case .wouldBlock:
                    return
                }
            } catch {
                if error.isResourceExhaustion {
                    pauseAccepting()
                    return
                }
                // Other errors concern one connection only: keep accepting.
            }
        }
    }

    private func pauseAccepting() {
        guard let registration, backoffTimer == nil else { return }
        try? eventLoop.setInterest([], for: registration)
        backoffTimer = eventLoop.scheduleTimer(after: Self.backoff) { [self] in
            backoffTimer = nil
            if let registration = self.registration, !stopped {
                try? eventLoop.setInterest(.read, for: registration)
            }
        }
    }
}
