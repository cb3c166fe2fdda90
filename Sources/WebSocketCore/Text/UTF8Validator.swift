/// Checks UTF-8 incrementally, so invalid text fails at the first byte that makes it invalid.
///
/// RFC 6455 §8.1 requires a text message to be valid UTF-8; Autobahn's 6.4.x cases also
/// require that an endpoint fails a message *as soon as* the bytes so far can no longer be the
/// start of valid UTF-8, not when the message ends. Feed each chunk as it arrives; the validator
/// carries a partly received character across chunks and fragments.
///
/// ```swift
/// var validator = UTF8Validator()
/// for chunk in chunks { guard validator.validate(chunk) else { fail(.invalidUTF8) } }
/// guard validator.isAtCharacterBoundary else { fail(.invalidUTF8) }   // message ended mid-character
/// ```
///
/// It accepts exactly what `String(validating:as: UTF8.self)` accepts: no overlong forms, no
/// surrogates (U+D800–U+DFFF), nothing above U+10FFFF. Chunks of 32 bytes or more are checked 16
/// bytes per step with vector operations, and ASCII runs 64 bytes per step.
public struct UTF8Validator: Hashable, Sendable {
    /// Continuation bytes still expected for the current character (0 at a boundary).
    private var remaining: UInt8 = 0
    /// Inclusive range allowed for the next continuation byte (it narrows after E0, ED, F0, F4).
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF

    /// Creates a validator at a character boundary.
    public init() {}

    /// Whether everything validated so far ends between characters.
    ///
    /// Check this when a message ends: a message cut in the middle of a character is invalid.
    public var isAtCharacterBoundary: Bool { remaining == 0 }

    /// Forgets any partial character so the validator can start a new message.
    public mutating func reset() { self = UTF8Validator() }

    /// Validates the next chunk of a text stream.
    ///
    /// Chunks of 32 bytes or more go through the 16-byte vector kernel (`validateBlocks`); the
    /// scalar state machine handles the first bytes, a character cut by the last block, and
    /// short chunks.
    ///
    /// - Returns: `false` as soon as the bytes seen so far cannot begin valid UTF-8. After a
    ///   `false`, the validator's state is unspecified until `reset()`.
    /// - Complexity: O(n).
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        if count >= Self.vectorThreshold {
            // Reach a character boundary at least three bytes in, so the kernel can look back.
            guard validateScalar(base, from: 0, to: 3) else { return false }
            let boundary = 3 &+ Int(remaining)
            guard validateScalar(base, from: 3, to: boundary) else { return false }
            guard let resume = Self.validateBlocks(bytes, from: boundary) else { return false }
            index = resume
        }
        return validateScalar(base, from: index, to: count)
    }

    /// The chunk length from which the vector kernel runs; shorter chunks stay scalar.
    static var vectorThreshold: Int { 32 }

    /// Runs the scalar state machine over `base[start..<end]`.
    private mutating func validateScalar(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end {
            if remaining == 0 {
                // ASCII fast path: skip eight bytes at a time while no high bit is set.
                while index &+ 8 <= end {
                    let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index &+= 8
                }
                guard index < end else { break }
                let lead = base.load(fromByteOffset: index, as: UInt8.self)
                index &+= 1
                switch lead {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: remaining = 1; low = 0x80; high = 0xBF
                case 0xE0: remaining = 2; low = 0xA0; high = 0xBF
                case 0xED: remaining = 2; low = 0x80; high = 0x9F
                case 0xE1...0xEC, 0xEE...0xEF: remaining = 2; low = 0x80; high = 0xBF
                case 0xF0: remaining = 3; low = 0x90; high = 0xBF
                case 0xF1...0xF3: remaining = 3; low = 0x80; high = 0xBF
                case 0xF4: remaining = 3; low = 0x80; high = 0x8F
                default: return false        // 0x80–0xC1 (stray continuation, overlong lead), 0xF5–0xFF
                }
            } else {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                guard byte >= low && byte <= high else { return false }
                index &+= 1
                remaining &-= 1
                low = 0x80
                high = 0xBF
            }
        }
        return true
    }

    /// Validates the next chunk of a text stream held in an array slice or other contiguous bytes.
    public mutating func validate(_ bytes: some Sequence<UInt8>) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ validate(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { validate($0) }
    }

    /// Whether `bytes` is one complete, valid UTF-8 string.
    public static func isValid(_ bytes: some Sequence<UInt8>) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isAtCharacterBoundary
    }
}
