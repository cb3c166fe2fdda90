/// A way the peer broke RFC 6455, or a limit it exceeded; each maps to one close code.
///
/// The core throws only this error. The connection state machine turns it into a Close frame
/// carrying `closeCode` and then asks its owner to close the transport.
public enum ProtocolViolation: Error, Hashable, Sendable {
    /// RSV1–3 were set without a negotiated extension that defines them (§5.2).
    case reservedBitsSet
    /// The opcode is one of the reserved values 0x3–0x7 or 0xB–0xF (§5.2).
    case reservedOpcode(UInt8)
    /// A server received a frame without a mask (§5.1).
    case unmaskedFrameFromClient
    /// A client received a masked frame (§5.1).
    case maskedFrameFromServer
    /// A control frame had FIN clear (§5.5).
    case fragmentedControlFrame
    /// A control frame's payload was longer than 125 bytes (§5.5).
    case controlFrameTooLong(length: Int)
    /// A 64-bit payload length had its most significant bit set (§5.2).
    case payloadLengthTopBitSet
    /// A frame's payload length was above the configured maximum frame size.
    case frameTooLarge(length: UInt64, limit: Int)
    /// A message (all its fragments together) grew past the configured maximum message size.
    case messageTooLarge(limit: Int)
    /// A continuation frame arrived with no message in progress (§5.4).
    case unexpectedContinuation
    /// A new text or binary frame arrived while a fragmented message was in progress (§5.4).
    case expectedContinuation
    /// A text message or close reason was not valid UTF-8 (§8.1).
    case invalidUTF8
    /// A Close frame had a one-byte payload (§5.5.1).
    case closePayloadTooShort
    /// A Close frame carried a status code that may not be sent (§7.4).
    case invalidCloseCode(UInt16)
    /// A frame arrived after the peer's Close frame (§5.5.1).
    case frameAfterClose
    /// A negotiated extension could not decode a frame, such as compressed data that does not
    /// inflate (RFC 7692 §6.2); `reason` is a short phrase naming the extension.
    case extensionFailed(reason: String)

    /// The status code to send in our Close frame for this violation.
    public var closeCode: CloseCode {
        switch self {
        case .invalidUTF8: .invalidPayloadData
        case .frameTooLarge, .messageTooLarge: .messageTooBig
        case .reservedBitsSet, .reservedOpcode, .unmaskedFrameFromClient, .maskedFrameFromServer,
             .fragmentedControlFrame, .controlFrameTooLong, .payloadLengthTopBitSet,
             .unexpectedContinuation, .expectedContinuation, .closePayloadTooShort,
             .invalidCloseCode, .frameAfterClose, .extensionFailed:
            .protocolError
        }
    }
}

extension ProtocolViolation: CustomStringConvertible {
    /// A sentence for logs; short enough to serve as a close reason (≤ 123 bytes). Not API.
    public var description: String {
        switch self {
        case .reservedBitsSet: "reserved bits set without a negotiated extension"
        case .reservedOpcode(let op): "reserved opcode 0x\(String(op, radix: 16))"
        case .unmaskedFrameFromClient: "client frame was not masked"
        case .maskedFrameFromServer: "server frame was masked"
        case .fragmentedControlFrame: "control frame was fragmented"
        case .controlFrameTooLong(let length): "control frame payload of \(length) bytes exceeds 125"
        case .payloadLengthTopBitSet: "64-bit payload length has its top bit set"
        case .frameTooLarge(let length, let limit): "frame of \(length) bytes exceeds the limit of \(limit)"
        case .messageTooLarge(let limit): "message exceeds the limit of \(limit) bytes"
        case .unexpectedContinuation: "continuation frame without a message in progress"
        case .expectedContinuation: "new message started before the previous one finished"
        case .invalidUTF8: "invalid UTF-8 in text"
        case .closePayloadTooShort: "close frame payload of 1 byte"
        case .invalidCloseCode(let code): "invalid close code \(code)"
        case .frameAfterClose: "frame received after close"
        case .extensionFailed(let reason): reason
        }
    }
}
