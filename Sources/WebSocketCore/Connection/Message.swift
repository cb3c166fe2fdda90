/// A complete WebSocket data message: text or binary.
///
/// ```swift
/// for await message in ws.messages {
///     switch message {
///     case .text(let string): print(string)
///     case .binary(let bytes): print(bytes.count, "bytes")
///     }
/// }
/// ```
public enum Message: Hashable, Sendable {
    /// A text message; its bytes were valid UTF-8 on the wire.
    case text(String)
    /// A binary message.
    case binary([UInt8])
}
