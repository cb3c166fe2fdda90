import Testing
import AsyncWebSocket
import WebSocketCore
import WebSocketIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The opening handshake between our client and our server: negotiation, rejection, failures.
@Suite("Loopback handshake", .timeLimit(.minutes(2)))
struct LoopbackHandshakeTests {
    @Test("The upgrade hook picks a subprotocol and both sides report it")
    func subprotocolIsNegotiated() async throws {
        let serverSide = Mailbox<String?>()
        try await withTestServer(upgrade: { request in
            .accept(subprotocol: request.subprotocols.contains("a") ? "a" : nil)
        }, handler: { ws in
            serverSide.post(ws.subprotocol)
        }) { server in
            let clientSide = try await WebSocket.connect(to: server.url, subprotocols: ["b", "a"]) { ws in
                ws.subprotocol
            }
            #expect(clientSide == "a")
            #expect(await serverSide.next() == "a")
        }
    }

    @Test("The hook sees the path, query and headers of the request")
    func hookSeesRequest() async throws {
        let seen = Mailbox<[String?]>()
        try await withTestServer(upgrade: { request in
            seen.post([request.path, request.query, request.headers["X-Token"], request.origin])
            return .accept(headers: ["X-Server": "yes"])
        }, handler: { _ in }) { server in
            let header = try await WebSocket.connect(
                to: server.url(path: "/chat?room=1"), headers: ["X-Token": "t0k"], origin: "http://example.com"
            ) { ws in ws.response.headers["X-Server"] }
            #expect(header == "yes")
            #expect(await seen.next() == ["/chat", "room=1", "t0k", "http://example.com"])
        }
    }

    @Test("A rejected upgrade fails connect with handshakeFailed and the status")
    func rejectionCarriesStatus() async throws {
        try await withTestServer(upgrade: { _ in .reject(status: 403, body: "go away") }, handler: { _ in
            Issue.record("a rejected connection ran the handler")
        }) { server in
            do {
                _ = try await WebSocket.connect(to: server.url)
                Issue.record("connect succeeded")
            } catch let error as WebSocketError {
                #expect(error.kind == .handshakeFailed)
                #expect(error.httpStatus == 403)
            }
        }
    }

    @Test("A plain HTTP GET is answered with 426 Upgrade Required")
    func plainHTTPGets426() async throws {
        try await withTestServer(handler: { _ in Issue.record("a plain GET ran the handler") }) { server in
            let client = try await RawClient.open(port: server.port)
            try await client.send(Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            let (head, _) = try await client.readHead()
            #expect(head.status == 426)
            #expect(head.headers["Sec-WebSocket-Version"] == "13")
            _ = try await client.readToEnd()   // then the server closes the connection
            await client.close()
        }
    }

    @Test("The http: fallback answers plain requests: status, headers, body, then close; HEAD gets no body")
    func httpFallback() async throws {
        let http: WebSocketServer.HTTPHandler = { request in
            request.path == "/" ? .html("<p>hi</p>") : .notFound
        }
        try await withTestServer(http: http, handler: { ws in try await ws.send(text: "upgraded") }) { server in
            for (request, status, body) in [("GET / HTTP/1.1", 200, "<p>hi</p>"), ("GET /nope HTTP/1.1", 404, "Not Found\n"),
                                            ("HEAD / HTTP/1.1", 200, "")] {
                let client = try await RawClient.open(port: server.port)
                try await client.send(Array("\(request)\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                let (head, rest) = try await client.readHead()
                #expect(head.status == status, "\(request)")
                #expect(head.headers["Connection"] == "close")
                if status == 200 {
                    #expect(head.headers["Content-Type"] == "text/html; charset=utf-8")
                    #expect(head.headers["Content-Length"] == "9")
                }
                let received = rest + (try await client.readToEnd())   // then the server closes
                #expect(String(decoding: received, as: UTF8.self) == body, "\(request)")
                await client.close()
            }
            // Upgrades still reach the handler.
            let greeting: Message? = try await WebSocket.connect(to: server.url) { ws in
                for await message in ws.messages { return message }
                return nil
            }
            #expect(greeting == .text("upgraded"))
        }
    }

    @Test("A bad upgrade request is answered with 400 and never reaches the handler")
    func badUpgradeGets400() async throws {
        try await withTestServer(handler: { _ in Issue.record("a bad upgrade ran the handler") }) { server in
            let client = try await RawClient.open(port: server.port)
            let request = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not-base64\r\n\r\n"
            try await client.send(Array(request.utf8))
            let (head, _) = try await client.readHead()
            #expect(head.status == 400)
            await client.close()
        }
    }

    @Test("Connecting to a port nobody listens on fails with connectFailed")
    func closedPortFails() async throws {
        // A socket bound to a port but not listening: connecting there is refused, and
        // while we hold it no other test's server can be given the same port.
        let (descriptor, port) = try #require(boundButNotListening())
        defer { close(descriptor) }
        do {
            _ = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/")
            Issue.record("connect succeeded")
        } catch let error as WebSocketError {
            #expect(error.kind == .connectFailed)
        }
    }

    @Test("An invalid URL fails with invalidURL", arguments: [
        "http://127.0.0.1/", "ws://", "ws://127.0.0.1:0/", "ws://127.0.0.1:70000/", "ws://host/#fragment",
        "ws://user@host/", "ws://[::1/", "127.0.0.1:80", "wss://127.0.0.1/",
    ])
    func invalidURLFails(url: String) async throws {
        do {
            _ = try await WebSocket.connect(to: url)
            Issue.record("connect succeeded")
        } catch let error as WebSocketError {
            #expect(error.kind == .invalidURL)
        }
    }
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks, not listening; returns the
/// descriptor and the port.
func boundButNotListening() -> (Int32, Int)? {
    #if os(Linux)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
        }
    }
    guard ok else {
        close(descriptor)
        return nil
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
