import Testing
import WebSocketCore

/// Sends `message` from `sender` and returns what the other side reports.
private func deliver(_ message: Message, from sender: inout Connection, to receiver: inout Connection) throws -> [Connection.Event] {
    try sender.send(message)
    receiver.receive(sender.takeOutput())
    return drain(&receiver)
}

/// Runs a command and returns the error it threw, if any (usable inside `#expect`).
private func attempt(_ connection: inout Connection, _ command: (inout Connection) throws -> Void) -> Connection.CommandError? {
    do { try command(&connection); return nil } catch { return error as? Connection.CommandError }
}

extension Connection {
    /// `sendFrame` with an array payload.
    mutating func sendFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool) throws(CommandError) {
        var result: CommandError?
        payload.withUnsafeBytes { buffer in
            do throws(CommandError) { try sendFrame(opcode: opcode, payload: buffer, fin: fin) } catch { result = error }
        }
        if let result { throw result }
    }
}

@Suite("Connection")
struct ConnectionTests {
    // MARK: Round trips between our own client and server

    @Test("messages of every size class round-trip between a client and a server",
          arguments: Role.both, [0, 1, 125, 126, 127, 65535, 65536, 1 << 20])
    func roundTrip(sender role: Role, size: Int) throws {
        var sender = makeConnection(role)
        var receiver = makeConnection(role.peer)
        let binary = Message.binary(pattern(size))
        let text = Message.text(asciiText(size))
        #expect(sameEvents(try deliver(binary, from: &sender, to: &receiver), [.message(binary)]))
        #expect(sameEvents(try deliver(text, from: &sender, to: &receiver), [.message(text)]))
        #expect(sender.state == .open && receiver.state == .open)
        #expect(receiver.bufferedInboundByteCount == 0)
    }

    @Test("multi-byte text round-trips, whatever the chunking", arguments: Role.both)
    func unicodeRoundTrip(sender role: Role) throws {
        var sender = makeConnection(role)
        let text = "héllo wörld – 𝄞 😀 κόσμε"
        try sender.send(.text(text))
        let received = transcript(role.peer, sender.takeOutput())
        #expect(received.events == [.message(.text(text))])
    }

    @Test("a client masks every frame with a fresh key; a server never masks", arguments: Role.both)
    func masking(role: Role) throws {
        var connection = makeConnection(role)
        try connection.send(.binary([1, 2, 3]))
        try connection.send(.binary([1, 2, 3]))
        let output = connection.takeOutput()
        #expect(output.count == (role == .client ? 18 : 10))
        if role == .client {
            #expect(output[1] & 0x80 != 0 && output[10] & 0x80 != 0)
            #expect(output[2 ..< 6] != output[11 ..< 15], "each frame draws a new key")
        } else {
            #expect(output == [0x82, 3, 1, 2, 3, 0x82, 3, 1, 2, 3])
        }
    }

    // MARK: The closing handshake

    @Test("the closing handshake: initiator open → closing → closed; responder echoes the code", arguments: Role.both)
    func closingHandshake(initiator role: Role) throws {
        var initiator = makeConnection(role)
        var responder = makeConnection(role.peer)
        try initiator.close(code: .goingAway, reason: "bye")
        #expect(initiator.state == .closing)
        #expect(initiator.closeFrameSent == CloseFrame(code: .goingAway, reason: "bye"))

        responder.receive(initiator.takeOutput())
        #expect(drain(&responder) == [.closeReceived(CloseFrame(code: .goingAway, reason: "bye"))])
        #expect(responder.state == .closed)
        #expect(responder.closeFrameReceived == CloseFrame(code: .goingAway, reason: "bye"))
        #expect(responder.closeFrameSent == CloseFrame(code: .goingAway))

        initiator.receive(responder.takeOutput())
        #expect(initiator.state == .closing || initiator.state == .closed)
        #expect(drain(&initiator) == [.closeReceived(CloseFrame(code: .goingAway))])
        #expect(initiator.state == .closed)
        #expect(!initiator.hasPendingOutput && !responder.hasPendingOutput)
        #expect(initiator.violation == nil && responder.violation == nil)
    }

