// The kernel boundary: every system call WebSocketIO makes is one of the `system_*` functions
// in this file, so one grep finds them all. Each is a thin wrapper with the C signature; in
// debug builds each consults `SyscallMock` first so tests can force an errno for one descriptor.
// Callers convert the C convention (-1 and errno) with `retryingOnInterrupt`.

#if canImport(Glibc)
import Glibc
import CWebSocketIO
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a system call until it is not interrupted by a signal, and returns its result or throws
/// its `errno`.
///
/// EINTR is retried here and only here. EAGAIN is thrown like any other errno; the typed
/// wrappers (`SocketDescriptor.read`, `write`, `accept`) turn it into a "would block" result.
@inline(__always)
func retryingOnInterrupt<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = errno
        if error == EINTR { continue }
        throw Errno(rawValue: error)
    }
}

/// Returns `true` and sets `errno` when a test forced a failure of `call` on `descriptor`.
@inline(__always)
private func forcedFailure(_ call: Syscall, _ descriptor: Int32) -> Bool {
    #if DEBUG
    if let forced = SyscallMock.takeForcedError(call, descriptor: descriptor) {
        errno = forced.rawValue
        return true
    }
    #endif
    return false
}

// MARK: - Descriptors

/// The corresponding C function is `read`.
func system_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    if forcedFailure(.read, fd) { return -1 }
    return read(fd, buffer, count)
}

/// The corresponding C function is `write`.
func system_write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    if forcedFailure(.write, fd) { return -1 }
    return write(fd, buffer, count)
}

/// The corresponding C function is `writev`.
func system_writev(_ fd: Int32, _ vectors: UnsafePointer<iovec>?, _ count: Int32) -> Int {
    if forcedFailure(.writev, fd) { return -1 }
    return writev(fd, vectors, count)
}

/// The corresponding C function is `close`.
func system_close(_ fd: Int32) -> Int32 {
    if forcedFailure(.close, fd) { return -1 }
    return close(fd)
}

/// The corresponding C function is `fcntl` with an integer argument.
func system_fcntl(_ fd: Int32, _ command: Int32, _ argument: Int32) -> Int32 {
    if forcedFailure(.fcntl, fd) { return -1 }
    return fcntl(fd, command, argument)
}

/// The corresponding C function is `pipe`.
func system_pipe(_ fds: UnsafeMutablePointer<Int32>) -> Int32 {
    pipe(fds)
}

// MARK: - Sockets

/// The corresponding C function is `socket`.
func system_socket(_ domain: Int32, _ type: Int32, _ protocolNumber: Int32) -> Int32 {
    socket(domain, type, protocolNumber)
}

/// The corresponding C function is `socketpair`.
func system_socketpair(
    _ domain: Int32, _ type: Int32, _ protocolNumber: Int32, _ fds: UnsafeMutablePointer<Int32>
) -> Int32 {
    socketpair(domain, type, protocolNumber, fds)
}

/// The corresponding C function is `send`.
func system_send(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int {
    if forcedFailure(.send, fd) { return -1 }
    return send(fd, buffer, count, flags)
}

/// The corresponding C function is `sendmsg`.
func system_sendmsg(_ fd: Int32, _ message: UnsafePointer<msghdr>, _ flags: Int32) -> Int {
    if forcedFailure(.sendmsg, fd) { return -1 }
    return sendmsg(fd, message, flags)
}

/// The corresponding C function is `accept4` on Linux and `accept` elsewhere.
func system_accept(
    _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?,
    _ flags: Int32
) -> Int32 {
    if forcedFailure(.accept, fd) { return -1 }
    #if os(Linux)
    return cwsio_accept4(fd, address, length, flags)
    #else
    return accept(fd, address, length)
    #endif
}

/// The corresponding C function is `bind`.
func system_bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    if forcedFailure(.bind, fd) { return -1 }
    return bind(fd, address, length)
}

/// The corresponding C function is `listen`.
func system_listen(_ fd: Int32, _ backlog: Int32) -> Int32 {
    if forcedFailure(.listen, fd) { return -1 }
    return listen(fd, backlog)
}

/// The corresponding C function is `connect`.
func system_connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    if forcedFailure(.connect, fd) { return -1 }
    return connect(fd, address, length)
}

