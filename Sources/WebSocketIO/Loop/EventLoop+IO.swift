/// An object that reacts to readiness of a descriptor registered with an event loop.
///
/// `ioEvent(_:)` runs on the loop thread, synchronously, inside the tick. An actor whose
/// executor is the same loop implements it `nonisolated` and enters its isolation with
/// `assumeIsolated`, which holds because the loop is the actor's executor:
///
/// ```swift
/// nonisolated func ioEvent(_ events: IOEvents) {
///     assumeIsolated { connection in connection.socketBecameReady(events) }
/// }
/// ```
///
/// The loop keeps a strong reference to the handler until `deregister`, or until it shuts
/// down, when it calls `eventLoopShutDown()` and lets go.
public protocol IOHandler: AnyObject {
    /// The descriptor is ready for some of what the registration asked for.
    ///
    /// Only events in the current interest are delivered, plus `hangup` and `error`. Level
    /// triggered: readiness not consumed is reported again on the next tick.
    func ioEvent(_ events: IOEvents)

    /// The loop is shutting down while this handler is registered; called on the loop thread,
    /// once per registration, after the registration ended (`deregister` ignores it now).
    ///
    /// No readiness will ever be reported again, so fail whatever waits for it (resume
    /// suspended tasks with an error) and close the descriptor if this handler owns it: the
    /// loop does not close descriptors. Jobs and closures queued from here still run;
    /// `register` throws and new timers never run. The default does nothing, which suits a
    /// handler that nothing waits on.
    func eventLoopShutDown()
}

extension IOHandler {
    /// Does nothing: the loop only releases the handler.
    public func eventLoopShutDown() {}
}

/// An object that runs once at the end of the tick in which it was scheduled, after the
/// queued jobs and before the loop waits for I/O.
///
/// Used for write batching: each `send` appends to the connection's buffer and, the first time
/// in a tick, schedules the connection; its `endOfTick()` then flushes everything with one
/// vectored write. Keep the "already scheduled" flag in the handler: the loop does not
/// de-duplicate.
public protocol EndOfTickHandler: AnyObject {
    /// Called on the loop thread at the end of the tick.
    func endOfTick()
}

extension EventLoop {
    /// Starts delivering readiness of `descriptor` to `handler`. Loop thread only.
    ///
    /// The loop holds `handler` strongly until `deregister` or shutdown. Deregister before
    /// closing the descriptor. An empty `interest` registers without watching anything yet.
    /// - Throws: `Errno` from `epoll_ctl`/`kevent` (for example `EBADF`, `EPERM` for a
    ///   regular file); `Errno.canceled` once the loop is shutting down.
    public func register(
        _ descriptor: SocketDescriptor, interest: IOInterest, handler: any IOHandler
    ) throws(Errno) -> IORegistration {
        preconditionInLoop()
        guard !isStopping else { throw .canceled }
        let registration = registrations.add(descriptor.rawValue, interest: interest, handler: handler)
        if !interest.isEmpty {
            do {
                try selector.register(descriptor.rawValue, interest: interest, token: registration.token)
            } catch {
                registrations.remove(registration)
                throw error
            }
        }
        return registration
    }

    /// Changes what a registration watches for. Loop thread only; cheap when nothing changes.
    ///
    /// An empty interest takes the descriptor out of the kernel's interest list until a
    /// non-empty one is set again. Stale registrations are ignored.
    public func setInterest(_ interest: IOInterest, for registration: IORegistration) throws(Errno) {
        preconditionInLoop()
        guard let slot = registrations.slot(registration), slot.interest != interest else { return }
        let descriptor = slot.descriptor
        if slot.interest.isEmpty {
            try selector.register(descriptor, interest: interest, token: registration.token)
        } else if interest.isEmpty {
            try selector.deregister(descriptor, interest: slot.interest)
        } else {
            try selector.reregister(descriptor, from: slot.interest, to: interest, token: registration.token)
        }
        registrations.setInterest(interest, for: registration)
    }

    /// The current interest of a registration, or `nil` if it is stale. Loop thread only.
    public func interest(of registration: IORegistration) -> IOInterest? {
        preconditionInLoop()
        return registrations.slot(registration)?.interest
    }

    /// Stops delivering readiness and releases the handler. Loop thread only.
    ///
    /// No event is delivered for this registration afterwards, even one already collected in
    /// the current tick. Stale registrations are ignored.
    public func deregister(_ registration: IORegistration) {
        preconditionInLoop()
        guard let slot = registrations.slot(registration) else { return }
        if !slot.interest.isEmpty {
            // Fails only if the descriptor was already closed, which removed it from the kernel.
            try? selector.deregister(slot.descriptor, interest: slot.interest)
        }
        registrations.remove(registration)
    }

    /// The number of live registrations. Loop thread only.
    public var registrationCount: Int {
        preconditionInLoop()
        return registrations.count
    }

    /// Schedules `handler.endOfTick()` for the end of the current tick. Loop thread only.
    ///
    /// Scheduled from a job or I/O callback, it runs before the loop next waits; scheduled
    /// from an end-of-tick handler, it runs in the same phase. Does not allocate once the
    /// loop's list has grown to its working size.
    public func runAtEndOfTick(_ handler: any EndOfTickHandler) {
        preconditionInLoop()
        endOfTickHandlers.append(handler)
    }
}
