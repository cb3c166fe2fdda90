extension EventLoop: SerialExecutor, TaskExecutor {
    /// Queues a job to run on the loop thread.
    ///
    /// From the loop thread the job goes to an unsynchronised ring (no lock, no allocation);
    /// from other threads it goes to a locked queue and, for the first job since the loop last
    /// looked, wakes the selector. Jobs run in the order they were enqueued from one thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// This loop as the serial executor of an actor (`unownedExecutor`).
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// This loop as a task executor (`withTaskExecutorPreference`).
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Traps unless called on the loop thread; lets `assumeIsolated` succeed from readiness
    /// callbacks and closures that run on the loop but not as jobs of the actor.
    public func checkIsolated() {
        precondition(inLoop, "expected to run on event loop \(number)")
    }

    /// Whether the current code runs on the loop thread, which is this executor's isolation.
    public func isIsolatingCurrentContext() -> Bool? {
        inLoop
    }
}
