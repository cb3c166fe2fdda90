import CFuzzerDriver
import Glibc

/// Helpers shared by the fuzz targets: a cursor over libFuzzer's input, a chunker that splits
/// bytes the way a socket might, deterministic masking keys, and `check`, which turns a broken
/// invariant into a trap that libFuzzer reports as a crash with its input saved.

/// Reads configuration bytes and payloads from the front of a fuzz input. Past the end it
/// returns zeros and empty slices, so every input, however short, is a valid program.
public struct FuzzInput {
    private let bytes: UnsafeBufferPointer<UInt8>
    /// How many bytes have been read.
    public private(set) var index = 0

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = UnsafeBufferPointer(start: data, count: size)
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { index >= bytes.count }

    /// The number of bytes not yet read.
    public var remainingCount: Int { bytes.count - index }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// Up to `count` next bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, index + max(0, count))
        defer { index = end }
        return Array(bytes[index ..< end])
    }

    /// Every byte not yet read.
    public mutating func rest() -> UnsafeBufferPointer<UInt8> {
        let start = min(index, bytes.count)
        index = bytes.count
        return UnsafeBufferPointer(rebasing: bytes[start...])
    }
}

/// Splits input into chunk sizes drawn from a seed byte: 0 gives one chunk of everything, other
/// seeds give chunks of 1…`seed & 0x3F + 1` bytes (mostly tiny, so every header byte boundary is hit).
public struct Chunker {
    private var state: UInt64
    private let maxChunk: Int

    public init(seed: UInt8) {
        state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        maxChunk = seed == 0 ? Int.max : Int(seed & 0x3F) + 1
    }

    /// The size of the next chunk, at least 1 and at most `remaining`.
    public mutating func next(remaining: Int) -> Int {
        guard maxChunk != Int.max else { return remaining }
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return min(remaining, Int(state % UInt64(maxChunk)) + 1)
    }

    /// Calls `body` with consecutive chunks of `bytes`.
    public mutating func forEachChunk(of bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        while start < bytes.count {
            let size = next(remaining: bytes.count - start)
            body(UnsafeBufferPointer(rebasing: bytes[start ..< start + size]))
            start += size
        }
    }
}

/// SplitMix64: deterministic masking keys, so that every finding reproduces from its input.
public struct SeededKeys: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Traps with `message` when an invariant does not hold; libFuzzer saves the input as a crash.
@inline(__always)
public func check(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
}

/// The error that a throwing call raised, or `nil`; lets a target compare outcomes.
public func caught<E: Error>(_ body: () throws(E) -> Void) -> E? {
    do throws(E) {
        try body()
        return nil
    } catch {
        return error
    }
}

/// Runs libFuzzer's driver with this process's arguments, calling `testOneInput` per input, and
/// exits with its status. Call it from a target's main.swift.
public func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

/// A valid pointer for an empty input (libFuzzer may pass none).
nonisolated(unsafe) public let emptyInput: UnsafePointer<UInt8> = UnsafePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))
