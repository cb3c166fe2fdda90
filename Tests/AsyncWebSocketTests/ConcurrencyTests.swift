import Testing
import AsyncWebSocket
import WebSocketCore

/// Many connections at once against one server.
extension LoadTests {
@Suite("Concurrent connections")
struct ConcurrencyTests {
    static let connectionCount = 1000

    /// Each connection needs two descriptors in this process (client and server end), plus
    /// headroom for the tests running beside this one.
    @Test(
        "1,000 clients connected at the same time each echo a few messages",
        .enabled(if: raiseDescriptorLimit(to: 2 * connectionCount + 1024), "RLIMIT_NOFILE cannot be raised to 3,024")
    )
    func thousandConnections() async throws {
        let count = Self.connectionCount
        let allConnected = Barrier(count: count)
        try await withTestServer(handler: echo) { server in
            let echoed = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0 ..< count {
                    group.addTask {
                        // A failed client breaks the barrier and counts as zero echoes, so a
                        // failure shows up as a failed expectation, never as a hang.
                        do {
                        return try await WebSocket.connect(to: server.url) { ws in
                            var replies = ws.messages.makeAsyncIterator()
                            var matched = 0
                            for round in 0 ..< 3 {
                                let message = Message.text("\(index)/\(round)")
                                try await ws.send(message)
                                if await replies.next() == message { matched += 1 }
                            }
                            // Hold the connection open until every client has echoed.
                            await allConnected.arriveAndWait()
                            return matched
                        }
                        } catch {
                            allConnected.breakBarrier()
                            Issue.record("client \(index): \(error)")
                            return 0
                        }
                    }
                }
                var total = 0
                for try await matched in group { total += matched }
                return total
            }
            #expect(echoed == 3 * count)
        }
    }
}
}
