import Foundation
import Synchronization
import TestPKI
import Testing

/// Python's `websockets` as a test peer: finding it, and the scripts in `Peers/`.
enum Python {
    /// The folder with the peer scripts, found from this file's path (nothing is copied).
    static let peersDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Peers", isDirectory: true)

    /// Why the interop tests cannot run here, or `nil` when `python3` imports `websockets` >= 13
    /// (the asyncio client and server API). Checked once, with a hard timeout.
    static let unavailableReason: String? = {
        let probe = """
            import sys, websockets
            major = int(websockets.__version__.split(".")[0])
            sys.exit(0 if major >= 13 else 1)
            """
        do {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", probe]
            // Run from the peers folder so nothing in the current directory shadows a module.
            process.currentDirectoryURL = peersDirectory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            let exited = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in exited.signal() }
            try process.run()
            if exited.wait(timeout: .now() + 30) == .timedOut {
                process.terminate()
                return "python3 did not answer within 30 s"
            }
            return process.terminationStatus == 0 ? nil : "python3 cannot import websockets >= 13 (pip install websockets)"
        } catch {
            return "python3 not found: \(error)"
        }
    }()

    static var isAvailable: Bool { unavailableReason == nil }
}

/// A failure of the harness itself (the peer died, a line never came).
struct PeerError: Error, CustomStringConvertible {
    let description: String
}

