import AsyncWebSocket
import ChatExample
import Foundation
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

    /// Opens `url` in headless Chromium and returns the text the page writes into
    /// `<pre id="result">`, read over the DevTools protocol — with this library's own client.
    ///
    /// No virtual-time budget: on a loaded machine it could run out before the page's WebSocket
    /// exchange finished. Instead a `Runtime.evaluate` awaits a promise that resolves when the
    /// page has written its result; the suite's time limit bounds a browser that hangs.
    static func result(of url: String) async throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(scratch.path)/profile", "--remote-debugging-port=0", "about:blank",
        ]
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

        return try await WebSocket.connect(to: browserURL) { devtools in
            var nextID = 0
            func call(_ method: String, _ params: [String: Any], session: String? = nil) async throws -> [String: Any] {
                nextID += 1
                var request: [String: Any] = ["id": nextID, "method": method, "params": params]
                if let session { request["sessionId"] = session }
                let json = try JSONSerialization.data(withJSONObject: request)
                try await devtools.send(text: String(decoding: json, as: UTF8.self))
                for await message in devtools.messages {
                    guard case .text(let text) = message,
                          let reply = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                          reply["id"] as? Int == nextID
                    else { continue }   // events and other replies
                    return reply
                }
                throw CancellationError()
            }
            let target = try await call("Target.createTarget", ["url": url])
            let targetID = try #require((target["result"] as? [String: Any])?["targetId"] as? String, "\(target)")
            let attached = try await call("Target.attachToTarget", ["targetId": targetID, "flatten": true])
            let session = try #require((attached["result"] as? [String: Any])?["sessionId"] as? String, "\(attached)")
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
                let reply = try await call(
                    "Runtime.evaluate", ["expression": waitForResult, "awaitPromise": true, "returnByValue": true],
                    session: session)
                let result = (reply["result"] as? [String: Any])?["result"] as? [String: Any]
                if let value = result?["value"] as? String { return value }
            }
            throw CancellationError()
        }
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

/// The chat example's page in a real browser, against the chat server running in this process.
@Suite(
    "Chat page in headless Chromium",
    .enabled(if: Chromium.path != nil, "chromium is not installed (apt-get install chromium; .ci/run does): browser tests skipped"),
    .timeLimit(.minutes(2)))
struct ChatBrowserTests {
    /// Runs the chat server on an ephemeral port, opens `/?selftest=<kind>`, and returns the
    /// JSON the page wrote into `<pre id="result">`.
    func selftest(_ kind: String) async throws -> [String: Any] {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0)
        let running = Task { await ChatRoom().run(on: server) }
        let json: String
        do {
            json = try await Chromium.result(of: "http://127.0.0.1:\(server.port)/?selftest=\(kind)")
        } catch {
            await server.shutdown(gracePeriod: .zero)
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
        await running.value
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
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
