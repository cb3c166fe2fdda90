/// Keeps a result alive so the optimiser cannot drop the work that produced it.
/// `nonisolated(unsafe)`: ws-bench runs on the main thread only; nothing else reads or writes it.
nonisolated(unsafe) var blackHole: Int = 0

@inline(never)
func consume(_ value: Int) { blackHole &+= value }

/// One reported figure: a measured rate next to the baseline measured alongside it.
struct Figure {
    var group: String
    var name: String
    var unit: String
    var value: Double
    var baselineName: String?
    var baselineValue: Double?
    /// Median of the per-round ratios (rounds alternate subject and baseline, so load shifts cancel).
    var ratio: Double?
    /// Further rates reported with the figure (frames/s next to GB/s).
    var extra: [(String, Double)] = []
}

/// Measures how many units per second `body` achieves; `body` does one batch and returns its units.
///
/// Runs `body` repeatedly for `duration` seconds after one warm-up call.
func rate(duration: Double, _ body: () -> Double) -> Double {
    _ = body()
    var units = 0.0
    let start = monotonicSeconds()
    var elapsed = 0.0
    repeat {
        units += body()
        elapsed = monotonicSeconds() - start
    } while elapsed < duration
    return units / elapsed
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Measures `subject` and `baseline` in alternating rounds and reports medians and the median ratio.
func compare(rounds: Int, duration: Double, subject: () -> Double, baseline: () -> Double) -> (subject: Double, baseline: Double, ratio: Double) {
    var subjects: [Double] = [], baselines: [Double] = [], ratios: [Double] = []
    for _ in 0 ..< rounds {
        let b = rate(duration: duration, baseline)
        let s = rate(duration: duration, subject)
        subjects.append(s)
        baselines.append(b)
        ratios.append(s / b)
    }
    return (median(subjects), median(baselines), median(ratios))
}

/// Distinct input buffers of one size, laid out back to back, so a benchmark rotates through at
/// least `minimumPool` bytes instead of letting caches and the branch predictor learn one buffer.
struct InputPool {
    let size: Int
    let count: Int
    let base: UnsafeMutableRawPointer

    init(size: Int, minimumPool: Int = 512 << 10, fill: (UnsafeMutableRawBufferPointer, Int) -> Void) {
        self.size = size
        self.count = max(2, (minimumPool + size - 1) / size)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: size * count + 64, alignment: 64)
        for index in 0 ..< count {
            fill(UnsafeMutableRawBufferPointer(start: base + index * size, count: size), index)
        }
    }

    subscript(index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + (index % count) * size, count: size)
    }
}

/// SplitMix64: the inputs are the same in every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomFill(_ buffer: UnsafeMutableRawBufferPointer, seed: Int) {
    var generator = SplitMix(state: UInt64(seed) &* 0x1234_5678_9ABC_DEF1)
    var index = 0
    while index + 8 <= buffer.count {
        buffer.storeBytes(of: generator.next(), toByteOffset: index, as: UInt64.self)
        index += 8
    }
    while index < buffer.count {
        buffer[index] = UInt8(truncatingIfNeeded: generator.next())
        index += 1
    }
}
