import AsyncWebSocket
import ChatExample
import Foundation
import Testing

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

    /// Loads `url` headless and returns the DOM after the page's scripts ran (`--dump-dom`).
    ///
    /// `--virtual-time-budget` lets the page run until it is idle (network included) or the
    /// budget is spent; a hard limit kills a browser that hangs.
    static func dumpDOM(of url: String) async throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dom = scratch.appendingPathComponent("dom.html")
        _ = FileManager.default.createFile(atPath: dom.path, contents: nil)
        let output = try FileHandle(forWritingTo: dom)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(scratch.path)/profile", "--virtual-time-budget=10000", "--dump-dom", url,
        ]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        } as Void
        try output.close()
        return try String(contentsOf: dom, encoding: .utf8)
    }
}

/// The chat example's page in a real browser, against the chat server running in this process.
@Suite(
    "Chat page in headless Chromium",
    .enabled(if: Chromium.path != nil, "chromium is not installed (apt-get install chromium; .ci/run does): browser tests skipped"),
    .timeLimit(.minutes(2)))
struct ChatBrowserTests {
    /// Runs the chat server on an ephemeral port, loads `/?selftest=<kind>`, and returns the
    /// JSON the page wrote into `<pre id="result">`.
    func selftest(_ kind: String) async throws -> [String: Any] {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        let running = Task { await ChatRoom().run(on: server) }
        let dom: String
        do {
            dom = try await Chromium.dumpDOM(of: "http://127.0.0.1:\(server.port)/?selftest=\(kind)")
        } catch {
            await server.shutdown(gracePeriod: .zero)
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
        let start = try #require(dom.range(of: #"<pre id="result">"#), "no result element in: \(dom.prefix(500))")
        let end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        try #require(!json.isEmpty, "the page wrote no result (did the WebSocket open?)")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("the page exchanges a text and a binary message with the server, then closes with 1000")
    func exchange() async throws {
        let result = try await selftest("exchange")
        let events = result["events"] as? [String] ?? []
        #expect(events.first?.hasSuffix(" joined") == true, "\(result)")
        #expect((result["text"] as? String)?.hasSuffix(": hello from the browser") == true, "\(result)")
        #expect(result["binary"] as? [Int] == [1, 2, 3, 250], "\(result)")
        #expect(result["closeCode"] as? Int == 1000)
        #expect(result["wasClean"] as? Bool == true)
    }

    @Test("after the server closes with 4000, the page sees the code and reason; a later send is ignored")
    func serverCloses() async throws {
        let result = try await selftest("close")
        #expect(result["closeCode"] as? Int == 4000, "\(result)")
        #expect(result["closeReason"] as? String == "bye")
        #expect(result["wasClean"] as? Bool == true)
        #expect(result["sendAfterClose"] as? String == "ignored")
        #expect(result["readyState"] as? Int == 3)   // CLOSED
    }
}
