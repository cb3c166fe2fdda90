/// The 4-byte key a client XORs over every payload it sends (RFC 6455 §5.3).
public struct MaskingKey: Hashable, Sendable {
    /// The four key bytes in wire order.
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    /// Creates a key from its four bytes in wire order.
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        self.bytes = (b0, b1, b2, b3)
    }

    /// Creates a key from a 32-bit value whose most significant byte is sent first.
    public init(networkOrder value: UInt32) {
        self.bytes = (UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                      UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    /// The key as a 32-bit value whose most significant byte is the first on the wire.
    public var networkOrder: UInt32 {
        UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }

    /// The key byte that applies at `index` (0–3).
    public subscript(index: Int) -> UInt8 {
        switch index & 3 {
        case 0: bytes.0
        case 1: bytes.1
        case 2: bytes.2
        default: bytes.3
        }
    }

    public static func == (lhs: MaskingKey, rhs: MaskingKey) -> Bool {
        lhs.networkOrder == rhs.networkOrder
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(networkOrder)
    }
}
