import AsyncWebSocket
import AsyncWebSocketTLS
import TestPKI
import Testing
#if canImport(Glibc)
import Glibc
#endif

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

        @Test("failed TLS connections leave no socket open on either side")
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
                    await attempts()
                    // Only sockets on these two servers' ports count, so suites running in
                    // parallel in this process cannot disturb the census. The server closes its
                    // side of each failed attempt asynchronously and no event says when: poll
                    // (bounded) rather than sleep a fixed time.
                    let ports: Set<Int> = [securePort, plainPort]
                    var open = connectedSockets(on: ports)
                    for _ in 0 ..< 250 where open > 0 {
                        try await Task.sleep(for: .milliseconds(20))
                        open = connectedSockets(on: ports)
                    }
                    #expect(open == 0, "\(open) sockets to or from the test servers are still open")
                }
            }
        }
    }
}

/// This process's connected TCP sockets whose local or peer port is in `ports` (the servers'
/// side and the clients' side of connections to them; listeners excluded), found with
/// getsockname/getpeername on every entry of /proc/self/fd. Linux only; elsewhere 0.
func connectedSockets(on ports: Set<Int>) -> Int {
    #if os(Linux)
    func port(of address: sockaddr_storage) -> Int? {
        var address = address
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
    func query(_ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32, _ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        return result == 0 ? port(of: storage) : nil
    }
    guard let directory = opendir("/proc/self/fd") else { return 0 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        // Read the name in place (copying `d_name` reads past a short record: an ASan report).
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
        }
        guard let fd = Int32(name), let local = query(getsockname, fd) else { continue }
        var listening: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening != 0 { continue }
        if ports.contains(local) || query(getpeername, fd).map(ports.contains) == true { count += 1 }
    }
    return count
    #else
    return 0
    #endif
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
