import Testing
import AsyncWebSocket
import WebSocketCore
import WebSocketIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tests that move the most data or open the most sockets. They run one after another
/// (beside the small tests) so that on a 2-core machine none of them starves another's event
/// loops into a timeout. The time limit only catches hangs: under TSan, where the unoptimised
/// core runs several times slower, the largest of them take about 45 s.
@Suite("Load", .serialized, .timeLimit(.minutes(3)))
struct LoadTests {}

// MARK: - Signals between handlers and tests

/// The tests share state between handlers and test bodies through WebSocketIO's pthread-based
/// `Lock` (not `Synchronization.Mutex`, which ThreadSanitizer cannot see on Linux).
typealias TestLock = Lock

/// A one-way channel from server handlers (which are `@Sendable`) to the test body.
///
/// `post` from anywhere; `next()` waits for the next value. Each test has its own, so
/// parallel tests never see each other's events.
final class Mailbox<Value: Sendable>: Sendable {
    private let state = TestLock<(values: [Value], waiter: CheckedContinuation<Value?, Never>?)>(([], nil))

    init() {}

    func post(_ value: Value) {
        let waiter: CheckedContinuation<Value?, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.values.append(value)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: value)
    }

    /// The next posted value; `nil` if the waiting task is cancelled (for example by the
    /// test's time limit), so a handler that never posts fails the test instead of hanging it.
    /// One reader at a time.
    func next() async -> Value? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Value?? = state.withLock { state in
                    if !state.values.isEmpty { return .some(state.values.removeFirst()) }
                    if Task.isCancelled { return .some(nil) }
                    precondition(state.waiter == nil, "Mailbox.next() called concurrently")
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The next `count` posted values, in order (fewer if cancelled).
    func next(_ count: Int) async -> [Value] {
        var values: [Value] = []
        for _ in 0 ..< count {
            guard let value = await next() else { break }
            values.append(value)
        }
        return values
    }
}

/// A counter (or any small state) shared between `@Sendable` closures.
final class Shared<Value: Sendable>: Sendable {
    private let storage: TestLock<Value>
    init(_ value: Value) { storage = TestLock(value) }
    var value: Value { storage.withLock { $0 } }
    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// Waits until `count` tasks have arrived, then lets them all go.
///
/// Cancelling any waiter breaks the barrier and releases everyone, so one failed
/// participant (or the time limit) cannot leave the others suspended forever.
final class Barrier: Sendable {
    private let state: TestLock<(remaining: Int, broken: Bool, waiters: [CheckedContinuation<Void, Never>])>
    init(count: Int) { state = TestLock((count, false, [])) }

    func arriveAndWait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let release: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    state.remaining -= 1
                    state.waiters.append(continuation)
                    guard state.remaining <= 0 || state.broken || Task.isCancelled else { return [] }
                    state.broken = true
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in release { waiter.resume() }
            }
        } onCancel: {
            breakBarrier()
        }
    }

    /// Releases every waiter now and lets later arrivals through.
    func breakBarrier() {
        let release = state.withLock { state in
            state.broken = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in release { waiter.resume() }
    }
}

/// Polls `condition` (without holding any thread) until it holds or `timeout` passes.
///
/// For conditions no event announces. The poll interval only decides how soon a true
/// condition is noticed; the result depends on the condition alone (or the generous timeout).
func waitUntil(
    timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(2))
    }
    return try await condition()
}

/// Runs `body` isolated to `ws`: what it observes is a consistent snapshot, taken while no
/// other code of the connection (its handler included) is running.
func inspect<T: Sendable>(_ ws: isolated WebSocket, _ body: @Sendable (isolated WebSocket) -> T) -> T {
    body(ws)
}

// MARK: - Payloads

/// `count` bytes of a repeating pattern that differs from message to message by `seed`.
func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    // A 251-byte period (prime, so it never lines up with frame or chunk sizes), copied in
    // blocks: fast even in a debug build.
    let period = (0 ..< 251).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count { bytes.append(contentsOf: period.prefix(count - bytes.count)) }
    return bytes
}

/// `count` bytes of ASCII text.
func patternText(_ count: Int) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 ".utf8)
    return String(decoding: (0 ..< count).map { alphabet[$0 % alphabet.count] }, as: UTF8.self)
}

/// A short description of a message for failure output (payloads can be megabytes).
func summary(_ message: Message?) -> String {
    switch message {
    case .text(let text)?: "text(\(text.utf8.count) bytes)"
    case .binary(let bytes)?: "binary(\(bytes.count) bytes)"
    case nil: "nil"
    }
}

/// Runs `body` with event loops of its own, shut down afterwards.
///
/// The load tests use it so that their CPU-heavy connections (masking megabytes in a debug or
/// TSan build) queue behind each other on their own loops, not in front of the small tests'
/// jobs on the shared loops.
func withDedicatedLoops<R>(
    isolation: isolated (any Actor)? = #isolation, _ body: (EventLoopGroup) async throws -> R
) async throws -> R {
    let group = try EventLoopGroup(loopCount: 2)
    defer { group.shutdown() }
    return try await body(group)
}

/// An echo handler.
let echo: WebSocketServer.Handler = { ws in
    for await message in ws.messages { try await ws.send(message) }
}

// MARK: - Descriptors

/// Raises the soft RLIMIT_NOFILE to at least `wanted` if the hard limit allows; returns
/// whether the process may now open that many descriptors.
func raiseDescriptorLimit(to wanted: Int) -> Bool {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return false }
    if limit.rlim_cur >= rlim_t(wanted) { return true }
    guard limit.rlim_max >= rlim_t(wanted) else { return false }
    limit.rlim_cur = rlim_t(wanted)
    return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0
}
