/// A unit of work queued on an event loop: an executor job or a closure from `execute`.
///
/// Jobs are stored as `UnownedJob` (one pointer), so enqueueing a job allocates nothing; the
/// ring only grows, and amortises to zero allocations.
enum LoopWork: Sendable {
    /// A task job for the loop's `SerialExecutor`/`TaskExecutor` role.
    case job(UnownedJob)
    /// A closure passed to `EventLoop.execute(_:)`.
    case closure(@Sendable () -> Void)
}

/// A growable FIFO ring of `LoopWork`, unsynchronised: only the loop thread touches it.
///
/// - Complexity: `append` and `popFirst` are amortised O(1).
struct WorkRing: ~Copyable {
    private var storage: UnsafeMutablePointer<LoopWork>
    private var capacity: Int
    private var head = 0
    /// The number of queued items.
    private(set) var count = 0

    /// Creates an empty ring with room for `capacity` items (rounded up to a power of two).
    init(capacity: Int = 256) {
        var rounded = 16
        while rounded < capacity { rounded <<= 1 }
        self.capacity = rounded
        self.storage = .allocate(capacity: rounded)
    }

    deinit {
        var index = head
        for _ in 0..<count {
            (storage + index).deinitialize(count: 1)
            index = (index + 1) & (capacity - 1)
        }
        storage.deallocate()
    }

    /// Whether the ring is empty.
    var isEmpty: Bool { count == 0 }

    /// Adds `work` at the back.
    mutating func append(_ work: consuming LoopWork) {
        if count == capacity { grow() }
        (storage + ((head + count) & (capacity - 1))).initialize(to: work)
        count += 1
    }

    /// Removes and returns the front item, or `nil` if the ring is empty.
    mutating func popFirst() -> LoopWork? {
        guard count > 0 else { return nil }
        let work = (storage + head).move()
        head = (head + 1) & (capacity - 1)
        count -= 1
        return work
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newStorage = UnsafeMutablePointer<LoopWork>.allocate(capacity: newCapacity)
        let firstRun = min(count, capacity - head)
        (newStorage).moveInitialize(from: storage + head, count: firstRun)
        (newStorage + firstRun).moveInitialize(from: storage, count: count - firstRun)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
        head = 0
    }
}
