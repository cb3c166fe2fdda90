import AsyncWebSocket
import Testing
import WebSocketCore

@Suite("Client guide samples")
struct ClientGuideSamples {
    @Test("options and errors")
    func options() async throws {
        try await withTestServer(upgrade: { request in
            #expect(request.headers["Authorization"] == "Bearer secret")
            #expect(request.origin == "https://example.com")
            return .accept(subprotocol: request.subprotocols.first)
        }) { ws in
            for await message in ws.messages { try await ws.send(message) }
        } body: { server in
            let url = server.url
            // snippet: client-options
            var configuration = WebSocketConfiguration()
            configuration.connectTimeout = .seconds(3)
            let ws = try await WebSocket.connect(
                to: url, configuration: configuration,
                subprotocols: ["chat.v2", "chat.v1"],          // most preferred first
                headers: ["Authorization": "Bearer secret"],
                origin: "https://example.com")
            print("subprotocol:", ws.subprotocol ?? "none")
            try await ws.send(text: "hello")
            try await ws.close()                               // 1000, waits for the server's reply
            // end-snippet
            #expect(await ws.closeCode == .normalClosure)
        }
    }

    @Test("connection errors")
    func errors() async {
        let url = "ws://127.0.0.1:1/"
        // snippet: client-errors
        do {
            try await WebSocket.connect(to: url) { ws in try await ws.send(text: "hi") }
        } catch let error as WebSocketError where error.kind == .handshakeFailed {
            print("the server said no:", error.httpStatus ?? 0, error.detail)
        } catch let error as WebSocketError where error.kind == .connectFailed {
            print("nobody there:", error.detail)           // refused, unreachable, unknown host
        } catch {
            print(error)                                    // .invalidURL, .timedOut, …
        }
        // end-snippet
    }
}
