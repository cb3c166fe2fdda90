/// The vector kernel behind `UTF8Validator`: 16 bytes per step with SSE2/NEON-width operations.
///
/// It is the range-check form of Keiser & Lemire's "Validating UTF-8 in less than one instruction
/// per byte" (2021): every byte is checked against the three bytes before it, loaded as unaligned
/// vectors one, two and three bytes back, so no lane shuffles are needed (SSE2 has no `pshufb`,
/// and portable Swift has no table lookup). A byte is valid when
///
/// - it is a continuation byte exactly when the byte before is a lead (C0–FF), or the one two back
///   is a three- or four-byte lead (E0–FF), or the one three back is a four-byte lead (F0–FF);
/// - it is none of C0, C1, F5–FF (overlong two-byte leads, beyond U+10FFFF);
/// - after E0 it is at least A0 and after F0 at least 90 (overlong), after ED at most 9F
///   (surrogates), after F4 at most 8F (beyond U+10FFFF).
///
/// Runs of 64 ASCII bytes are skipped with one OR and one test.
extension UTF8Validator {
    /// Validates whole 16-byte blocks of `bytes[start...]` and returns where the scalar
    /// validator must resume, or `nil` if a byte in the blocks cannot be valid UTF-8.
    ///
    /// `start` must be at a character boundary with `start >= 3`, so that the three bytes before
    /// each block can be loaded (those before `start` belong to complete characters and demand
    /// no continuation). The returned index is a character boundary: the start of a character
    /// the blocks cut off, which the scalar validator then completes or carries to the next chunk.
    static func validateBlocks(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let count = bytes.count
        precondition(start >= 3 && start <= count, "block start out of range")
        guard let base = bytes.baseAddress else { return start }
        // Every load below reads base[index - 3 ..< index + 64] with index >= start and
        // index + 16 (or + 64) <= count: inside `bytes`.
        var index = start
        while index &+ 16 <= count {
            if index &+ 64 <= count && isASCII64(base + index) {
                if endsMidCharacter(base, at: index) { return nil }
                index &+= 64
                while index &+ 64 <= count && isASCII64(base + index) { index &+= 64 }
                continue
            }
            // Up to four blocks, then one test: error exits are rare, so branch once per 64 bytes.
            let end = index &+ min(64, (count &- index) & ~15)
            var errors = SIMD16<UInt8>()
            repeat {
                errors |= blockErrors(base, index)
                index &+= 16
            } while index < end
            if hasAnyBit(errors) { return nil }
        }
        return lastCharacterStart(base, from: start, end: index)
    }

    /// Whether the 64 bytes at `pointer` are all ASCII.
    @inline(__always)
    private static func isASCII64(_ pointer: UnsafeRawPointer) -> Bool {
        let a = pointer.loadUnaligned(fromByteOffset: 0, as: SIMD2<UInt64>.self)
        let b = pointer.loadUnaligned(fromByteOffset: 16, as: SIMD2<UInt64>.self)
        let c = pointer.loadUnaligned(fromByteOffset: 32, as: SIMD2<UInt64>.self)
        let d = pointer.loadUnaligned(fromByteOffset: 48, as: SIMD2<UInt64>.self)
        let all = (a | b) | (c | d)
        return (all[0] | all[1]) & 0x8080_8080_8080_8080 == 0
    }

    /// Whether the character before `index` needs continuation bytes at or after `index`.
    @inline(__always)
    private static func endsMidCharacter(_ base: UnsafeRawPointer, at index: Int) -> Bool {
        base.load(fromByteOffset: index &- 1, as: UInt8.self) >= 0xC0
            || base.load(fromByteOffset: index &- 2, as: UInt8.self) >= 0xE0
            || base.load(fromByteOffset: index &- 3, as: UInt8.self) >= 0xF0
    }

