#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A connected, non-blocking stream socket that closes its descriptor exactly once.
///
/// Reads and writes never block: they report `.wouldBlock`, and the caller waits for
/// readiness by registering `descriptor` with an `EventLoop`. A write to a peer that has gone
/// away fails with `Errno.brokenPipe` or `.connectionReset`; it never raises `SIGPIPE`.
///
/// ```swift
/// let socket = try await TCPSocket.connect(to: address, on: loop, timeout: .seconds(5))
/// try socket.setNoDelay()
/// let result = try buffer.withUnsafeBytes { try socket.write($0) }
/// ```
///
/// One owner at a time (typically the connection actor) should read and write; `close()` may
/// be called from anywhere and is idempotent. Deregister from the loop before closing.
public final class TCPSocket: Sendable {
    /// The descriptor, or -1 once closed; the exchange in `close()` makes closing happen once.
    private let storage: Atomic<Int32>

    /// Takes ownership of an open, non-blocking socket descriptor.
    public init(takingOwnershipOf descriptor: SocketDescriptor) {
        storage = Atomic(descriptor.rawValue)
    }

    deinit {
        close()
    }

    /// The descriptor, for `EventLoop.register`; `-1` once closed.
    public var descriptor: SocketDescriptor {
        SocketDescriptor(rawValue: storage.load(ordering: .relaxed))
    }

    /// Whether `close()` has been called.
    public var isClosed: Bool { storage.load(ordering: .relaxed) < 0 }

    /// Closes the descriptor; later calls do nothing. The corresponding C function is `close`.
    public func close() {
        let old = storage.exchange(-1, ordering: .acquiringAndReleasing)
        if old >= 0 { SocketDescriptor(rawValue: old).close() }
    }

    /// Reads what is available, up to `buffer.count` bytes, without blocking.
    ///
    /// `.eof` means the peer shut down its side; `.wouldBlock` means wait for `.readable`.
    /// - Throws: `Errno`, for example `.connectionReset`; `.badFileDescriptor` once closed.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadResult {
        try descriptor.read(into: buffer)
    }

    /// Writes as much of `buffer` as the send buffer takes, without blocking.
    /// - Throws: `Errno`, for example `.brokenPipe` or `.connectionReset`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> WriteResult {
        try descriptor.write(buffer)
    }

    /// Writes several buffers, in order, with one system call (`sendmsg`, a vectored write).
    ///
    /// This is the efficient way to flush a queue of frames: pass the pending header and
    /// payload buffers together (up to `SocketDescriptor.maximumVectorCount`), then drop the
    /// fully written ones and keep the rest for the next writable event.
    public func write(vectored buffers: UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(Errno) -> WriteResult {
        try descriptor.write(vectored: buffers)
    }

    /// Writes several buffers with one system call; see `write(vectored:)`.
    public func write(vectored buffers: [UnsafeRawBufferPointer]) throws(Errno) -> WriteResult {
        try buffers.withUnsafeBufferPointer { pointer throws(Errno) in try descriptor.write(vectored: pointer) }
    }

    /// Turns Nagle's algorithm off (`TCP_NODELAY`), so small frames leave at once.
    ///
    /// The layer above batches writes per tick itself, so Nagle only adds latency.
    public func setNoDelay(_ enabled: Bool = true) throws(Errno) {
        try descriptor.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: enabled ? 1 : 0)
    }

    /// Shuts down the sending side: the peer reads EOF, and this side can still read.
    /// The corresponding C function is `shutdown` with `SHUT_WR`.
    public func shutdownWrite() throws(Errno) {
        #if os(Linux)
        let how = Int32(SHUT_WR)
        #else
        let how = SHUT_WR
        #endif
        _ = try retryingOnInterrupt { system_shutdown(descriptor.rawValue, how) }
    }

    /// The local address. The corresponding C function is `getsockname`.
    public func localAddress() throws(Errno) -> SocketAddress {
        let raw = descriptor.rawValue
        return try SocketAddress.reading { system_getsockname(raw, $0, $1) }
    }

    /// The peer's address. The corresponding C function is `getpeername`.
    public func peerAddress() throws(Errno) -> SocketAddress {
        let raw = descriptor.rawValue
        return try SocketAddress.reading { system_getpeername(raw, $0, $1) }
    }

    /// Creates a connected pair of local stream sockets (`AF_UNIX`), non-blocking and
    /// close-on-exec, for tests and in-process harnesses.
    ///
    /// They behave like a TCP connection for reading, writing, EOF and shutdown; TCP options
    /// such as `setNoDelay` fail with `Errno.operationNotSupported`.
    public static func makePair() throws(Errno) -> (TCPSocket, TCPSocket) {
        var fds: (Int32, Int32) = (-1, -1)
        _ = try withUnsafeMutableBytes(of: &fds) { raw throws(Errno) in
            try retryingOnInterrupt {
                system_socketpair(AF_UNIX, SocketDescriptor.streamSocketType, 0,
                                  raw.baseAddress!.assumingMemoryBound(to: Int32.self))
            }
        }
        let pair = (TCPSocket(takingOwnershipOf: SocketDescriptor(rawValue: fds.0)),
                    TCPSocket(takingOwnershipOf: SocketDescriptor(rawValue: fds.1)))
        try pair.0.descriptor.prepareNewSocket()
        try pair.1.descriptor.prepareNewSocket()
        return pair
    }
}
