/// Identifies a timer scheduled on an event loop, for `EventLoop.cancelTimer(_:)`.
///
/// A stale ID (the timer fired or was cancelled, and its slot was reused) never cancels the
/// newer timer: the slot's generation no longer matches.
public struct TimerID: Hashable, Sendable {
    let slot: UInt32
    let generation: UInt32
}

/// A min-heap of timers keyed by monotonic deadline, with O(log n) cancellation.
///
/// Each timer lives in a slot that knows its heap position, so cancelling removes the entry
/// at once; an idle timeout that is pushed back on every message therefore never leaves
/// stale entries behind. Equal deadlines fire in scheduling order.
struct TimerHeap {
    private struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        var slot: UInt32
    }

    private struct Slot {
        var generation: UInt32 = 1
        var heapIndex = -1
        var handler: (() -> Void)?
    }

    private var heap: [Entry] = []
    private var slots: [Slot] = []
    private var freeSlots: [UInt32] = []
    private var nextSequence: UInt64 = 0

    /// The number of pending timers.
    var count: Int { heap.count }

    /// The earliest deadline, if any timer is pending.
    var nextDeadline: UInt64? { heap.first?.deadline }

    /// The sequence number the next scheduled timer will get.
    var sequenceMark: UInt64 { nextSequence }

    /// Adds a timer.
    /// - Complexity: O(log n).
    mutating func schedule(deadline: UInt64, _ handler: @escaping () -> Void) -> TimerID {
        let slotIndex: UInt32
        if let free = freeSlots.popLast() {
            slotIndex = free
        } else {
            slotIndex = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(slotIndex)].handler = handler
        let entry = Entry(deadline: deadline, sequence: nextSequence, slot: slotIndex)
        nextSequence += 1
        heap.append(entry)
        slots[Int(slotIndex)].heapIndex = heap.count - 1
        siftUp(heap.count - 1)
        return TimerID(slot: slotIndex, generation: slots[Int(slotIndex)].generation)
    }

    /// Removes a pending timer; returns `false` if it already fired or was cancelled.
    /// - Complexity: O(log n).
    @discardableResult
    mutating func cancel(_ id: TimerID) -> Bool {
        guard Int(id.slot) < slots.count else { return false }
        let slot = slots[Int(id.slot)]
        guard slot.generation == id.generation, slot.heapIndex >= 0 else { return false }
        remove(at: slot.heapIndex)
        return true
    }

    /// Removes and returns the handler of the earliest timer if its deadline is at or before
    /// `now` and it was scheduled before `sequenceLimit` (so a timer that reschedules itself
    /// runs at most once per tick).
    mutating func popDue(now: UInt64, sequenceLimit: UInt64) -> (() -> Void)? {
        guard let first = heap.first, first.deadline <= now, first.sequence < sequenceLimit else { return nil }
        return remove(at: 0)
    }

    /// Drops every timer without running it.
    mutating func removeAll() {
        heap.removeAll()
        slots.removeAll()
        freeSlots.removeAll()
    }

    @discardableResult
    private mutating func remove(at index: Int) -> (() -> Void)? {
        let slotIndex = Int(heap[index].slot)
        let handler = slots[slotIndex].handler
        slots[slotIndex].handler = nil
        slots[slotIndex].heapIndex = -1
        slots[slotIndex].generation &+= 1
        freeSlots.append(UInt32(slotIndex))
        let last = heap.removeLast()
        if index < heap.count {
            heap[index] = last
            slots[Int(last.slot)].heapIndex = index
            siftDown(index)
            siftUp(index)
        }
        return handler
    }

    private func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        slots[Int(heap[i].slot)].heapIndex = i
        slots[Int(heap[j].slot)].heapIndex = j
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            let right = left + 1
            if right < heap.count, precedes(heap[right], heap[left]) { smallest = right }
            guard precedes(heap[smallest], heap[parent]) else { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }
}
