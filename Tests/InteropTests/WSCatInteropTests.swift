import Foundation
import Testing

/// The `wscat` executable that `swift build` puts next to the test bundle, if it is there.
let wscatExecutable: URL? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidate = directory.appendingPathComponent("wscat")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
}()

/// The built `wscat` binary against Python `websockets`, both ways.
@Suite(
    "wscat ↔ Python websockets",
    .enabled(if: Python.isAvailable, "python3 with websockets >= 13 is not installed: interop tests skipped"),
    .enabled(if: wscatExecutable != nil, "no wscat binary next to the test bundle (build it with swift build): skipped"),
    .timeLimit(.minutes(1)))
struct WSCatInteropTests {
    @Test("wscat --listen 0 --echo serves the Python client's echo scenario")
    func listen() async throws {
        let wscat = try PeerProcess(name: "wscat", executable: try #require(wscatExecutable), arguments: ["--listen", "0", "--echo"])
        defer { wscat.terminate() }
        // "listening on ws://127.0.0.1:PORT/ (echo)"
        let banner = try await wscat.line(startingWith: "listening on ws://127.0.0.1:")
        let port = try #require(Int(banner.prefix(while: \.isNumber)), "banner: \(banner)")
        let result = try await runPythonClient("ws://127.0.0.1:\(port)/", "echo")
        #expect(result.ok)
        #expect(result.echoed?.count == 13)
        #expect(result.responseExtensions == nil)
    }

    @Test("wscat --connect URL --echo echoes what a Python server sends and exits 0 on its close")
    func connect() async throws {
        try await withPythonServer { server in
            let wscat = try PeerProcess(
                name: "wscat", executable: try #require(wscatExecutable), arguments: ["--connect", server.url("/drive"), "--echo"])
            defer { wscat.terminate() }
            let json = try await server.peer.line(startingWith: "DRIVE ")
            #expect(json.contains(#""ok": true"#), "\(json)")
            #expect(await wscat.exitStatus() == 0, "stderr: \(wscat.stderrText)")
            #expect(wscat.stdoutLines.last?.hasPrefix("disconnected (code 1000") == true, "stdout: \(wscat.stdoutLines)")
        }
    }
}
