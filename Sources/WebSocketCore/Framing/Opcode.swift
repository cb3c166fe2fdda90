/// The 4-bit operation code of a WebSocket frame (RFC 6455 §5.2).
///
/// An open set: the RFC reserves 0x3–0x7 for further data frames and 0xB–0xF for further control
/// frames, so this is a struct with named values rather than an enum.
public struct Opcode: RawRepresentable, Hashable, Sendable {
    /// The opcode's 4-bit value, 0x0–0xF.
    public let rawValue: UInt8

    /// Creates an opcode from its 4-bit value; `nil` when the value does not fit in four bits.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0xF else { return nil }
        self.rawValue = rawValue
    }

    private init(_ value: UInt8) { self.rawValue = value }

    /// A frame that continues a fragmented message (0x0).
    public static let continuation = Opcode(0x0)
    /// The first frame of a text message (0x1).
    public static let text = Opcode(0x1)
    /// The first frame of a binary message (0x2).
    public static let binary = Opcode(0x2)
    /// A Close control frame (0x8).
    public static let close = Opcode(0x8)
    /// A Ping control frame (0x9).
    public static let ping = Opcode(0x9)
    /// A Pong control frame (0xA).
    public static let pong = Opcode(0xA)

    /// Whether this is a control opcode (the high bit of the nibble is set, RFC 6455 §5.5).
    public var isControl: Bool { rawValue & 0x8 != 0 }

    /// Whether RFC 6455 defines this opcode (0x3–0x7 and 0xB–0xF are reserved).
    public var isDefined: Bool {
        switch rawValue {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: true
        default: false
        }
    }
}

extension Opcode: CustomStringConvertible {
    /// A short name for logs and test output; not API.
    public var description: String {
        switch rawValue {
        case 0x0: "continuation"
        case 0x1: "text"
        case 0x2: "binary"
        case 0x8: "close"
        case 0x9: "ping"
        case 0xA: "pong"
        default: "reserved(0x\(String(rawValue, radix: 16)))"
        }
    }
}
