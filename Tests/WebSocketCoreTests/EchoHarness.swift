import Testing
import WebSocketCore

// MARK: - Driving a Connection

/// Makes a connection for `role`; a client gets a seeded masking-key generator.
func makeConnection(_ role: Role, _ configuration: Connection.Configuration = .init(), seed: UInt64 = 1) -> Connection {
    Connection(role: role, configuration: configuration, maskingKeys: role == .client ? SeededRandom(seed: seed) : nil)
}

/// Takes every event the connection has ready.
func drain(_ connection: inout Connection) -> [Connection.Event] {
    var events: [Connection.Event] = []
    while let event = connection.nextEvent() { events.append(event) }
    return events
}

/// What a connection did with some input, as the peer sees it.
struct Transcript: Equatable, CustomStringConvertible {
    /// The events in order.
    var events: [Connection.Event] = []
    /// The frames the connection sent (echoes, pongs, its Close), decoded by a peer-role decoder.
    var sent: [Frame] = []
    /// Set when the connection's output was not valid for its peer (never expected).
    var outputViolation: ProtocolViolation?
    var state: Connection.State = .open

    static func == (a: Transcript, b: Transcript) -> Bool {
        a.state == b.state && a.outputViolation == b.outputViolation
            && sameEvents(a.events, b.events) && sameFrames(a.sent, b.sent)
    }

    var description: String {
        "events: \(events.map(describe)), sent: \(sent.map { "\($0.opcode)/\($0.payload.count)" }), state: \(state)"
    }

    /// The Close frames sent, parsed.
    var closeSent: [(code: UInt16?, reason: [UInt8])] {
        sent.filter { $0.opcode == .close }.map { frame in
            frame.payload.count >= 2
                ? (UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]), Array(frame.payload.dropFirst(2)))
                : (nil, [])
        }
    }
}

private func describe(_ event: Connection.Event) -> String {
    switch event {
    case .message(.text(let text)): "text(\(text.utf8.count))"
    case .message(.binary(let data)): "binary(\(data.count))"
    case .fragment(let fragment): "fragment(\(fragment.opcode), \(fragment.payload.count), fin: \(fragment.isFinal))"
    case .ping(let payload): "ping(\(payload.count))"
    case .pong(let payload): "pong(\(payload.count))"
    case .closeReceived(let frame): "close(\(frame.code.map { "\($0.rawValue)" } ?? "nil"))"
    case .failed(let violation): "failed(\(violation))"
    }
}

/// An Autobahn-style peer in front of one `Connection`: it feeds wire bytes, drains events, echoes
/// every message back the way the Autobahn test servers and clients do, and decodes what the
/// connection sends with a decoder of the opposite role.
struct EchoHarness {
    var connection: Connection
    var peerDecoder: FrameDecoder
    var transcript = Transcript()
    var echoes: Bool

    init(_ role: Role, _ configuration: Connection.Configuration = .init(), echoes: Bool = true) {
        connection = makeConnection(role, configuration)
        peerDecoder = FrameDecoder(role: role.peer, maxFrameSize: .max)
        self.echoes = echoes
    }

    mutating func feed(_ chunk: some Sequence<UInt8>) {
        connection.receive(chunk)
        while let event = connection.nextEvent() {
            transcript.events.append(event)
            if echoes, case .message(let message) = event {
                try? connection.send(message)
            }
        }
        collectOutput()
    }

    mutating func collectOutput() {
        peerDecoder.append(connection.takeOutput())
        do {
            while let frame = try peerDecoder.nextFrame() { transcript.sent.append(frame) }
        } catch {
            transcript.outputViolation = error
        }
        transcript.state = connection.state
    }

    /// Feeds `bytes` in `chunks` and returns the transcript.
    static func run(_ role: Role, _ chunks: [ArraySlice<UInt8>], _ configuration: Connection.Configuration = .init(),
                    echoes: Bool = true) -> Transcript {
        var harness = EchoHarness(role, configuration, echoes: echoes)
        for chunk in chunks { harness.feed(chunk) }
        return harness.transcript
    }
}

/// Feeds `bytes` to a fresh connection of `role` in every chunking and returns the transcript,
/// which every chunking must reproduce exactly.
func transcript(
    _ role: Role, _ bytes: [UInt8], _ configuration: Connection.Configuration = .init(), echoes: Bool = true,
    exhaustiveLimit: Int = 1200, byteByByte: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
) -> Transcript {
    sameUnderEveryChunking(bytes, exhaustiveLimit: exhaustiveLimit, byteByByte: byteByByte, sourceLocation: sourceLocation) {
        EchoHarness.run(role, $0, configuration, echoes: echoes)
    }
}

/// Expects that the connection failed with `violation`: the last event is `.failed(violation)`,
/// exactly one Close frame went out and it is the last frame, carrying the violation's close code
/// and a valid UTF-8 reason of at most 123 bytes, and the connection is `.closed`.
func expectFailed(_ transcript: Transcript, with violation: ProtocolViolation, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(transcript.events.last == .failed(violation), "\(transcript)", sourceLocation: sourceLocation)
    #expect(transcript.events.filter { if case .failed = $0 { true } else { false } }.count == 1, sourceLocation: sourceLocation)
    expectClosedWith(transcript, code: violation.closeCode.rawValue, sourceLocation: sourceLocation)
}

/// Expects exactly one Close frame, sent last, with `code`, a valid reason of at most 123 bytes,
/// and the connection `.closed` with valid output.
func expectClosedWith(_ transcript: Transcript, code: UInt16?, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(transcript.outputViolation == nil, sourceLocation: sourceLocation)
    #expect(transcript.state == .closed, sourceLocation: sourceLocation)
    let closes = transcript.closeSent
    #expect(closes.count == 1, "\(transcript)", sourceLocation: sourceLocation)
    #expect(transcript.sent.last?.opcode == .close, "the Close frame is the last frame sent", sourceLocation: sourceLocation)
    guard let close = closes.first else { return }
    #expect(close.code == code, sourceLocation: sourceLocation)
    #expect(close.reason.count <= 123, sourceLocation: sourceLocation)
    #expect(UTF8Validator.isValid(close.reason), sourceLocation: sourceLocation)
}

/// The data frames the connection sent, reassembled into messages (how the peer reads them).
func messagesSent(_ transcript: Transcript) -> [Message] {
    var messages: [Message] = []
    var kind: Opcode?
    var buffer: [UInt8] = []
    for frame in transcript.sent where !frame.opcode.isControl {
        if frame.opcode != .continuation { kind = frame.opcode; buffer = [] }
        buffer += frame.payload
        if frame.fin, let current = kind {
            messages.append(current == .text ? .text(String(decoding: buffer, as: UTF8.self)) : .binary(buffer))
            kind = nil
        }
    }
    return messages
}
