import Testing
import WebSocketCore

@Suite("FrameDecoder")
struct FrameDecoderTests {
    // MARK: RFC 6455 §5.7

    @Test("RFC 6455 §5.7 examples decode in every chunking", arguments: WireExample.rfc6455)
    func rfcExamples(_ example: WireExample) throws {
        #expect(try FrameDecoder.decodeAll(example.bytes, role: example.receiver) == example.frames)
        let outcome = sameUnderEveryChunking(example.bytes) { FrameDecoder.outcome($0, role: example.receiver) }
        #expect(outcome == DecodeOutcome(frames: example.frames))
    }

    @Test("RFC 6455 §5.7 examples decode when a client sends them masked", arguments: WireExample.rfc6455)
    func rfcExamplesMasked(_ example: WireExample) {
        let masked = example.frames.flatMap { frame in
            RawFrame(fin: frame.fin, opcode: frame.opcode.rawValue, payload: frame.payload, key: MaskingKey(1, 2, 0x80, 0xFF)).bytes
        }
        let outcome = sameUnderEveryChunking(masked) { FrameDecoder.outcome($0, role: .server) }
        #expect(outcome == DecodeOutcome(frames: example.frames))
    }

    // MARK: Lengths

    @Test("every payload length class decodes for both senders",
          arguments: Role.both, [0, 1, 125, 126, 127, 128, 65535, 65536, 70001])
    func lengthClasses(sender: Role, length: Int) {
        let frame = Frame(opcode: .binary, payload: pattern(length))
        let bytes = RawFrame(.binary, frame.payload, from: sender).bytes
        let outcome = sameUnderEveryChunking(bytes, byteByByte: length < 70000) { FrameDecoder.outcome($0, role: sender.peer) }
        #expect(outcome == DecodeOutcome(frames: [frame]))
    }

    @Test("non-minimal length encodings are accepted",
          arguments: Role.both, [RawFrame.LengthEncoding.extended16, .extended64])
    func nonMinimalLengths(sender: Role, encoding: RawFrame.LengthEncoding) {
        for length in [0, 5, 125, 126, 300] {
            var raw = RawFrame(.text, Array(repeating: 0x41, count: length), from: sender)
            raw.length = encoding
            let outcome = sameUnderEveryChunking(raw.bytes) { FrameDecoder.outcome($0, role: sender.peer) }
            #expect(outcome == DecodeOutcome(frames: [Frame(opcode: .text, payload: raw.payload)]))
        }
    }

