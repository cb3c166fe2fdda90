/// The readiness a handler asks the event loop to watch for.
///
/// An empty interest keeps the registration but removes the descriptor from the kernel's
/// interest list, so a connection that stops reading (inbound backpressure) is not woken by
/// data, hangups or errors until it asks again.
public struct IOInterest: OptionSet, Hashable, Sendable {
    /// The raw bits; not API.
    public let rawValue: UInt8
    /// Creates an interest from raw bits; prefer the static members.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Wake me when the descriptor is readable (data, EOF, or a pending connection).
    public static let read = IOInterest(rawValue: 1 << 0)
    /// Wake me when the descriptor is writable (send buffer space, or a finished connect).
    public static let write = IOInterest(rawValue: 1 << 1)
}

/// The readiness the selector reported for one descriptor.
///
/// `hangup` and `error` can arrive with any interest; both mean the next read or write will
/// return at once (with EOF or the error), so a handler usually reacts by reading.
public struct IOEvents: OptionSet, Hashable, Sendable {
    /// The raw bits; not API.
    public let rawValue: UInt8
    /// Creates a set of events from raw bits; prefer the static members.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Reading will not block.
    public static let readable = IOEvents(rawValue: 1 << 0)
    /// Writing will not block.
    public static let writable = IOEvents(rawValue: 1 << 1)
    /// The peer closed the connection, or both directions are shut down.
    public static let hangup = IOEvents(rawValue: 1 << 2)
    /// The socket has a pending error (read `SO_ERROR`, or just read or write to see it).
    public static let error = IOEvents(rawValue: 1 << 3)
}

/// One readiness report from the selector.
///
/// The token is whatever the event loop registered the descriptor with: a slot index in the low
/// 32 bits and the slot's generation in the high 32 bits, so a report for a descriptor that has
/// since been closed and reused is recognised as stale and dropped.
struct SelectorEvent {
    /// The registration token.
    var token: UInt64
    /// What the kernel reported.
    var events: IOEvents
}

/// The operations every selector backend provides.
///
/// `Selector` is `EpollSelector` on Linux (`Selector+Epoll.swift`) and `KqueueSelector` on
/// Darwin (`Selector+Kqueue.swift`); the event loop uses the concrete type, so the protocol
/// costs nothing at run time and only keeps the backends in step.
///
/// A selector belongs to one event loop thread. Only `wakeUp()` may be called from other threads.
protocol SelectorBackend: AnyObject {
    /// Starts watching `descriptor` for `interest` (which must not be empty).
    func register(_ descriptor: Int32, interest: IOInterest, token: UInt64) throws(Errno)
    /// Changes what a registered descriptor is watched for (neither interest is empty).
    func reregister(_ descriptor: Int32, from old: IOInterest, to new: IOInterest, token: UInt64) throws(Errno)
    /// Stops watching `descriptor`, which was registered with `interest`.
    func deregister(_ descriptor: Int32, interest: IOInterest) throws(Errno)
    /// Interrupts a `wait` in progress, or makes the next one return at once. Any thread.
    func wakeUp()
    /// Waits up to `timeoutNanoseconds` (forever if `nil`, poll if 0) and calls `body` for each
    /// readiness report. Wake-ups are consumed here and not reported.
    func wait(timeoutNanoseconds: UInt64?, _ body: (SelectorEvent) -> Void) throws(Errno)
}

/// The token the selectors reserve for their own wake-up descriptor.
let wakeUpToken = UInt64.max
