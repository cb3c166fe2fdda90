import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 5: fragmentation.
@Suite("Autobahn 5: fragmentation")
struct AutobahnFragmentationTests {
    let close1000 = { (peer: Role) in wire(.close, closePayload(1000), from: peer) }

    @Test("5.1, 5.2: a fragmented ping or pong fails with 1002", arguments: Role.both, [Opcode.ping, .pong])
    func fragmentedControl(role: Role, opcode: Opcode) {
        let peer = role.peer
        let bytes = wire(opcode, utf8("fragment1"), fin: false, from: peer) + wire(.continuation, utf8("fragment2"), from: peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.failed(.fragmentedControlFrame)])
        expectFailed(result, with: .fragmentedControlFrame)
    }

    @Test("5.3–5.5: a text message in two fragments is echoed whole (5.4, 5.5: in chops)", arguments: Role.both)
    func twoFragments(role: Role) {
        let peer = role.peer
        let bytes = wire(.text, utf8("fragment1"), fin: false, from: peer) + wire(.continuation, utf8("fragment2"), from: peer)
            + close1000(peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.message(.text("fragment1fragment2")), .closeReceived(CloseFrame(code: .normalClosure))])
        #expect(messagesSent(result) == [.text("fragment1fragment2")])
        expectClosedWith(result, code: 1000)
    }

    @Test("5.6–5.8: a ping between two fragments is answered before the message is echoed", arguments: Role.both)
    func pingBetweenFragments(role: Role) {
        let peer = role.peer
        let bytes = wire(.text, utf8("fragment1"), fin: false, from: peer) + wire(.ping, utf8("ping payload"), from: peer)
            + wire(.continuation, utf8("fragment2"), from: peer) + close1000(peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.ping(utf8("ping payload")), .message(.text("fragment1fragment2")),
                                  .closeReceived(CloseFrame(code: .normalClosure))])
        #expect(result.sent.map(\.opcode) == [.pong, .text, .close])
        #expect(result.sent.first?.payload == utf8("ping payload"))
    }

    @Test("5.9–5.11: continuation without a started message fails with 1002", arguments: Role.both)
    func continuationFinWithoutStart(role: Role) {
        let peer = role.peer
        let frames = [wire(.continuation, utf8("non-continuation payload"), from: peer),
                      wire(.text, utf8("Hello, world!"), from: peer), close1000(peer)]
        let result = transcript(role, Array(frames.joined()))
        #expect(EchoHarness.run(role, frames.map { $0[...] }) == result, "frame-wise chops")
        #expect(result.events == [.failed(.unexpectedContinuation)])
        #expect(messagesSent(result).isEmpty)
        expectFailed(result, with: .unexpectedContinuation)
    }

    @Test("5.12–5.14: a non-final continuation without a started message fails with 1002", arguments: Role.both)
    func continuationWithoutStart(role: Role) {
        let peer = role.peer
        let bytes = wire(.continuation, utf8("non-continuation payload"), fin: false, from: peer)
            + wire(.text, utf8("Hello, world!"), from: peer) + close1000(peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.failed(.unexpectedContinuation)])
        expectFailed(result, with: .unexpectedContinuation)
    }

    @Test("5.15: a continuation after a finished message fails with 1002, after the message is echoed", arguments: Role.both)
    func continuationAfterFinish(role: Role) {
        let peer = role.peer
        let bytes = wire(.text, utf8("fragment1"), fin: false, from: peer) + wire(.continuation, utf8("fragment2"), from: peer)
            + wire(.continuation, utf8("fragment3"), fin: false, from: peer) + wire(.text, utf8("fragment4"), from: peer)
            + close1000(peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.message(.text("fragment1fragment2")), .failed(.unexpectedContinuation)])
        #expect(messagesSent(result) == [.text("fragment1fragment2")])
        expectFailed(result, with: .unexpectedContinuation)
    }

    @Test("5.16, 5.17: repeated continuation-first sequences fail at the first continuation", arguments: Role.both, [false, true])
    func repeatedBadSequences(role: Role, firstFin: Bool) {
        let peer = role.peer
        let once = wire(.continuation, utf8("fragment1"), fin: firstFin, from: peer)
            + wire(.text, utf8("fragment2"), fin: firstFin, from: peer) + wire(.continuation, utf8("fragment3"), from: peer)
        let result = transcript(role, once + once + close1000(peer))
        #expect(result.events == [.failed(.unexpectedContinuation)])
        expectFailed(result, with: .unexpectedContinuation)
    }

    @Test("5.18: a new message while one is fragmented fails with 1002", arguments: Role.both)
    func newMessageWhileFragmented(role: Role) {
        let peer = role.peer
        let bytes = wire(.text, utf8("fragment1"), fin: false, from: peer) + wire(.text, utf8("fragment2"), from: peer)
            + close1000(peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.failed(.expectedContinuation)])
        #expect(messagesSent(result).isEmpty)
        expectFailed(result, with: .expectedContinuation)
    }

    @Test("5.19, 5.20: pings between five fragments are answered in order, then the message is echoed", arguments: Role.both)
    func pingsBetweenManyFragments(role: Role) {
        let peer = role.peer
        let frames = [
            wire(.text, utf8("fragment1"), fin: false, from: peer),
            wire(.continuation, utf8("fragment2"), fin: false, from: peer),
            wire(.ping, utf8("pongme 1!"), from: peer),
            wire(.continuation, utf8("fragment3"), fin: false, from: peer),
            wire(.continuation, utf8("fragment4"), fin: false, from: peer),
            wire(.ping, utf8("pongme 2!"), from: peer),
            wire(.continuation, utf8("fragment5"), from: peer),
            close1000(peer),
        ]
        let result = transcript(role, Array(frames.joined()))
        #expect(EchoHarness.run(role, frames.map { $0[...] }) == result, "frame-wise chops")
        #expect(result.sent.map(\.opcode) == [.pong, .pong, .text, .close])
        #expect(result.sent.prefix(2).map(\.payload) == [utf8("pongme 1!"), utf8("pongme 2!")])
        #expect(messagesSent(result) == [.text("fragment1fragment2fragment3fragment4fragment5")])
        expectClosedWith(result, code: 1000)
    }
}
