import Testing
import WebSocketCore

/// A frame sequence and its exact wire bytes, as RFC 6455 §5.7 gives them.
struct WireExample: Sendable, CustomTestStringConvertible {
    var name: String
    /// Who sends these bytes; the decoder under test has the opposite role.
    var sender: Role
    var frames: [Frame]
    var bytes: [UInt8]

    /// The role of the side that decodes these bytes.
    var receiver: Role { sender.peer }
    /// The masking key the sender used (RFC 6455 §5.7 uses `37 fa 21 3d`).
    var maskingKey: MaskingKey? { sender == .client ? rfcKey : nil }
    var testDescription: String { name }

    static let rfc6455: [WireExample] = [
        WireExample(
            name: "single-frame unmasked text",
            sender: .server,
            frames: [Frame(opcode: .text, payload: utf8("Hello"))],
            bytes: hex("81 05 48 65 6c 6c 6f")),
        WireExample(
            name: "single-frame masked text",
            sender: .client,
            frames: [Frame(opcode: .text, payload: utf8("Hello"))],
            bytes: hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")),
        WireExample(
            name: "fragmented unmasked text",
            sender: .server,
            frames: [Frame(opcode: .text, payload: utf8("Hel"), fin: false),
                     Frame(opcode: .continuation, payload: utf8("lo"))],
            bytes: hex("01 03 48 65 6c 80 02 6c 6f")),
        WireExample(
            name: "unmasked ping",
            sender: .server,
            frames: [Frame(opcode: .ping, payload: utf8("Hello"))],
            bytes: hex("89 05 48 65 6c 6c 6f")),
        WireExample(
            name: "masked pong",
            sender: .client,
            frames: [Frame(opcode: .pong, payload: utf8("Hello"))],
            bytes: hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58")),
        WireExample(
            name: "256-byte unmasked binary",
            sender: .server,
            frames: [Frame(opcode: .binary, payload: pattern(256))],
            bytes: hex("82 7E 01 00") + pattern(256)),
        WireExample(
            name: "64 KiB unmasked binary",
            sender: .server,
            frames: [Frame(opcode: .binary, payload: pattern(65536))],
            bytes: hex("82 7F 00 00 00 00 00 01 00 00") + pattern(65536)),
    ]
}

extension FrameEncoder {
    /// Encodes several frames with the same key (as the §5.7 examples do).
    static func encode(_ frames: [Frame], maskingKey: MaskingKey?) -> [UInt8] {
        var output: [UInt8] = []
        for frame in frames { append(frame, maskingKey: maskingKey, to: &output) }
        return output
    }
}
