import Synchronization
import Testing
@testable import WSCatCore

/// Everything `wscat` wrote, line by line, with a way to wait for a line.
final class CapturedOutput: WSCatOutput {
    let isTerminal: Bool
    let allowsColor = true

    private struct Waiter {
        let matches: @Sendable (String) -> Bool
        let continuation: CheckedContinuation<String, Never>
    }
    private struct State {
        var standardOutput = ""
        var standardError = ""
        var waiters: [Waiter] = []
    }
    private let state = Mutex(State())

    init(isTerminal: Bool = false) { self.isTerminal = isTerminal }

    func write(_ text: String, to stream: WSCatStream) {
        let ready: [(CheckedContinuation<String, Never>, String)] = state.withLock { state in
            switch stream {
            case .standardOutput: state.standardOutput += text
            case .standardError: state.standardError += text
            }
            let lines = Self.lines(of: state.standardOutput)
            var ready: [(CheckedContinuation<String, Never>, String)] = []
            state.waiters.removeAll { waiter in
                guard let line = lines.first(where: waiter.matches) else { return false }
                ready.append((waiter.continuation, line))
                return true
            }
            return ready
        }
        for (continuation, line) in ready { continuation.resume(returning: line) }
    }

    /// Complete lines of standard output, with the prompt and terminal clearing removed.
    var lines: [String] { state.withLock { Self.lines(of: $0.standardOutput) } }
    var standardOutput: String { state.withLock { $0.standardOutput } }
    var standardError: String { state.withLock { $0.standardError } }

    private static func lines(of text: String) -> [String] {
        // A terminal ends lines with CR LF, which Swift sees as one Character.
        let text = text.replacing("\r\n", with: "\n")
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast()   // not yet terminated
        return parts.map { $0.replacing("\r\u{1B}[2K", with: "").replacing("> ", with: "", maxReplacements: 1) }
    }

    /// Waits for the first line (already written or to come) that contains `text`.
    @discardableResult
    func line(containing text: String) async -> String {
        await withCheckedContinuation { continuation in
            let matches: @Sendable (String) -> Bool = { $0.contains(text) }
            let found: String? = state.withLock { state in
                if let line = Self.lines(of: state.standardOutput).first(where: matches) { return line }
                state.waiters.append(Waiter(matches: matches, continuation: continuation))
                return nil
            }
            if let found { continuation.resume(returning: found) }
        }
    }
}

/// One in-process run of `wscat`, with its input under the test's control.
struct WSCatRun {
    let output: CapturedOutput
    let events: AsyncStream<WSCatInputEvent>.Continuation
    let task: Task<Int32, Never>

    init(_ arguments: [String], terminal: Bool = false) {
        let output = CapturedOutput(isTerminal: terminal)
        let (input, events) = AsyncStream<WSCatInputEvent>.makeStream()
        self.output = output
        self.events = events
        self.task = Task { await WSCatCommand.main(arguments: arguments, input: input, output: output) }
    }

    func type(_ line: String) { events.yield(.line(line)) }
    func endInput() { events.yield(.endOfInput) }
    func interrupt() { events.yield(.interrupt) }

    /// The exit status, once `wscat` returns.
    var status: Int32 { get async { await task.value } }

    /// For a server: the port from its `listening on ws://127.0.0.1:PORT/` banner (`wss://` with
    /// `--cert`).
    func listeningPort(scheme: String = "ws") async throws -> Int {
        try await output.listeningPort(scheme: scheme)
    }
}

extension CapturedOutput {
    /// The port from a server's `listening on SCHEME://127.0.0.1:PORT/` banner, once it is printed.
    func listeningPort(scheme: String = "ws") async throws -> Int {
        let banner = await line(containing: "listening on \(scheme)://127.0.0.1:")
        let afterHost = banner.split(separator: "127.0.0.1:")[1]
        return try #require(Int(afterHost.prefix(while: \.isNumber)), "\(banner)")
    }
}

/// Records values from handler tasks for the test to read.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback port bound but not listening: connecting there is refused, and while it is held
/// no other test's server can be given the same port.
struct ClosedPort {
    let descriptor: Int32
    let number: Int

    init() throws {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        try #require(descriptor >= 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        try #require(bound)
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() { close(descriptor) }
}
