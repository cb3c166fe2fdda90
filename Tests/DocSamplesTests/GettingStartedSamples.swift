import AsyncWebSocket
import Testing
import WebSocketCore

// The README's and Getting started's server and client, run against each other.
@Suite("Getting started samples")
struct GettingStartedSamples {
    func runServer(port: Int, ready: @Sendable (WebSocketServer) -> Void) async throws {
        // snippet: readme-server
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: port)
        ready(server)   // in a program: print("listening on", server.localAddress)
        await server.run { ws in
            for await message in ws.messages {
                try await ws.send(message)   // echo
            }
        }
        // end-snippet
    }

    func client(url: String) async throws {
        // snippet: readme-client
        try await WebSocket.connect(to: url) { ws in
            try await ws.send(text: "hello")
            for await message in ws.messages {
                print("received", message)   // text("hello")
                break
            }
        }   // leaving the closure closes the connection with 1000
        // end-snippet
    }

    @Test("the README server and client talk to each other")
    func readme() async throws {
        let (servers, continuation) = AsyncStream<WebSocketServer>.makeStream()
        let running = Task { try await runServer(port: 0) { continuation.yield($0) } }
        var iterator = servers.makeAsyncIterator()
        let server = try #require(await iterator.next())
        try await client(url: "ws://127.0.0.1:\(server.port)/")
        await server.shutdown(gracePeriod: .zero)
        try await running.value
    }

    @Test("the core can be driven without I/O")
    func core() throws {
        let (client, server) = (Connection(role: .client, maskingKeys: SystemRandomNumberGenerator()), Connection(role: .server))
        var clientSide = client
        try clientSide.send(.text("hi"))
        let reply = echoWithCore(clientSide.takeOutput(), connection: server)
        clientSide.receive(reply)
        #expect(clientSide.nextEvent() == .message(.text("hi")))
    }

    func echoWithCore(_ bytesFromYourSocket: [UInt8], connection start: Connection) -> [UInt8] {
        var connection = start
        // snippet: readme-core
        connection.receive(bytesFromYourSocket)
        while let event = connection.nextEvent() {
            if case .message(let message) = event { try? connection.send(message) }   // echo
        }
        let bytesForYourSocket = connection.takeOutput()
        // end-snippet
        return bytesForYourSocket
    }
}
