import AsyncWebSocket
import AsyncWebSocketTLS
import Synchronization
import Testing
import WebSocketCore

/// What the in-process server saw on each connection, appended when its handler ends.
final class ServerLog: Sendable {
    struct Entry: Sendable {
        var path: String
        /// "text/<bytes>" or "binary/<bytes>" for each message received, in order.
        var received: [String]
        var closeCode: UInt16?
        var closeReason: String
        var subprotocol: String?
        /// The `Sec-WebSocket-Extensions` header the client sent.
        var offeredExtensions: String?
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func record(_ ws: isolated WebSocket, received: [String]) {
        let entry = Entry(
            path: ws.request.path, received: received, closeCode: ws.closeCode?.rawValue,
            closeReason: ws.closeReason, subprotocol: ws.subprotocol,
            offeredExtensions: ws.request.headers["Sec-WebSocket-Extensions"])
        entries.withLock { $0.append(entry) }
    }
}

extension Message {
    var summary: String {
        switch self {
        case .text(let text): "text/\(text.utf8.count)"
        case .binary(let bytes): "binary/\(bytes.count)"
        }
    }
}

/// A handler that echoes every message, and on `/close-4002` closes after the first one.
func echoHandler(_ log: ServerLog) -> WebSocketServer.Handler {
    { ws in
        var received: [String] = []
        for await message in ws.messages {
            received.append(message.summary)
            if ws.request.path == "/close-4002" {
                try await ws.close(code: CloseCode(rawValue: 4002), reason: "server bye")
            } else {
                try await ws.send(message)
            }
        }
        log.record(ws, received: received)
    }
}

/// Runs an in-process server on 127.0.0.1 with an OS-chosen port for the duration of `body`,
/// then shuts it down (which waits for every handler to end, so `log` is complete afterwards).
/// With `tls` it serves `wss://`.
func withServer<R>(
    upgrade: WebSocketServer.UpgradeHook? = nil, configuration: WebSocketConfiguration = WebSocketConfiguration(),
    tls: TLSServerConfiguration? = nil, handler: @escaping WebSocketServer.Handler, _ body: (Int) async throws -> R
) async throws -> R {
    let server = if let tls {
        try await WebSocketServer.bind(host: "127.0.0.1", port: 0, configuration: configuration, tls: tls)
    } else {
        try await WebSocketServer.bind(host: "127.0.0.1", port: 0, configuration: configuration)
    }
    let running = Task { await server.run(upgrade: upgrade, handler: handler) }
    let result: Result<R, any Error>
    do {
        result = .success(try await body(server.port))
    } catch {
        result = .failure(error)
    }
    await server.shutdown(gracePeriod: .seconds(2))
    await running.value
    return try result.get()
}

/// Python `websockets` client against our server.
@Suite(
    "Python websockets client → AsyncWebSocket server",
    .enabled(if: Python.isAvailable, "python3 with websockets >= 13 is not installed: interop tests skipped"),
    .timeLimit(.minutes(1)))
struct ServerInteropTests {
    let log = ServerLog()

    @Test("text and binary echo at every length class, 0 B to 1 MiB; deflate offered and declined")
    func echo() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/echo", "echo")
        }
        #expect(result.ok)
        #expect(result.echoed?.count == 13)
        // websockets offers permessage-deflate by default; we must not accept it.
        #expect(result.responseExtensions == nil)
        #expect(result.closeCode == 1000)
        let entry = try #require(log.all.first)
        #expect(entry.offeredExtensions?.contains("permessage-deflate") == true)
        #expect(entry.received.count == 13)
        #expect(entry.closeCode == 1000)
    }

    @Test("a 16 MiB binary message echoes")
    func echo16MiB() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "echo_16mib")
        }
        #expect(result.ok)
        #expect(result.echoed == ["binary/16MiB"])
        #expect(log.all.first?.received == ["binary/\(16 << 20)"])
    }

    @Test("fragmented sends (a list, an async iterator, a Ping between fragments) arrive as one message each")
    func fragmented() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "fragmented")
        }
        #expect(result.ok)
        #expect(result.text == "fragmented é世")
        #expect(result.binaryOk == true)
        #expect(result.asyncOk == true)
        #expect(result.interleavedOk == true)
        #expect((result.midMessageLatency ?? 0) > 0)
        #expect(
            log.all.first?.received
                == ["text/\("fragmented é世".utf8.count)", "binary/80002", "text/70201", "binary/11", "text/5"])
    }

    @Test("Python's pings (empty, short, 125-byte, random) get their pongs")
    func pings() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "ping")
        }
        #expect(result.ok)
        #expect(result.latencies?.count == 4)
        #expect(result.echoed == ["text/after-pings"])
    }

    @Test("Python's keepalive pings (every 0.2 s) are answered and keep the connection open")
    func keepalive() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "keepalive")
        }
        #expect(result.ok, "server saw \(log.all)")
        #expect((result.latency ?? 0) > 0)
        #expect(result.closeCode == 1000)
    }

    @Test("Python closes with 4001 \"bye\": we see the code and the reason")
    func pythonCloses() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "close_4001")
        }
        #expect(result.ok)
        let entry = try #require(log.all.first)
        #expect(entry.closeCode == 4001)
        #expect(entry.closeReason == "bye")
        // We echo the code back in our Close frame.
        #expect(result.closeCode == 4001)
    }

    @Test("our handler closes with 4002 \"server bye\": Python sees the code and the reason")
    func serverCloses() async throws {
        let result = try await withServer(handler: echoHandler(log)) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/close-4002", "server_closes")
        }
        #expect(result.ok)
        #expect(result.closeCode == 4002)
        #expect(result.closeReason == "server bye")
        #expect(log.all.first?.closeCode == 4002)
    }

    @Test("subprotocol: Python offers chat.v2, chat.v1; the hook picks chat.v1")
    func subprotocol() async throws {
        let offered = Mutex<[String]>([])
        let result = try await withServer(
            upgrade: { request in
                offered.withLock { $0 = request.subprotocols }
                return .accept(subprotocol: request.subprotocols.first(where: { $0 == "chat.v1" }))
            },
            handler: echoHandler(log)
        ) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "subprotocol")
        }
        #expect(result.ok)
        #expect(result.subprotocol == "chat.v1")
        #expect(offered.withLock { $0 } == ["chat.v2", "chat.v1"])
        #expect(log.all.first?.subprotocol == "chat.v1")
    }

    @Test("the upgrade hook rejects with 403: Python raises InvalidStatus 403")
    func rejected() async throws {
        let result = try await withServer(
            upgrade: { _ in .reject(status: 403, body: "go away\n") },
            handler: echoHandler(log)
        ) { port in
            try await runPythonClient("ws://127.0.0.1:\(port)/", "rejected")
        }
        #expect(result.ok)
        #expect(result.status == 403)
        #expect(log.all.isEmpty)
    }
}
