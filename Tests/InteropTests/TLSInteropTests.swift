import AsyncWebSocket
import AsyncWebSocketTLS
import TestPKI
import Testing
import WebSocketCore

/// The test PKI (`Tests/TestPKI`), or `nil` after printing why the TLS interop tests skip.
func interopPKI() -> TestPKI? {
    if TestPKI.shared == nil { print(TestPKI.unavailableReason ?? "no test PKI") }
    return TestPKI.shared
}

extension TestPKI {
    /// Our server's side: `server.pem` (localhost, 127.0.0.1, ::1), signed by `ca.pem`.
    var serverTLS: TLSServerConfiguration {
        TLSServerConfiguration(certificateChain: .file(path("server.pem")), privateKey: .file(path("server.key")))
    }

    /// Our client's side: trust only `ca.pem`, with full verification (the default).
    var clientTLS: TLSClientConfiguration {
        var tls = TLSClientConfiguration()
        tls.trustRoots = .certificates(.file(path("ca.pem")))
        return tls
    }
}

/// Python `websockets` client against our server over TLS. The client verifies our certificate
/// against the test CA (`--cafile`: CERT_REQUIRED and the host name), not with CERT_NONE.
@Suite(
    "Python websockets client → AsyncWebSocket server over wss://",
    .enabled(if: Python.isAvailable, "python3 with websockets >= 13 is not installed: interop tests skipped"),
    .timeLimit(.minutes(1)))
struct ServerTLSInteropTests {
    let log = ServerLog()

    func runClient(_ pki: TestPKI, _ path: String, _ scenario: String, trustCA: Bool = true) async throws -> ClientResult {
        try await withServer(tls: pki.serverTLS, handler: echoHandler(log)) { port in
            try await runPythonClient(
                "wss://127.0.0.1:\(port)\(path)", scenario, arguments: trustCA ? ["--cafile", pki.path("ca.pem")] : [])
        }
    }

    @Test("text and binary echo at every length class, 0 B to 1 MiB, over TLS 1.3")
    func echo() async throws {
        guard let pki = interopPKI() else { return }
        let result = try await runClient(pki, "/echo", "echo")
        #expect(result.ok)
        #expect(result.tlsVersion == "TLSv1.3")
        #expect(result.echoed?.count == 13)
        #expect(result.closeCode == 1000)
        let entry = try #require(log.all.first)
        #expect(entry.received.count == 13)
        #expect(entry.closeCode == 1000)
    }

    @Test("Python's pings (empty, short, 125-byte, random) get their pongs over TLS")
    func pings() async throws {
        guard let pki = interopPKI() else { return }
        let result = try await runClient(pki, "/", "ping")
        #expect(result.ok)
        #expect(result.latencies?.count == 4)
        #expect(result.echoed == ["text/after-pings"])
    }

    @Test("Python closes with 4001 \"bye\" over TLS: we see the code and the reason")
    func pythonCloses() async throws {
        guard let pki = interopPKI() else { return }
        let result = try await runClient(pki, "/", "close_4001")
        #expect(result.ok)
        let entry = try #require(log.all.first)
        #expect(entry.closeCode == 4001)
        #expect(entry.closeReason == "bye")
        #expect(result.closeCode == 4001)
    }

    @Test("our handler closes with 4002 \"server bye\" over TLS: Python sees the code and the reason")
    func serverCloses() async throws {
        guard let pki = interopPKI() else { return }
        let result = try await runClient(pki, "/close-4002", "server_closes")
        #expect(result.ok)
        #expect(result.closeCode == 4002)
        #expect(result.closeReason == "server bye")
        #expect(log.all.first?.closeCode == 4002)
    }

    @Test("without the test CA (system roots only), Python refuses our certificate")
    func untrusted() async throws {
        guard let pki = interopPKI() else { return }
        let result = try await runClient(pki, "/", "untrusted", trustCA: false)
        #expect(result.ok)
        #expect(result.verifyError == "unable to get local issuer certificate", "\(result)")
        #expect(log.all.isEmpty)
    }
}

/// Our client against a Python `websockets` server over TLS (`py_echo_server.py --certfile`),
/// trusting only the test CA.
@Suite(
    "AsyncWebSocket client → Python websockets server over wss://",
    .enabled(if: Python.isAvailable, "python3 with websockets >= 13 is not installed: interop tests skipped"),
    .timeLimit(.minutes(1)))
struct ClientTLSInteropTests {
    @Test("text and binary echo at every length class, 0 B to 1 MiB; the server sees TLS 1.3")
    func echo() async throws {
        guard let pki = interopPKI() else { return }
        try await withPythonServer(tls: pki) { server in
            try await WebSocket.connect(to: server.url("/headers"), tls: pki.clientTLS) { ws in
                let report = try #require(try await headersReport(ws))
                #expect(report.tlsVersion == "TLSv1.3")
                try await expectEchoOfEverySizeClass(ws)
            }
            let closed = try await server.nextClose()
            #expect(closed.code == 1000)
        }
    }

    @Test("the server's ping is answered over TLS, and our ping() returns with its pong")
    func pings() async throws {
        guard let pki = interopPKI() else { return }
        try await withPythonServer(tls: pki) { server in
            try await WebSocket.connect(to: server.url("/ping"), tls: pki.clientTLS) { ws in
                #expect(await receive(ws) == .text("pong received"))
                let latency = try await ws.ping()
                #expect(latency > .zero)
                try await ws.send(text: "after")
                #expect(await receive(ws) == .text("after"))
            }
        }
    }

    @Test("the server closes with 4003 \"py bye\" over TLS: we see the code and the reason")
    func serverCloses() async throws {
        guard let pki = interopPKI() else { return }
        try await withPythonServer(tls: pki) { server in
            try await WebSocket.connect(to: server.url("/close"), tls: pki.clientTLS) { ws in
                try await ws.send(text: "close please")
                #expect(await receive(ws) == nil)
                #expect(ws.closeCode == CloseCode(rawValue: 4003))
                #expect(ws.closeReason == "py bye")
            }
            #expect(try await server.nextClose().code == 4003)
        }
    }

    @Test("we close with 4004 \"swift bye\" over TLS: the server sees the code and the reason")
    func clientCloses() async throws {
        guard let pki = interopPKI() else { return }
        try await withPythonServer(tls: pki) { server in
            try await WebSocket.connect(to: server.url("/echo"), tls: pki.clientTLS) { ws in
                try await ws.close(code: CloseCode(rawValue: 4004), reason: "swift bye")
                #expect(ws.closeCode == CloseCode(rawValue: 4004))
            }
            let closed = try await server.nextClose()
            #expect(closed.path == "/echo")
            #expect(closed.code == 4004)
            #expect(closed.reason == "swift bye")
        }
    }

    @Test("without the test CA (system roots only), connect fails with tlsFailed")
    func untrusted() async throws {
        guard let pki = interopPKI() else { return }
        try await withPythonServer(tls: pki) { server in
            do {
                let ws = try await WebSocket.connect(to: server.url("/echo"), tls: TLSClientConfiguration())
                Issue.record("connect succeeded")
                try await ws.close()
            } catch let error as WebSocketError {
                #expect(error.kind == .tlsFailed, "\(error)")
            }
        }
    }
}
