import AsyncWebSocket
import Testing
import WebSocketCore

@Suite("Messages, ping and closing samples")
struct MessagesSamples {
    @Test("sending, receiving, ping and a custom close code")
    func messages() async throws {
        try await withTestServer { ws in
            // snippet: messages-receive
            for await message in ws.messages {
                switch message {
                case .text(let text): try await ws.send(text: text.uppercased())
                case .binary(let bytes): try await ws.send(binary: bytes.reversed())
                }
            }
            // The sequence ended: the connection is closed.
            print("closed with", ws.closeCode ?? .abnormalClosure, ws.closeReason)
            // end-snippet
        } body: { server in
            try await WebSocket.connect(to: server.url) { ws in
                // snippet: messages-send
                try await ws.send(text: "hello")           // a text message
                try await ws.send(binary: [0x01, 0x02])    // a binary message
                let roundTrip = try await ws.ping()        // returns when the Pong arrives
                print("ping took", roundTrip)
                // end-snippet
                var replies: [Message] = []
                for await message in ws.messages {
                    replies.append(message)
                    if replies.count == 2 { break }
                }
                #expect(replies == [.text("HELLO"), .binary([0x02, 0x01])])
                // snippet: messages-close
                try await ws.close(code: CloseCode(rawValue: 4000), reason: "done for today")
                // end-snippet
            }
        }
    }
}
