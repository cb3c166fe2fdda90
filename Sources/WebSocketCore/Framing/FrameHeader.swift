/// The fixed part of a frame that precedes its payload (RFC 6455 §5.2).
public struct FrameHeader: Hashable, Sendable {
    /// Whether this is the final fragment of its message.
    public var fin: Bool
    /// RSV1, RSV2, RSV3 as the low bits 0b100, 0b010, 0b001.
    public var reservedBits: UInt8
    /// The frame's opcode.
    public var opcode: Opcode
    /// The masking key, present exactly when the frame is masked.
    public var maskingKey: MaskingKey?
    /// The payload length in bytes.
    public var payloadLength: Int

    /// Creates a header.
    public init(fin: Bool = true, reservedBits: UInt8 = 0, opcode: Opcode, maskingKey: MaskingKey? = nil, payloadLength: Int) {
        self.fin = fin
        self.reservedBits = reservedBits
        self.opcode = opcode
        self.maskingKey = maskingKey
        self.payloadLength = payloadLength
    }

    /// The number of bytes this header takes on the wire: 2, plus 2 or 8 for an extended
    /// length, plus 4 for a masking key.
    public var encodedSize: Int {
        Self.encodedSize(payloadLength: payloadLength, masked: maskingKey != nil)
    }

    /// The size of a header for a payload of `payloadLength` bytes.
    public static func encodedSize(payloadLength: Int, masked: Bool) -> Int {
        let lengthBytes = payloadLength < 126 ? 0 : (payloadLength <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (masked ? 4 : 0)
    }

    /// The largest header size: 2 + 8 (64-bit length) + 4 (masking key).
    public static let maximumSize = 14
}
