#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TCPSocket {
    /// How a non-blocking connect started.
    public enum ConnectStatus: Hashable, Sendable {
        /// The connection is established (common on loopback).
        case connected
        /// The handshake is under way: wait for writable readiness, then `finishConnect()`.
        case inProgress
    }

    /// Creates an unconnected, non-blocking TCP socket for `family`.
    public convenience init(family: SocketAddress.Family) throws(Errno) {
        let descriptor = try SocketDescriptor.makeStreamSocket(family: family == .ipv6 ? AF_INET6 : AF_INET)
        self.init(takingOwnershipOf: descriptor)
    }

    /// Starts connecting to `address` without blocking. The corresponding C function is
    /// `connect`.
    /// - Throws: `Errno` if the connect failed at once (for example `.connectionRefused`).
    public func beginConnect(to address: SocketAddress) throws(Errno) -> ConnectStatus {
        let raw = descriptor.rawValue
        let result = try address.withSockAddr { pointer, length throws(Errno) in
            // Not retried on EINTR: the kernel carries on with the handshake, and a second
            // connect would fail with EALREADY. EINTR is reported as in progress.
            if system_connect(raw, pointer, length) == 0 { return Int32(0) }
            let error = Errno.current
            if error == .inProgress || error == .interrupted { return Int32(1) }
            throw error
        }
        return result == 0 ? .connected : .inProgress
    }

    /// Completes a connect that was in progress, once the socket became writable.
    /// - Throws: the connect's error, read from `SO_ERROR` (for example `.connectionRefused`).
    public func finishConnect() throws(Errno) {
        let error = try descriptor.option(level: SOL_SOCKET, name: SO_ERROR)
        if error != 0 { throw Errno(rawValue: error) }
    }

    /// Connects to `address` without blocking any thread: the handshake completes through
    /// writable readiness on `loop`.
    ///
    /// The socket is not registered with the loop afterwards; register it where it will be read.
    /// - Parameters:
    ///   - timeout: how long to wait for the handshake. 30 seconds by default, a common
    ///     browser and proxy limit that is longer than the kernel's first SYN retries.
    /// - Throws: `Errno` (`.connectionRefused`, `.timedOut` after `timeout`, …), or
    ///   `CancellationError` when the task is cancelled.
    public static func connect(
        to address: SocketAddress, on loop: EventLoop, timeout: Duration = .seconds(30)
    ) async throws -> TCPSocket {
        let socket = try TCPSocket(family: address.family)
        if try socket.beginConnect(to: address) == .connected { return socket }
        let operation = PendingConnect(socket: socket, loop: loop, timeout: timeout)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                loop.execute { operation.start(continuation) }
            }
        } onCancel: {
            loop.execute { operation.finish(.failure(CancellationError())) }
        }
        return socket
    }
}

/// A connect in progress: waits for writable readiness or the timeout on the loop thread.
private final class PendingConnect: IOHandler, @unchecked Sendable {
    // @unchecked Sendable. Invariant: every mutable property is read and written only on
    // `loop`'s thread: `start`, `finish`, `ioEvent` and the timer run there (via `execute`).
    private let socket: TCPSocket
    private let loop: EventLoop
    private let timeout: Duration
    private var continuation: CheckedContinuation<Void, any Error>?
    private var registration: IORegistration?
    private var timer: TimerID?
    /// A result that arrived before `start` (cancellation of an already cancelled task).
    private var earlyResult: Result<Void, any Error>?
    private var finished = false

    init(socket: TCPSocket, loop: EventLoop, timeout: Duration) {
        self.socket = socket
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
            registration = try loop.register(socket.descriptor, interest: .write, handler: self)
        } catch {
            finish(.failure(error))
            return
        }
        timer = loop.scheduleTimer(after: timeout) { [self] in finish(.failure(Errno.timedOut)) }
    }

    func ioEvent(_ events: IOEvents) {
        do {
            try socket.finishConnect()
            if events.contains(.writable) { finish(.success(())) }
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
