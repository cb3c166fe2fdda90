// The client example: `swift run chat-client [URL] [MESSAGE…]` connects (by default to the chat
// example on ws://127.0.0.1:8080/chat), sends each message, prints what comes back, and closes
// once every message it sent has come back (the chat and echo servers both send it back).
import AsyncWebSocket
import WebSocketCore

var arguments = Array(CommandLine.arguments.dropFirst())
let url = arguments.first?.contains("://") == true ? arguments.removeFirst() : "ws://127.0.0.1:8080/chat"
let messages = arguments.isEmpty ? ["hello"] : arguments

// snippet: chat-client
try await WebSocket.connect(to: url) { ws in
    for text in messages { try await ws.send(text: text) }
    var waitingFor = messages
    for await message in ws.messages {
        switch message {
        case .text(let text):
            print("<", text)
            if let index = waitingFor.firstIndex(where: { text.hasSuffix($0) }) { waitingFor.remove(at: index) }
        case .binary(let bytes):
            print("< binary,", bytes.count, "bytes")
        }
        if waitingFor.isEmpty { break }
    }
}   // leaving the closure closes the connection with 1000
// end-snippet
print("closed")
