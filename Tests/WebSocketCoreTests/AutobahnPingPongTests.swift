import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 2: pings are answered with the same payload, pongs are not.
@Suite("Autobahn 2: pings and pongs")
struct AutobahnPingPongTests {
    /// Feeds `frames` then a Close 1000 and returns the transcript under every chunking.
    func run(_ role: Role, _ frames: [[UInt8]]) -> Transcript {
        transcript(role, frames.joined() + wire(.close, closePayload(1000), from: role.peer))
    }

    func pongs(_ result: Transcript) -> [[UInt8]] {
        result.sent.filter { $0.opcode == .pong }.map(\.payload)
    }

    @Test("2.1–2.4, 2.6: a ping is answered with a pong carrying its payload",
          arguments: Role.both, [[], utf8("Hello, world!"), [0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF], pattern(125)])
    func pingAnswered(role: Role, payload: [UInt8]) {
        let result = run(role, [wire(.ping, payload, from: role.peer)])
        #expect(result.events == [.ping(payload), .closeReceived(CloseFrame(code: .normalClosure))])
        #expect(pongs(result) == [payload])
        #expect(result.sent.first?.opcode == .pong)
        expectClosedWith(result, code: 1000)
    }

    @Test("2.5: a ping with a 126-byte payload fails with 1002", arguments: Role.both)
    func pingTooLong(role: Role) {
        let result = run(role, [wire(.ping, pattern(126), from: role.peer)])
        #expect(result.events == [.failed(.controlFrameTooLong(length: 126))])
        #expect(pongs(result).isEmpty)
        expectFailed(result, with: .controlFrameTooLong(length: 126))
    }

    @Test("2.7, 2.8: an unsolicited pong is reported and not answered",
          arguments: Role.both, [[], utf8("unsolicited pong payload")])
    func unsolicitedPong(role: Role, payload: [UInt8]) {
        let result = run(role, [wire(.pong, payload, from: role.peer)])
        #expect(result.events == [.pong(payload), .closeReceived(CloseFrame(code: .normalClosure))])
        #expect(result.sent.map(\.opcode) == [.close])
    }

    @Test("2.9: an unsolicited pong then a ping: only the ping is answered", arguments: Role.both)
    func pongThenPing(role: Role) {
        let result = run(role, [wire(.pong, utf8("unsolicited pong payload"), from: role.peer),
                                wire(.ping, utf8("ping payload"), from: role.peer)])
        #expect(pongs(result) == [utf8("ping payload")])
        expectClosedWith(result, code: 1000)
    }

    @Test("2.10, 2.11: ten pings are all answered, in order (2.11: sent one byte at a time)", arguments: Role.both)
    func tenPings(role: Role) {
        let payloads = (0 ..< 10).map { utf8("payload-\($0)") }
        let bytes = payloads.flatMap { wire(.ping, $0, from: role.peer) }
        let result = run(role, [bytes])   // the chunking property includes one byte at a time
        #expect(pongs(result) == payloads)
        #expect(EchoHarness.run(role, bytes.indices.map { bytes[$0 ... $0] }).sent.map(\.payload) == payloads)
        expectClosedWith(result, code: 1000)
    }
}
