import Synchronization

/// One thread running a selector, a job queue and timers; an executor for actors and tasks.
///
/// An event loop is both a `SerialExecutor` and a `TaskExecutor`. An actor that returns the
/// loop's executor from `unownedExecutor` runs on the loop thread, next to the readiness
/// callbacks of its sockets, so reading, decoding, state changes and writing need no lock
/// and no thread hop. A task started with `withTaskExecutorPreference(loop)` runs its
/// nonisolated code there too.
///
/// ```swift
/// actor Connection: IOHandler {
///     let loop: EventLoop
///     nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
///     nonisolated func ioEvent(_ events: IOEvents) {
///         assumeIsolated { $0.readAvailableBytes() }   // runs on the loop thread
///     }
/// }
/// ```
///
/// Each tick: run due timers; run queued jobs and closures (local and from other threads, up
/// to a fairness cap); run end-of-tick handlers; wait in the selector (not at all if work is
/// pending, else until the next timer); dispatch readiness to `IOHandler`s.
///
/// Methods marked "loop thread only" (`register`, `setInterest`, `deregister`,
/// `scheduleTimer`, `cancelTimer`, `runAtEndOfTick`) trap when called elsewhere; reach the
/// loop first with an actor on it, `execute(_:)` or a task that prefers it.
///
/// A loop runs until `shutdown()`: its thread keeps it alive, so dropping the last reference
/// without shutting down leaks the thread, as with any thread pool. Shutting down ends every
/// registration still present (see `IOHandler.eventLoopShutDown()`), so nothing the loop held
/// outlives it in a reference cycle and no task stays suspended waiting for readiness.
public final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable. Invariant: the properties under "loop-local state" are read and
    // written only on the loop thread (every entry point checks `inLoop` or runs as a job);
    // the rest are immutable, or guarded by `remote` (a lock), or atomics.

    /// The loop's number, from 1 in creation order across the process; its thread is named
    /// "ws-loop-N".
    public let number: Int

    let selector: Selector

    /// A buffer for reads on the loop thread, shared by everything on this loop. Loop thread only.
    ///
    /// Reading into one shared buffer and keeping only what a protocol still needs lets an idle
    /// connection hold no read buffer at all. 64 KiB fits a typical socket receive burst; a
    /// read never blocks the loop for longer than it takes to copy that much.
    public let readBuffer: UnsafeMutableRawBufferPointer

    /// The size of `readBuffer`.
    public static let readBufferSize = 64 << 10

    // MARK: Cross-thread state

    /// Work submitted from other threads, and the shutdown request.
    private let remote = Lock(RemoteState())
    /// Set by the first remote submission after the loop last drained `remote`; only that
    /// submission writes to the wake-up descriptor.
    private let remoteWorkPending = Atomic<Bool>(false)
    /// The loop thread's ID while it runs, else 0.
    private let threadID = Atomic<UInt>(0)

    private struct RemoteState {
        var work: [LoopWork] = []
        var shutdownRequested = false
        var thread: PosixThread?
        /// The loop thread has exited; work submitted since runs on a short-lived thread.
        var stopped = false
        /// A short-lived thread is running work submitted after the loop stopped.
        var lateWorkRunning = false
    }

    // MARK: Loop-local state (loop thread only)

    private var localWork = WorkRing()
    /// The array swapped with `remote.work` on each drain, so neither side reallocates.
    private var drainedRemoteWork: [LoopWork] = []
    var timers = TimerHeap()
    var registrations = RegistrationTable()
    var endOfTickHandlers: [any EndOfTickHandler] = []
    private var isShuttingDown = false
    /// The loop is ending its registrations (or has stopped): `register` refuses, and timers
    /// never run again.
    private(set) var isStopping = false

    /// How many jobs one tick runs before it polls for I/O, so a task that keeps re-enqueuing
    /// itself cannot starve sockets and timers.
    static let jobsPerTick = 4096

    private static let loopCounter = Atomic<Int>(0)

    /// Starts a new loop on its own thread, named "ws-loop-N".
    ///
    /// - Throws: `Errno` if the selector or the thread cannot be created.
    public init() throws(Errno) {
        number = Self.loopCounter.add(1, ordering: .relaxed).newValue
        selector = try Selector()
        readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        let thread = try PosixThread.spawn(name: "ws-loop-\(number)", detached: false) { [self] in
            run()
        }
        remote.withLock { $0.thread = thread }
    }

    // The thread holds the loop until `run` returns, so this runs after the loop thread is done
    // with the buffer. (Found by the ASan run of the tests: each shut-down loop leaked 64 KiB.)
    deinit {
        readBuffer.deallocate()
    }

    /// Whether the calling thread is this loop's thread.
    public var inLoop: Bool {
        threadID.load(ordering: .relaxed) == PosixThread.currentID
    }

    /// Traps unless called on the loop thread.
    @inline(__always)
    func preconditionInLoop(_ function: StaticString = #function) {
        precondition(inLoop, "EventLoop.\(function) must be called on the loop thread")
    }

    /// Runs `body` on the loop thread, after the work already queued. Callable from any thread.
    ///
    /// From the loop thread itself the closure is queued, not run inline.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        submit(.closure(body))
    }

    /// Queues work locally on the loop thread, or remotely (with a wake-up) from elsewhere.
    @inline(__always)
    func submit(_ work: LoopWork) {
        if inLoop {
            localWork.append(work)
        } else {
            submitRemotely(work)
        }
    }

    private func submitRemotely(_ work: LoopWork) {
        let stopped = remote.withLock { state -> (stopped: Bool, startRunner: Bool) in
            state.work.append(work)
            guard state.stopped else { return (false, false) }
            defer { state.lateWorkRunning = true }
            return (true, !state.lateWorkRunning)
        }
        if stopped.stopped {
            if stopped.startRunner { startLateWorkRunner() }
            return
        }
        if !remoteWorkPending.exchange(true, ordering: .acquiringAndReleasing) {
            selector.wakeUp()
        }
    }

    /// Stops the loop once the jobs and closures already queued have run; callable from any
    /// thread, any number of times.
    ///
    /// Called from outside the loop, it returns when the thread has exited; from the loop
    /// itself, it returns at once and the loop stops at the end of the tick. Stopping:
    ///
    /// 1. Ends every registration still present and calls its handler's
    ///    `IOHandler.eventLoopShutDown()`, which fails what waits for readiness (a `WebSocket`
    ///    closes with 1006, `drive` throws `Errno.canceled`). The loop never closes a
    ///    descriptor: their owners do.
    /// 2. Runs the jobs and closures that queues (resumed tasks), and what they queue in turn,
    ///    until none is left; `register` throws `Errno.canceled` from then on.
    /// 3. Drops pending timers without running them, and end-of-tick handlers.
    ///
    /// Work submitted after the thread exited (a task resuming on an actor of this loop, for
    /// example) still runs, in order, one item at a time, on a short-lived thread that counts
    /// as the loop thread, so no task is left suspended on a dead executor; there, too,
    /// `register` throws and timers never run.
    public func shutdown() {
        let thread = remote.withLock { state -> PosixThread? in
            state.shutdownRequested = true
            defer { state.thread = nil }
            return state.thread
        }
        remoteWorkPending.store(true, ordering: .sequentiallyConsistent)
        selector.wakeUp()
        guard let thread else { return }
        if inLoop {
            thread.detach()
        } else {
            thread.join()
        }
    }

    // MARK: The loop

    private func run() {
        threadID.store(PosixThread.currentID, ordering: .relaxed)
        while true {
            runDueTimers()
            drainRemoteWork()
            runQueuedWork()
            runEndOfTickHandlers()
            if isShuttingDown, localWork.isEmpty, !remoteWorkPending.load(ordering: .acquiring) { break }
            let timeout: UInt64?
            if !localWork.isEmpty || remoteWorkPending.load(ordering: .acquiring) {
                timeout = 0
            } else if let deadline = timers.nextDeadline {
                let now = system_monotonicNanoseconds()
                timeout = deadline > now ? deadline - now : 0
            } else {
                timeout = nil
            }
            do {
                try selector.wait(timeoutNanoseconds: timeout) { event in dispatch(event) }
            } catch {
                fatalError("EventLoop \(number): the selector failed: \(error)")
            }
        }
        stop()
    }

    /// Ends the registrations still present, runs what that queues, then marks the loop
    /// stopped (see `shutdown()`). Without this, handlers that refer back to the loop (every
    /// connection does) and the tasks waiting on them would form cycles nothing can release.
    private func stop() {
        isStopping = true
        for (registration, handler) in registrations.live {
            // An earlier handler may have deregistered this one (one owner, two descriptors).
            guard registrations.slot(registration) != nil else { continue }
            deregister(registration)
            handler.eventLoopShutDown()
        }
        while true {
            runUntilIdle()
            releaseLoopLocalState()   // releasing may run deinits that queue work: check again
            // Remote work that arrived after the last drain is still run here. Once `stopped` is
            // set, under the same lock, submissions start a late-work runner instead, which takes
            // the loop's identity only after this thread has given it up.
            let stopped = remote.withLock { state -> Bool in
                guard state.work.isEmpty, localWork.isEmpty else { return false }
                threadID.store(0, ordering: .relaxed)
                state.stopped = true
                return true
            }
            if stopped { return }
        }
    }

    /// Runs queued work, including what it queues, until nothing is left. Loop thread only.
    private func runUntilIdle() {
        repeat {
            // Look at the remote queue even if a submitter has appended but not yet set the flag.
            remoteWorkPending.store(true, ordering: .sequentiallyConsistent)
            drainRemoteWork()
            runQueuedWork()
            runEndOfTickHandlers()
        } while !localWork.isEmpty || remoteWorkPending.load(ordering: .acquiring)
    }

    /// Drops timers (never run once stopping), end-of-tick handlers and registrations.
    private func releaseLoopLocalState() {
        timers.removeAll()
        registrations.removeAll()
        endOfTickHandlers.removeAll()
    }

    /// Runs work submitted after the loop stopped on a new thread, which counts as the loop
    /// thread until the queue is empty. At most one runs at a time (`lateWorkRunning`).
    private func startLateWorkRunner() {
        do {
            _ = try PosixThread.spawn(name: "ws-loop-\(number)-late", detached: true) { [self] in
                runLateWork()
            }
        } catch {
            // No thread to be had: run it here rather than leave a task suspended forever.
            runLateWork()
        }
    }

    private func runLateWork() {
        threadID.store(PosixThread.currentID, ordering: .relaxed)
        while true {
            let more = remote.withLock { state -> Bool in
                swap(&state.work, &drainedRemoteWork)
                guard drainedRemoteWork.isEmpty, localWork.isEmpty else { return true }
                // Give up the loop's identity before another runner may start.
                threadID.store(0, ordering: .relaxed)
                state.lateWorkRunning = false
                return false
            }
            guard more else { return }
            for work in drainedRemoteWork { localWork.append(work) }
            drainedRemoteWork.removeAll(keepingCapacity: true)
            while !localWork.isEmpty {
                runQueuedWork()
                runEndOfTickHandlers()
            }
            releaseLoopLocalState()
        }
    }

    private func runDueTimers() {
        guard timers.count > 0 else { return }
        let now = system_monotonicNanoseconds()
        let limit = timers.sequenceMark
        while let handler = timers.popDue(now: now, sequenceLimit: limit) {
            handler()
        }
    }

    private func drainRemoteWork() {
        guard remoteWorkPending.load(ordering: .acquiring) else { return }
        // Clear the flag before taking the queue: a submission that lands after the swap sees
        // `false` and wakes the selector, so nothing is left behind while the loop sleeps.
        remoteWorkPending.store(false, ordering: .sequentiallyConsistent)
        let shutdownRequested = remote.withLock { state in
            swap(&state.work, &drainedRemoteWork)
            return state.shutdownRequested
        }
        if shutdownRequested { isShuttingDown = true }
        for work in drainedRemoteWork { localWork.append(work) }
        drainedRemoteWork.removeAll(keepingCapacity: true)
    }

    private func runQueuedWork() {
        var budget = Self.jobsPerTick
        let serialExecutor = asUnownedSerialExecutor()
        let taskExecutor = asUnownedTaskExecutor()
        while budget > 0, let work = localWork.popFirst() {
            budget -= 1
            switch work {
            case .job(let job):
                job.runSynchronously(isolatedTo: serialExecutor, taskExecutor: taskExecutor)
            case .closure(let body):
                body()
            }
        }
    }

    private func runEndOfTickHandlers() {
        guard !endOfTickHandlers.isEmpty else { return }
        var index = 0
        while index < endOfTickHandlers.count {   // handlers may add more; run those too
            let handler = endOfTickHandlers[index]   // copy: the handler may append to the list
            index += 1
            handler.endOfTick()
        }
        endOfTickHandlers.removeAll(keepingCapacity: true)
    }

    private func dispatch(_ event: SelectorEvent) {
        guard let (handler, events) = registrations.handler(for: event) else { return }
        handler.ioEvent(events)
    }
}

@available(*, unavailable)
extension WorkRing: Sendable {}
