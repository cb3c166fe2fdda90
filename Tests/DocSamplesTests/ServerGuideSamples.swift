import AsyncWebSocket
import Testing
import WebSocketCore

@Suite("Server guide samples")
struct ServerGuideSamples {
    @Test("upgrade hook, HTTP fallback and shutdown")
    func routing() async throws {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        let running = Task {
            // snippet: server-run
            await server.run(
                upgrade: { request in
                    // Runs before the 101: check the path, the origin, a token…
                    guard request.path == "/chat" else { return .reject(status: 404) }
                    let chosen = request.subprotocols.first { $0 == "chat.v1" }
                    return .accept(subprotocol: chosen, headers: ["X-Server": "example"])
                },
                http: { request in
                    // Plain HTTP requests (not upgrades): a page, a health check…
                    switch request.path {
                    case "/": .html("<h1>chat</h1><script>new WebSocket('ws://' + location.host + '/chat')</script>")
                    case "/health": .text("ok\n")
                    default: .notFound
                    }
                },
                handler: { ws in
                    try await ws.send(text: "welcome, you speak \(ws.subprotocol ?? "no subprotocol")")
                    for await message in ws.messages {
                        try await ws.send(message)
                    }
                })
            // end-snippet
        }
        let url = "ws://127.0.0.1:\(server.port)/chat"
        let welcome: Message? = try await WebSocket.connect(to: url, subprotocols: ["chat.v1"]) { ws in
            #expect(ws.response.headers["X-Server"] == "example")
            for await message in ws.messages { return message }
            return nil
        }
        #expect(welcome == .text("welcome, you speak chat.v1"))
        await #expect(throws: WebSocketError.self) { try await WebSocket.connect(to: "ws://127.0.0.1:\(server.port)/other") }

        // snippet: server-shutdown
        // Stop accepting, send 1001 to every client, give handlers 5 s, then cancel them.
        await server.shutdown(gracePeriod: .seconds(5))
        // end-snippet
        await running.value
    }

    @Test("a handler that serves one client and works with others")
    func broadcast() async throws {
        // snippet: server-broadcast
        actor Room {
            var members: [ObjectIdentifier: WebSocket] = [:]
            func join(_ ws: WebSocket) { members[ObjectIdentifier(ws)] = ws }
            func leave(_ ws: WebSocket) { members[ObjectIdentifier(ws)] = nil }
            func broadcast(_ message: Message) async {
                for member in members.values { try? await member.send(message) }
            }
        }

        let room = Room()
        let handler: WebSocketServer.Handler = { ws in
            await room.join(ws)
            for await message in ws.messages { await room.broadcast(message) }
            await room.leave(ws)
        }
        // end-snippet
        try await withTestServer(handler: handler) { server in
            let reply: Message? = try await WebSocket.connect(to: server.url) { ws in
                try await ws.send(text: "hi all")
                for await message in ws.messages { return message }
                return nil
            }
            #expect(reply == .text("hi all"))
        }
    }
}