    @Test("a payload of exactly maxFrameSize is accepted and one byte more is not", arguments: Role.both)
    func maxFrameSizeBoundary(sender: Role) {
        for limit in [0, 1, 125, 126, 1000] {
            let fits = RawFrame(.binary, pattern(limit), from: sender).bytes
            let over = RawFrame(.binary, pattern(limit + 1), from: sender).bytes
            #expect(FrameDecoder.outcome([fits[...]], role: sender.peer, maxFrameSize: limit).frames.count == 1)
            #expect(FrameDecoder.outcome([over[...]], role: sender.peer, maxFrameSize: limit).violation
                    == .frameTooLarge(length: UInt64(limit + 1), limit: limit))
        }
    }

    @Test("control frames up to 125 bytes are accepted whatever maxFrameSize is", arguments: Role.both)
    func controlFramesIgnoreFrameLimit(sender: Role) {
        for opcode in [Opcode.ping, .pong, .close] {
            let bytes = RawFrame(opcode, pattern(125), from: sender).bytes
            #expect(FrameDecoder.outcome([bytes[...]], role: sender.peer, maxFrameSize: 0)
                    == DecodeOutcome(frames: [Frame(opcode: opcode, payload: pattern(125))]))
        }
    }

    // MARK: Violations

    struct BadFrame: Sendable, CustomTestStringConvertible {
        var name: String
        /// Builds the bytes for a sender role.
        var build: @Sendable (Role) -> [UInt8]
        var violation: @Sendable (Role) -> ProtocolViolation
        /// How many leading bytes suffice to detect the violation, for a sender role.
        var detectedAfter: @Sendable (Role) -> Int
        var testDescription: String { name }
    }

    static let badFrames: [BadFrame] = {
        var rows: [BadFrame] = []
        for rsv in UInt8(1) ... 7 {
            rows.append(BadFrame(name: "RSV bits \(rsv)", build: { RawFrame(.text, utf8("x"), rsv: rsv, from: $0).bytes },
                                 violation: { _ in .reservedBitsSet }, detectedAfter: { _ in 2 }))
        }
        for opcode in UInt8(3) ... 7 {
            rows.append(BadFrame(name: "reserved data opcode \(opcode)", build: { wire(rawOpcode: opcode, utf8("x"), from: $0) },
                                 violation: { _ in .reservedOpcode(opcode) }, detectedAfter: { _ in 2 }))
        }
        for opcode in UInt8(11) ... 15 {
            rows.append(BadFrame(name: "reserved control opcode \(opcode)", build: { wire(rawOpcode: opcode, from: $0) },
                                 violation: { _ in .reservedOpcode(opcode) }, detectedAfter: { _ in 2 }))
        }
        for opcode in [Opcode.close, .ping, .pong] {
            rows.append(BadFrame(name: "fragmented \(opcode)", build: { RawFrame(opcode, [], fin: false, from: $0).bytes },
                                 violation: { _ in .fragmentedControlFrame }, detectedAfter: { _ in 2 }))
            rows.append(BadFrame(name: "\(opcode) of 126 bytes", build: { RawFrame(opcode, pattern(126), from: $0).bytes },
                                 violation: { _ in .controlFrameTooLong(length: 126) }, detectedAfter: { _ in 2 }))
            rows.append(BadFrame(name: "\(opcode) with a 64-bit length", build: {
                var raw = RawFrame(opcode, pattern(3), from: $0)
                raw.length = .extended64
                return raw.bytes
            }, violation: { _ in .controlFrameTooLong(length: 127) }, detectedAfter: { _ in 2 }))
        }
        rows.append(BadFrame(name: "wrong masking for the receiver", build: { sender in
            var raw = RawFrame(.binary, pattern(4), from: sender)
            raw.key = sender == .client ? nil : rfcKey
            return raw.bytes
        }, violation: { $0 == .client ? .unmaskedFrameFromClient : .maskedFrameFromServer }, detectedAfter: { _ in 2 }))
        rows.append(BadFrame(name: "64-bit length with the top bit set", build: {
            var raw = RawFrame(.binary, [], from: $0)
            raw.length = .declared64(1 << 63 | 5)
            return raw.bytes
        }, violation: { _ in .payloadLengthTopBitSet }, detectedAfter: { $0 == .client ? 14 : 10 }))
        rows.append(BadFrame(name: "64-bit length above the default limit", build: {
            var raw = RawFrame(.binary, [], from: $0)
            raw.length = .declared64(UInt64(Int.max))
            return raw.bytes
        }, violation: { _ in .frameTooLarge(length: UInt64(Int.max), limit: 16 << 20) }, detectedAfter: { $0 == .client ? 14 : 10 }))
        return rows
    }()

    @Test("broken frames fail with the matching violation", arguments: Role.both, badFrames)
    func violations(sender: Role, row: BadFrame) {
        let bytes = row.build(sender)
        let expected = row.violation(sender)
        let outcome = sameUnderEveryChunking(bytes) { FrameDecoder.outcome($0, role: sender.peer) }
        #expect(outcome == DecodeOutcome(violation: expected))
        #expect(expected.closeCode == (expected == .frameTooLarge(length: UInt64(Int.max), limit: 16 << 20) ? .messageTooBig : .protocolError))
    }

    @Test("broken headers fail as soon as the bytes that break them arrive", arguments: Role.both, badFrames)
    func failsFast(sender: Role, row: BadFrame) {
        // Length rules are checked once the whole header, masking key included, has arrived.
        let prefix = Array(row.build(sender).prefix(row.detectedAfter(sender)))
        #expect(FrameDecoder.outcome([prefix[...]], role: sender.peer).violation == row.violation(sender))
        do {
            let shorter = prefix.dropLast()
            #expect(FrameDecoder.outcome([shorter], role: sender.peer) == DecodeOutcome(leftover: !shorter.isEmpty))
        }
    }

    @Test("frames before a broken one are returned first, then the decoder stays failed", arguments: Role.both)
    func framesBeforeFailure(sender: Role) throws {
        let good = wire(.text, utf8("ok"), from: sender) + wire(.ping, utf8("p"), from: sender)
        let bad = RawFrame(.binary, utf8("bad"), rsv: 2, from: sender).bytes
        let outcome = sameUnderEveryChunking(good + bad + good) { FrameDecoder.outcome($0, role: sender.peer) }
        #expect(outcome == DecodeOutcome(frames: [Frame(opcode: .text, payload: utf8("ok")), Frame(opcode: .ping, payload: utf8("p"))],
                                         violation: .reservedBitsSet))

        var decoder = FrameDecoder(role: sender.peer)
        decoder.append(bad)
        #expect(throws: ProtocolViolation.reservedBitsSet) { try decoder.nextFrame() }
        decoder.append(good)
        #expect(throws: ProtocolViolation.reservedBitsSet) { try decoder.nextFrame() }
    }

    @Test("an extension's reserved bits are allowed and the others are not")
    func allowedReservedBits() throws {
        var decoder = FrameDecoder(role: .client, allowedReservedBits: 0b100)
        decoder.append(RawFrame(.text, utf8("z"), rsv: 0b100, from: .server).bytes)
        #expect(try decoder.nextFrame() == Frame(opcode: .text, payload: utf8("z"), reservedBits: 0b100))
        decoder.append(RawFrame(.text, utf8("z"), rsv: 0b110, from: .server).bytes)
        #expect(throws: ProtocolViolation.reservedBitsSet) { try decoder.nextFrame() }
    }

    // MARK: Partial frames and memory

    @Test("the partial payload is exposed unmasked as it arrives", arguments: Role.both)
    func partialPayload(sender: Role) throws {
        let payload = pattern(200)
        let bytes = RawFrame(.binary, payload, from: sender).bytes
        let headerSize = bytes.count - payload.count
        var decoder = FrameDecoder(role: sender.peer)
        decoder.append(bytes.prefix(1))
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.partialFrameHeader == nil)
        var fed = 1
        for step in [headerSize - 1, 1, 2, 5, 100, 91] {
            decoder.append(bytes[fed ..< fed + step])
            fed += step
            #expect(try decoder.nextFrame() == nil)
            let header = try #require(decoder.partialFrameHeader)
            #expect(header.payloadLength == 200)
            #expect(header.maskingKey == (sender == .client ? rfcKey : nil))
            let received = fed - headerSize
            decoder.withPartialPayload { #expect(Array($0) == Array(payload.prefix(received))) }
            #expect(decoder.bufferedByteCount == received)
        }
        decoder.append(bytes[fed...])
        #expect(try decoder.nextFrame() == Frame(opcode: .binary, payload: payload))
        #expect(decoder.partialFrameHeader == nil)
        #expect(decoder.bufferedByteCount == 0)
        #expect(try decoder.nextFrame() == nil)
    }

    @Test("a long stream of frames read in chunks keeps the input buffer small", arguments: Role.both)
    func bufferStaysSmall(sender: Role) throws {
        var stream: [UInt8] = []
        for index in 0 ..< 3000 { stream += wire(.binary, pattern(index % 40), from: sender) }
        var decoder = FrameDecoder(role: sender.peer)
        var frames = 0
        var largest = 0
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 1500)
            decoder.append(stream[offset ..< end])
            offset = end
            largest = max(largest, decoder.bufferedByteCount)
            while let frame = try decoder.nextFrame() {
                #expect(frame.payload == pattern(frames % 40))
                frames += 1
            }
        }
        #expect(frames == 3000)
        #expect(largest <= 1500 + 60)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("the unsafe-buffer append is equivalent to the sequence append", arguments: Role.both)
    func rawBufferAppend(sender: Role) throws {
        let bytes = wire(.text, utf8("buffer"), from: sender) + wire(.pong, [], from: sender)
        var decoder = FrameDecoder(role: sender.peer)
        bytes.withUnsafeBytes { decoder.append($0) }
        #expect(try decoder.nextFrame() == Frame(opcode: .text, payload: Array("buffer".utf8)))
        #expect(try decoder.nextFrame() == Frame(opcode: .pong, payload: []))
        #expect(try decoder.nextFrame() == nil)
    }

    @Test("a declared 16 MiB frame with one byte of payload reserves at most 256 KiB; the rest grows as it arrives", arguments: Role.both)
    func reservationFollowsArrival(receiver: Role) throws {
        var decoder = FrameDecoder(role: receiver, maxFrameSize: 16 << 20)
        let masked = receiver == .server
        // FIN + binary, a 64-bit length of 16 MiB, a mask key when the sender is a client.
        var header: [UInt8] = [0x82, (masked ? 0x80 : 0) | 127, 0, 0, 0, 0, 0x01, 0, 0, 0]
        if masked { header += [1, 2, 3, 4] }
        decoder.append(header + [0x55])
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.bufferedByteCount == 1)
        #expect(decoder.partialPayloadCapacity < 512 << 10)   // 256 KiB, rounded up by the allocator

        // The frame still completes, with every byte in place.
        let chunk = [UInt8](repeating: 0x55, count: 1 << 20)
        for _ in 0 ..< 15 { decoder.append(chunk) ; #expect(try decoder.nextFrame() == nil) }
        decoder.append([UInt8](repeating: 0x55, count: (1 << 20) - 1))
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.payload.count == 16 << 20)
    }

    // MARK: Taking frames straight from the appended bytes

    @Test("a payload split in three reads at every pair of offsets arrives unmasked, then the next frame", arguments: Role.both)
    func everyThreeWaySplit(sender: Role) throws {
        // 70 bytes crosses one 64-byte masking step; the Pong after it starts inside the last read.
        let first = pattern(70)
        let bytes = wire(.binary, first, from: sender) + wire(.pong, utf8("p"), from: sender)
        let expected = [Frame(opcode: .binary, payload: first), Frame(opcode: .pong, payload: utf8("p"))]
        for cut1 in 0 ... bytes.count {
            for cut2 in cut1 ... bytes.count {
                var decoder = FrameDecoder(role: sender.peer)
                var frames: [Frame] = []
                for chunk in [bytes[..<cut1], bytes[cut1 ..< cut2], bytes[cut2...]] {
                    decoder.append(chunk)
                    while let frame = try decoder.nextFrame() { frames.append(frame) }
                    if let header = decoder.partialFrameHeader, header.opcode == .binary {
                        let received = decoder.withPartialPayload { Array($0) }
                        #expect(received == Array(first.prefix(received.count)), "cuts \(cut1) \(cut2)")
                        #expect(decoder.bufferedByteCount == received.count, "cuts \(cut1) \(cut2)")
                    }
                }
                #expect(frames == expected, "cuts \(cut1) \(cut2)")
                #expect(decoder.bufferedByteCount == 0 && decoder.partialFrameHeader == nil)
            }
        }
    }

    @Test("a frame that arrives whole is returned and only the bytes after it stay buffered", arguments: Role.both)
    func wholeFrameThenPartialHeader(sender: Role) throws {
        let payload = pattern(1000)
        let next = wire(.text, utf8("next"), from: sender)
        var decoder = FrameDecoder(role: sender.peer)
        decoder.append(wire(.binary, payload, from: sender) + next.prefix(1))
        #expect(try decoder.nextFrame() == Frame(opcode: .binary, payload: payload))
        #expect(decoder.bufferedByteCount == 1)
        #expect(try decoder.nextFrame() == nil)
        decoder.append(next.dropFirst())
        #expect(try decoder.nextFrame() == Frame(opcode: .text, payload: utf8("next")))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("limits changed between append and nextFrame apply to the header append read", arguments: Role.both)
    func settingsChangedAfterAppend(sender: Role) throws {
        let frame = wire(.binary, pattern(100), from: sender)
        // Lowered: the frame, whole or partial, is now too large.
        for bytes in [frame, Array(frame.prefix(20))] {
            var decoder = FrameDecoder(role: sender.peer, maxFrameSize: 1000)
            decoder.append(bytes)
            decoder.maxFrameSize = 50
            #expect(throws: ProtocolViolation.frameTooLarge(length: 100, limit: 50)) { try decoder.nextFrame() }
            #expect(throws: ProtocolViolation.frameTooLarge(length: 100, limit: 50)) { try decoder.nextFrame() }
        }
        // Raised: the frame is accepted.
        var raised = FrameDecoder(role: sender.peer, maxFrameSize: 50)
        raised.append(frame)
        raised.maxFrameSize = 1000
        #expect(try raised.nextFrame() == Frame(opcode: .binary, payload: pattern(100)))
        // An extension's bit withdrawn.
        var withdrawn = FrameDecoder(role: sender.peer, allowedReservedBits: 0b100)
        withdrawn.append(wire(.binary, pattern(10), rsv: 0b100, from: sender))
        withdrawn.allowedReservedBits = 0
        #expect(throws: ProtocolViolation.reservedBitsSet) { try withdrawn.nextFrame() }
    }
}
