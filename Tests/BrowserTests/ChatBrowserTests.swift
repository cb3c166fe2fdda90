import AsyncWebSocket
import AsyncWebSocketTLS
import ChatExample
import Foundation
import TestPKI
import Testing
import WebSocketCore

/// Headless Chromium, if installed (`.ci/run` installs the Debian package `chromium`).
enum Chromium {
    /// `$CHROMIUM`, or the first of the usual names found on `PATH`.
    static let path: String? = {
        if let given = ProcessInfo.processInfo.environment["CHROMIUM"], !given.isEmpty { return given }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }()

    /// Opens `url` in headless Chromium (with `arguments` added to its command line) and returns
    /// the text the page writes into `<pre id="result">`, read over the DevTools protocol — with
    /// this library's own client.
    ///
    /// No virtual-time budget: on a loaded machine it could run out before the page's WebSocket
    /// exchange finished. Instead a `Runtime.evaluate` awaits a promise that resolves when the
    /// page has written its result; the suite's time limit bounds a browser that hangs.
    static func result(of url: String, arguments: [String] = []) async throws -> String {
        try await withDevTools(arguments: arguments) { devtools in
            var page = DevToolsPage(connection: devtools)
            try await page.open(url)
            let waitForResult = """
                new Promise(resolve => {
                  const check = () => {
                    const element = document.getElementById("result");
                    if (element && element.textContent) resolve(element.textContent); else setTimeout(check, 20);
                  };
                  check();
                })
                """
            // The first evaluations may land in about:blank or a context the navigation replaces.
            for _ in 0..<100 {
                let reply = try await page.call(
                    "Runtime.evaluate", ["expression": waitForResult, "awaitPromise": true, "returnByValue": true])
                let result = (reply["result"] as? [String: Any])?["result"] as? [String: Any]
                if let value = result?["value"] as? String { return value }
            }
            throw CancellationError()
        }
    }

    /// Navigates a blank page to `url` and returns the network error Chromium reports for it
    /// (`net::ERR_CERT_AUTHORITY_INVALID`), or `nil` when the navigation succeeded.
    static func navigationError(of url: String, arguments: [String] = []) async throws -> String? {
        try await withDevTools(arguments: arguments) { devtools in
            var page = DevToolsPage(connection: devtools)
            try await page.open("about:blank")
            // Page.navigate answers once the navigation committed or failed.
            let reply = try await page.call("Page.navigate", ["url": url])
            return (reply["result"] as? [String: Any])?["errorText"] as? String
        }
    }

    /// Runs headless Chromium with `arguments` added and `body` on its DevTools connection; the
    /// browser and its scratch profile are gone afterwards.
    static func withDevTools<Result: Sendable>(
        arguments: [String], _ body: (isolated WebSocket) async throws -> Result
    ) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(scratch.path)/profile", "--remote-debugging-port=0",
        ] + arguments + ["about:blank"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // Chromium announces `DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID`.
        let (announcements, announce) = AsyncStream<String>.makeStream()
        let buffer = LineBuffer()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { announce.finish(); return }
            for line in buffer.append(data) where line.hasPrefix("DevTools listening on ") {
                announce.yield(String(line.dropFirst("DevTools listening on ".count)))
            }
        }
        try process.run()
        defer {
            errors.fileHandleForReading.readabilityHandler = nil
            process.terminate()
            process.waitUntilExit()
        }
        var iterator = announcements.makeAsyncIterator()
        let browserURL = try #require(await iterator.next(), "chromium exited without opening DevTools")
        return try await WebSocket.connect(to: browserURL, body)
    }
}

/// One page target of a DevTools connection, driven over the flattened session protocol.
struct DevToolsPage {
    let connection: WebSocket
    private var nextID = 0
    private var session: String?

    init(connection: WebSocket) {
        self.connection = connection
    }

    /// Opens a new target on `url` and attaches to it; later calls go to that page.
    mutating func open(_ url: String, isolation: isolated (any Actor)? = #isolation) async throws {
        let target = try await call("Target.createTarget", ["url": url])
        let targetID = try #require((target["result"] as? [String: Any])?["targetId"] as? String, "\(target)")
        let attached = try await call("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        session = try #require((attached["result"] as? [String: Any])?["sessionId"] as? String, "\(attached)")
    }

    /// Sends one command (to the attached page, if any) and returns its reply; events and other
    /// replies that arrive meanwhile are skipped.
    mutating func call(
        _ method: String, _ params: [String: Any], isolation: isolated (any Actor)? = #isolation
    ) async throws -> [String: Any] {
        nextID += 1
        var request: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { request["sessionId"] = session }
        let json = try JSONSerialization.data(withJSONObject: request)
        try await connection.send(text: String(decoding: json, as: UTF8.self))
        for await message in connection.messages {
            guard case .text(let text) = message,
                  let reply = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  reply["id"] as? Int == nextID
            else { continue }   // events and other replies
            return reply
        }
        throw CancellationError()
    }
}

/// Splits bytes into lines as they arrive.
final class LineBuffer: @unchecked Sendable {
    // @unchecked Sendable: only the pipe's readability handler, which runs serially, calls `append`.
    private var partial: [UInt8] = []

    func append(_ data: Data) -> [String] {
        partial += data
        var lines: [String] = []
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: partial[..<newline], as: UTF8.self))
            partial.removeSubrange(...newline)
        }
        return lines
    }
}

