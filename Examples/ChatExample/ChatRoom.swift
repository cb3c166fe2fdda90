public import AsyncWebSocket
import WebSocketCore

/// The chat example: a room that relays every message to everyone, and the page that talks to it.
///
/// `GET /` returns ``ChatPage/html``; the page opens a WebSocket to `/chat` on the same server.
/// Text messages are relayed as `name: text` to every member (the sender too), binary messages
/// are relayed unchanged, and `/quit` makes the server close that connection with 4000 "bye".
///
/// ```swift
/// let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 8080)
/// try await ChatRoom().run(on: server)
/// ```
public actor ChatRoom {
    private var members: [Int: WebSocket] = [:]
    private var nextNumber = 1

    /// Creates an empty room.
    public init() {}

    /// Serves the page and the room on `server` until it shuts down.
    public nonisolated func run(on server: WebSocketServer) async {
        await server.run(
            upgrade: { request in
                request.path == "/chat" ? .accept() : .reject(status: 404, body: "the chat is at /chat\n")
            },
            http: { request in
                request.path == "/" ? .html(ChatPage.html) : .notFound
            },
            handler: { ws in
                await self.serve(ws)
            })
    }

    /// One member, from joining to leaving.
    func serve(_ ws: isolated WebSocket) async {
        let name = await join(ws)
        for await message in ws.messages {
            switch message {
            case .text("/quit"):
                try? await ws.close(code: CloseCode(rawValue: 4000), reason: "bye")
            case .text(let text):
                await broadcast(.text("\(name): \(text)"))
            case .binary:
                await broadcast(message)
            }
        }
        await leave(name, ws)
    }

    private func join(_ ws: WebSocket) async -> String {
        let number = nextNumber
        nextNumber += 1
        members[number] = ws
        let name = "guest-\(number)"
        await broadcast(.text("\(name) joined"))
        return name
    }

    private func leave(_ name: String, _ ws: WebSocket) async {
        members = members.filter { $0.value !== ws }
        await broadcast(.text("\(name) left"))
    }

    /// Sends `message` to every member, in the order they joined.
    private func broadcast(_ message: Message) async {
        for (_, member) in members.sorted(by: { $0.key < $1.key }) {
            try? await member.send(message)
        }
    }
}
