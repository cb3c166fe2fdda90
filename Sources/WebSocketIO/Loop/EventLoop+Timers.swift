extension EventLoop {
    /// Runs `handler` on the loop thread once `delay` has passed. Loop thread only.
    ///
    /// Deadlines use the monotonic clock. Timers run at the start of a tick, in deadline
    /// order (scheduling order for equal deadlines); a handler that schedules a new timer with
    /// a zero delay sees it run in the next tick, not the same one.
    /// - Complexity: O(log n) in the number of pending timers.
    @discardableResult
    public func scheduleTimer(after delay: Duration, _ handler: @escaping () -> Void) -> TimerID {
        preconditionInLoop()
        let deadline = system_monotonicNanoseconds() &+ Self.nanoseconds(delay)
        return timers.schedule(deadline: deadline, handler)
    }

    /// Cancels a pending timer so it never runs. Loop thread only.
    ///
    /// Returns `false` if the timer already ran or was cancelled.
    /// - Complexity: O(log n).
    @discardableResult
    public func cancelTimer(_ id: TimerID) -> Bool {
        preconditionInLoop()
        return timers.cancel(id)
    }

    /// The number of timers waiting to run. Loop thread only.
    public var pendingTimerCount: Int {
        preconditionInLoop()
        return timers.count
    }

    /// A duration in whole nanoseconds, clamped to 0 ... UInt64.max / 2.
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let whole = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !whole.overflow else { return UInt64.max / 2 }
        let total = whole.partialValue + attoseconds / 1_000_000_000
        return total < 0 ? 0 : min(UInt64(total), UInt64.max / 2)
    }
}
