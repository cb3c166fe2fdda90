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
/// The loop works eight bytes at a time over unaligned words, with the key rotated to the
/// start offset and repeated across the word; only the tail is done byte by byte.
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
    /// - Complexity: O(n), eight bytes per step.
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
    @inline(__always)
    static func maskCopy(
        from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer,
        count: Int, key: MaskingKey, offset: Int
    ) -> Int {
        let word = pattern(key, offset: offset & 3)
        var index = 0
        while index &+ 8 <= count {
            let value = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            destination.storeBytes(of: value ^ word, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        // Eight bytes are two whole keys, so the tail starts at the same key offset.
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
