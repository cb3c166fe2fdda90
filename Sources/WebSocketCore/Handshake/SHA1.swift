/// Computes SHA-1 digests (FIPS 180-4), for the `Sec-WebSocket-Accept` value of RFC 6455 §4.2.2.
///
/// The handshake is SHA-1's only use here, and the core may import nothing but the standard
/// library, so the hash is implemented in this file. SHA-1 is broken for collision resistance;
/// RFC 6455 uses it only to prove that the server read the client's key, and nothing in this
/// library relies on it for security. Do not use it for anything else.
///
/// Hash bytes in one call, or feed them in pieces and then ask for the digest:
///
/// ```swift
/// let digest = SHA1.hash(Array("abc".utf8))      // 20 bytes: a9 99 3e 36 …
///
/// var sha1 = SHA1()
/// sha1.update(Array("ab".utf8))
/// sha1.update(Array("c".utf8))
/// assert(sha1.finalize() == digest)
/// ```
public struct SHA1: Sendable {
    /// The length of a digest in bytes.
    public static let digestByteCount = 20

    private static let blockByteCount = 64

    private var h0: UInt32 = 0x6745_2301
    private var h1: UInt32 = 0xEFCD_AB89
    private var h2: UInt32 = 0x98BA_DCFE
    private var h3: UInt32 = 0x1032_5476
    private var h4: UInt32 = 0xC3D2_E1F0
    /// Bytes that do not yet fill a 64-byte block; always fewer than 64.
    private var pending: [UInt8] = []
    /// How many bytes were hashed so far, modulo 2⁶⁴.
    private var byteCount: UInt64 = 0

    /// Creates a hasher that has seen no bytes.
    public init() {}

    /// Returns the 20-byte SHA-1 digest of `bytes`.
    ///
    /// - Complexity: O(*n*) in the number of bytes.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var sha1 = SHA1()
        sha1.update(bytes)
        return sha1.finalize()
    }

    /// Adds `bytes` to the message being hashed.
    ///
    /// Feeding a message in several calls gives the same digest as feeding it in one.
    ///
    /// - Complexity: O(*n*) in the number of bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(buffer: $0) }
        if done == nil {
            Array(bytes).withUnsafeBufferPointer { update(buffer: $0) }
        }
    }

    /// Returns the digest of every byte added so far.
    ///
    /// The hasher itself is not changed, so you may keep adding bytes and ask again for the
    /// digest of the longer message.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitCount = byteCount &* 8
        var padding: [UInt8] = [0x80]
        let used = (pending.count + 1) % Self.blockByteCount
        let zeroCount = (Self.blockByteCount + 56 - used) % Self.blockByteCount
        padding.append(contentsOf: repeatElement(0, count: zeroCount))
        for shift in stride(from: 56, through: 0, by: -8) {
            padding.append(UInt8(truncatingIfNeeded: bitCount >> UInt64(shift)))
        }
        copy.update(padding)
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.digestByteCount)
        for word in [copy.h0, copy.h1, copy.h2, copy.h3, copy.h4] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    private mutating func update(buffer: UnsafeBufferPointer<UInt8>) {
        byteCount &+= UInt64(buffer.count)
        var index = 0
        if !pending.isEmpty {
            let taken = min(Self.blockByteCount - pending.count, buffer.count)
            pending.append(contentsOf: buffer[0..<taken])
            index = taken
            guard pending.count == Self.blockByteCount else { return }
            let block = pending
            pending.removeAll(keepingCapacity: true)
            block.withUnsafeBufferPointer { compress($0) }
        }
        while buffer.count - index >= Self.blockByteCount {
            compress(UnsafeBufferPointer(rebasing: buffer[index..<(index + Self.blockByteCount)]))
            index += Self.blockByteCount
        }
        pending.append(contentsOf: buffer[index...])
    }

    /// Runs the compression function over one 64-byte block (FIPS 180-4 §6.1.2).
    private mutating func compress(_ block: UnsafeBufferPointer<UInt8>) {
        precondition(block.count == Self.blockByteCount)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            for t in 0..<16 {
                w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16
                    | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
            }
            for t in 16..<80 {
                w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotatedLeft(by: 1)
            }
            var a = h0, b = h1, c = h2, d = h3, e = h4
            for t in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch t {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let temp = a.rotatedLeft(by: 5) &+ f &+ e &+ k &+ w[t]
                e = d
                d = c
                c = b.rotatedLeft(by: 30)
                b = a
                a = temp
            }
            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
        }
    }
}

extension UInt32 {
    fileprivate func rotatedLeft(by count: UInt32) -> UInt32 {
        (self << count) | (self >> (32 - count))
    }
}
