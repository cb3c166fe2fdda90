/// One WebSocket frame with its payload unmasked (RFC 6455 §5.2).
///
/// The masking key is a property of how a frame is sent, not of what it says, so it is not part
/// of `Frame`: the decoder removes it, and the encoder takes one as an argument.
public struct Frame: Hashable, Sendable {
    /// Whether this is the final fragment of its message.
    public var fin: Bool
    /// The three reserved bits RSV1, RSV2, RSV3 as the low bits 0b100, 0b010, 0b001.
    public var reservedBits: UInt8
    /// The frame's opcode.
    public var opcode: Opcode
    /// The application (or extension) data, unmasked.
    public var payload: [UInt8]

    /// Creates a frame; `fin` defaults to a complete, unfragmented message.
    public init(opcode: Opcode, payload: [UInt8], fin: Bool = true, reservedBits: UInt8 = 0) {
        self.fin = fin
        self.reservedBits = reservedBits
        self.opcode = opcode
        self.payload = payload
    }

    /// Whether RSV1 is set (permessage-deflate marks compressed messages with it).
    public var rsv1: Bool { reservedBits & 0b100 != 0 }
}
