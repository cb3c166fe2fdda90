import AsyncWebSocket
import AsyncWebSocketTLS
import Foundation
import TestPKI
import Testing

/// The samples of docs/tls.md, run against the throwaway CA of the `TestPKI` support target.
@Suite("TLS guide samples")
struct TLSGuideSamples {
    @Test("a wss server on one port and a ws server on another; clients verify against the CA")
    func serverAndClient() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let (certificatePath, keyPath, caPath) = (pki.path("server.pem"), pki.path("server.key"), pki.path("ca.pem"))
        let (httpsPort, httpPort) = (0, 0)   // the guide's readers pick theirs
        let echo: WebSocketServer.Handler = { ws in
            for await message in ws.messages { try await ws.send(message) }
        }
        // snippet: tls-server
        let tls = TLSServerConfiguration(certificateChain: .file(certificatePath), privateKey: .file(keyPath))
        let secure = try await WebSocketServer.bind(host: "127.0.0.1", port: httpsPort, tls: tls)
        let plain = try await WebSocketServer.bind(host: "127.0.0.1", port: httpPort)
        let servers = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await secure.run(handler: echo) }   // wss://
                group.addTask { await plain.run(handler: echo) }    // ws://
            }
        }
        // end-snippet
        let port = secure.port
        // snippet: tls-client
        var configuration = TLSClientConfiguration()          // system trust store, SNI, host name check
        configuration.trustRoots = .certificates(.file(caPath)) // trust a private CA instead
        let reply = try await WebSocket.connect(to: "wss://localhost:\(port)/", tls: configuration) { ws -> Message? in
            try await ws.send(text: "hello over TLS")
            for await message in ws.messages { return message }
            return nil
        }
        // end-snippet
        #expect(reply == .text("hello over TLS"))
        let plainReply = try await WebSocket.connect(to: "ws://127.0.0.1:\(plain.port)/") { ws -> Message? in
            try await ws.send(text: "hello")
            for await message in ws.messages { return message }
            return nil
        }
        #expect(plainReply == .text("hello"))
        await secure.shutdown(gracePeriod: .seconds(1))
        await plain.shutdown(gracePeriod: .seconds(1))
        await servers.value
    }

    @Test("mutual TLS: the server requires a client certificate signed by its CA")
    func clientCertificates() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let (certificatePath, keyPath, caPath) = (pki.path("server.pem"), pki.path("server.key"), pki.path("ca.pem"))
        let (clientCertificatePath, clientKeyPath) = (pki.path("client.pem"), pki.path("client.key"))
        // snippet: tls-mutual-server
        let tls = TLSServerConfiguration(
            certificateChain: .file(certificatePath), privateKey: .file(keyPath),
            clientCertificateTrustRoots: .file(caPath))        // no certificate from this CA, no connection
        // end-snippet
        let server = try await WebSocketServer.bind(tls: tls)
        let running = Task {
            await server.run { ws in
                for await message in ws.messages { try await ws.send(message) }
            }
        }
        let url = "wss://localhost:\(server.port)/"
        // snippet: tls-mutual-client
        var configuration = TLSClientConfiguration()
        configuration.trustRoots = .certificates(.file(caPath))
        configuration.certificateChain = .file(clientCertificatePath)
        configuration.privateKey = .file(clientKeyPath)
        let ws = try await WebSocket.connect(to: url, tls: configuration)
        // end-snippet
        try await ws.send(text: "signed")
        var messages = ws.messages.makeAsyncIterator()
        #expect(await messages.next() == .text("signed"))
        try await ws.close()

        // Without the certificate the server refuses the handshake.
        var anonymous = TLSClientConfiguration()
        anonymous.trustRoots = .certificates(.file(caPath))
        do {
            _ = try await WebSocket.connect(to: url, tls: anonymous)
            Issue.record("connected without a client certificate")
        } catch let error as WebSocketError {
            // Usually the server's "certificate required" alert; when the server's close resets
            // the connection (our request unread) before we read the alert, a reset. Both are
            // TLS-layer failures.
            #expect(error.kind == .tlsFailed, "\(error)")
        }
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
    }

    @Test("TLS failures are WebSocketError.tlsFailed with OpenSSL's reason")
    func errors() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let server = try await WebSocketServer.bind(tls: TLSServerConfiguration(
            certificateChain: .file(pki.path("expired.pem")), privateKey: .file(pki.path("expired.key"))))
        let running = Task { await server.run { _ in } }
        let url = "wss://localhost:\(server.port)/"
        var configuration = TLSClientConfiguration()
        configuration.trustRoots = .certificates(.file(pki.path("ca.pem")))
        var logged: [String] = []
        func log(_ line: String) { logged.append(line) }
        // snippet: tls-errors
        do {
            try await WebSocket.connect(to: url, tls: configuration) { ws in try await ws.send(text: "hi") }
        } catch let error as WebSocketError where error.kind == .tlsFailed {
            // "TLS certificate verification failed: certificate has expired",
            // "TLS certificate does not match the host name: hostname mismatch", …
            log(error.detail)
        }
        // end-snippet
        #expect(logged.count == 1 && logged[0].contains("certificate has expired"), "\(logged)")
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
    }

    @Test("certificates from memory")
    func fromMemory() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
        let certificatePEM = try String(contentsOfFile: pki.path("server.pem"), encoding: .utf8)
        let keyPEM = try String(contentsOfFile: pki.path("server.key"), encoding: .utf8)
        // snippet: tls-memory
        // PEM text from a secret store or the environment, never written to disk.
        let tls = TLSServerConfiguration(certificateChain: .string(certificatePEM), privateKey: .string(keyPEM))
        // end-snippet
        let server = try await WebSocketServer.bind(tls: tls)
        await server.shutdown(gracePeriod: .seconds(1))
    }
}