    @Test("a Close without a code is answered with an empty Close", arguments: Role.both)
    func emptyClose(initiator role: Role) throws {
        var initiator = makeConnection(role)
        var responder = makeConnection(role.peer)
        try initiator.close(code: nil)
        responder.receive(initiator.takeOutput())
        #expect(drain(&responder) == [.closeReceived(CloseFrame(code: nil))])
        let reply = try FrameDecoder.decodeAll(responder.takeOutput(), role: role)
        #expect(reply == [Frame(opcode: .close, payload: [])])
    }

    @Test("while closing, the connection still delivers what the peer sends, but answers no pings", arguments: Role.both)
    func deliversWhileClosing(role: Role) throws {
        var connection = makeConnection(role)
        try connection.close()
        _ = connection.takeOutput()
        connection.receive(wire(.text, utf8("late"), from: role.peer) + wire(.ping, utf8("p"), from: role.peer))
        #expect(drain(&connection) == [.message(.text("late")), .ping(utf8("p"))])
        #expect(!connection.hasPendingOutput)
        #expect(connection.state == .closing)
    }

    // MARK: Commands

    @Test("commands are refused once closing or closed", arguments: Role.both, [false, true])
    func commandsAfterClose(role: Role, peerClosedFirst: Bool) throws {
        var connection = makeConnection(role)
        if peerClosedFirst {
            connection.receive(wire(.close, closePayload(1000), from: role.peer))
            _ = drain(&connection)
            #expect(connection.state == .closed)
        } else {
            try connection.close()
            #expect(connection.state == .closing)
        }
        _ = connection.takeOutput()
        #expect(attempt(&connection) { try $0.send(.text("x")) } == .notOpen)
        #expect(attempt(&connection) { try $0.send(.binary([])) } == .notOpen)
        #expect(attempt(&connection) { try $0.ping() } == .notOpen)
        #expect(attempt(&connection) { try $0.pong([1]) } == .notOpen)
        #expect(attempt(&connection) { try $0.sendFrame(.text, [], fin: true) } == .notOpen)
        // A second close is a no-op.
        #expect(attempt(&connection) { try $0.close() } == nil)
        #expect(!connection.hasPendingOutput)
    }

    @Test("control payloads over 125 bytes are refused", arguments: Role.both)
    func controlPayloadLimit(role: Role) throws {
        var connection = makeConnection(role)
        #expect(attempt(&connection) { try $0.ping(pattern(125)) } == nil)
        #expect(attempt(&connection) { try $0.ping(pattern(126)) } == .controlPayloadTooLong(126))
        #expect(attempt(&connection) { try $0.pong(pattern(126)) } == .controlPayloadTooLong(126))
        let frames = try FrameDecoder.decodeAll(connection.takeOutput(), role: role.peer)
        #expect(frames == [Frame(opcode: .ping, payload: pattern(125))])
    }

