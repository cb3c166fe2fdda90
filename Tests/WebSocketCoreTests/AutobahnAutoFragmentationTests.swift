import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 10: a large message in fragments of 1300 bytes.
@Suite("Autobahn 10: auto-fragmentation")
struct AutobahnAutoFragmentationTests {
    @Test("10.1.1: a 65536-byte text message sent by the app in 1300-byte fragments arrives whole", arguments: Role.both)
    func appFragments(sender role: Role) throws {
        var sender = makeConnection(role)
        var receiver = makeConnection(role.peer)
        let text = utf8(asciiText(65536))
        var offset = 0
        while offset < text.count {
            let end = min(text.count, offset + 1300)
            try sender.sendFrame(offset == 0 ? .text : .continuation, Array(text[offset ..< end]), fin: end == text.count)
            offset = end
        }
        let bytes = sender.takeOutput()
        #expect(try FrameDecoder.decodeAll(bytes, role: role.peer).count == 51)
        receiver.receive(bytes)
        #expect(sameEvents(drain(&receiver), [.message(.text(asciiText(65536)))]))
    }

    @Test("10.1.1: a 65536-byte text message received in 1300-byte fragments is echoed whole", arguments: Role.both)
    func peerFragments(role: Role) {
        let peer = role.peer
        let text = utf8(asciiText(65536))
        var bytes: [UInt8] = []
        for start in stride(from: 0, to: text.count, by: 1300) {
            let end = min(text.count, start + 1300)
            bytes += wire(start == 0 ? .text : .continuation, Array(text[start ..< end]), fin: end == text.count, from: peer)
        }
        let result = transcript(role, bytes + wire(.close, closePayload(1000), from: peer), byteByByte: false)
        #expect(sameEvents(result.events, [.message(.text(asciiText(65536))), .closeReceived(CloseFrame(code: .normalClosure))]))
        #expect(messagesSent(result) == [.text(asciiText(65536))])
        expectClosedWith(result, code: 1000)
    }
}
