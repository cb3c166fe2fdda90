// The chat example: `swift run chat-server [PORT]`, then open the printed address in a browser
// or connect with `swift run wscat --connect ws://127.0.0.1:PORT/chat`.
import AsyncWebSocket
import ChatExample
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
let server = try await WebSocketServer.bind(host: "127.0.0.1", port: port)
print("""
    chat server running (Ctrl-C to stop)
      browser:  http://127.0.0.1:\(server.port)/
      terminal: swift run wscat --connect ws://127.0.0.1:\(server.port)/chat
    """)
fflush(nil)   // show the addresses at once even when output is a pipe or a file
await ChatRoom().run(on: server)
