import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 9 (limits and performance), scaled down: frames and messages
/// above the configured limits fail with 1009 as soon as the header that crosses the limit arrives.
@Suite("Autobahn 9: limits")
struct AutobahnLimitsTests {
    static let configuration = Connection.Configuration(maxFrameSize: 4096, maxMessageSize: 10_000)

    @Test("9.x: a frame at the frame limit is accepted", arguments: Role.both, [Opcode.text, .binary])
    func frameAtLimit(role: Role, opcode: Opcode) {
        let payload = utf8(asciiText(4096))
        let result = transcript(role, wire(opcode, payload, from: role.peer), Self.configuration, echoes: false)
        #expect(result.events.count == 1)
        #expect(result.state == .open)
    }

    @Test("9.x: a frame above the frame limit fails with 1009 when only its header has arrived", arguments: Role.both)
    func frameTooLarge(role: Role) {
        let frame = wire(.binary, pattern(4097), from: role.peer)
        let header = Array(frame.prefix(role.peer == .client ? 8 : 4))
        let result = transcript(role, header, Self.configuration)
        #expect(result.events == [.failed(.frameTooLarge(length: 4097, limit: 4096))])
        expectFailed(result, with: .frameTooLarge(length: 4097, limit: 4096))
    }

    @Test("9.x: a fragmented message above the message limit fails with 1009 at the header of the fragment that crosses it",
          arguments: Role.both)
    func messageTooLarge(role: Role) {
        let peer = role.peer
        let fragments = wire(.text, utf8(asciiText(4000)), fin: false, from: peer)
            + wire(.continuation, utf8(asciiText(4000)), fin: false, from: peer)
        let crossing = wire(.continuation, utf8(asciiText(2001)), from: peer)
        let header = Array(crossing.prefix(peer == .client ? 8 : 4))
        let result = transcript(role, fragments + header, Self.configuration)
        #expect(result.events == [.failed(.messageTooLarge(limit: 10_000))])
        expectFailed(result, with: .messageTooLarge(limit: 10_000))

        // Exactly at the limit is fine.
        let fits = transcript(role, fragments + wire(.continuation, utf8(asciiText(2000)), from: peer), Self.configuration, echoes: false)
        #expect(sameEvents(fits.events, [.message(.text(asciiText(4000) + asciiText(4000) + asciiText(2000)))]))
    }

    @Test("9.x: fragment mode does not apply the message limit", arguments: Role.both)
    func fragmentModeNoMessageLimit(role: Role) {
        var configuration = Self.configuration
        configuration.deliversFragments = true
        let peer = role.peer
        var bytes: [UInt8] = []
        for index in 0 ..< 5 { bytes += wire(index == 0 ? .binary : .continuation, pattern(4096), fin: index == 4, from: peer) }
        let result = EchoHarness.run(role, [bytes[...]], configuration)
        #expect(result.events.count == 5)
        #expect(result.state == .open)
    }
}