/// The corresponding C function is `shutdown`.
func system_shutdown(_ fd: Int32, _ how: Int32) -> Int32 {
    if forcedFailure(.shutdown, fd) { return -1 }
    return shutdown(fd, how)
}

/// The corresponding C function is `setsockopt`.
func system_setsockopt(
    _ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer, _ length: socklen_t
) -> Int32 {
    if forcedFailure(.setsockopt, fd) { return -1 }
    return setsockopt(fd, level, name, value, length)
}

/// The corresponding C function is `getsockopt`.
func system_getsockopt(
    _ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeMutableRawPointer,
    _ length: UnsafeMutablePointer<socklen_t>
) -> Int32 {
    if forcedFailure(.getsockopt, fd) { return -1 }
    return getsockopt(fd, level, name, value, length)
}

/// The corresponding C function is `getsockname`.
func system_getsockname(
    _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
) -> Int32 {
    getsockname(fd, address, length)
}

/// The corresponding C function is `getpeername`.
func system_getpeername(
    _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
) -> Int32 {
    getpeername(fd, address, length)
}

// MARK: - Name resolution (blocking: never call on an event loop)

/// The corresponding C function is `getaddrinfo`. It blocks; see `BlockingWork`.
func system_getaddrinfo(
    _ host: UnsafePointer<CChar>?, _ service: UnsafePointer<CChar>?, _ hints: UnsafePointer<addrinfo>?,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>
) -> Int32 {
    getaddrinfo(host, service, hints, result)
}

/// The corresponding C function is `freeaddrinfo`.
func system_freeaddrinfo(_ list: UnsafeMutablePointer<addrinfo>) {
    freeaddrinfo(list)
}

// MARK: - Readiness (Linux)

#if os(Linux)
/// The corresponding C function is `epoll_create1`.
func system_epoll_create1(_ flags: Int32) -> Int32 {
    epoll_create1(flags)
}

/// The corresponding C function is `epoll_ctl`.
func system_epoll_ctl(
    _ epollFD: Int32, _ operation: Int32, _ fd: Int32, _ event: UnsafeMutablePointer<epoll_event>?
) -> Int32 {
    if forcedFailure(.epollControl, fd) { return -1 }
    return epoll_ctl(epollFD, operation, fd, event)
}

/// The corresponding C function is `epoll_wait`.
func system_epoll_wait(
    _ epollFD: Int32, _ events: UnsafeMutablePointer<epoll_event>, _ capacity: Int32, _ timeoutMilliseconds: Int32
) -> Int32 {
    if forcedFailure(.epollWait, epollFD) { return -1 }
    return epoll_wait(epollFD, events, capacity, timeoutMilliseconds)
}

/// The corresponding C function is `eventfd`.
func system_eventfd(_ initialValue: UInt32, _ flags: Int32) -> Int32 {
    eventfd(initialValue, flags)
}
#endif

// MARK: - Readiness (Darwin)

#if canImport(Darwin)
/// The corresponding C function is `kqueue`.
func system_kqueue() -> Int32 {
    kqueue()
}

/// The corresponding C function is `kevent`.
func system_kevent(
    _ kq: Int32, _ changes: UnsafePointer<kevent>?, _ changeCount: Int32,
    _ events: UnsafeMutablePointer<kevent>?, _ eventCapacity: Int32, _ timeout: UnsafePointer<timespec>?
) -> Int32 {
    if forcedFailure(.kevent, kq) { return -1 }
    return kevent(kq, changes, changeCount, events, eventCapacity, timeout)
}
#endif

// MARK: - Clock and threads

/// The monotonic clock in nanoseconds. The corresponding C function is `clock_gettime` with
/// `CLOCK_MONOTONIC`.
func system_monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Names the calling thread (at most 15 bytes are kept on Linux). The corresponding C function
/// is `pthread_setname_np`.
func system_setCurrentThreadName(_ name: String) {
    #if os(Linux)
    _ = cwsio_set_current_thread_name(name)
    #elseif canImport(Darwin)
    _ = pthread_setname_np(name)
    #endif
}

/// The number of CPUs this process may run on. The corresponding C functions are
/// `sched_getaffinity` (Linux) and `sysconf(_SC_NPROCESSORS_ONLN)`.
func system_cpuCount() -> Int {
    #if os(Linux)
    let affinity = Int(cwsio_affinity_cpu_count())
    if affinity > 0 { return affinity }
    #endif
    return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