/// One `python3 Peers/<script>` child process, with its output captured line by line.
///
/// The child gets a pipe as standard input and the peer scripts exit when it reaches EOF, so a
/// peer never outlives the test process; it is also killed after `lifetime`, and the scripts
/// exit by themselves after it too.
final class PeerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` and the pipes are set up in `init` and only used through
    // their own thread-safe calls afterwards; everything mutable is inside `state`.
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let state = Mutex(State())
    let name: String

    private struct Waiter {
        let id: Int
        let matches: @Sendable (String) -> Bool
        let continuation: CheckedContinuation<String, any Error>
    }

    private struct State {
        var partialLine: [UInt8] = []
        var lines: [String] = []
        var consumed: Set<Int> = []
        var stderr: [UInt8] = []
        var stdoutClosed = false
        var stderrClosed = false
        var exitStatus: Int32?
        var waiters: [Waiter] = []
        /// Waiters whose timeout fired before they were registered.
        var expired: Set<Int> = []
        var exitWaiters: [CheckedContinuation<Int32, Never>] = []
        var nextID = 0

        var finished: Bool { stdoutClosed && stderrClosed && exitStatus != nil }
    }

    /// Starts `python3 Peers/<script> arguments…`.
    convenience init(script: String, arguments: [String], lifetime: Duration = .seconds(40)) throws {
        let seconds = Double(lifetime.components.seconds)
        try self.init(
            name: script, executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", "-u", Python.peersDirectory.appendingPathComponent(script).path]
                + arguments + ["--lifetime", String(seconds)],
            lifetime: lifetime)
    }

    /// Starts `executable arguments…` in the peers folder; it is killed after `lifetime`.
    init(name: String, executable: URL, arguments: [String], lifetime: Duration = .seconds(40)) throws {
        self.name = name
        let seconds = Double(lifetime.components.seconds)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Python.peersDirectory
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            self?.receivedStdout(data)
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            self?.receivedStderr(data)
        }
        process.terminationHandler = { [weak self] process in
            self?.exited(process.terminationStatus)
        }
        try process.run()
        // The hard timeout: a peer that is still running after its lifetime is killed.
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds + 2) { [weak self] in
            self?.terminate()
        }
    }

    deinit { terminate() }

    /// The child's process ID.
    var pid: Int32 { process.processIdentifier }

    /// Ends the child: closes its standard input (the scripts exit on EOF) and sends SIGTERM.
    func terminate() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    /// What the child wrote to standard error so far.
    var stderrText: String { state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }

    /// Every line the child wrote to standard output so far.
    var stdoutLines: [String] { state.withLock { $0.lines } }

    /// Waits for the next line (not returned before) that starts with `prefix`; returns the rest.
    func line(startingWith prefix: String, timeout: Duration = .seconds(20)) async throws -> String {
        let line = try await line(timeout: timeout) { $0.hasPrefix(prefix) }
        return String(line.dropFirst(prefix.count))
    }

    /// Waits for the next line (not returned before) that `matches` accepts.
    func line(timeout: Duration, where matches: @escaping @Sendable (String) -> Bool) async throws -> String {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.failWaiter(id, PeerError(description: "no matching line within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let resolution: Result<String, any Error>? = state.withLock { state in
                if let index = state.lines.indices.first(where: { !state.consumed.contains($0) && matches(state.lines[$0]) }) {
                    state.consumed.insert(index)
                    return .success(state.lines[index])
                }
                if state.stdoutClosed {
                    return .failure(PeerError(description: "stdout closed without a matching line"))
                }
                if state.expired.contains(id) {
                    return .failure(PeerError(description: "no matching line within \(timeout)"))
                }
                state.waiters.append(Waiter(id: id, matches: matches, continuation: continuation))
                return nil
            }
            if let resolution { continuation.resume(with: resolution.mapError { self.annotated($0) }) }
        }
    }

    /// Waits until the child exited and its output is read to the end; returns the exit status.
    /// After `timeout` the child is killed (and its status is then that of the signal).
    func exitStatus(timeout: Duration = .seconds(30)) async -> Int32 {
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.terminate()
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let status: Int32? = state.withLock { state in
                if state.finished { return state.exitStatus }
                state.exitWaiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    private func annotated(_ error: any Error) -> any Error {
        PeerError(description: "\(name): \(error)\nstdout: \(stdoutLines)\nstderr: \(stderrText)")
    }

    private func failWaiter(_ id: Int, _ error: any Error) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                state.expired.insert(id)
                return nil
            }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: annotated(error))
    }

    private func receivedStdout(_ data: Data) {
        var matched: [(CheckedContinuation<String, any Error>, String)] = []
        var failed: [Waiter] = []
        var done: [CheckedContinuation<Int32, Never>] = []
        var status: Int32 = 0
        state.withLock { state in
            var newLines: [String] = []
            if data.isEmpty {
                state.stdoutClosed = true
                if !state.partialLine.isEmpty {
                    newLines.append(String(decoding: state.partialLine, as: UTF8.self))
                    state.partialLine = []
                }
            } else {
                for byte in data {
                    if byte == UInt8(ascii: "\n") {
                        newLines.append(String(decoding: state.partialLine, as: UTF8.self))
                        state.partialLine = []
                    } else {
                        state.partialLine.append(byte)
                    }
                }
            }
            for line in newLines {
                let index = state.lines.count
                state.lines.append(line)
                if let waiterIndex = state.waiters.firstIndex(where: { $0.matches(line) }) {
                    state.consumed.insert(index)
                    matched.append((state.waiters.remove(at: waiterIndex).continuation, line))
                }
            }
            if state.stdoutClosed {
                failed = state.waiters
                state.waiters = []
            }
            if state.finished {
                done = state.exitWaiters
                state.exitWaiters = []
                status = state.exitStatus ?? -1
            }
        }
        for (continuation, line) in matched { continuation.resume(returning: line) }
        for waiter in failed {
            waiter.continuation.resume(throwing: annotated(PeerError(description: "stdout closed without a matching line")))
        }
        for waiter in done { waiter.resume(returning: status) }
    }

    private func receivedStderr(_ data: Data) {
        finishIfDone { state in
            if data.isEmpty { state.stderrClosed = true } else { state.stderr.append(contentsOf: data) }
        }
    }

    private func exited(_ status: Int32) {
        finishIfDone { $0.exitStatus = status }
        // The child is gone, so what it wrote is already in the pipes and arrives at once. But
        // EOF may never come: Foundation's pipes are not close-on-exec, so a process another test
        // spawned at the same moment can inherit the write ends and hold them open. Stop waiting
        // for EOF after a grace period instead of hanging until that other process exits.
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { [weak self] in
            self?.finishIfDone { state in
                state.stdoutClosed = true
                state.stderrClosed = true
            }
        }
    }

    /// Applies `change`, then wakes the exit waiters if the child is now completely finished.
    private func finishIfDone(_ change: (inout State) -> Void) {
        let (waiters, status) = state.withLock { state -> ([CheckedContinuation<Int32, Never>], Int32) in
            change(&state)
            guard state.finished else { return ([], 0) }
            defer { state.exitWaiters = [] }
            return (state.exitWaiters, state.exitStatus ?? -1)
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }
}

/// `py_echo_server.py` running as a child process.
struct PythonServer {
    let peer: PeerProcess
    let port: Int
    /// `ws`, or `wss` when it was started with a certificate.
    let scheme: String

    func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    /// The `CLOSED {...}` report of the next connection that ended on the Python side.
    func nextClose() async throws -> ClosedReport {
        let json = try await peer.line(startingWith: "CLOSED ")
        return try JSONDecoder().decode(ClosedReport.self, from: Data(json.utf8))
    }

    struct ClosedReport: Decodable, Sendable {
        let path: String
        let code: Int?
        let reason: String?
    }
}

/// Runs `body` with a Python `websockets` server (see `py_echo_server.py` for its options),
/// killing it afterwards whatever happens. With `tls` it serves `wss://` with the PKI's
/// `server.pem` (localhost, 127.0.0.1, ::1).
func withPythonServer<R>(
    _ arguments: [String] = [], tls pki: TestPKI? = nil, _ body: (PythonServer) async throws -> R
) async throws -> R {
    let certificate = pki.map { ["--certfile", $0.path("server.pem"), "--keyfile", $0.path("server.key")] } ?? []
    let peer = try PeerProcess(script: "py_echo_server.py", arguments: arguments + certificate)
    defer { peer.terminate() }
    let portText = try await peer.line(startingWith: "PORT ")
    guard let port = Int(portText) else { throw PeerError(description: "bad PORT line: \(portText)") }
    return try await body(PythonServer(peer: peer, port: port, scheme: pki == nil ? "ws" : "wss"))
}

