import Testing
import AsyncWebSocket
import WebSocketCore
import WebSocketIO

/// Close codes and reasons in both directions, shutdown and cancellation, over 127.0.0.1.
@Suite("Loopback closing", .timeLimit(.minutes(2)))
struct LoopbackClosingTests {
    struct Outcome: Sendable, Equatable {
        var code: CloseCode?
        var reason: String
    }

    @Test("The client's close code and reason reach the server")
    func clientCloseReachesServer() async throws {
        let seen = Mailbox<Outcome>()
        try await withTestServer(handler: { ws in
            for await _ in ws.messages {}
            seen.post(Outcome(code: ws.closeCode, reason: ws.closeReason))
        }) { server in
            let clientSide = try await WebSocket.connect(to: server.url) { ws in
                try await ws.close(code: CloseCode(rawValue: 4000), reason: "bye")
                return Outcome(code: ws.closeCode, reason: ws.closeReason)
            }
            #expect(await seen.next() == Outcome(code: CloseCode(rawValue: 4000), reason: "bye"))
            // The server echoes the code (without the reason) and closes the TCP connection.
            #expect(clientSide == Outcome(code: CloseCode(rawValue: 4000), reason: ""))
        }
    }

    struct ServerEnding: Sendable, CustomTestStringConvertible {
        let name: String
        let handler: WebSocketServer.Handler
        let expected: Outcome
        var testDescription: String { name }
    }

    struct HandlerFailure: Error {}

    static let serverEndings: [ServerEnding] = [
        ServerEnding(name: "close(4001, reason)", handler: { ws in
            try await ws.close(code: CloseCode(rawValue: 4001), reason: "server bye")
        }, expected: Outcome(code: CloseCode(rawValue: 4001), reason: "server bye")),
        ServerEnding(name: "handler returns", handler: { _ in }, expected: Outcome(code: .normalClosure, reason: "")),
        ServerEnding(name: "handler throws", handler: { _ in throw HandlerFailure() },
                     expected: Outcome(code: .internalError, reason: "")),
    ]

    @Test("How the server ends a connection is what the client sees", arguments: serverEndings)
    func serverEndingReachesClient(_ ending: ServerEnding) async throws {
        try await withTestServer(handler: ending.handler) { server in
            let outcome = try await WebSocket.connect(to: server.url) { ws in
                for await _ in ws.messages {}
                let open = ws.isOpen
                #expect(!open)
                return Outcome(code: ws.closeCode, reason: ws.closeReason)
            }
            #expect(outcome == ending.expected)
        }
    }

    @Test("send after close throws connectionClosed; close(1005) is an invalid argument")
    func sendAfterClose() async throws {
        try await withTestServer(handler: echo) { server in
            try await WebSocket.connect(to: server.url) { ws in
                await #expect { try await ws.close(code: .noStatusReceived) } throws: { error in
                    (error as? WebSocketError)?.kind == .invalidArgument
                }
                try await ws.close()
                #expect(ws.closeCode == .normalClosure)
                await #expect { try await ws.send(text: "late") } throws: { error in
                    (error as? WebSocketError)?.kind == .connectionClosed
                }
            }
        }
    }

    @Test("Graceful shutdown sends 1001 to every client and run returns")
    func gracefulShutdown() async throws {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        let started = Mailbox<Void>()
        let running = Task {
            await server.run { ws in
                started.post(())
                for await message in ws.messages { try await ws.send(message) }
            }
        }
        let url = "ws://127.0.0.1:\(server.port)/"
        var clients: [WebSocket] = []
        for _ in 0 ..< 3 { clients.append(try await WebSocket.connect(to: url)) }
        _ = await started.next(3)
        #expect(await server.connectionCount == 3)

        await server.shutdown(gracePeriod: .seconds(5))
        for client in clients {
            for await _ in client.messages {}
            #expect(await client.closeCode == .goingAway)
            #expect(await client.closeReason == "server shutting down")
        }
        await running.value
        #expect(await server.connectionCount == 0)
        // The listener is closed: new connections are refused.
        await #expect(throws: WebSocketError.self) { try await WebSocket.connect(to: url) }
    }

    @Test("Shutdown cancels handlers that ignore the close after the grace period")
    func shutdownCancelsStuckHandlers() async throws {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        let started = Mailbox<Void>()
        let cancelled = Mailbox<Bool>()
        let running = Task {
            await server.run { ws in
                started.post(())
                // Never reads: waits on something that never comes, until cancelled.
                let (never, _) = AsyncStream<Int>.makeStream()
                for await _ in never {}
                cancelled.post(Task.isCancelled)
            }
        }
        let client = try await WebSocket.connect(to: "ws://127.0.0.1:\(server.port)/")
        _ = await started.next()
        await server.shutdown(gracePeriod: .milliseconds(100))
        await running.value
        #expect(await cancelled.next() == true)
        for await _ in client.messages {}
        #expect(await client.closeCode == .goingAway)
    }

    @Test("Cancelling the server's run task closes its connections with 1001")
    func cancellingRunClosesConnections() async throws {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        let started = Mailbox<Void>()
        let running = Task {
            await server.run { ws in
                started.post(())
                for await message in ws.messages { try await ws.send(message) }
            }
        }
        let client = try await WebSocket.connect(to: "ws://127.0.0.1:\(server.port)/")
        _ = await started.next()
        running.cancel()
        for await _ in client.messages {}
        let code = await client.closeCode
        #expect(code == .goingAway)
        await running.value
    }

    @Test("Cancelling the task that iterates messages closes its connection with 1001")
    func cancellingReaderClosesConnection() async throws {
        let seen = Mailbox<Outcome>()
        let started = Mailbox<Void>()
        try await withTestServer(handler: { ws in
            started.post(())
            for await _ in ws.messages {}
            seen.post(Outcome(code: ws.closeCode, reason: ws.closeReason))
        }) { server in
            let client = Task {
                // Returns once the closing handshake the cancellation started is over.
                try await WebSocket.connect(to: server.url) { ws -> WebSocket in
                    for await _ in ws.messages {}
                    return ws
                }
            }
            _ = await started.next()
            client.cancel()
            #expect(await seen.next()?.code == .goingAway)
            let ws = try await client.value
            #expect(await ws.closeCode == .goingAway)
        }
    }

    @Test("A client that vanishes without a Close leaves 1006 on the server")
    func abruptDisconnect() async throws {
        let seen = Mailbox<Outcome>()
        try await withTestServer(handler: { ws in
            for await _ in ws.messages {}
            seen.post(Outcome(code: ws.closeCode, reason: ws.closeReason))
        }) { server in
            let client = try await WebSocket.connect(to: server.url)
            await client.terminate()
            #expect(await client.closeCode == .abnormalClosure)
            #expect(await seen.next()?.code == .abnormalClosure)
        }
    }
}
