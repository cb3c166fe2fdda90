/// Identifies a descriptor registered with an event loop.
///
/// Pass it back to `setInterest` and `deregister`. A stale registration (already deregistered,
/// its slot reused) is ignored rather than affecting the newer one.
public struct IORegistration: Hashable, Sendable {
    let slot: UInt32
    let generation: UInt32

    /// The token the selector carries for this registration: generation high, slot low.
    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }
}

/// The event loop's registered descriptors, in reusable slots with generations.
///
/// The selector reports a token (slot and generation); a report whose generation no longer
/// matches its slot belongs to a descriptor that was deregistered, possibly closed and reused,
/// and is dropped instead of reaching the wrong handler.
struct RegistrationTable {
    struct Slot {
        var descriptor: Int32 = -1
        var generation: UInt32 = 1
        var interest: IOInterest = []
        var handler: (any IOHandler)?
    }

    private(set) var slots: [Slot] = []
    private var freeSlots: [UInt32] = []

    /// The number of live registrations.
    private(set) var count = 0

    /// Takes a free slot for `descriptor`.
    mutating func add(_ descriptor: Int32, interest: IOInterest, handler: any IOHandler) -> IORegistration {
        let slotIndex: UInt32
        if let free = freeSlots.popLast() {
            slotIndex = free
        } else {
            precondition(slots.count < Int(UInt32.max), "too many registrations")
            slotIndex = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(slotIndex)].descriptor = descriptor
        slots[Int(slotIndex)].interest = interest
        slots[Int(slotIndex)].handler = handler
        count += 1
        return IORegistration(slot: slotIndex, generation: slots[Int(slotIndex)].generation)
    }

    /// The live slot for `registration`, or `nil` if it is stale.
    func slot(_ registration: IORegistration) -> Slot? {
        guard Int(registration.slot) < slots.count else { return nil }
        let slot = slots[Int(registration.slot)]
        guard slot.generation == registration.generation, slot.handler != nil else { return nil }
        return slot
    }

    /// Records a new interest for a live registration.
    mutating func setInterest(_ interest: IOInterest, for registration: IORegistration) {
        slots[Int(registration.slot)].interest = interest
    }

    /// Frees the slot of a live registration and releases its handler.
    mutating func remove(_ registration: IORegistration) {
        let index = Int(registration.slot)
        slots[index].handler = nil
        slots[index].descriptor = -1
        slots[index].interest = []
        slots[index].generation &+= 1
        if slots[index].generation == 0 { slots[index].generation = 1 }
        freeSlots.append(registration.slot)
        count -= 1
    }

    /// The handler and the events to deliver for a selector report, or `nil` if the report is
    /// stale or asks for nothing the handler still wants.
    func handler(for event: SelectorEvent) -> (any IOHandler, IOEvents)? {
        let index = Int(truncatingIfNeeded: event.token & 0xFFFF_FFFF)
        let generation = UInt32(truncatingIfNeeded: event.token >> 32)
        guard index < slots.count else { return nil }
        let slot = slots[index]
        guard slot.generation == generation, let handler = slot.handler else { return nil }
        var events = event.events
        if !slot.interest.contains(.read) { events.remove(.readable) }
        if !slot.interest.contains(.write) { events.remove(.writable) }
        guard !events.isEmpty else { return nil }
        return (handler, events)
    }

    /// Every live registration with its handler, in slot order.
    var live: [(IORegistration, any IOHandler)] {
        slots.indices.compactMap { index in
            guard let handler = slots[index].handler else { return nil }
            return (IORegistration(slot: UInt32(index), generation: slots[index].generation), handler)
        }
    }

    /// Releases every handler (at shutdown).
    mutating func removeAll() {
        slots.removeAll()
        freeSlots.removeAll()
        count = 0
    }
}
