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
    /// Validates whole 16-byte blocks of `base[start..<count]` and returns where the scalar
    /// validator must resume, or `nil` if a byte in the blocks cannot be valid UTF-8.
    ///
    /// `start` must be at a character boundary with `start >= 3`, so that the three bytes before
    /// each block can be loaded (those before `start` belong to complete characters and demand
    /// no continuation). The returned index is a character boundary: the start of a character
    /// the blocks cut off, which the scalar validator then completes or carries to the next chunk.
    static func validateBlocks(_ base: UnsafeRawPointer, from start: Int, count: Int) -> Int? {
        precondition(start >= 3 && start <= count, "block start out of range")
        var index = start
        while index &+ 64 <= count {
            if isASCII64(base + index) {
                if endsMidCharacter(base, at: index) { return nil }
                index &+= 64
                continue
            }
            let errors = blockErrors(base, index) | blockErrors(base, index &+ 16)
                | blockErrors(base, index &+ 32) | blockErrors(base, index &+ 48)
            if hasAnyBit(errors) { return nil }
            index &+= 64
        }
        while index &+ 16 <= count {
            if hasAnyBit(blockErrors(base, index)) { return nil }
            index &+= 16
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

    /// 0xFF in every lane of the 16 bytes at `index` that breaks a rule, 0 elsewhere.
    @inline(__always)
    private static func blockErrors(_ base: UnsafeRawPointer, _ index: Int) -> SIMD16<UInt8> {
        let byte = base.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
        let prev1 = base.loadUnaligned(fromByteOffset: index &- 1, as: SIMD16<UInt8>.self)
        let prev2 = base.loadUnaligned(fromByteOffset: index &- 2, as: SIMD16<UInt8>.self)
        let prev3 = base.loadUnaligned(fromByteOffset: index &- 3, as: SIMD16<UInt8>.self)

        let isContinuation = (byte & 0xC0) .== 0x80
        let mustContinue = (prev1 .>= 0xC0) .| (prev2 .>= 0xE0) .| (prev3 .>= 0xF0)
        var bad = isContinuation .^ mustContinue
        bad .|= (byte .>= 0xF5) .| ((byte & 0xFE) .== 0xC0)
        bad .|= (prev1 .== 0xE0) .& (byte .< 0xA0)
        bad .|= (prev1 .== 0xED) .& (byte .> 0x9F)
        bad .|= (prev1 .== 0xF0) .& (byte .< 0x90)
        bad .|= (prev1 .== 0xF4) .& (byte .> 0x8F)
        return SIMD16<UInt8>(repeating: 0).replacing(with: 0xFF, where: bad)
    }

    @inline(__always)
    private static func hasAnyBit(_ vector: SIMD16<UInt8>) -> Bool {
        let words = unsafeBitCast(vector, to: SIMD2<UInt64>.self)
        return words[0] | words[1] != 0
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