    @Test("close reasons over 123 bytes and codes that may not be sent are refused", arguments: Role.both)
    func closeArguments(role: Role) {
        var connection = makeConnection(role)
        #expect(attempt(&connection) { try $0.close(reason: asciiText(124)) } == .closeReasonTooLong(124))
        #expect(attempt(&connection) { try $0.close(reason: String(repeating: "é", count: 62)) } == .closeReasonTooLong(124))
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let closeCode = CloseCode(rawValue: code)
            #expect(attempt(&connection) { try $0.close(code: closeCode) } == .invalidCloseCode(closeCode))
        }
        #expect(attempt(&connection) { try $0.close(code: nil, reason: "why") } == .invalidCloseCode(.noStatusReceived))
        #expect(connection.state == .open && !connection.hasPendingOutput)
        #expect(attempt(&connection) { try $0.close(code: .normalClosure, reason: asciiText(123)) } == nil)
        #expect(connection.state == .closing)
    }

    @Test("fragmented sends must start, continue and finish in order", arguments: Role.both)
    func fragmentOrder(role: Role) throws {
        var connection = makeConnection(role)
        func frame(_ opcode: Opcode, _ fin: Bool) -> Connection.CommandError? {
            attempt(&connection) { try $0.sendFrame(opcode, utf8("ab"), fin: fin) }
        }
        #expect(frame(.continuation, true) == .fragmentOutOfOrder)
        #expect(frame(.ping, true) == .fragmentOutOfOrder)
        #expect(frame(.text, false) == nil)
        #expect(frame(.binary, true) == .fragmentOutOfOrder)
        #expect(attempt(&connection) { try $0.send(.text("x")) } == .fragmentOutOfOrder)
        #expect(attempt(&connection) { try $0.ping() } == nil, "control frames may go between fragments")
        #expect(frame(.continuation, false) == nil)
        #expect(frame(.continuation, true) == nil)
        #expect(frame(.continuation, true) == .fragmentOutOfOrder)

        var peer = makeConnection(role.peer)
        peer.receive(connection.takeOutput())
        #expect(drain(&peer) == [.ping([]), .message(.text("ababab"))])
    }

    @Test("abort queues one Close, truncates a long reason at a character boundary, and ends the connection",
          arguments: Role.both)
    func abort(role: Role) throws {
        var connection = makeConnection(role)
        connection.abort(code: .internalError, reason: String(repeating: "é", count: 100))
        #expect(connection.state == .closed)
        let frames = try FrameDecoder.decodeAll(connection.takeOutput(), role: role.peer)
        #expect(frames.count == 1)
        let payload = try #require(frames.first?.payload)
        #expect(payload.prefix(2) == [0x03, 0xF3])
        #expect(payload.count - 2 == 122 && UTF8Validator.isValid(payload.dropFirst(2)))
        connection.receive(wire(.text, utf8("ignored"), from: role.peer))
        #expect(drain(&connection).isEmpty)

        var other = makeConnection(role)
        other.abort(code: .abnormalClosure)
        #expect(other.state == .closed && !other.hasPendingOutput, "1006 is never sent")
    }

    // MARK: Options

    @Test("with answersPings off, pings are reported but not answered", arguments: Role.both)
    func noAutomaticPong(role: Role) {
        let result = transcript(role, wire(.ping, utf8("hi"), from: role.peer), Connection.Configuration(answersPings: false))
        #expect(result.events == [.ping(utf8("hi"))])
        #expect(result.sent.isEmpty)
    }

    @Test("fragment mode delivers each data frame with validated text", arguments: Role.both)
    func fragmentMode(role: Role) {
        let peer = role.peer
        let euro = utf8("€")   // e2 82 ac, split across frames
        let bytes = wire(.text, utf8("a") + euro.prefix(1), fin: false, from: peer)
            + wire(.ping, [], from: peer)
            + wire(.continuation, Array(euro.dropFirst()), fin: false, from: peer)
            + wire(.continuation, [], from: peer)
            + wire(.binary, pattern(300), from: peer)
        let result = transcript(role, bytes, Connection.Configuration(maxMessageSize: 2, deliversFragments: true))
        #expect(result.events == [
            .fragment(.init(opcode: .text, payload: utf8("a") + euro.prefix(1), isFinal: false)),
            .ping([]),
            .fragment(.init(opcode: .text, payload: Array(euro.dropFirst()), isFinal: false)),
            .fragment(.init(opcode: .text, payload: [], isFinal: true)),
            .fragment(.init(opcode: .binary, payload: pattern(300), isFinal: true)),
        ])
    }

    @Test("fragment mode fails a text fragment with bad UTF-8, or a text message ending mid-character", arguments: Role.both)
    func fragmentModeInvalid(role: Role) {
        let peer = role.peer
        let configuration = Connection.Configuration(deliversFragments: true)
        let bad = transcript(role, wire(.text, utf8("ok"), fin: false, from: peer) + wire(.continuation, [0xC0, 0x80], from: peer), configuration)
        #expect(bad.events.first == .fragment(.init(opcode: .text, payload: utf8("ok"), isFinal: false)))
        expectFailed(bad, with: .invalidUTF8)
        let cut = transcript(role, wire(.text, [0xE2, 0x82], from: peer), configuration)
        #expect(cut.events == [.failed(.invalidUTF8)])
        expectFailed(cut, with: .invalidUTF8)
    }

    // MARK: Memory bounds

    /// 100,000 one-byte continuation frames of one binary message, as wire bytes.
    static func tinyFragments(count: Int, from sender: Role) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 7 + 16)
        let key: MaskingKey? = sender == .client ? rfcKey : nil
        for index in 0 ..< count {
            let opcode: Opcode = index == 0 ? .binary : .continuation
            [UInt8(truncatingIfNeeded: index)].withUnsafeBytes {
                FrameEncoder.append(opcode: opcode, payload: $0, fin: index == count - 1, maskingKey: key, to: &bytes)
            }
        }
        return bytes
    }

    @Test("100,000 one-byte fragments keep the buffered input within the message limit and arrive whole", arguments: Role.both)
    func tinyFragmentsBounded(role: Role) {
        let count = 100_000
        let bytes = Self.tinyFragments(count: count, from: role.peer)
        var connection = makeConnection(role, Connection.Configuration(maxMessageSize: count))
        var events: [Connection.Event] = []
        var largest = 0
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 4096)
            connection.receive(bytes[offset ..< end])
            offset = end
            largest = max(largest, connection.bufferedInboundByteCount)
            while let event = connection.nextEvent() { events.append(event) }
        }
        #expect(largest <= count + 4096 + 16)
        #expect(events.count == 1)
        #expect(sameEvents(events, [.message(.binary((0 ..< count).map { UInt8(truncatingIfNeeded: $0) }))]))
        #expect(connection.bufferedInboundByteCount == 0)
    }

    @Test("a flood of one-byte fragments past maxMessageSize fails with 1009", arguments: Role.both)
    func tinyFragmentFlood(role: Role) {
        let limit = 1000
        var bytes = Self.tinyFragments(count: 5000, from: role.peer)
        bytes.removeLast(role.peer == .client ? 7 : 3)   // never finish the message
        var harness = EchoHarness(role, Connection.Configuration(maxMessageSize: limit))
        var offset = 0
        while offset < bytes.count && harness.connection.state == .open {
            harness.feed(bytes[offset ..< min(bytes.count, offset + 512)])
            #expect(harness.connection.bufferedInboundByteCount <= limit + 512)
            offset += 512
        }
        expectFailed(harness.transcript, with: .messageTooLarge(limit: limit))
        #expect(harness.transcript.events.count == 1)
    }

    @Test("control frames between fragments do not count against the message limit", arguments: Role.both)
    func controlFramesDoNotCount(role: Role) {
        let peer = role.peer
        let configuration = Connection.Configuration(maxMessageSize: 10)
        let full = wire(.binary, pattern(9), fin: false, from: peer) + wire(.ping, pattern(125), from: peer)
            + wire(.pong, pattern(20), from: peer) + wire(.continuation, pattern(1), from: peer)
        let result = transcript(role, full, configuration, echoes: false)
        #expect(result.events == [.ping(pattern(125)), .pong(pattern(20)), .message(.binary(pattern(9) + pattern(1)))])
        #expect(result.sent == [Frame(opcode: .pong, payload: pattern(125))])

        let closing = wire(.binary, pattern(10), fin: false, from: peer) + wire(.close, closePayload(1001, utf8("gone")), from: peer)
        let closed = transcript(role, closing, configuration)
        #expect(closed.events == [.closeReceived(CloseFrame(code: .goingAway, reason: "gone"))])
        expectClosedWith(closed, code: 1001)
    }

    // MARK: Transport events and output

    @Test("end of stream delivers complete frames, then closes without a Close frame", arguments: Role.both)
    func endOfStream(role: Role) {
        var connection = makeConnection(role)
        connection.receive(wire(.text, utf8("last"), from: role.peer) + wire(.text, utf8("partial"), from: role.peer).dropLast())
        connection.receiveEndOfStream()
        #expect(connection.receivedEndOfStream)
        #expect(drain(&connection) == [.message(.text("last"))])
        #expect(connection.state == .closed)
        #expect(!connection.hasPendingOutput)
    }

    @Test("pending output can be written in parts", arguments: Role.both)
    func partialWrites(role: Role) throws {
        var connection = makeConnection(role)
        try connection.send(.binary(pattern(1000)))
        try connection.send(.text("tail"))
        let total = connection.pendingOutputCount
        var written: [UInt8] = []
        while connection.hasPendingOutput {
            connection.withPendingOutput { bytes in
                let count = min(bytes.count, written.count % 3 == 0 ? 0 : 333)
                written += bytes.prefix(max(count, 1))
                return max(count, 1)
            }
        }
        #expect(written.count == total)
        #expect(try FrameDecoder.decodeAll(written, role: role.peer)
                == [Frame(opcode: .binary, payload: pattern(1000)), Frame(opcode: .text, payload: utf8("tail"))])
        #expect(connection.pendingOutputCount == 0 && connection.takeOutput().isEmpty)
    }
}
