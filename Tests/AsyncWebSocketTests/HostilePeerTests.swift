import Testing
import AsyncWebSocket
import WebSocketCore
import WebSocketIO

/// Peers that are slow, broken or hostile (issue 6): every one is cut off with the right status
/// or close code, within its timeout, with bounded memory and no leaked descriptor, and the
/// server keeps serving everyone else.
@Suite("Hostile peers", .timeLimit(.minutes(2)))
struct HostilePeerTests {
    /// A valid upgrade request, as a slow-loris client would dribble it.
    static let upgradeRequest = Array((
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)

    // MARK: Handshake

    @Test("A head over the size or header-count limit gets 431 and the connection is closed", arguments: [
        "100 KiB of headers", "10,000 header lines",
    ])
    func headerFlood(_ flood: String) async throws {
        var head = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n".utf8)
        if flood == "100 KiB of headers" {
            for index in 0 ..< 25 { head += Array("X-Big-\(index): \(patternText(4096))\r\n".utf8) }
        } else {
            for index in 0 ..< 10_000 { head += Array("X-\(index): y\r\n".utf8) }
        }
        head += Array("\r\n".utf8)
        let reached = Shared(false)
        try await withTestServer(group: hostilePeerLoops, handler: { _ in reached.update { $0 = true } }) { server in
            let client = try await RawClient.open(port: server.port, group: hostilePeerLoops)
            // The server answers as soon as a limit is passed, while we are still sending: it
            // may reset the connection under the rest of our request, so a failed send is fine.
            let request = head
            let sending = Task { try? await client.send(request) }
            let (response, _) = try await client.readHead()
            #expect(response.status == 431)
            _ = try await client.readToEnd()
            #expect(await client.sawEndOfStream)
            await sending.value
            await client.close()
        }
        #expect(!reached.value)
    }

    /// The handshake timeout is 2 s here (10 s by default) and the clients send a byte every
    /// 100 ms (the issue says one per second): the same attack, ten times faster. (The ordinary
    /// client is bound by the same 2 s, on a machine the other suites keep busy.)
    @Test(
        "Slow loris: 500 clients dribbling their handshake are cut off at the handshake timeout; others still connect",
        .enabled(if: raiseDescriptorLimit(to: 4096), "RLIMIT_NOFILE cannot be raised to 4,096"))
    func slowLoris() async throws {
        var configuration = WebSocketConfiguration()
        configuration.handshakeTimeout = .seconds(2)
        let clients = 500
        let request = Self.upgradeRequest
        try await withTestServer(configuration: configuration, group: hostilePeerLoops, handler: echo) { server in
            let start = ContinuousClock.now
            let closedAfter = try await withThrowingTaskGroup(of: Duration?.self) { group in
                for _ in 0 ..< clients {
                    group.addTask {
                        let opened = ContinuousClock.now   // before connecting: the server's timer starts later
                        let client = try await RawClient.open(port: server.port, group: hostilePeerLoops)
                        defer { Task { await client.close() } }
                        // The full request would take request.count / 10 s (about 15 s).
                        for byte in request.dropLast() {
                            if await client.peerHasClosed() { return ContinuousClock.now - opened }
                            try? await client.send([byte])
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        return nil
                    }
                }
                // Meanwhile an ordinary client connects and echoes.
                let reply = try await WebSocket.connect(to: server.url, group: hostilePeerLoops) { ws -> Message? in
                    try await ws.send(text: "hello")
                    for await message in ws.messages { return message }
                    return nil
                }
                #expect(reply == .text("hello"))
                var durations: [Duration?] = []
                for try await duration in group { durations.append(duration) }
                return durations
            }
            // Every slow client was cut off before its request was complete (a client that got to
            // send it all returns nil), and none before the timeout. How soon after the timeout
            // depends on how busy the machine is, so it is printed, not asserted.
            let cutOff = closedAfter.compactMap { $0 }
            #expect(cutOff.count == clients, "\(clients - cutOff.count) slow clients were never cut off")
            #expect(cutOff.allSatisfy { $0 >= configuration.handshakeTimeout })
            print("slow loris: \(cutOff.count) clients cut off after \(cutOff.min() ?? .zero) to \(cutOff.max() ?? .zero); all within \(ContinuousClock.now - start)")
            // The ordinary client's connection is untracked by the server just after the client's
            // scope returns: wait for it (bounded) rather than racing it.
            let deadline = ContinuousClock.now + .seconds(10)
            while await server.server.connectionCount > 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await server.server.connectionCount == 0)
        }
    }

    @Test("Over maxConnections a client gets 503 and is closed; the server keeps serving")
    func connectionLimit() async throws {
        var configuration = WebSocketConfiguration()
        configuration.maxConnections = 2
        let opened = Mailbox<Void>()
        try await withTestServer(configuration: configuration, group: hostilePeerLoops, handler: { ws in
            opened.post(())
            for await message in ws.messages { try await ws.send(message) }
        }) { server in
            let first = try await RawClient.connect(port: server.port, group: hostilePeerLoops)
            let second = try await RawClient.connect(port: server.port, group: hostilePeerLoops)
            _ = await opened.next(2)

            let third = try await RawClient.open(port: server.port, group: hostilePeerLoops)
            try await third.send(Self.upgradeRequest)
            let (response, _) = try await third.readHead()
            #expect(response.status == 503)
            _ = try await third.readToEnd()
            #expect(await third.sawEndOfStream)
            await third.close()

            // A slot frees up: the next client is served.
            try await first.sendFrame(.close, [0x03, 0xE8])
            _ = try await first.readCloseFrame()
            await first.close()
            let served = try await waitUntil { await server.server.connectionCount < 2 }
            #expect(served)
            let reply = try await WebSocket.connect(to: server.url, group: hostilePeerLoops) { ws -> Message? in
                try await ws.send(text: "again")
                for await message in ws.messages { return message }
                return nil
            }
            #expect(reply == .text("again"))
            await second.close()
        }
    }

    // MARK: Messages

    /// A message of `maxMessageSize` bytes in 1-byte fragments (Node ws advisory: memory
    /// exhaustion through tiny fragments), scaled from 16 MiB to 32 KiB for a debug build.
    @Test("A message in 1-byte fragments is held within the message limit; one byte more is 1009", arguments: [0, 1])
    func tinyFragments(_ extra: Int) async throws {
        var configuration = WebSocketConfiguration()
        configuration.maxMessageSize = 32 << 10
        configuration.inboundBufferBytes = 64 << 10
        let size = configuration.maxMessageSize + extra
        let bound = configuration.maxMessageSize + configuration.inboundBufferBytes + (64 << 10)
        let connection = Mailbox<WebSocket>()
        let received = Mailbox<(Int?, CloseCode?)>()
        try await withTestServer(configuration: configuration, group: hostilePeerLoops, handler: { ws in
            connection.post(ws)
            for await message in ws.messages {
                if case .binary(let bytes) = message { received.post((bytes.count, nil)) }
            }
            received.post((nil, ws.closeCode))
        }) { server in
            let client = try await RawClient.connect(port: server.port, group: hostilePeerLoops)
            let ws = try #require(await connection.next())
            var wire: [UInt8] = []
            wire.reserveCapacity(size * 7)
            for index in 0 ..< size {
                let frame = Frame(opcode: index == 0 ? .binary : .continuation, payload: [UInt8(index & 0xFF)], fin: index == size - 1)
                wire += FrameEncoder.encode(frame, maskingKey: MaskingKey(networkOrder: 0x1234_5678))
            }
            // Send in 16 KiB pieces, sampling the server's buffered bytes between them.
            var maxBuffered = 0
            var offset = 0
            while offset < wire.count {
                let end = min(offset + (16 << 10), wire.count)
                try? await client.send(Array(wire[offset ..< end]))
                offset = end
                maxBuffered = max(maxBuffered, await ws.bufferedInboundBytes)
            }
            let (length, code) = try #require(await received.next())
            #expect(maxBuffered <= bound)
            if extra == 0 {
                #expect(length == size)
                #expect(code == nil)
            } else {
                #expect(length == nil)
                #expect(code == .messageTooBig)
            }
            await client.close()
        }
    }

    // MARK: Failing the connection

    struct Violation: Sendable, CustomTestStringConvertible {
        let name: String
        let frames: @Sendable () -> [UInt8]
        let expected: CloseCode
        var testDescription: String { name }

        static func masked(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
            FrameEncoder.encode(Frame(opcode: opcode, payload: payload, fin: fin), maskingKey: MaskingKey(networkOrder: 0x0102_0304))
        }
    }

    static let violations: [Violation] = [
        Violation(name: "frame over maxFrameSize → 1009", frames: { Violation.masked(.binary, patternBytes(4096)) }, expected: .messageTooBig),
        Violation(name: "invalid UTF-8 text → 1007", frames: { Violation.masked(.text, [0x48, 0xC3, 0x28]) }, expected: .invalidPayloadData),
        Violation(name: "invalid UTF-8 in a close reason → 1007", frames: {
            Violation.masked(.close, [0x03, 0xE8, 0x61, 0xC3, 0x28])
        }, expected: .invalidPayloadData),
        Violation(name: "close code 1005 on the wire → 1002", frames: { Violation.masked(.close, [0x03, 0xED]) }, expected: .protocolError),
        Violation(name: "one-byte close payload → 1002", frames: { Violation.masked(.close, [0x03]) }, expected: .protocolError),
        Violation(name: "unknown opcode → 1002", frames: { [0x83, 0x80, 1, 2, 3, 4] }, expected: .protocolError),
    ]

    @Test("A violation closes with its code and the server closes TCP even if the peer never answers", arguments: violations)
    func violationWithSilentPeer(_ violation: Violation) async throws {
        var configuration = WebSocketConfiguration()
        configuration.maxFrameSize = 2048
        configuration.closeTimeout = .seconds(1)
        let seen = Mailbox<(CloseCode?, WebSocketError.Kind?)>()
        try await withTestServer(configuration: configuration, group: hostilePeerLoops, handler: { ws in
            for await _ in ws.messages {}
            seen.post((ws.closeCode, ws.closeError?.kind))
        }) { server in
            let client = try await RawClient.connect(port: server.port, group: hostilePeerLoops)
            try await client.send(violation.frames())
            // Read to EOF without ever answering the server's Close or closing our end.
            let start = ContinuousClock.now
            let bytes = try await client.readToEnd()
            #expect(ContinuousClock.now - start < configuration.closeTimeout + .seconds(3))
            var decoder = Connection(role: .client, maskingKeys: SystemRandomNumberGenerator())
            decoder.receive(bytes)
            var close: CloseFrame?
            while let event = decoder.nextEvent() { if case .closeReceived(let frame) = event { close = frame } }
            #expect(close?.code == violation.expected)
            let (code, kind) = try #require(await seen.next())
            #expect(code == violation.expected)
            #expect(kind == .protocolViolation)
            await client.close()
        }
    }

    @Test("A server-initiated close ends within closeTimeout when the peer never answers or closes TCP")
    func closeWithSilentPeer() async throws {
        var configuration = WebSocketConfiguration()
        configuration.closeTimeout = .milliseconds(500)
        let seen = Mailbox<(CloseCode?, WebSocketError.Kind?, Duration)>()
        try await withTestServer(configuration: configuration, group: hostilePeerLoops, handler: { ws in
            let start = ContinuousClock.now
            try await ws.close(code: .normalClosure, reason: "bye")
            seen.post((ws.closeCode, ws.closeError?.kind, .now - start))
        }) { server in
            let client = try await RawClient.connect(port: server.port, group: hostilePeerLoops)   // and never reads
            let (code, kind, elapsed) = try #require(await seen.next())
            #expect(code == .abnormalClosure)
            #expect(kind == .timedOut)
            #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(4))
            _ = try await client.readToEnd()   // the Close (maybe read with the 101), then EOF
            #expect(await client.sawEndOfStream)
            await client.close()
        }
    }

    // MARK: Vanishing peers

    @Test("A peer that resets mid-frame or mid-handshake leaves 1006 and no descriptor behind", arguments: [
        "mid-frame", "mid-handshake",
    ])
    func resetPeer(_ when: String) async throws {
        let seen = Mailbox<(CloseCode?, WebSocketError.Kind?)>()
        let reached = Shared(false)
        try await withTestServer(group: hostilePeerLoops, handler: { ws in
            reached.update { $0 = true }
            for await _ in ws.messages {}
            seen.post((ws.closeCode, ws.closeError?.kind))
        }) { server in
            let client: RawClient
            if when == "mid-frame" {
                client = try await RawClient.connect(port: server.port, group: hostilePeerLoops)
                let frame = Violation.masked(.binary, patternBytes(1000))
                try await client.send(Array(frame.prefix(500)))
            } else {
                client = try await RawClient.open(port: server.port, group: hostilePeerLoops)
                try await client.send(Array(Self.upgradeRequest.prefix(40)))
            }
            let accepted = try await waitUntil { acceptedSocketCount(port: server.port) == 1 }
            #expect(accepted)
            await client.reset()
            if when == "mid-frame" {
                let (code, kind) = try #require(await seen.next())
                #expect(code == .abnormalClosure)
                #expect(kind == .transport)
            }
            let released = try await waitUntil { acceptedSocketCount(port: server.port) == 0 }
            #expect(released, "\(acceptedSocketCount(port: server.port)) server-side sockets left open")
        }
        #expect(reached.value == (when == "mid-frame"))
    }
}
