import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 3: reserved bits without a negotiated extension fail with 1002,
/// and what came before the bad frame is still handled.
@Suite("Autobahn 3: reserved bits")
struct AutobahnReservedBitsTests {
    @Test("3.1: a text message with RSV = 1 fails with 1002", arguments: Role.both)
    func textRSV1(role: Role) {
        let result = transcript(role, RawFrame(.text, utf8("Hello, world!"), rsv: 1, from: role.peer).bytes)
        #expect(result.events == [.failed(.reservedBitsSet)])
        expectFailed(result, with: .reservedBitsSet)
    }

    /// 3.2–3.4: a good text message, a text message with reserved bits, then a ping.
    @Test("3.2–3.4: a message before a frame with RSV set is echoed, then the connection fails (3.3 frame-wise, 3.4 octet-wise)",
          arguments: Role.both, [UInt8(2), 3, 4])
    func echoThenFail(role: Role, rsv: UInt8) {
        let frames = [wire(.text, utf8("Hello, world!"), from: role.peer),
                      RawFrame(.text, utf8("Hello, world!"), rsv: rsv, from: role.peer).bytes,
                      wire(.ping, [], from: role.peer)]
        let result = transcript(role, Array(frames.joined()))
        #expect(EchoHarness.run(role, frames.map { $0[...] }) == result, "frame-wise chops")
        #expect(result.events == [.message(.text("Hello, world!")), .failed(.reservedBitsSet)])
        #expect(messagesSent(result) == [.text("Hello, world!")])
        #expect(!result.sent.contains { $0.opcode == .pong }, "the ping after the bad frame is not answered")
        expectFailed(result, with: .reservedBitsSet)
    }

    @Test("3.5–3.7: binary, ping and close frames with RSV set fail with 1002",
          arguments: Role.both, [(Opcode.binary, UInt8(5)), (.ping, 6), (.close, 7)])
    func otherFrames(role: Role, row: (opcode: Opcode, rsv: UInt8)) {
        let (opcode, rsv) = row
        let payload = opcode == .close ? closePayload(1000) : pattern(8)
        let result = transcript(role, RawFrame(opcode, payload, rsv: rsv, from: role.peer).bytes)
        #expect(result.events == [.failed(.reservedBitsSet)])
        #expect(result.sent.map(\.opcode) == [.close])
        expectFailed(result, with: .reservedBitsSet)
    }
}