/// The chat example's page in a real browser, against the chat server running in this process,
/// over `http://` + `ws://` and over `https://` + `wss://`.
///
/// Over TLS the server presents the test PKI's `server.pem` (`Tests/TestPKI`, signed by a CA
/// made at test time). Chromium is told to accept exactly that certificate's key with
/// `--ignore-certificate-errors-spki-list=<base64 SHA-256 of its SubjectPublicKeyInfo>`: it
/// still runs a full TLS handshake against our server (the page and its WebSocket), and any
/// other certificate still fails. `pinnedKeyIsRequired` shows the pin is what makes it trust.
@Suite(
    "Chat page in headless Chromium",
    .enabled(if: Chromium.path != nil, "chromium is not installed (apt-get install chromium; .ci/run does): browser tests skipped"),
    .timeLimit(.minutes(2)))
struct ChatBrowserTests {
    /// Runs the chat server on an ephemeral port (over TLS for `https`), opens
    /// `<scheme>://127.0.0.1:<port>/?selftest=<kind>`, and returns the JSON the page wrote into
    /// `<pre id="result">`; `nil` when `https` is asked for and there is no test PKI.
    func selftest(_ kind: String, scheme: String) async throws -> [String: Any]? {
        var arguments: [String] = []
        let server: WebSocketServer
        if scheme == "https" {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? "no test PKI"); return nil }
            arguments = ["--ignore-certificate-errors-spki-list=\(try publicKeyHash(ofCertificate: pki.path("server.pem")))"]
            server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0, tls: pki.serverTLS)
        } else {
            server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        }
        let running = Task { await ChatRoom().run(on: server) }
        let json: String
        do {
            json = try await Chromium.result(
                of: "\(scheme)://127.0.0.1:\(server.port)/?selftest=\(kind)", arguments: arguments)
        } catch {
            await server.shutdown(gracePeriod: .zero)
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
        let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        // The page derives its WebSocket URL from its own: wss:// exactly when it came over https.
        let webSocketScheme = scheme == "https" ? "wss" : "ws"
        #expect(result["url"] as? String == "\(webSocketScheme)://127.0.0.1:\(server.port)/chat", "\(result)")
        return result
    }

    @Test("the page exchanges a text and a binary message with the server, then closes with 1000",
          arguments: ["http", "https"])
    func exchange(scheme: String) async throws {
        guard let result = try await selftest("exchange", scheme: scheme) else { return }
        let events = result["events"] as? [String] ?? []
        #expect(events.first?.hasSuffix(" joined") == true, "\(result)")
        #expect((result["text"] as? String)?.hasSuffix(": hello from the browser") == true, "\(result)")
        #expect(result["binary"] as? [Int] == [1, 2, 3, 250], "\(result)")
        #expect(result["closeCode"] as? Int == 1000)
        #expect(result["wasClean"] as? Bool == true)
    }

    @Test("after the server closes with 4000, the page sees the code and reason; a later send is ignored",
          arguments: ["http", "https"])
    func serverCloses(scheme: String) async throws {
        guard let result = try await selftest("close", scheme: scheme) else { return }
        #expect(result["closeCode"] as? Int == 4000, "\(result)")
        #expect(result["closeReason"] as? String == "bye")
        #expect(result["wasClean"] as? Bool == true)
        #expect(result["sendAfterClose"] as? String == "ignored")
        #expect(result["readyState"] as? Int == 3)   // CLOSED
    }

    @Test("over https without the pinned key Chromium refuses the test CA's certificate")
    func pinnedKeyIsRequired() async throws {
        guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? "no test PKI"); return }
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0, tls: pki.serverTLS)
        let running = Task { await ChatRoom().run(on: server) }
        let url = "https://127.0.0.1:\(server.port)/"
        let errors: Result<[String?], any Error>
        do {
            let unpinned = try await Chromium.navigationError(of: url)
            // Pinning another certificate's key does not help either.
            let otherKey = try publicKeyHash(ofCertificate: pki.path("untrusted.pem"))
            let wrongPin = try await Chromium.navigationError(
                of: url, arguments: ["--ignore-certificate-errors-spki-list=\(otherKey)"])
            errors = .success([unpinned, wrongPin])
        } catch {
            errors = .failure(error)
        }
        await server.shutdown(gracePeriod: .zero)
        await running.value
        #expect(try errors.get() == ["net::ERR_CERT_AUTHORITY_INVALID", "net::ERR_CERT_AUTHORITY_INVALID"])
    }
}

extension TestPKI {
    /// The chat server's side: `server.pem` (localhost, 127.0.0.1, ::1), signed by `ca.pem`.
    var serverTLS: TLSServerConfiguration {
        TLSServerConfiguration(certificateChain: .file(path("server.pem")), privateKey: .file(path("server.key")))
    }
}

/// The base64 SHA-256 of a PEM certificate's SubjectPublicKeyInfo (DER), as Chromium's
/// `--ignore-certificate-errors-spki-list` takes it; computed by the `openssl` CLI.
func publicKeyHash(ofCertificate path: String) throws -> String {
    let script = #"openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl base64 -A"#
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script, "sh", path]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let hash = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    // 32 bytes in base64: 44 characters.
    try #require(process.terminationStatus == 0 && hash.count == 44, "openssl could not hash \(path)'s key: \(hash)")
    return hash
}
