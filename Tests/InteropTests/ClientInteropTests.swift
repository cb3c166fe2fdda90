import AsyncWebSocket
import Foundation
import Testing
import WebSocketCore

/// The payload lengths around each frame-length encoding boundary, and a large one.
let sizeClasses = [0, 125, 126, 65535, 65536, 1 << 20]

/// ASCII text of `size` bytes. Built from the standard library's bulk operations: a debug build
/// of a per-byte loop would take seconds for 16 MiB, on the event loop when called from a handler.
func text(ofSize size: Int) -> String {
    let alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return String(String(repeating: alphabet, count: size / 36 + 1).utf8.prefix(size))!
}

/// `size` bytes of a repeating 0…255 pattern, built by doubling (memcpy) for the same reason.
func bytes(ofSize size: Int) -> [UInt8] {
    var result = (0 ... 255).map { UInt8($0) }
    result.reserveCapacity(max(size, 256))
    while result.count < size { result.append(contentsOf: result) }
    return Array(result.prefix(size))
}

/// The next message on `ws`, or `nil` once it closed.
func receive(_ ws: isolated WebSocket) async -> Message? {
    var iterator = ws.messages.makeAsyncIterator()
    return await iterator.next(isolation: ws)
}

/// Sends text and binary at every length class, then multi-byte text, each echoed intact.
func expectEchoOfEverySizeClass(_ ws: isolated WebSocket) async throws {
    for size in sizeClasses {
        for message in [Message.text(text(ofSize: size)), .binary(bytes(ofSize: size))] {
            try await ws.send(message)
            let echoed = await receive(ws)
            #expect(echoed == message, "\(message.summary) came back as \(echoed?.summary ?? "nothing")")
        }
    }
    let utf8 = String(repeating: "héllo wörld 世界 😀", count: 10)
    try await ws.send(text: utf8)
    #expect(await receive(ws) == .text(utf8))
}

/// AsyncWebSocket's client against a Python `websockets` server (`Peers/py_echo_server.py`).
@Suite(
    "AsyncWebSocket client → Python websockets server",
    .enabled(if: Python.isAvailable, "python3 with websockets >= 13 is not installed: interop tests skipped"),
    .timeLimit(.minutes(1)))
struct ClientInteropTests {
    @Test("text and binary echo at every length class, 0 B to 1 MiB, and 16 MiB binary once")
    func echo() async throws {
        let big = Message.binary(bytes(ofSize: 16 << 20))  // built here, not on the event loop
        try await withPythonServer { server in
            try await WebSocket.connect(to: server.url("/echo")) { ws in
                try await expectEchoOfEverySizeClass(ws)

                try await ws.send(big)
                let echoed = await receive(ws)
                #expect(echoed == big, "16 MiB came back as \(echoed?.summary ?? "nothing")")
            }
            let closed = try await server.nextClose()
            #expect(closed.code == 1000)
        }
    }

    @Test("the server's fragmented messages arrive as one message each, with a Ping between fragments")
    func fragmented() async throws {
        try await withPythonServer { server in
            try await WebSocket.connect(to: server.url("/fragmented")) { ws in
                #expect(await receive(ws) == .text("fragmented é世"))
                #expect(await receive(ws) == .binary([0, 1] + Array(repeating: [2, 3], count: 1000).flatMap { $0 }))
                // The server pings between this message's fragments and waits for our Pong.
                #expect(await receive(ws) == .text("before ping, after pong"))
                try await ws.send(text: "next")
                #expect(await receive(ws) == .text("next"))
            }
        }
    }

    @Test("the server's ping is answered")
    func serverPings() async throws {
        try await withPythonServer { server in
            try await WebSocket.connect(to: server.url("/ping")) { ws in
                #expect(await receive(ws) == .text("pong received"))
            }
        }
    }

    @Test("the server's keepalive pings (every 0.2 s) are answered")
    func serverKeepalive() async throws {
        try await withPythonServer(["--ping-interval", "0.2"]) { server in
            try await WebSocket.connect(to: server.url("/keepalive")) { ws in
                let report = await receive(ws)
                guard case .text(let text) = report else {
                    Issue.record("expected the keepalive report, got \(report?.summary ?? "nothing"), close \(String(describing: ws.closeCode))")
                    return
                }
                #expect(text.hasPrefix("keepalive ok"))
                try await ws.send(text: "still open")
                #expect(await receive(ws) == .text("still open"))
            }
            #expect(try await server.nextClose().code == 1000)
        }
    }

