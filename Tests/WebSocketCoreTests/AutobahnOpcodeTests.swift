import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 4: reserved opcodes fail with 1002.
@Suite("Autobahn 4: opcodes")
struct AutobahnOpcodeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        var opcode: UInt8
        var withPayload: Bool
        /// Whether a good message comes before and a ping after the bad frame.
        var sandwiched: Bool
        var testDescription: String { "\(id): opcode \(opcode)" }
    }

    static let cases: [Case] = [
        Case(id: "4.1.1", opcode: 3, withPayload: false, sandwiched: false),
        Case(id: "4.1.2", opcode: 4, withPayload: true, sandwiched: false),
        Case(id: "4.1.3", opcode: 5, withPayload: false, sandwiched: true),
        Case(id: "4.1.4", opcode: 6, withPayload: true, sandwiched: true),
        Case(id: "4.1.5", opcode: 7, withPayload: true, sandwiched: true),
        Case(id: "4.2.1", opcode: 11, withPayload: false, sandwiched: false),
        Case(id: "4.2.2", opcode: 12, withPayload: true, sandwiched: false),
        Case(id: "4.2.3", opcode: 13, withPayload: false, sandwiched: true),
        Case(id: "4.2.4", opcode: 14, withPayload: true, sandwiched: true),
        Case(id: "4.2.5", opcode: 15, withPayload: true, sandwiched: true),
    ]

    @Test("4.1.1–4.2.5: reserved non-control and control opcodes fail with 1002; an earlier message is still echoed",
          arguments: Role.both, cases)
    func reservedOpcode(role: Role, row: Case) {
        let peer = role.peer
        let bad = wire(rawOpcode: row.opcode, row.withPayload ? utf8("reserved opcode payload") : [], from: peer)
        let bytes = row.sandwiched
            ? wire(.text, utf8("Hello, world!"), from: peer) + bad + wire(.ping, [], from: peer)
            : bad
        let result = transcript(role, bytes)
        let earlier: [Connection.Event] = row.sandwiched ? [.message(.text("Hello, world!"))] : []
        #expect(result.events == earlier + [.failed(.reservedOpcode(row.opcode))])
        #expect(messagesSent(result).count == earlier.count)
        #expect(!result.sent.contains { $0.opcode == .pong })
        expectFailed(result, with: .reservedOpcode(row.opcode))
    }
}
