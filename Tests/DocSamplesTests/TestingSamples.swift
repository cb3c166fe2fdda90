import AsyncWebSocket
import Testing
import WebSocketCore

// snippet: testing-handler
/// The code under test: a handler that greets, then echoes.
let greeter: WebSocketServer.Handler = { ws in
    try await ws.send(text: "hello")
    for await message in ws.messages { try await ws.send(message) }
}
// end-snippet

@Suite("Testing guide samples")
struct TestingSamples {
    // snippet: testing-with-test-server
    @Test func greetsThenEchoes() async throws {
        try await withTestServer(handler: greeter) { server in
            try await WebSocket.connect(to: server.url) { ws in
                var iterator = ws.messages.makeAsyncIterator()
                #expect(await iterator.next() == .text("hello"))
                try await ws.send(text: "ping")
                #expect(await iterator.next() == .text("ping"))
            }
        }
    }
    // end-snippet

    // snippet: testing-make-pair
    @Test func greetsOverAPair() async throws {
        let (client, server) = try await WebSocket.makePair()
        let handler = Task { try await greeter(server) }
        for await message in client.messages {
            #expect(message == .text("hello"))
            break
        }
        try await client.close()
        try await handler.value
    }
    // end-snippet

    // snippet: testing-http
    @Test func servesThePage() async throws {
        try await withTestServer(http: { _ in .html("<p>hi</p>") }, handler: greeter) { server in
            // A plain HTTP request gets the fallback's answer; a WebSocket gets the handler.
            let reply: Message? = try await WebSocket.connect(to: server.url) { ws in
                for await message in ws.messages { return message }
                return nil
            }
            #expect(reply == .text("hello"))
        }
    }
    // end-snippet
}