    /// The 16 bytes at `index` checked: the top bit of a lane is set where that byte breaks a rule.
    @inline(__always)
    private static func blockErrors(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<UInt8> {
        let byte = base.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
        let prev1 = base.loadUnaligned(fromByteOffset: index &- 1, as: SIMD16<UInt8>.self)
        let prev2 = base.loadUnaligned(fromByteOffset: index &- 2, as: SIMD16<UInt8>.self)
        let prev3 = base.loadUnaligned(fromByteOffset: index &- 3, as: SIMD16<UInt8>.self)
        // Compare vector with vector and combine byte vectors, not `SIMDMask`s: with Swift 6.3,
        // comparisons with a scalar operand, `.&`/`.|`/`.^` on masks and `pointwiseMax` compile
        // to loops over the lanes or calls.

        // The top bit of a lane of `bad` is set where a rule is broken; the other bits are noise.
        // A byte must be a continuation exactly when the byte one back is C0 or more, two back
        // E0 or more, or three back F0 or more; subtracting 40, 60 and 70 with saturation leaves
        // the top bit set for exactly those (Keiser & Lemire's `must_be_2_3_continuation`).
        let isContinuation = lanes(SIMD16<Int8>(truncatingIfNeeded: byte) .< SIMD16<Int8>(repeating: -64))
        let required = subtractingSaturated(prev1, 0x40) | subtractingSaturated(prev2, 0x60) | subtractingSaturated(prev3, 0x70)
        var bad = isContinuation ^ required
        bad |= subtractingSaturated(byte, 0x75)                       // F5–FF never appear
        bad |= lanes((byte & splat(0xFE)) .== splat(0xC0))           // C0, C1: overlong two-byte leads
        // After the four leads with a narrower second-byte range. For a continuation byte,
        // "below A0" is bit 5 clear and "below 90" is bits 4–5 clear.
        let below0xA0 = lanes((byte & splat(0x20)) .== splat(0))
        let below0x90 = lanes((byte & splat(0x30)) .== splat(0))
        let afterE0 = lanes(prev1 .== splat(0xE0)), afterED = lanes(prev1 .== splat(0xED))
        let afterF0 = lanes(prev1 .== splat(0xF0)), afterF4 = lanes(prev1 .== splat(0xF4))
        // (E0 and below A0: overlong) or (ED and not below A0: surrogate); the leads are disjoint.
        bad |= ((afterE0 ^ afterED) & below0xA0) ^ afterED
        // (F0 and below 90: overlong) or (F4 and not below 90: above U+10FFFF).
        bad |= ((afterF0 ^ afterF4) & below0x90) ^ afterF4
        return bad
    }

    /// `max(vector, bound) - bound` per lane, a saturating subtraction (`psubusb`, `uqsub`).
    @inline(__always)
    private static func subtractingSaturated(_ vector: SIMD16<UInt8>, _ bound: UInt8) -> SIMD16<UInt8> {
        let limit = splat(bound)
        return vector.replacing(with: limit, where: vector .< limit) &- limit
    }

    @inline(__always)
    private static func splat(_ value: UInt8) -> SIMD16<UInt8> { SIMD16(repeating: value) }

    /// A comparison's result as 0xFF or 0 per lane (one `pcmpeqb`-style instruction).
    @inline(__always)
    private static func lanes(_ mask: SIMDMask<SIMD16<Int8>>) -> SIMD16<UInt8> {
        SIMD16(repeating: 0).replacing(with: 0xFF, where: mask)
    }

    /// Whether the top bit of any lane is set.
    @inline(__always)
    private static func hasAnyBit(_ vector: SIMD16<UInt8>) -> Bool {
        let words = unsafeBitCast(vector, to: SIMD2<UInt64>.self)
        return (words[0] | words[1]) & 0x8080_8080_8080_8080 != 0
    }

    /// The start of the last character in `base[..<end]` if it runs past `end`, else `end`.
    @inline(__always)
    private static func lastCharacterStart(_ base: UnsafeRawPointer, from start: Int, end: Int) -> Int {
        var index = end
        while index > start && end &- index < 3 {
            index &-= 1
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte & 0xC0 != 0x80 {
                let length = byte < 0xC0 ? 1 : (byte < 0xE0 ? 2 : (byte < 0xF0 ? 3 : 4))
                return end &- index < length ? index : end
            }
        }
        return end
    }
}
