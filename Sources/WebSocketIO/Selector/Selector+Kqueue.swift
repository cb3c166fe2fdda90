#if canImport(Darwin)
import Darwin

/// The selector on Darwin.
typealias Selector = KqueueSelector

/// A kqueue with an `EVFILT_USER` event for cross-thread wake-ups.
///
/// Read and write readiness are separate level-triggered filters (`EVFILT_READ`,
/// `EVFILT_WRITE`); changing interest adds or deletes only the filters that changed.
final class KqueueSelector: SelectorBackend {
    /// The kqueue descriptor.
    private let kq: Int32
    /// The buffer `kevent` fills; grows when a wait fills it.
    private var events: UnsafeMutablePointer<kevent>
    private var capacity: Int

    /// Creates the kqueue and its `EVFILT_USER` wake-up event.
    init() throws(Errno) {
        let kq = system_kqueue()
        guard kq >= 0 else { throw Errno.current }
        _ = system_fcntl(kq, F_SETFD, FD_CLOEXEC)
        self.kq = kq
        self.capacity = 64
        self.events = .allocate(capacity: 64)
        var change = kevent()
        change.ident = 0
        change.filter = Int16(EVFILT_USER)
        change.flags = UInt16(EV_ADD | EV_CLEAR)
        change.udata = UnsafeMutableRawPointer(bitPattern: UInt(wakeUpToken))
        guard system_kevent(kq, &change, 1, nil, 0, nil) == 0 else {
            let error = Errno.current
            _ = system_close(kq)
            events.deallocate()
            throw error
        }
    }

    deinit {
        _ = system_close(kq)
        events.deallocate()
    }

    /// Applies up to two filter changes for one descriptor.
    private func apply(_ descriptor: Int32, adding: IOInterest, deleting: IOInterest, token: UInt64) throws(Errno) {
        func change(_ filter: Int32, _ flags: Int32) -> kevent {
            var change = kevent()
            change.ident = UInt(descriptor)
            change.filter = Int16(filter)
            change.flags = UInt16(flags)
            change.udata = UnsafeMutableRawPointer(bitPattern: UInt(token))
            return change
        }
        var list: [kevent] = []
        list.reserveCapacity(2)
        if adding.contains(.read) { list.append(change(EVFILT_READ, EV_ADD)) }
        if adding.contains(.write) { list.append(change(EVFILT_WRITE, EV_ADD)) }
        if deleting.contains(.read) { list.append(change(EVFILT_READ, EV_DELETE)) }
        if deleting.contains(.write) { list.append(change(EVFILT_WRITE, EV_DELETE)) }
        let count = Int32(list.count)
        guard count > 0 else { return }
        _ = try list.withUnsafeBufferPointer { buffer throws(Errno) in
            try retryingOnInterrupt { system_kevent(kq, buffer.baseAddress, count, nil, 0, nil) }
        }
    }

    func register(_ descriptor: Int32, interest: IOInterest, token: UInt64) throws(Errno) {
        try apply(descriptor, adding: interest, deleting: [], token: token)
    }

    func reregister(_ descriptor: Int32, from old: IOInterest, to new: IOInterest, token: UInt64) throws(Errno) {
        // Re-adding an existing filter updates its udata, so the token stays current.
        try apply(descriptor, adding: new, deleting: old.subtracting(new), token: token)
    }

    func deregister(_ descriptor: Int32, interest: IOInterest) throws(Errno) {
        try apply(descriptor, adding: [], deleting: interest, token: 0)
    }

    func wakeUp() {
        var change = kevent()
        change.ident = 0
        change.filter = Int16(EVFILT_USER)
        change.fflags = UInt32(NOTE_TRIGGER)
        change.udata = UnsafeMutableRawPointer(bitPattern: UInt(wakeUpToken))
        _ = try? retryingOnInterrupt { system_kevent(kq, &change, 1, nil, 0, nil) }
    }

    func wait(timeoutNanoseconds: UInt64?, _ body: (SelectorEvent) -> Void) throws(Errno) {
        let count: Int32
        if let timeoutNanoseconds {
            var timeout = timespec(
                tv_sec: Int(timeoutNanoseconds / 1_000_000_000),
                tv_nsec: Int(timeoutNanoseconds % 1_000_000_000))
            count = try retryingOnInterrupt { system_kevent(kq, nil, 0, events, Int32(capacity), &timeout) }
        } else {
            count = try retryingOnInterrupt { system_kevent(kq, nil, 0, events, Int32(capacity), nil) }
        }
        for index in 0..<Int(count) {
            let event = events[index]
            let token = UInt64(UInt(bitPattern: event.udata))
            if token == wakeUpToken { continue }
            var reported: IOEvents = []
            switch Int32(event.filter) {
            case EVFILT_READ: reported.insert(.readable)
            case EVFILT_WRITE: reported.insert(.writable)
            default: continue
            }
            if Int32(event.flags) & EV_EOF != 0 { reported.insert(.hangup) }
            if Int32(event.flags) & EV_ERROR != 0 { reported.insert(.error) }
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
extension KqueueSelector: Sendable {}
#endif
