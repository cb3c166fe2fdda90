#if os(Linux)
import Glibc
import CWebSocketIO

/// The selector on Linux.
typealias Selector = EpollSelector

/// A level-triggered epoll instance with an eventfd for cross-thread wake-ups.
///
/// Level-triggered, because the layer above may stop reading on purpose (inbound backpressure)
/// and must then not lose the readiness it ignored; with edge triggering it would have to read
/// to EAGAIN every time. The cost is an `epoll_ctl` when write interest changes, which happens
/// only when a write did not complete at once.
final class EpollSelector: SelectorBackend {
    /// The epoll descriptor.
    private let epollFD: Int32
    /// The eventfd that `wakeUp()` writes to.
    private let wakeUpFD: Int32
    /// The buffer `epoll_wait` fills; grows when a wait fills it.
    private var events: UnsafeMutablePointer<epoll_event>
    private var capacity: Int

    /// Creates the epoll instance and its wake-up eventfd (both close-on-exec).
    init() throws(Errno) {
        let epollFD = system_epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw Errno.current }
        let wakeUpFD = system_eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard wakeUpFD >= 0 else {
            let error = Errno.current
            _ = system_close(epollFD)
            throw error
        }
        self.epollFD = epollFD
        self.wakeUpFD = wakeUpFD
        self.capacity = 64
        self.events = .allocate(capacity: 64)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = wakeUpToken
        guard system_epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeUpFD, &event) == 0 else {
            let error = Errno.current
            _ = system_close(wakeUpFD)
            _ = system_close(epollFD)
            events.deallocate()
            throw error
        }
    }

    deinit {
        _ = system_close(wakeUpFD)
        _ = system_close(epollFD)
        events.deallocate()
    }

    private static func mask(_ interest: IOInterest) -> UInt32 {
        var mask: UInt32 = 0
        if interest.contains(.read) { mask |= EPOLLIN.rawValue }
        if interest.contains(.write) { mask |= EPOLLOUT.rawValue }
        return mask
    }

    private func control(_ operation: Int32, _ descriptor: Int32, _ interest: IOInterest, _ token: UInt64) throws(Errno) {
        var event = epoll_event()
        event.events = Self.mask(interest)
        event.data.u64 = token
        _ = try retryingOnInterrupt { system_epoll_ctl(epollFD, operation, descriptor, &event) }
    }

    func register(_ descriptor: Int32, interest: IOInterest, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_ADD, descriptor, interest, token)
    }

    func reregister(_ descriptor: Int32, from old: IOInterest, to new: IOInterest, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_MOD, descriptor, new, token)
    }

    func deregister(_ descriptor: Int32, interest: IOInterest) throws(Errno) {
        try control(EPOLL_CTL_DEL, descriptor, [], 0)
    }

    func wakeUp() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: the selector is awake anyway.
        _ = try? retryingOnInterrupt { system_write(wakeUpFD, &one, 8) }
    }

    func wait(timeoutNanoseconds: UInt64?, _ body: (SelectorEvent) -> Void) throws(Errno) {
        let milliseconds: Int32
        if let timeoutNanoseconds {
            // Round up so a timer is never found early and spun on.
            milliseconds = Int32(clamping: (timeoutNanoseconds + 999_999) / 1_000_000)
        } else {
            milliseconds = -1
        }
        let count = try retryingOnInterrupt { system_epoll_wait(epollFD, events, Int32(capacity), milliseconds) }
        for index in 0..<Int(count) {
            let event = events[index]
            let token = event.data.u64
            if token == wakeUpToken {
                var counter: UInt64 = 0
                _ = try? retryingOnInterrupt { system_read(wakeUpFD, &counter, 8) }
                continue
            }
            var reported: IOEvents = []
            if event.events & EPOLLIN.rawValue != 0 { reported.insert(.readable) }
            if event.events & EPOLLOUT.rawValue != 0 { reported.insert(.writable) }
            if event.events & (EPOLLHUP.rawValue | EPOLLRDHUP.rawValue) != 0 { reported.insert(.hangup) }
            if event.events & EPOLLERR.rawValue != 0 { reported.insert(.error) }
            body(SelectorEvent(token: token, events: reported))
        }
        if Int(count) == capacity, capacity < 4096 {
            events.deallocate()
            capacity *= 2
            events = .allocate(capacity: capacity)
        }
    }
}

@available(*, unavailable, message: "A selector belongs to one event loop thread")
extension EpollSelector: Sendable {}
#endif
