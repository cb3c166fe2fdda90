import Testing
@testable import WebSocketIO

extension WebSocketIOTests {
    @Suite("EventLoop timers and end-of-tick handlers")
    struct EventLoopTimerTests {
        @Test("Timers fire in deadline order, not scheduling order")
        func deadlineOrder() async throws {
            try await withLoop { loop in
                let fired: [Int] = await withCheckedContinuation { done in
                    loop.execute {
                        let fired = LoopLocal<[Int]>([])
                        loop.scheduleTimer(after: .milliseconds(30)) {
                            fired.value.append(30)
                            done.resume(returning: fired.value)
                        }
                        loop.scheduleTimer(after: .milliseconds(10)) { fired.value.append(10) }
                        loop.scheduleTimer(after: .milliseconds(20)) { fired.value.append(20) }
                        loop.scheduleTimer(after: .zero) { fired.value.append(0) }
                    }
                }
                #expect(fired == [0, 10, 20, 30])
            }
        }

        @Test("A cancelled timer never fires, and a stale ID cancels nothing")
        func cancelledTimersNeverFire() async throws {
            try await withLoop { loop in
                let fired: [String] = await withCheckedContinuation { done in
                    loop.execute {
                        let fired = LoopLocal<[String]>([])
                        let cancelled = loop.scheduleTimer(after: .milliseconds(5)) { fired.value.append("cancelled") }
                        let first = loop.scheduleTimer(after: .milliseconds(1)) { fired.value.append("first") }
                        #expect(loop.cancelTimer(cancelled))
                        #expect(!loop.cancelTimer(cancelled))
                        loop.scheduleTimer(after: .milliseconds(20)) {
                            #expect(!loop.cancelTimer(first))   // already fired
                            #expect(loop.pendingTimerCount == 0)
                            done.resume(returning: fired.value)
                        }
                    }
                }
                #expect(fired == ["first"])
            }
        }

        @Test("A timer can reschedule itself")
        func selfRescheduling() async throws {
            try await withLoop { loop in
                let count: Int = await withCheckedContinuation { done in
                    loop.execute {
                        let count = LoopLocal(0)
                        func tick() {
                            count.value += 1
                            if count.value < 5 {
                                loop.scheduleTimer(after: .zero, tick)
                            } else {
                                done.resume(returning: count.value)
                            }
                        }
                        loop.scheduleTimer(after: .milliseconds(1), tick)
                    }
                }
                #expect(count == 5)
            }
        }

        @Test("Many timers scheduled and cancelled leave the heap empty")
        func heapCancelsInPlace() async throws {
            try await withLoop { loop in
                let pending = try await loop.run {
                    let ids = (0..<1_000).map { index in
                        loop.scheduleTimer(after: .seconds(60 + index % 7)) {}
                    }
                    for id in ids.shuffled() { loop.cancelTimer(id) }
                    return loop.pendingTimerCount
                }
                #expect(pending == 0)
            }
        }

        /// Records its runs; schedules itself at most once per tick, as a connection would.
        final class Flusher: EndOfTickHandler, @unchecked Sendable {
            // @unchecked Sendable. Invariant: created and used only on one loop's thread.
            let log: LoopLocal<[String]>
            var scheduled = false
            init(log: LoopLocal<[String]>) { self.log = log }

            func schedule(on loop: EventLoop) {
                guard !scheduled else { return }
                scheduled = true
                loop.runAtEndOfTick(self)
            }

            func endOfTick() {
                scheduled = false
                log.value.append("flush")
            }
        }

        @Test("End-of-tick handlers run after the jobs queued in the same tick")
        func endOfTickAfterJobs() async throws {
            try await withLoop { loop in
                let log: [String] = await withCheckedContinuation { done in
                    loop.execute {
                        let log = LoopLocal<[String]>([])
                        let flusher = Flusher(log: log)
                        flusher.schedule(on: loop)
                        loop.execute {
                            log.value.append("job 1")
                            flusher.schedule(on: loop)   // idempotent within the tick
                        }
                        loop.execute {
                            log.value.append("job 2")
                            flusher.schedule(on: loop)
                        }
                        // Timers run at the start of a later tick, after this tick's flush.
                        loop.scheduleTimer(after: .zero) { done.resume(returning: log.value) }
                    }
                }
                #expect(log == ["job 1", "job 2", "flush"])
            }
        }
    }
}
