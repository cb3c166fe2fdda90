import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 1: text and binary messages of every length class, echoed.
@Suite("Autobahn 1: framing")
struct AutobahnFramingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        var opcode: Opcode
        var length: Int
        /// The size of the chops the payload is sent in (1.1.8, 1.2.8), if any.
        var chop: Int?
        var testDescription: String { "\(id): \(opcode) of \(length) bytes\(chop.map { " in chops of \($0)" } ?? "")" }
    }

    static let cases: [Case] = [(Opcode.text, "1.1"), (.binary, "1.2")].flatMap { opcode, group in
        [0, 125, 126, 127, 128, 65535, 65536].enumerated().map { Case(id: "\(group).\($0.offset + 1)", opcode: opcode, length: $0.element) }
            + [Case(id: "\(group).8", opcode: opcode, length: 65536, chop: 997)]
    }

    @Test("1.1.1–1.2.8: messages of 0 to 65536 bytes are echoed, then the close is answered", arguments: Role.both, cases)
    func echo(role: Role, row: Case) {
        let message: Message = row.opcode == .text ? .text(asciiText(row.length)) : .binary(pattern(row.length))
        let payload = row.opcode == .text ? utf8(asciiText(row.length)) : pattern(row.length)
        let bytes = wire(row.opcode, payload, from: role.peer) + wire(.close, closePayload(1000), from: role.peer)
        let result: Transcript
        if let chop = row.chop {
            let chunks = stride(from: 0, to: bytes.count, by: chop).map { bytes[$0 ..< min(bytes.count, $0 + chop)] }
            result = EchoHarness.run(role, chunks)
        } else {
            result = transcript(role, bytes, byteByByte: row.length < 65535)
        }
        #expect(sameEvents(result.events, [.message(message), .closeReceived(CloseFrame(code: .normalClosure))]))
        #expect(messagesSent(result) == [message])
        expectClosedWith(result, code: 1000)
    }
}
