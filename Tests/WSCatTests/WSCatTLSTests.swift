import AsyncWebSocket
import AsyncWebSocketTLS
import Foundation
import TestPKI
import Testing
import WebSocketCore
@testable import WSCatCore

/// Runs an echo server speaking `wss://` on 127.0.0.1 with `leaf`'s certificate for the length of
/// `body`, which gets its port.
func withWSSEchoServer<Result>(
    _ pki: TestPKI, leaf: String = "server", isolation: isolated (any Actor)? = #isolation,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    let server = try await WebSocketServer.bind(tls: TLSServerConfiguration(
        certificateChain: .file(pki.path("\(leaf).pem")), privateKey: .file(pki.path("\(leaf).key"))))
    let running = Task {
        await server.run { ws in
            for await message in ws.messages { try await ws.send(message) }
        }
    }
    let result: Swift.Result<Result, any Error>
    do {
        result = .success(try await body(server.port))
    } catch {
        result = .failure(error)
    }
    await server.shutdown(gracePeriod: .seconds(1))
    await running.value
    return try result.get()
}

/// `wscat` with `--ca`, `--cert`/`--key` and `--insecure`, against the throwaway PKI (skipped
/// without the openssl CLI).
@Suite("wscat over TLS (wss://)", .timeLimit(.minutes(1)))
struct WSCatTLSTests {
    @Test("--connect wss:// with --ca: typed lines go out and replies come back over TLS")
    func connectWithCA() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        try await withWSSEchoServer(pki) { port in
            let url = "wss://localhost:\(port)/"
            let run = WSCatRun(["--connect", url, "--ca", pki.path("ca.pem")])
            await run.output.line(containing: "connected to \(url)")
            run.type("over TLS")
            await run.output.line(containing: "< over TLS")
            run.endInput()
            #expect(await run.status == 0)
            #expect(run.output.lines.last == "disconnected (code 1000)")
            #expect(run.output.standardError.isEmpty)
        }
    }

    @Test("--ca also takes a hashed CA directory (openssl rehash)")
    func caDirectory() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let directory = pki.path("ca-directory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: pki.path("ca.pem"), toPath: directory + "/ca.pem")
        let rehash = Process()
        rehash.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        rehash.arguments = ["openssl", "rehash", directory]
        try rehash.run()
        rehash.waitUntilExit()
        guard rehash.terminationStatus == 0 else { print("openssl rehash failed: skipped"); return }
        try await withWSSEchoServer(pki) { port in
            let run = WSCatRun(["-c", "wss://127.0.0.1:\(port)/", "--ca", directory])
            run.type("via a directory")
            await run.output.line(containing: "< via a directory")
            run.endInput()
            #expect(await run.status == 0)
        }
    }

    @Test("--insecure connects despite an untrusted certificate and warns on standard error")
    func insecure() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        try await withWSSEchoServer(pki, leaf: "untrusted") { port in
            let run = WSCatRun(["-c", "wss://127.0.0.1:\(port)/", "--insecure"])
            await run.output.line(containing: "connected to")
            #expect(run.output.standardError.contains("wscat: WARNING: --insecure"))
            run.type("unverified")
            await run.output.line(containing: "< unverified")
            run.endInput()
            #expect(await run.status == 0)
        }
    }

    @Test("certificate failures print OpenSSL's reason and exit 1", arguments: [
        // Signed by our test CA, but without --ca only the system store is trusted.
        ("server", false, "unable to get local issuer certificate"),
        ("untrusted", true, "unable to get local issuer certificate"),
        ("expired", true, "certificate has expired"),
        ("other-host", true, "hostname mismatch"),
    ])
    func certificateFailure(leaf: String, trustTestCA: Bool, reason: String) async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        try await withWSSEchoServer(pki, leaf: leaf) { port in
            let url = "wss://localhost:\(port)/"
            let run = WSCatRun(["-c", url] + (trustTestCA ? ["--ca", pki.path("ca.pem")] : []))
            #expect(await run.status == 1)
            let error = run.output.standardError
            #expect(error.hasPrefix("wscat: cannot connect to \(url): "), "\(error)")
            #expect(error.contains(reason), "\(error)")
            // How to get past an unknown issuer is suggested only when --ca could help.
            #expect(error.contains("give --ca FILE") == !trustTestCA, "\(error)")
            #expect(!run.output.standardOutput.contains("connected to"))
        }
    }

    @Test(
        "the wscat process exits 1 with the reason for an untrusted certificate",
        .enabled(if: wscatExecutable != nil, "no wscat binary next to the test bundle: skipped"))
    func untrustedProcess() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        try await withWSSEchoServer(pki) { port in
            let wscat = try WSCatProcess(["--connect", "wss://localhost:\(port)/"], terminal: false)
            defer { wscat.stop() }
            #expect(await wscat.exitStatus == 1)
            let line = await wscat.output.line(containing: "wscat: ")
            #expect(line.contains("TLS certificate verification failed: unable to get local issuer certificate"), "\(line)")
        }
    }

    @Test(
        "wscat --listen --cert --key serves wss:// to our client and to wscat --connect --ca",
        .enabled(if: wscatExecutable != nil, "no wscat binary next to the test bundle: skipped"))
    func listenProcess() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let server = try WSCatProcess(
            ["--listen", "0", "--cert", pki.path("server.pem"), "--key", pki.path("server.key"), "--echo"],
            terminal: false)
        defer { server.stop() }
        let port = try await server.output.listeningPort(scheme: "wss")

        var tls = TLSClientConfiguration()
        tls.trustRoots = .certificates(.file(pki.path("ca.pem")))
        let reply: Message? = try await WebSocket.connect(to: "wss://localhost:\(port)/", tls: tls) { ws in
            try await ws.send(text: "from the library")
            for await message in ws.messages { return message }
            return nil
        }
        #expect(reply == .text("from the library"))

        let client = WSCatRun(["-c", "wss://127.0.0.1:\(port)/", "--ca", pki.path("ca.pem")])
        client.type("from wscat")
        await client.output.line(containing: "< from wscat")
        client.endInput()
        #expect(await client.status == 0)

        server.process.interrupt()   // Ctrl-C
        #expect(await server.exitStatus == 0)
    }

    @Test("--listen --ca requires a client certificate: --cert/--key get in, a client without one does not")
    func clientCertificate() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let ca = pki.path("ca.pem")
        let server = WSCatRun(
            ["--listen", "0", "--cert", pki.path("server.pem"), "--key", pki.path("server.key"), "--ca", ca])
        let port = try await server.listeningPort(scheme: "wss")
        #expect(server.output.lines.first?.contains("(client certificates required)") == true)
        let url = "wss://localhost:\(port)/"

        let refused = WSCatRun(["-c", url, "--ca", ca])
        #expect(await refused.status == 1)
        #expect(refused.output.standardError.hasPrefix("wscat: "), "\(refused.output.standardError)")

        let client = WSCatRun(["-c", url, "--ca", ca, "--cert", pki.path("client.pem"), "--key", pki.path("client.key")])
        await server.output.line(containing: "[1] connected from")   // the refused client never got a number
        client.type("signed")
        await server.output.line(containing: "< [1] signed")
        server.type("welcome")
        await client.output.line(containing: "< welcome")
        client.endInput()
        #expect(await client.status == 0)
        await server.output.line(containing: "[1] disconnected (code 1000)")
        server.interrupt()
        #expect(await server.status == 0)
    }

    @Test("--listen with a --cert file that does not exist names it and exits 1")
    func missingCertificate() async {
        let run = WSCatRun(["--listen", "0", "--cert", "/nonexistent/server.pem", "--key", "/nonexistent/server.key"])
        #expect(await run.status == 1)
        let error = run.output.standardError
        #expect(error.hasPrefix("wscat: cannot serve wss:// with --cert /nonexistent/server.pem"), "\(error)")
        #expect(!run.output.standardOutput.contains("listening"))
    }
}