/// The `RESULT {...}` line `py_client.py` prints.
struct ClientResult: Decodable, Sendable {
    var ok: Bool
    var scenario: String
    var error: String?
    var traceback: String?
    var responseExtensions: String?
    var subprotocol: String?
    var closeCode: Int?
    var closeReason: String?
    var status: Int?
    var echoed: [String]?
    var text: String?
    var binaryOk: Bool?
    var asyncOk: Bool?
    var interleavedOk: Bool?
    var midMessageLatency: Double?
    var latencies: [Double]?
    var latency: Double?
    /// The TLS version negotiated (`TLSv1.3`), or `nil` over plain TCP.
    var tlsVersion: String?
    /// Why the server's certificate was refused ("untrusted" scenario).
    var verifyError: String?
}

/// Runs `py_client.py url scenario` to the end and returns what it reported.
func runPythonClient(
    _ url: String, _ scenario: String, arguments: [String] = [], timeout: Duration = .seconds(30)
) async throws -> ClientResult {
    let peer = try PeerProcess(script: "py_client.py", arguments: [url, scenario] + arguments)
    defer { peer.terminate() }
    let status = await peer.exitStatus(timeout: timeout)
    guard let line = peer.stdoutLines.last(where: { $0.hasPrefix("RESULT ") }) else {
        throw PeerError(description: "py_client.py \(scenario) exited with \(status) and no RESULT; stderr: \(peer.stderrText)")
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let result = try decoder.decode(ClientResult.self, from: Data(line.dropFirst("RESULT ".count).utf8))
    if !result.ok {
        Issue.record("py_client.py \(scenario) failed: \(result.error ?? "?")\n\(result.traceback ?? "")\nstderr: \(peer.stderrText)")
    }
    return result
}
