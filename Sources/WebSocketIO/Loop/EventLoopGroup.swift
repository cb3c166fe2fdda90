import Synchronization

/// A fixed set of event loops handed out round-robin.
///
/// A server spreads accepted connections over the group with `next()`; by default there is
/// one loop per CPU the process may use.
///
/// ```swift
/// let group = try EventLoopGroup(loopCount: 2)
/// defer { group.shutdown() }
/// let loop = group.next()
/// ```
public final class EventLoopGroup: Sendable {
    /// The loops, in creation order.
    public let loops: [EventLoop]
    private let cursor = Atomic<Int>(0)

    /// Starts `loopCount` loops.
    /// - Parameter loopCount: defaults to `EventLoopGroup.coreCount`, one loop per usable CPU,
    ///   because a loop is busy-or-asleep and more loops than cores only adds switching.
    /// - Throws: `Errno` if a selector or thread cannot be created; loops already started are
    ///   shut down.
    public init(loopCount: Int = EventLoopGroup.coreCount) throws(Errno) {
        precondition(loopCount > 0, "an EventLoopGroup needs at least one loop")
        var loops: [EventLoop] = []
        do {
            for _ in 0..<loopCount { loops.append(try EventLoop()) }
        } catch {
            for loop in loops { loop.shutdown() }
            throw error
        }
        self.loops = loops
    }

    /// The next loop in round-robin order. Any thread.
    public func next() -> EventLoop {
        let index = cursor.add(1, ordering: .relaxed).oldValue
        return loops[Int(UInt(bitPattern: index) % UInt(loops.count))]
    }

    /// Shuts down every loop (see `EventLoop.shutdown()`); returns when their threads exited,
    /// unless called from one of them.
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }

    /// The number of CPUs this process may run on: the affinity mask on Linux, else the online
    /// CPU count. The corresponding C functions are `sched_getaffinity` and `sysconf`.
    public static var coreCount: Int { system_cpuCount() }

    /// A process-wide group with `coreCount` loops, created on first use and never shut down.
    public static let shared: EventLoopGroup = {
        do {
            return try EventLoopGroup()
        } catch {
            fatalError("cannot start the shared EventLoopGroup: \(error)")
        }
    }()
}
