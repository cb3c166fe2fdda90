import AsyncWebSocket
import Foundation
import Testing
import WebSocketCore
@testable import WSCatCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `wscat` executable that `swift build` puts next to the test bundle, if it is there.
let wscatExecutable: URL? = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidate = directory.appendingPathComponent("wscat")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
}()

/// A `wscat` child process whose standard input is a pipe or a pseudo-terminal.
final class WSCatProcess: @unchecked Sendable {
    // @unchecked Sendable: the process and handles are set up in `init` and afterwards used only
    // through their own thread-safe calls; output goes to the thread-safe `CapturedOutput`.
    let process = Process()
    let output = CapturedOutput()
    private let writer: FileHandle
    private let reader: FileHandle
    private let exited = AsyncStream<Int32>.makeStream()

    /// Starts `wscat arguments`; with `terminal`, inside a new pseudo-terminal made by
    /// Python's `pty` module, so wscat sees a TTY (prompt, Ctrl-D, Ctrl-C) as when a person runs it.
    init(_ arguments: [String], terminal: Bool) throws {
        guard let executable = wscatExecutable else { throw CancellationError() }
        if terminal {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", ptyRelay, executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        let input = Pipe()
        let stdout = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = stdout
        writer = input.fileHandleForWriting
        reader = stdout.fileHandleForReading
        let output = self.output
        reader.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.write(String(decoding: data, as: UTF8.self), to: .standardOutput) }
        }
        let continuation = exited.continuation
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
    }

    func send(_ text: String) { writer.write(Data(text.utf8)) }
    func closeInput() { try? writer.close() }

    var exitStatus: Int32 {
        get async {
            for await status in exited.stream { return status }
            // The stream ends early only if the task is cancelled (a time limit): never read the
            // status of a process still running, which traps.
            return process.isRunning ? -1 : process.terminationStatus
        }
    }

    func stop() {
        reader.readabilityHandler = nil
        if process.isRunning { process.terminate() }
    }
}

/// Runs a command in a new pseudo-terminal, relaying our pipes to it (Python's `pty.spawn`), and
/// exits with the command's status.
let ptyRelay = """
    import os, pty, sys
    status = pty.spawn(sys.argv[1:])
    sys.exit(os.waitstatus_to_exitcode(status))
    """

/// Whether `python3` is there to make the pseudo-terminal.
let hasPython: Bool = {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    return directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
}()

@Suite(
    "wscat as a process",
    .enabled(if: wscatExecutable != nil, "no wscat binary next to the test bundle (build it with swift build): skipped"),
    .timeLimit(.minutes(1)))
struct WSCatProcessTests {
    static let echo: WebSocketServer.Handler = { ws in
        for await message in ws.messages { try await ws.send(message) }
    }

    @Test("piped: lines in, messages out, end of input closes with 1000 and exits 0")
    func piped() async throws {
        try await withTestServer(handler: Self.echo) { server in
            let wscat = try WSCatProcess(["--connect", server.url, "-w", "30"], terminal: false)
            defer { wscat.stop() }
            wscat.send("one\ntwo\n")
            await wscat.output.line(containing: "< one")
            await wscat.output.line(containing: "< two")
            wscat.closeInput()
            wscat.process.interrupt()   // Ctrl-C ends the -w wait at once
            #expect(await wscat.exitStatus == 0)
            // The pipe may deliver the last line after the exit is seen: wait for it. (Not for
            // the pipe's end: processes other tests spawn meanwhile may hold its write end.)
            await wscat.output.line(containing: "disconnected (code")
            #expect(wscat.output.lines.last == "disconnected (code 1000)")
            #expect(!wscat.output.standardOutput.contains("> "))   // no prompt without a terminal
        }
    }

    @Test(
        "interactive on a terminal: prompt, typed lines sent, Ctrl-D closes with 1000",
        .enabled(if: hasPython, "no python3 to make a pseudo-terminal: skipped"))
    func terminal() async throws {
        try await withTestServer(handler: Self.echo) { server in
            let wscat = try WSCatProcess(["--connect", server.url, "--no-color"], terminal: true)
            defer { wscat.stop() }
            await wscat.output.line(containing: "connected to \(server.url)")
            wscat.send("typed by a person\n")
            await wscat.output.line(containing: "< typed by a person")
            wscat.send("\u{04}")   // Ctrl-D at the start of a line: end of input
            await wscat.output.line(containing: "disconnected (code 1000)")
            #expect(await wscat.exitStatus == 0)
            #expect(wscat.output.standardOutput.contains("> "))
        }
    }

    @Test(
        "a server on a terminal stops cleanly on Ctrl-C",
        .enabled(if: hasPython, "no python3 to make a pseudo-terminal: skipped"))
    func serverInterrupted() async throws {
        let wscat = try WSCatProcess(["--listen", "0", "--no-color"], terminal: true)
        defer { wscat.stop() }
        let banner = await wscat.output.line(containing: "listening on ws://127.0.0.1:")
        let port = try #require(Int(banner.split(separator: "127.0.0.1:")[1].prefix(while: \.isNumber)))
        let ws = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/")
        try await ws.send(text: "hi")
        await wscat.output.line(containing: "< [1] hi")
        wscat.send("\u{03}")   // Ctrl-C: the terminal sends SIGINT
        #expect(await wscat.exitStatus == 0)
        for await _ in ws.messages {}
        #expect(await ws.closeCode == .goingAway)
    }
}
