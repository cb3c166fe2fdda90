import Testing
import Synchronization
@testable import WebSocketIO

/// An actor that runs on an event loop.
actor LoopBoundCounter {
    nonisolated let loop: EventLoop
    var count = 0
    var order: [Int] = []

    init(loop: EventLoop) { self.loop = loop }

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    func isOnLoop() -> Bool { loop.inLoop }
    func increment() { count += 1 }
    func append(_ value: Int) { order.append(value) }

    /// Starts `count` unstructured tasks from the loop thread, each appending its index.
    func spawnAppenders(_ count: Int) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for index in 0..<count {
                Task { self.append(index) }
            }
            Task { done.resume() }
        }
    }
}

/// An actor on a loop that reads a socket from a readiness callback via `assumeIsolated`.
actor ReadinessActor: IOHandler {
    nonisolated let loop: EventLoop
    let socket: TCPSocket
    var registration: IORegistration?
    var received: [UInt8] = []
    var wasOnLoop = false
    var waiter: CheckedContinuation<[UInt8], Never>?

    init(loop: EventLoop, socket: TCPSocket) {
        self.loop = loop
        self.socket = socket
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    nonisolated func ioEvent(_ events: IOEvents) {
        assumeIsolated { actor in actor.readAvailable() }
    }

    func readAvailable() {
        wasOnLoop = loop.inLoop
        var buffer = [UInt8](repeating: 0, count: 64)
        let result = try? buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
        if case .bytes(let count)? = result { received += buffer[..<count] }
        if received.count >= 3, let waiter {
            self.waiter = nil
            if let registration { loop.deregister(registration) }
            waiter.resume(returning: received)
        }
    }

    func receiveThreeBytes() async throws -> [UInt8] {
        registration = try loop.register(socket.descriptor, interest: .read, handler: self)
        return await withCheckedContinuation { waiter = $0 }
    }
}

/// Reports whether the caller runs on `loop` (a nonisolated async function follows the task
/// executor preference).
nonisolated func runsOn(_ loop: EventLoop) async -> Bool { loop.inLoop }

extension WebSocketIOTests {
    @Suite("EventLoop as an executor")
    struct EventLoopExecutorTests {
        @Test("An actor whose executor is the loop runs on the loop thread")
        func actorRunsOnLoop() async throws {
            try await withLoop { loop in
                let actor = LoopBoundCounter(loop: loop)
                #expect(await actor.isOnLoop())
                #expect(!loop.inLoop)
            }
        }

        @Test("assumeIsolated works from an IOHandler callback")
        func assumeIsolatedFromReadiness() async throws {
            try await withLoop { loop in
                let (reader, writer) = try TCPSocket.makePair()
                let actor = ReadinessActor(loop: loop, socket: reader)
                async let received = actor.receiveThreeBytes()
                let bytes: [UInt8] = [1, 2, 3]
                _ = try bytes.withUnsafeBytes { try writer.write($0) }
                #expect(try await received == [1, 2, 3])
                #expect(await actor.wasOnLoop)
            }
        }

        @Test("withTaskExecutorPreference runs nonisolated code and child tasks on the loop")
        func taskExecutorPreference() async throws {
            try await withLoop { loop in
                let (direct, child) = await withTaskExecutorPreference(loop) {
                    let direct = await runsOn(loop)
                    let child = await withTaskGroup(of: Bool.self) { group in
                        group.addTask { await runsOn(loop) }
                        return await group.next()!
                    }
                    return (direct, child)
                }
                #expect(direct)
                #expect(child)
            }
        }

        @Test("Jobs and closures submitted from other threads all run")
        func remoteSubmissions() async throws {
            try await withLoop { loop in
                let actor = LoopBoundCounter(loop: loop)
                let ran = AtomicCounter()
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<1_000 {
                        group.addTask { await actor.increment() }
                    }
                }
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<1_000 {
                        group.addTask {
                            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                                loop.execute {
                                    ran.increment()
                                    done.resume()
                                }
                            }
                        }
                    }
                }
                #expect(await actor.count == 1_000)
                #expect(ran.value == 1_000)
            }
        }

        @Test("Jobs enqueued on the loop thread run in FIFO order")
        func localJobsAreFIFO() async throws {
            try await withLoop { loop in
                let actor = LoopBoundCounter(loop: loop)
                await actor.spawnAppenders(500)
                #expect(await actor.order == Array(0..<500))
            }
        }

        @Test("Closures queued from the loop thread run in order, after the current one")
        func localClosuresAreFIFO() async throws {
            try await withLoop { loop in
                let seen = LoopLocal<[Int]>([])
                let result: [Int] = await withCheckedContinuation { done in
                    loop.execute {
                        for index in 0..<1_000 { loop.execute { seen.value.append(index) } }
                        seen.value.append(-1)   // the current closure finishes first
                        loop.execute { done.resume(returning: seen.value) }
                    }
                }
                #expect(result == [-1] + Array(0..<1_000))
            }
        }

        @Test("shutdown runs the work already queued, then stops the thread")
        func shutdownDrainsQueue() async throws {
            let loop = try EventLoop()
            let ran = AtomicCounter()
            for _ in 0..<100 { loop.execute { ran.increment() } }
            loop.shutdown()
            #expect(ran.value == 100)
            loop.shutdown()   // idempotent
        }

        @Test("The loop thread is named ws-loop-N")
        func threadName() async throws {
            try await withLoop { loop in
                let name = try await loop.run { currentThreadName() }
                #expect(name == "ws-loop-\(loop.number)")
            }
        }

        @Test("A group hands out its loops round-robin")
        func groupRoundRobin() throws {
            let group = try EventLoopGroup(loopCount: 3)
            defer { group.shutdown() }
            let picked = (0..<6).map { _ in group.next() }
            #expect(picked[0] === picked[3] && picked[1] === picked[4] && picked[2] === picked[5])
            #expect(picked[0] !== picked[1] && picked[1] !== picked[2])
            #expect(EventLoopGroup.coreCount >= 1)
        }
    }
}
