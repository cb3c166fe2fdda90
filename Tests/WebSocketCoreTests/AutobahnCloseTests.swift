import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 7: the closing handshake and Close frame payloads.
@Suite("Autobahn 7: close handling")
struct AutobahnCloseTests {
    func close(_ code: UInt16, _ reason: [UInt8] = [], from peer: Role) -> [UInt8] {
        wire(.close, closePayload(code, reason), from: peer)
    }

    @Test("7.1.1: a message then a close: the message is echoed and the close answered", arguments: Role.both)
    func messageThenClose(role: Role) {
        let peer = role.peer
        let result = transcript(role, wire(.text, utf8("Hello World!"), from: peer) + close(1000, from: peer))
        #expect(result.events == [.message(.text("Hello World!")), .closeReceived(CloseFrame(code: .normalClosure))])
        #expect(result.sent.map(\.opcode) == [.text, .close])
        expectClosedWith(result, code: 1000)
    }

    @Test("7.1.2–7.1.4: after the peer's close, a second close, a ping or a message is ignored",
          arguments: Role.both, [Opcode.close, .ping, .text])
    func nothingAfterClose(role: Role, after: Opcode) {
        let peer = role.peer
        let extra = after == .close ? close(1000, from: peer) : wire(after, utf8("Hello World!"), from: peer)
        let result = transcript(role, close(1000, from: peer) + extra)
        #expect(result.events == [.closeReceived(CloseFrame(code: .normalClosure))])
        expectClosedWith(result, code: 1000)

        // Bytes arriving in a later read are not even buffered.
        var connection = makeConnection(role)
        connection.receive(close(1000, from: peer))
        _ = drain(&connection)
        connection.receive(extra)
        #expect(connection.nextEvent() == nil)
        #expect(connection.bufferedInboundByteCount == 0)
    }

    @Test("7.1.5: a fragment, a close, then the last fragment: no message is delivered", arguments: Role.both)
    func fragmentCloseFragment(role: Role) {
        let peer = role.peer
        let bytes = wire(.text, utf8("fragment1"), fin: false, from: peer) + close(1000, from: peer)
            + wire(.continuation, utf8("fragment2"), from: peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.closeReceived(CloseFrame(code: .normalClosure))])
        #expect(messagesSent(result).isEmpty)
        expectClosedWith(result, code: 1000)
    }

    @Test("7.1.6: a large message, then a close, then a ping: echo and close, no pong", arguments: Role.both)
    func largeMessageThenClose(role: Role) {
        let peer = role.peer
        let text = asciiText(256 << 10)
        let bytes = wire(.text, utf8(text), from: peer) + close(1000, from: peer) + wire(.ping, utf8("Hello World!"), from: peer)
        let result = EchoHarness.run(role, [bytes[...]])
        #expect(sameEvents(result.events, [.message(.text(text)), .closeReceived(CloseFrame(code: .normalClosure))]))
        #expect(result.sent.map(\.opcode) == [.text, .close])
        expectClosedWith(result, code: 1000)
    }

    @Test("7.3.1: an empty close is answered with an empty close", arguments: Role.both)
    func emptyClose(role: Role) {
        let result = transcript(role, wire(.close, [], from: role.peer))
        #expect(result.events == [.closeReceived(CloseFrame(code: nil))])
        // Debatable: RFC 6455 allows an empty reply or 1000; we echo what we got, an empty Close.
        expectClosedWith(result, code: nil)
        #expect(result.sent.last?.payload == [])
    }

    @Test("7.3.2: a close with a 1-byte payload fails with 1002", arguments: Role.both)
    func oneByteClose(role: Role) {
        let result = transcript(role, wire(.close, [0x03], from: role.peer))
        #expect(result.events == [.failed(.closePayloadTooShort)])
        expectFailed(result, with: .closePayloadTooShort)
    }

    @Test("7.3.3–7.3.5: a close with a code and a reason of up to 123 bytes is answered with the code",
          arguments: Role.both, [0, 12, 123])
    func closeWithReason(role: Role, reasonLength: Int) {
        let reason = asciiText(reasonLength)
        let result = transcript(role, close(1000, utf8(reason), from: role.peer))
        #expect(result.events == [.closeReceived(CloseFrame(code: .normalClosure, reason: reason))])
        expectClosedWith(result, code: 1000)
        #expect(result.closeSent.first?.reason == [], "the reply carries the code but not the reason")
    }

    @Test("7.3.6: a close with a 124-byte reason (a 126-byte control frame) fails with 1002", arguments: Role.both)
    func reasonTooLong(role: Role) {
        let result = transcript(role, close(1000, utf8(asciiText(124)), from: role.peer))
        #expect(result.events == [.failed(.controlFrameTooLong(length: 126))])
        expectFailed(result, with: .controlFrameTooLong(length: 126))
    }

    @Test("7.5.1: a close reason that is not valid UTF-8 fails with 1007", arguments: Role.both)
    func invalidReason(role: Role) {
        let result = transcript(role, close(1000, hex("cebae1bdb9cf83cebcceb5eda080656469746564"), from: role.peer))
        #expect(result.events == [.failed(.invalidUTF8)])
        expectFailed(result, with: .invalidUTF8)
    }

    @Test("7.7.1–7.7.13 (and 1012–1014): valid close codes are echoed",
          arguments: Role.both, [UInt16(1000), 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])
    func validCodes(role: Role, code: UInt16) {
        let result = transcript(role, close(code, from: role.peer))
        #expect(result.events == [.closeReceived(CloseFrame(code: CloseCode(rawValue: code)))])
        expectClosedWith(result, code: code)
    }

    @Test("7.9.x, 7.13.x: invalid close codes fail with 1002",
          arguments: Role.both, [UInt16(0), 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
    func invalidCodes(role: Role, code: UInt16) {
        let result = transcript(role, close(code, utf8("reason"), from: role.peer))
        #expect(result.events == [.failed(.invalidCloseCode(code))])
        expectFailed(result, with: .invalidCloseCode(code))
    }

    @Test("after we close, the peer's close completes the handshake and is not answered", arguments: Role.both)
    func weCloseFirst(role: Role) throws {
        var harness = EchoHarness(role)
        try harness.connection.close(code: .goingAway)
        harness.collectOutput()
        #expect(harness.connection.state == .closing)
        harness.feed(wire(.text, utf8("still delivered"), from: role.peer) + close(1001, from: role.peer))
        #expect(harness.transcript.events == [.message(.text("still delivered")), .closeReceived(CloseFrame(code: .goingAway))])
        expectClosedWith(harness.transcript, code: 1001)
    }

    @Test("after we close, a protocol violation from the peer closes without a second Close frame", arguments: Role.both)
    func violationWhileClosing(role: Role) throws {
        var harness = EchoHarness(role)
        try harness.connection.close()
        harness.feed(wire(rawOpcode: 3, from: role.peer))
        #expect(harness.transcript.events == [.failed(.reservedOpcode(3))])
        #expect(harness.connection.violation == .reservedOpcode(3))
        expectClosedWith(harness.transcript, code: 1000)
    }
}
