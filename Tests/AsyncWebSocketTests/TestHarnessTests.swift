import Testing
import AsyncWebSocket
import WebSocketCore

/// The harness we ship for users' tests: `withTestServer` and `WebSocket.makePair`.
@Suite("Test harness", .timeLimit(.minutes(2)))
struct TestHarnessTests {
    @Test("makePair gives an open client and server joined to each other")
    func pairEchoes() async throws {
        let (client, server) = try await WebSocket.makePair(subprotocol: "chat")
        #expect(client.role == .client)
        #expect(server.role == .server)
        #expect(client.subprotocol == "chat" && server.subprotocol == "chat")
        #expect(server.request.headers["Sec-WebSocket-Protocol"] == "chat")
        #expect(client.response.status == 101)

        let handler = Task { try await echo(server) }
        try await client.send(text: "hello")
        try await client.send(binary: [1, 2, 3])
        var replies = client.messages.makeAsyncIterator()
        #expect(await replies.next() == .text("hello"))
        #expect(await replies.next() == .binary([1, 2, 3]))
        try await server.ping()
        try await client.ping()

        try await client.close(code: CloseCode(rawValue: 4100), reason: "done")
        try await handler.value
        #expect(await server.closeCode == CloseCode(rawValue: 4100))
        #expect(await server.closeReason == "done")
        #expect(await client.closeCode == CloseCode(rawValue: 4100))
    }

    @Test("terminate() on one end of a pair ends the other with 1006")
    func pairTerminate() async throws {
        let (client, server) = try await WebSocket.makePair()
        await client.terminate()
        for await _ in server.messages {}
        #expect(await server.closeCode == .abnormalClosure)
        #expect(await client.closeCode == .abnormalClosure)
    }

    struct BodyFailure: Error {}

    @Test("withTestServer shuts the server down and rethrows when the body throws")
    func harnessRethrows() async throws {
        let server = Shared<WebSocketServer?>(nil)
        await #expect(throws: BodyFailure.self) {
            try await withTestServer(handler: echo) { running in
                server.update { $0 = running.server }
                _ = try await WebSocket.connect(to: running.url)   // left open on purpose
                throw BodyFailure()
            }
        }
        let stopped = try #require(server.value)
        #expect(await stopped.connectionCount == 0)
        await #expect(throws: WebSocketError.self) {
            try await WebSocket.connect(to: "ws://127.0.0.1:\(stopped.port)/")
        }
    }

    @Test("withTestServer returns the body's result and gives each call its own port")
    func harnessPorts() async throws {
        let ports = try await withTestServer(handler: echo) { outer in
            try await withTestServer(handler: echo) { inner in [outer.port, inner.port] }
        }
        #expect(ports[0] != ports[1])
        #expect(ports.allSatisfy { $0 > 0 })
    }
}
