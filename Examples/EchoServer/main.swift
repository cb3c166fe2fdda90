// The echo example: `swift run echo-server [PORT]` answers every message with itself.
import AsyncWebSocket

// snippet: echo-server
let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
let server = try await WebSocketServer.bind(host: "127.0.0.1", port: port)
print("echo server on ws://127.0.0.1:\(server.port)/")
print("try: swift run wscat --connect ws://127.0.0.1:\(server.port)/")
await server.run { ws in
    for await message in ws.messages {
        try await ws.send(message)   // text back as text, binary as binary
    }
}
// end-snippet
