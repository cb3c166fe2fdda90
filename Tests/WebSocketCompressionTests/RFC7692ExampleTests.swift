import Testing
import WebSocketCompression
import WebSocketCore

/// RFC 7692 §7.2.3: the worked examples, received by a client (server frames are unmasked) and
/// produced by a server.
@Suite("RFC 7692 §7.2.3 examples")
struct RFC7692ExampleTests {
    struct Example: CustomTestStringConvertible, Sendable {
        var name: String
        var wire: String
        var messages: [String]
        var testDescription: String { name }
    }

    static let decodeExamples: [Example] = [
        .init(name: "§7.2.3.1 \"Hello\" in one compressed frame", wire: "0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00", messages: ["Hello"]),
        .init(name: "§7.2.3.1 \"Hello\" compressed, in two fragments",
              wire: "0x41 0x03 0xf2 0x48 0xcd 0x80 0x04 0xc9 0xc9 0x07 0x00", messages: ["Hello"]),
        .init(name: "§7.2.3.2 two messages sharing the LZ77 window",
              wire: "0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00 0xc1 0x05 0xf2 0x00 0x11 0x00 0x00", messages: ["Hello", "Hello"]),
        .init(name: "§7.2.3.2 two messages without context takeover",
              wire: "0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00 0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00", messages: ["Hello", "Hello"]),
        .init(name: "§7.2.3.3 a DEFLATE block with no compression",
              wire: "0xc1 0x0b 0x00 0x05 0x00 0xfa 0xff 0x48 0x65 0x6c 0x6c 0x6f 0x00", messages: ["Hello"]),
        .init(name: "§7.2.3.4 a DEFLATE block with BFINAL set", wire: "0xc1 0x08 0xf3 0x48 0xcd 0xc9 0xc9 0x07 0x00 0x00", messages: ["Hello"]),
        .init(name: "§7.2.3.5 two DEFLATE blocks in one message",
              wire: "0xc1 0x0d 0xf2 0x48 0x05 0x00 0x00 0x00 0xff 0xff 0xca 0xc9 0xc9 0x07 0x00", messages: ["Hello"]),
        .init(name: "§7.2.3.6 an empty message (one empty stored block)", wire: "0xc1 0x01 0x00", messages: [""]),
        .init(name: "an empty final fragment after a sync-flushed one",
              wire: "0x41 0x0b 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00 0x00 0x00 0xff 0xff 0x80 0x00", messages: ["Hello"]),
        .init(name: "§7.2.3.4 BFINAL, then a message that refers back to the first",
              wire: "0xc1 0x08 0xf3 0x48 0xcd 0xc9 0xc9 0x07 0x00 0x00 0xc1 0x05 0xf2 0x00 0x11 0x00 0x00", messages: ["Hello", "Hello"]),
    ]

    @Test("decodes", arguments: decodeExamples)
    func decodes(_ example: Example) throws {
        let bytes = hex(example.wire)
        // Every split point: the codec must not care how the frames arrive. (A fresh pair each
        // time: copies of a Connection share its codec's zlib state.)
        for split in 0 ... bytes.count {
            var connection = try Pair(client: .client, server: PerMessageDeflate()).client
            connection.receive(bytes[..<split])
            var events = drain(&connection)
            connection.receive(bytes[split...])
            events += drain(&connection)
            #expect(events == example.messages.map { .message(.text($0)) }, "split at \(split)")
        }
    }

    /// A server with the given context takeover and level sends "Hello" twice; `expected` is the
    /// wire bytes of both frames.
    @Test("encodes", arguments: [
        (false, 6, "0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00 0xc1 0x05 0xf2 0x00 0x11 0x00 0x00"),
        (true, 6, "0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00 0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00"),
        (true, 0, "0xc1 0x0b 0x00 0x05 0x00 0xfa 0xff 0x48 0x65 0x6c 0x6c 0x6f 0x00 0xc1 0x0b 0x00 0x05 0x00 0xfa 0xff 0x48 0x65 0x6c 0x6c 0x6f 0x00"),
    ])
    func encodes(noContextTakeover: Bool, level: Int, expected: String) throws {
        let server = PerMessageDeflate(serverNoContextTakeover: noContextTakeover, compressionLevel: level, minimumSize: 0)
        var pair = try Pair(client: .client, server: server)
        try pair.server.send(.text("Hello"))
        try pair.server.send(.text("Hello"))
        let wire = pair.server.takeOutput()
        #expect(wire == hex(expected))
        pair.client.receive(wire)
        #expect(drain(&pair.client) == [.message(.text("Hello")), .message(.text("Hello"))])
    }

    @Test("an empty message encodes as one empty stored block")
    func emptyMessage() throws {
        var pair = try Pair(client: .client, server: PerMessageDeflate(minimumSize: 0))
        try pair.server.send(.text(""))
        #expect(pair.server.takeOutput() == hex("0xc1 0x01 0x00"))
    }

    @Test("control frames are never compressed; RSV1 on them or on a continuation is 1002")
    func controlFrames() throws {
        var pair = try Pair(client: .client, server: PerMessageDeflate(minimumSize: 0))
        try pair.server.ping(Array(repeating: 0x41, count: 100))
        try pair.server.close(code: .normalClosure, reason: String(repeating: "a", count: 100))
        let sent = try frames(pair.server.takeOutput(), receivedBy: .client)
        #expect(sent.map(\.reservedBits) == [0, 0])

        for wire in ["0xc9 0x00", "0x41 0x03 0xf2 0x48 0xcd 0xc0 0x04 0xc9 0xc9 0x07 0x00"] {
            var fresh = try Pair()
            fresh.client.receive(hex(wire))
            #expect(drain(&fresh.client).last == .failed(.reservedBitsSet), "\(wire)")
            #expect(try frames(fresh.client.takeOutput(), receivedBy: .server).last?.payload.prefix(2) == [0x03, 0xEA])
        }
    }

    @Test("RSV1 without a negotiated extension is still 1002")
    func rsv1WithoutExtension() {
        var connection = Connection(role: .client, maskingKeys: SeededRandom(seed: 1))
        connection.receive(hex("0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00"))
        #expect(drain(&connection) == [.failed(.reservedBitsSet)])
    }

    @Test("data that does not inflate fails the connection with 1002")
    func corruptData() throws {
        var pair = try Pair()
        pair.client.receive(hex("0xc1 0x04 0xff 0xff 0xff 0xff"))
        let events = drain(&pair.client)
        guard case .failed(.extensionFailed) = events.last else {
            Issue.record("expected extensionFailed, got \(events)")
            return
        }
    }
}
