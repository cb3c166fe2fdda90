/// XORs payload bytes with a masking key (RFC 6455 §5.3), in place or while copying.
///
/// Both directions use these functions: the decoder unmasks client frames, the client encoder
/// masks what it sends. Each takes the key offset to start from (0–3) and returns the offset to
/// continue with, so a payload that arrives in several chunks can be unmasked chunk by chunk.
///
/// ```swift
/// var offset = 0
/// for chunk in chunks { offset = Masking.unmask(chunk, key: key, offset: offset) }
/// ```
///
/// The key is rotated to the start offset and repeated across a 64-bit word. The loop XORs 64
/// bytes per step as `SIMD8<UInt64>` (unaligned loads and stores; four SSE2 or NEON registers),
/// then 16 and 8 bytes, and only the last 0–7 bytes one at a time. Lanes of `UInt64` vectorise
/// where `SIMD64<UInt8>` bitwise operations compile to scalar loops; `ws-bench` measured the
/// widths (see `docs/decisions/0001-simd-masking-and-utf8.md`).
public enum Masking {
    /// The key repeated twice as a little-endian 64-bit word, rotated so that the first byte in
    /// memory is `key[offset]`.
    @inline(__always)
    static func pattern(_ key: MaskingKey, offset: Int) -> UInt64 {
        let k0 = UInt64(key[offset]), k1 = UInt64(key[offset + 1])
        let k2 = UInt64(key[offset + 2]), k3 = UInt64(key[offset + 3])
        let word = k0 | k1 << 8 | k2 << 16 | k3 << 24
        return (word | word << 32).littleEndian
    }

    /// XORs `buffer` in place with `key`, starting at key byte `offset`.
    ///
    /// - Returns: The key offset (0–3) for the byte after the end of `buffer`.
    /// - Complexity: O(n), 64 bytes per step.
    @discardableResult
    public static func unmask(_ buffer: UnsafeMutableRawBufferPointer, key: MaskingKey, offset: Int = 0) -> Int {
        guard let base = buffer.baseAddress else { return offset & 3 }
        return maskCopy(from: UnsafeRawPointer(base), to: base, count: buffer.count, key: key, offset: offset)
    }

    /// Copies `source` into `destination` (which must be at least as long), XORing with `key`.
    ///
    /// - Returns: The key offset (0–3) for the byte after the last one copied.
    @discardableResult
    public static func maskCopy(
        from source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer,
        key: MaskingKey, offset: Int = 0
    ) -> Int {
        precondition(destination.count >= source.count, "destination is shorter than source")
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return offset & 3 }
        return maskCopy(from: src, to: dst, count: source.count, key: key, offset: offset)
    }

    /// XORs the bytes of `array` in place.
    @discardableResult
    public static func unmask(_ array: inout [UInt8], key: MaskingKey, offset: Int = 0) -> Int {
        array.withUnsafeMutableBytes { unmask($0, key: key, offset: offset) }
    }

    /// The one loop behind every public entry point; `source` may equal `destination`.
    ///
    /// The caller guarantees that `count` bytes are readable at `source` and writable at
    /// `destination`, and that the two ranges are identical or disjoint.
    @inline(__always)
    static func maskCopy(
        from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer,
        count: Int, key: MaskingKey, offset: Int
    ) -> Int {
        assert(count >= 0, "negative byte count")
        assert(source == UnsafeRawPointer(destination) || source + count <= destination || UnsafeRawPointer(destination) + count <= source,
               "source and destination overlap partially")
        let word = pattern(key, offset: offset & 3)
        var index = 0
        // Every step below covers a multiple of four bytes, so the key offset is unchanged until the tail.
        let wide = SIMD8<UInt64>(repeating: word)
        while index &+ 64 <= count {
            let value = source.loadUnaligned(fromByteOffset: index, as: SIMD8<UInt64>.self)
            destination.storeBytes(of: value ^ wide, toByteOffset: index, as: SIMD8<UInt64>.self)
            index &+= 64
        }
        let narrow = SIMD2<UInt64>(repeating: word)
        while index &+ 16 <= count {
            let value = source.loadUnaligned(fromByteOffset: index, as: SIMD2<UInt64>.self)
            destination.storeBytes(of: value ^ narrow, toByteOffset: index, as: SIMD2<UInt64>.self)
            index &+= 16
        }
        if index &+ 8 <= count {
            let value = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            destination.storeBytes(of: value ^ word, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        var keyIndex = offset & 3
        while index < count {
            let byte = source.load(fromByteOffset: index, as: UInt8.self)
            destination.storeBytes(of: byte ^ key[keyIndex], toByteOffset: index, as: UInt8.self)
            index &+= 1
            keyIndex = (keyIndex &+ 1) & 3
        }
        return keyIndex
    }
}
