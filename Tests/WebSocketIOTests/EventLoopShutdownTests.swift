import Testing
@testable import WebSocketIO

/// A handler that refers back to its loop, as every connection does, and holds the
/// continuation of a task waiting for readability.
final class ShutdownProbe: IOHandler, @unchecked Sendable {
    // @unchecked Sendable. Invariant: `waiter` and `shutDownCount` are read and written only on
    // `loop`'s thread (`start`, `ioEvent` and `eventLoopShutDown` run there).
    let loop: EventLoop
    let socket: TCPSocket
    let registered: AsyncStream<Void>.Continuation
    private var waiter: CheckedContinuation<Void, any Error>?
    private(set) var shutDownCount = 0

    init(loop: EventLoop, socket: TCPSocket, registered: AsyncStream<Void>.Continuation) {
        self.loop = loop
        self.socket = socket
        self.registered = registered
    }

    /// Suspends until the socket is readable, or throws what ended the wait.
    func waitUntilReadable() async throws {
        try await withCheckedThrowingContinuation { continuation in
            loop.execute { self.start(continuation) }
        }
    }

    private func start(_ continuation: CheckedContinuation<Void, any Error>) {
        do {
            _ = try loop.register(socket.descriptor, interest: .read, handler: self)
            waiter = continuation
            registered.yield()
        } catch {
            continuation.resume(throwing: error)
        }
    }

    func ioEvent(_ events: IOEvents) {
        waiter?.resume()
        waiter = nil
    }

    func eventLoopShutDown() {
        shutDownCount += 1
        waiter?.resume(throwing: Errno.canceled)
        waiter = nil
        socket.close()
    }
}

extension WebSocketIOTests {
    @Suite("EventLoop shutdown")
    struct EventLoopShutdownTests {
        @Test("Shutdown releases registered handlers and resumes their waiters with an error")
        func shutdownReleasesHandlers() async throws {
            let loop = try EventLoop()
            let (socket, peer) = try TCPSocket.makePair()
            let (registered, registeredContinuation) = AsyncStream<Void>.makeStream()
            var probe: ShutdownProbe? = ShutdownProbe(loop: loop, socket: socket, registered: registeredContinuation)
            weak let weakProbe = probe
            let waiting = Task { [probe = probe!] in try await probe.waitUntilReadable() }
            probe = nil
            for await _ in registered { break }   // registered, and the task is suspended
            #expect(weakProbe != nil)   // held by the loop's registration (and the waiting task)

            loop.shutdown()

            await #expect(throws: Errno.canceled) { try await waiting.value }
            #expect(weakProbe == nil)
            #expect(socket.isClosed)   // closed by its owner, the probe, not by the loop
            #expect(!peer.isClosed)
        }

        @Test("A driven operation waiting for readiness throws Errno.canceled at shutdown")
        func driveFailsAtShutdown() async throws {
            let loop = try EventLoop()
            let (socket, peer) = try TCPSocket.makePair()
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let driving = Task {
                try await loop.drive(socket.descriptor, timeout: .seconds(600)) { events in
                    if events == nil { startedContinuation.yield() }
                    return .read   // the peer never writes
                }
            }
            for await _ in started { break }
            loop.shutdown()
            await #expect(throws: Errno.canceled) { try await driving.value }
            withExtendedLifetime(peer) {}
        }

        @Test("Work submitted after shutdown still runs, on the loop's identity; register refuses")
        func lateWorkRuns() async throws {
            let loop = try EventLoop()
            loop.shutdown()
            // A task hopping onto an actor of the stopped loop is not left suspended.
            let counter = LoopBoundCounter(loop: loop)
            await counter.increment()
            #expect(await counter.count == 1)
            #expect(await counter.isOnLoop())

            let (socket, peer) = try TCPSocket.makePair()
            let (_, registeredContinuation) = AsyncStream<Void>.makeStream()
            let probe = ShutdownProbe(loop: loop, socket: socket, registered: registeredContinuation)
            await #expect(throws: Errno.canceled) { try await probe.waitUntilReadable() }
            withExtendedLifetime(peer) {}
        }

        @Test("Each registration still present is ended once at shutdown")
        func eachRegistrationEndedOnce() async throws {
            let loop = try EventLoop()
            let (first, second) = try TCPSocket.makePair()
            let (registered, registeredContinuation) = AsyncStream<Void>.makeStream()
            let probes = [first, second].map {
                ShutdownProbe(loop: loop, socket: $0, registered: registeredContinuation)
            }
            let waiters = probes.map { probe in Task { try await probe.waitUntilReadable() } }
            var count = 0
            for await _ in registered {
                count += 1
                if count == probes.count { break }
            }
            loop.shutdown()
            for waiter in waiters {
                await #expect(throws: Errno.canceled) { try await waiter.value }
            }
            // The loop thread has exited; late work runs on the loop's identity.
            let counts = try await loop.run { probes.map(\.shutDownCount) }
            #expect(counts == [1, 1])
        }
    }
}
