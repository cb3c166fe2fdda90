#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of a non-blocking read.
public enum ReadResult: Hashable, Sendable {
    /// This many bytes (at least 1) were read.
    case bytes(Int)
    /// The peer closed its side: no more data will come.
    case eof
    /// Nothing to read now; wait for readable readiness.
    case wouldBlock
}

/// The outcome of a non-blocking write.
public enum WriteResult: Hashable, Sendable {
    /// This many bytes were written; fewer than offered means the send buffer filled up.
    case written(Int)
    /// Nothing was written; wait for writable readiness.
    case wouldBlock
}

/// A socket's file descriptor number, with the non-blocking operations on it.
///
/// A `SocketDescriptor` does not own the descriptor: `TCPSocket` and `TCPListener` do, and
/// close it exactly once. Use this type to pass the number to `EventLoop.register`.
public struct SocketDescriptor: RawRepresentable, Hashable, Sendable {
    /// The C descriptor number.
    public let rawValue: Int32

    /// Wraps a descriptor number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The flags passed to `send`/`sendmsg`: `MSG_NOSIGNAL` on Linux, so a write to a closed
    /// peer returns `EPIPE` instead of raising `SIGPIPE`. Darwin sets `SO_NOSIGPIPE` instead.
    private static var sendFlags: Int32 {
        #if os(Linux)
        Int32(MSG_NOSIGNAL)
        #else
        0
        #endif
    }

    /// Reads up to `buffer.count` bytes. The corresponding C function is `read`.
    /// - Throws: `Errno` for failures other than EAGAIN (for example `connectionReset`).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadResult {
        do throws(Errno) {
            let count = try retryingOnInterrupt { system_read(rawValue, buffer.baseAddress, buffer.count) }
            return count == 0 && buffer.count > 0 ? .eof : .bytes(count)
        } catch where error == .wouldBlock {
            return .wouldBlock
        }
    }

    /// Writes up to `buffer.count` bytes. The corresponding C function is `send`.
    func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> WriteResult {
        do throws(Errno) {
            let count = try retryingOnInterrupt {
                system_send(rawValue, buffer.baseAddress, buffer.count, Self.sendFlags)
            }
            return .written(count)
        } catch where error == .wouldBlock {
            return .wouldBlock
        }
    }

    /// Writes several buffers with one system call, in order. The corresponding C function is
    /// `sendmsg` (a `writev` that honours `MSG_NOSIGNAL`).
    ///
    /// At most `maximumVectorCount` buffers go in one call; the result says how many bytes of
    /// the concatenation were written.
    func write(vectored buffers: UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(Errno) -> WriteResult {
        let count = min(buffers.count, SocketDescriptor.maximumVectorCount)
        if count == 0 { return .written(0) }
        let flags = Self.sendFlags
        let descriptor = rawValue
        return try withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { vectors throws(Errno) in
            for index in 0..<count {
                let buffer = buffers[index]
                vectors[index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                                       iov_len: buffer.count)
            }
            var message = msghdr()
            message.msg_iov = vectors.baseAddress
            #if os(Linux)
            message.msg_iovlen = count
            #else
            message.msg_iovlen = Int32(count)
            #endif
            do throws(Errno) {
                let written = try retryingOnInterrupt { system_sendmsg(descriptor, &message, flags) }
                return .written(written)
            } catch where error == .wouldBlock {
                return .wouldBlock
            }
        }
    }

    /// The most buffers one vectored write takes (`IOV_MAX` on Linux and Darwin).
    public static let maximumVectorCount = 1024

    /// Sets an integer socket option. The corresponding C function is `setsockopt`.
    func setOption(level: Int32, name: Int32, value: Int32) throws(Errno) {
        var value = value
        _ = try retryingOnInterrupt {
            system_setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Reads an integer socket option. The corresponding C function is `getsockopt`.
    func option(level: Int32, name: Int32) throws(Errno) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retryingOnInterrupt { system_getsockopt(rawValue, level, name, &value, &length) }
        return value
    }

    /// Makes the descriptor non-blocking and close-on-exec (for platforms without
    /// `SOCK_NONBLOCK`/`SOCK_CLOEXEC`). The corresponding C function is `fcntl`.
    func makeNonBlockingAndCloseOnExec() throws(Errno) {
        let flags = try retryingOnInterrupt { system_fcntl(rawValue, F_GETFL, 0) }
        _ = try retryingOnInterrupt { system_fcntl(rawValue, F_SETFL, flags | O_NONBLOCK) }
        _ = try retryingOnInterrupt { system_fcntl(rawValue, F_SETFD, FD_CLOEXEC) }
    }

    /// Prepares a new socket: non-blocking and close-on-exec where the creating call could not
    /// do it, and `SO_NOSIGPIPE` on Darwin.
    func prepareNewSocket() throws(Errno) {
        #if canImport(Darwin)
        try makeNonBlockingAndCloseOnExec()
        try setOption(level: SOL_SOCKET, name: SO_NOSIGPIPE, value: 1)
        #endif
    }

    /// The `type` argument for `socket`/`socketpair`: a stream socket, non-blocking and
    /// close-on-exec where the platform allows it at creation.
    static var streamSocketType: Int32 {
        #if os(Linux)
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    /// The flags for `accept4` on Linux (ignored elsewhere).
    static var acceptFlags: Int32 {
        #if os(Linux)
        Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        0
        #endif
    }

    /// Creates a stream socket of `family`, prepared as `prepareNewSocket` describes.
    static func makeStreamSocket(family: Int32) throws(Errno) -> SocketDescriptor {
        let raw = try retryingOnInterrupt { system_socket(family, streamSocketType, 0) }
        let descriptor = SocketDescriptor(rawValue: raw)
        do {
            try descriptor.prepareNewSocket()
        } catch {
            _ = system_close(raw)
            throw error
        }
        return descriptor
    }

    /// Closes the descriptor. EINTR is not retried: on Linux the descriptor is already closed
    /// then, and a retry could close one another thread just opened.
    func close() {
        _ = system_close(rawValue)
    }
}