    @Test("our ping() returns when the server's pong arrives")
    func ourPing() async throws {
        try await withPythonServer { server in
            try await WebSocket.connect(to: server.url("/echo")) { ws in
                let first = try await ws.ping()
                let second = try await ws.ping()
                #expect(first > .zero && second > .zero)
                try await ws.send(text: "after")
                #expect(await receive(ws) == .text("after"))
            }
        }
    }

    @Test("the server closes with 4003 \"py bye\": we see the code and the reason")
    func serverCloses() async throws {
        try await withPythonServer { server in
            try await WebSocket.connect(to: server.url("/close")) { ws in
                try await ws.send(text: "close please")
                #expect(await receive(ws) == nil)
                #expect(ws.closeCode == CloseCode(rawValue: 4003))
                #expect(ws.closeReason == "py bye")
            }
            let closed = try await server.nextClose()
            #expect(closed.code == 4003)
        }
    }

    @Test("we close with 4004 \"swift bye\": the server sees the code and the reason")
    func clientCloses() async throws {
        try await withPythonServer { server in
            try await WebSocket.connect(to: server.url("/echo")) { ws in
                try await ws.close(code: CloseCode(rawValue: 4004), reason: "swift bye")
                #expect(ws.closeCode == CloseCode(rawValue: 4004))
            }
            let closed = try await server.nextClose()
            #expect(closed.path == "/echo")
            #expect(closed.code == 4004)
            #expect(closed.reason == "swift bye")
        }
    }

    @Test("subprotocol: we offer chat.v1, the server supports chat.v1; our Origin, headers and query arrive")
    func subprotocol() async throws {
        try await withPythonServer(["--subprotocol", "chat.v1"]) { server in
            try await WebSocket.connect(
                to: server.url("/headers?room=1"), subprotocols: ["chat.v1"], headers: ["X-Test": "yes"],
                origin: "http://example.test"
            ) { ws in
                #expect(ws.subprotocol == "chat.v1")
                let report = try #require(try await headersReport(ws))
                #expect(report.subprotocol == "chat.v1")
                #expect(report.origin == "http://example.test")
                #expect(report.xTest == "yes")
                #expect(report.path == "/headers?room=1")
            }
        }
    }

    @Test("the server rejects with 403: connect throws handshakeFailed with httpStatus 403")
    func rejected() async throws {
        try await withPythonServer { server in
            do {
                let ws = try await WebSocket.connect(to: server.url("/reject"))
                Issue.record("connect succeeded")
                try await ws.close()
            } catch let error as WebSocketError {
                #expect(error.kind == .handshakeFailed)
                #expect(error.httpStatus == 403)
            }
        }
    }

    @Test("with the server's default compression on, we offer deflate by default and it accepts")
    func serverCompressionOn() async throws {
        try await withPythonServer(["--compression", "deflate"]) { server in
            try await WebSocket.connect(to: server.url("/headers")) { ws in
                #expect(ws.response.headers["Sec-WebSocket-Extensions"]?.hasPrefix("permessage-deflate") == true)
                let report = try #require(try await headersReport(ws))
                #expect(report.requestExtensions == "permessage-deflate; client_max_window_bits")
                #expect(report.responseExtensions?.hasPrefix("permessage-deflate") == true)
                for size in [0, 126, 65536] {
                    try await ws.send(text: text(ofSize: size))
                    #expect(await receive(ws) == .text(text(ofSize: size)))
                }
            }
        }
    }
}

/// The JSON `/headers` sends first.
struct HeadersReport: Decodable {
    var requestExtensions: String?
    var responseExtensions: String?
    var subprotocol: String?
    var origin: String?
    var xTest: String?
    var path: String?
    /// The TLS version the server negotiated, or `nil` over plain TCP.
    var tlsVersion: String?
}

func headersReport(_ ws: isolated WebSocket) async throws -> HeadersReport? {
    guard case .text(let json) = await receive(ws) else { return nil }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(HeadersReport.self, from: Data(json.utf8))
}
