#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error number reported by a system call.
///
/// `Errno` is an open set: any `Int32` is accepted, and the values this module meets by name
/// have static members. `EAGAIN`/`EWOULDBLOCK` and `EINTR` never escape `WebSocketIO`: the
/// first is reported as "would block" and the second is retried.
///
/// ```swift
/// do { _ = try listener.accept() }
/// catch let error where error.isResourceExhaustion { backOff() }
/// ```
public struct Errno: RawRepresentable, Error, Hashable, Sendable {
    /// The C `errno` value.
    public let rawValue: Int32

    /// Wraps a C `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    /// `EINTR`: a signal interrupted the call. Retried by the syscall seam, never surfaced.
    public static let interrupted = Errno(rawValue: EINTR)
    /// `EAGAIN`/`EWOULDBLOCK`: a non-blocking call would block.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// `EINPROGRESS`: a non-blocking connect has started.
    public static let inProgress = Errno(rawValue: EINPROGRESS)
    /// `EBADF`: not an open descriptor.
    public static let badFileDescriptor = Errno(rawValue: EBADF)
    /// `EINVAL`: an argument was invalid.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// `EMFILE`: the process has no descriptors left.
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// `ENFILE`: the system has no descriptors left.
    public static let tooManyOpenFilesInSystem = Errno(rawValue: ENFILE)
    /// `ENOBUFS`: no buffer space is available.
    public static let noBufferSpace = Errno(rawValue: ENOBUFS)
    /// `ENOMEM`: out of memory.
    public static let noMemory = Errno(rawValue: ENOMEM)
    /// `ECONNREFUSED`: nobody listens at the address.
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// `ECONNRESET`: the peer reset the connection.
    public static let connectionReset = Errno(rawValue: ECONNRESET)
    /// `ECONNABORTED`: a connection was aborted before `accept` took it.
    public static let connectionAborted = Errno(rawValue: ECONNABORTED)
    /// `EPIPE`: writing to a connection the peer has closed.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// `ENOTCONN`: the socket is not connected.
    public static let notConnected = Errno(rawValue: ENOTCONN)
    /// `ETIMEDOUT`: the operation timed out (also used for `connect(to:on:timeout:)`).
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    /// `EADDRINUSE`: the address is already bound.
    public static let addressInUse = Errno(rawValue: EADDRINUSE)
    /// `EADDRNOTAVAIL`: the address is not local (for example IPv6 is disabled).
    public static let addressNotAvailable = Errno(rawValue: EADDRNOTAVAIL)
    /// `EAFNOSUPPORT`: the address family is not supported.
    public static let addressFamilyNotSupported = Errno(rawValue: EAFNOSUPPORT)
    /// `ENETUNREACH`: the network is unreachable.
    public static let networkUnreachable = Errno(rawValue: ENETUNREACH)
    /// `EHOSTUNREACH`: the host is unreachable.
    public static let hostUnreachable = Errno(rawValue: EHOSTUNREACH)
    /// `ENOTSOCK`: the descriptor is not a socket.
    public static let notSocket = Errno(rawValue: ENOTSOCK)
    /// `EOPNOTSUPP`: the operation is not supported on this socket.
    public static let operationNotSupported = Errno(rawValue: EOPNOTSUPP)
    /// `ECANCELED`: the operation was cancelled; `WebSocketIO` reports it for work on an event
    /// loop that shut down (a registration refused or ended by `EventLoop.shutdown()`).
    public static let canceled = Errno(rawValue: ECANCELED)

    /// Whether the error means "out of descriptors or memory": a server should back off and
    /// retry `accept` later instead of giving up (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`).
    public var isResourceExhaustion: Bool {
        self == .tooManyOpenFiles || self == .tooManyOpenFilesInSystem
            || self == .noBufferSpace || self == .noMemory
    }
}

extension Errno: CustomStringConvertible {
    /// The C library's message for the error and its number, for example
    /// "Connection refused (errno 111)". Not API: the text depends on the C library.
    public var description: String {
        guard let message = strerror(rawValue) else { return "errno \(rawValue)" }
        return "\(String(cString: message)) (errno \(rawValue))"
    }
}
