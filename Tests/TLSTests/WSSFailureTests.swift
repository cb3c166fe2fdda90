import TestPKI
import AsyncWebSocket
import AsyncWebSocketTLS
import Testing

extension TLSTests {
    @Suite("wss:// failures are fast, clear and leak no descriptor") struct WSSFailureTests {
        @Test("certificate failures name the reason", arguments: [
            ("untrusted", "localhost", "unable to get local issuer certificate"),
            ("expired", "localhost", "certificate has expired"),
            ("other-host", "localhost", "hostname mismatch"),
            ("server", "127.0.0.2", "IP address mismatch"),
        ])
        func certificate(leaf: String, host: String, reason: String) async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki, leaf: leaf, configuration: .patient) { port in
                try await expectDetectedNotTimedOut {
                    do {
                        _ = try await WebSocket.connect(
                            to: "wss://\(host == "127.0.0.2" ? "127.0.0.1" : host):\(port)/",
                            tls: {
                                var tls = trustingTestCA(pki)
                                if host == "127.0.0.2" { tls.serverName = host }
                                return tls
                            }(), configuration: .patient)
                        Issue.record("connected")
                    } catch let error as WebSocketError {
                        #expect(error.kind == .tlsFailed, "\(error)")
                        #expect("\(error)".contains(reason), "\(error)")
                    }
                }
            }
        }

        @Test("a plain ws:// client on the TLS port fails fast with a plain-text 400")
        func plainClientToTLSPort() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki, configuration: .patient) { port in
                try await expectDetectedNotTimedOut {
                    // OpenSSL recognises the HTTP request where a ClientHello belongs; the server
                    // answers it in plain text, which is all this client can read.
                    do {
                        _ = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: .patient)
                        Issue.record("connected")
                    } catch let error as WebSocketError {
                        #expect(error.kind == .handshakeFailed, "\(error)")
                        #expect(error.httpStatus == 400, "\(error)")
                    }
                }
            }
        }

        @Test("over maxConnections, a wss:// client reads the 503 through TLS")
        func overCapacity() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            var configuration = WebSocketConfiguration()
            configuration.maxConnections = 1
            try await withEchoServer(pki, configuration: configuration) { port in
                let held = try await WebSocket.connect(to: "wss://localhost:\(port)/", tls: trustingTestCA(pki))
                // The server counts the held connection once its handler runs: an echo proves it.
                try await held.send(text: "hold")
                var iterator = held.messages.makeAsyncIterator()
                #expect(await iterator.next() == .text("hold"))
                do {
                    _ = try await WebSocket.connect(to: "wss://localhost:\(port)/", tls: trustingTestCA(pki))
                    Issue.record("connected over the limit")
                } catch let error as WebSocketError {
                    #expect(error.kind == .handshakeFailed, "\(error)")
                    #expect(error.httpStatus == 503, "\(error)")
                }
                try await held.close()
            }
        }

        @Test("a wss:// client on a plain port fails fast with a TLS error")
        func tlsClientToPlainPort() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki, tls: false, configuration: .patient) { port in
                try await expectDetectedNotTimedOut {
                    do {
                        _ = try await WebSocket.connect(
                            to: "wss://127.0.0.1:\(port)/", tls: trustingTestCA(pki), configuration: .patient)
                        Issue.record("connected")
                    } catch let error as WebSocketError {
                        #expect(error.kind == .tlsFailed, "\(error)")
                    }
                }
            }
        }

        @Test("failed TLS connections leave no descriptor open")
        func noDescriptorLeak() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            try await withEchoServer(pki, leaf: "expired") { securePort in
                try await withEchoServer(pki, tls: false) { plainPort in
                    func attempts() async {
                        for _ in 0 ..< 20 {
                            _ = try? await WebSocket.connect(to: "wss://localhost:\(securePort)/", tls: trustingTestCA(pki))
                            _ = try? await WebSocket.connect(to: "ws://127.0.0.1:\(securePort)/")
                            _ = try? await WebSocket.connect(to: "wss://127.0.0.1:\(plainPort)/", tls: trustingTestCA(pki))
                        }
                    }
                    await attempts() // warm-up: loops, resolver threads
                    // The server closes its side of each failed attempt asynchronously, and no
                    // event says when: poll the count (bounded) rather than sleep a fixed time.
                    let before = try await descriptorCount(until: { previous, now in previous == now })
                    await attempts()
                    let after = try await descriptorCount(until: { _, now in now <= before })
                    #expect(after <= before, "\(before) descriptors before, \(after) after")
                }
            }
        }
    }
}

/// The process's open descriptor count once `done(previous sample, this sample)` holds, sampling
/// every 20 ms for at most 5 s (then the last sample).
func descriptorCount(until done: (Int, Int) -> Bool) async throws -> Int {
    var previous = openDescriptorCount()
    for _ in 0 ..< 250 {
        try await Task.sleep(for: .milliseconds(20))
        let now = openDescriptorCount()
        if done(previous, now) { return now }
        previous = now
    }
    return previous
}

extension WebSocketConfiguration {
    /// Connect and handshake timeouts of 60 s on both sides, for the failure tests.
    static var patient: WebSocketConfiguration {
        var configuration = WebSocketConfiguration()
        configuration.connectTimeout = .seconds(60)
        configuration.handshakeTimeout = .seconds(60)
        return configuration
    }
}

/// Runs `body`, a connection attempt that must fail, under `.patient` timeouts: a failure that
/// waited for a timeout would take 60 s, so ending well inside that shows it was detected. The
/// bound is loose on purpose, so that a loaded machine cannot fail it; the time is no benchmark.
func expectDetectedNotTimedOut(_ body: () async throws -> Void) async throws {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    #expect(elapsed < .seconds(30), "took \(elapsed): it waited for a timeout")
}
