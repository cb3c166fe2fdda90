import TestPKI
import AsyncWebSocket
import AsyncWebSocketTLS
import Testing

/// Runs an echo server over TLS with `leaf`'s certificate, then `body` with its port.
func withEchoServer<T>(
    _ pki: TestPKI, leaf: String = "server", tls enabled: Bool = true,
    configuration: WebSocketConfiguration = WebSocketConfiguration(), _ body: (Int) async throws -> T
) async throws -> T {
    let server = enabled
        ? try await WebSocketServer.bind(configuration: configuration, tls: TLSServerConfiguration(
            certificateChain: .file(pki.path("\(leaf).pem")), privateKey: .file(pki.path("\(leaf).key"))))
        : try await WebSocketServer.bind(configuration: configuration)
    let running = Task {
        await server.run { ws in
            for await message in ws.messages { try await ws.send(message) }
        }
    }
    do {
        let result = try await body(server.port)
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
        throw error
    }
}

func trustingTestCA(_ pki: TestPKI) -> TLSClientConfiguration {
    var tls = TLSClientConfiguration()
    tls.trustRoots = .certificates(.file(pki.path("ca.pem")))
    return tls
}

extension TLSTests {
    @Suite("wss:// client ↔ server") struct WSSTests {
        @Test("every message size class echoes over wss, ping answers, close is clean",
              arguments: ["localhost", "127.0.0.1"])
        func echo(host: String) async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki) { port in
                let ws = try await WebSocket.connect(to: "wss://\(host):\(port)/", tls: trustingTestCA(pki))
                for size in [0, 1, 125, 126, 65_535, 65_536, 1 << 20] {
                    let binary = Message.binary((0 ..< size).map { UInt8(truncatingIfNeeded: $0 &* 7) })
                    try await ws.send(binary)
                    let text = Message.text(String(repeating: "é", count: size / 2))
                    try await ws.send(text)
                    var iterator = ws.messages.makeAsyncIterator()
                    #expect(await iterator.next() == binary, "binary \(size)")
                    #expect(await iterator.next() == text, "text \(size)")
                }
                _ = try await ws.ping()
                try await ws.close()
                #expect(await ws.closeCode == .normalClosure)
                #expect(await ws.closeError == nil)
            }
        }

        @Test("64 connections × 16 messages over wss at once")
        func concurrent() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki) { port in
                try await withThrowingTaskGroup { group in
                    for client in 0 ..< 64 {
                        group.addTask {
                            try await WebSocket.connect(to: "wss://localhost:\(port)/", tls: trustingTestCA(pki)) { ws in
                                var iterator = ws.messages.makeAsyncIterator()
                                for index in 0 ..< 16 {
                                    let message = Message.binary(Array(repeating: UInt8(index), count: 1024 + client))
                                    try await ws.send(message)
                                    #expect(await iterator.next() == message)
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }

        @Test("ws:// and wss:// from one process on two ports")
        func bothSchemes() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki) { securePort in
                try await withEchoServer(pki, tls: false) { plainPort in
                    for url in ["wss://localhost:\(securePort)/", "ws://127.0.0.1:\(plainPort)/"] {
                        let reply: Message? = try await WebSocket.connect(to: url, tls: trustingTestCA(pki)) { ws in
                            try await ws.send(text: url)
                            for await message in ws.messages { return message }
                            return nil
                        }
                        #expect(reply == .text(url))
                    }
                }
            }
        }

        @Test("plain connect refuses wss:// and names the TLS module")
        func plainConnectRefusesWSS() async throws {
            await #expect {
                _ = try await WebSocket.connect(to: "wss://127.0.0.1:1/")
            } throws: { error in
                (error as? WebSocketError)?.kind == .invalidURL && "\(error)".contains("AsyncWebSocketTLS")
            }
        }
    }
}
