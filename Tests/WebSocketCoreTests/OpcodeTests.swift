import Testing
import WebSocketCore

@Suite("Opcode")
struct OpcodeTests {
    @Test("control opcodes have the high bit of the nibble set", arguments: 0...15)
    func controlBit(_ value: Int) throws {
        let opcode = try #require(Opcode(rawValue: UInt8(value)))
        #expect(opcode.isControl == (value >= 8))
    }

    @Test("only the six RFC 6455 opcodes are defined")
    func defined() {
        let defined = (0...15).filter { Opcode(rawValue: UInt8($0))!.isDefined }
        #expect(defined == [0, 1, 2, 8, 9, 10])
        #expect(Opcode(rawValue: 16) == nil)
    }
}
