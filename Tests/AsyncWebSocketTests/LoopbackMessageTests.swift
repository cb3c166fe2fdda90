import Testing
import AsyncWebSocket
import WebSocketCore

/// Our client against our server over 127.0.0.1: messages of every size class, fragments,
/// pings.
@Suite("Loopback messages", .timeLimit(.minutes(2)))
struct LoopbackMessageTests {
    /// The RFC 6455 §5.2 length encodings and their edges: 7-bit (0, 125), 16-bit (126, 65535),
    /// 64-bit (65536, 1 MiB).
    static let sizes = [0, 125, 126, 65535, 65536, 1 << 20]

    @Test("Text messages of every length class echo intact", arguments: sizes)
    func textEchoes(size: Int) async throws {
        let message = Message.text(patternText(size))
        try await withTestServer(handler: echo) { server in
            let reply = try await WebSocket.connect(to: server.url) { ws -> Message? in
                try await ws.send(message)
                for await reply in ws.messages { return reply }
                return nil
            }
            let intact = reply == message
            #expect(intact, "sent \(summary(message)), got \(summary(reply))")
        }
    }

    @Test("Binary messages of every length class echo intact", arguments: sizes)
    func binaryEchoes(size: Int) async throws {
        let message = Message.binary(patternBytes(size, seed: 3))
        try await withTestServer(handler: echo) { server in
            let reply = try await WebSocket.connect(to: server.url) { ws -> Message? in
                try await ws.send(message)
                for await reply in ws.messages { return reply }
                return nil
            }
            let intact = reply == message
            #expect(intact, "sent \(summary(message)), got \(summary(reply))")
        }
    }

    @Test("Several messages keep their order, text and binary interleaved")
    func orderIsKept() async throws {
        let messages: [Message] = (0 ..< 50).map { $0 % 2 == 0 ? .text("m\($0)") : .binary([UInt8($0)]) }
        try await withTestServer(handler: echo) { server in
            let replies = try await WebSocket.connect(to: server.url) { ws in
                for message in messages { try await ws.send(message) }
                var replies: [Message] = []
                for await reply in ws.messages {
                    replies.append(reply)
                    if replies.count == messages.count { break }
                }
                return replies
            }
            #expect(replies == messages)
        }
    }

    @Test("Fragments with pings between them reach the handler as one message")
    func fragmentsAreReassembled() async throws {
        let received = Mailbox<Message>()
        try await withTestServer(handler: { ws in
            for await message in ws.messages {
                received.post(message)
                try await ws.send(message)
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.sendFrame(.text, Array("Hel".utf8), fin: false)
            try await client.sendFrame(.ping, Array("p1".utf8))
            try await client.sendFrame(.continuation, Array("lo, ".utf8), fin: false)
            try await client.sendFrame(.ping, Array("p2".utf8))
            try await client.sendFrame(.continuation, [], fin: false)
            try await client.sendFrame(.continuation, Array("wörld".utf8), fin: true)
            try await client.sendFrame(.binary, [1, 2], fin: false)
            try await client.sendFrame(.continuation, [3], fin: true)

            #expect(await received.next() == .text("Hello, wörld"))
            #expect(await received.next() == .binary([1, 2, 3]))

            var events: [Connection.Event] = []
            while events.count < 4, let event = try await client.nextEvent() { events.append(event) }
            #expect(events == [
                .pong(Array("p1".utf8)), .pong(Array("p2".utf8)),
                .message(.text("Hello, wörld")), .message(.binary([1, 2, 3])),
            ])
            await client.close()
        }
    }

    @Test("ping() returns when the pong arrives, from the client and from the server")
    func pingRoundTrips() async throws {
        try await withTestServer(handler: { ws in
            try await ws.ping()
            try await ws.send(text: "server ping answered")
            for await message in ws.messages { try await ws.send(message) }
        }) { server in
            try await WebSocket.connect(to: server.url) { ws in
                var replies = ws.messages.makeAsyncIterator()
                #expect(await replies.next() == .text("server ping answered"))
                let rtt = try await ws.ping()
                #expect(rtt >= .zero)
                // Several outstanding pings all complete.
                async let first = ws.ping()
                async let second = ws.ping()
                _ = try await (first, second)
                try await ws.send(text: "after pings")
                #expect(await replies.next() == .text("after pings"))
            }
        }
    }
}

extension LoadTests {
    @Suite("Largest message")
    struct LargestMessageTests {
        @Test("A 16 MiB binary message (the default maximum) echoes intact")
        func largestMessageEchoes() async throws {
            let payload = patternBytes(16 << 20, seed: 9)
            try await withDedicatedLoops { loops in
            try await withTestServer(group: loops, handler: echo) { server in
                let reply = try await WebSocket.connect(to: server.url, group: loops) { ws -> Message? in
                    try await ws.send(binary: payload)
                    for await reply in ws.messages { return reply }
                    return nil
                }
                let intact = reply == .binary(payload)
                #expect(intact, "got \(summary(reply))")
            }
            }
        }
    }
}
