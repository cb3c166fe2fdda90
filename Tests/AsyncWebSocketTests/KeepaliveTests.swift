import Testing
import AsyncWebSocket
import WebSocketCore
import WebSocketIO

/// Keepalive Pings detect a peer that stopped answering; the idle timeout closes connections
/// that carry no messages. Short intervals (a few hundred ms) keep the suite quick; the
/// behaviour under test is the same at the 30 s default.
@Suite("Keepalive and idle timeout", .timeLimit(.minutes(2)))
struct KeepaliveTests {
    struct Ending: Sendable {
        let code: CloseCode?
        let error: WebSocketError.Kind?
        let at: ContinuousClock.Instant
    }

    /// Deadlines are generous (other suites load the same two cores); elapsed times are
    /// measured from before the connection opens, so the lower bounds hold under any load.
    static func keepaliveConfiguration(interval: Duration = .milliseconds(300), timeout: Duration = .seconds(1))
        -> WebSocketConfiguration
    {
        var configuration = WebSocketConfiguration()
        configuration.pingInterval = interval
        configuration.pongTimeout = timeout
        return configuration
    }

    @Test("A half-open peer (connected, never reads or answers) is closed by the keepalive, not before pingInterval + pongTimeout")
    func halfOpenPeerIsDetected() async throws {
        let configuration = Self.keepaliveConfiguration()
        let ended = Mailbox<Ending>()
        try await withTestServer(configuration: configuration, group: keepaliveLoops, handler: { ws in
            for await _ in ws.messages {}
            ended.post(Ending(code: ws.closeCode, error: ws.closeError?.kind, at: .now))
        }) { server in
            let start = ContinuousClock.now
            let peer = try await RawClient.connect(port: server.port, group: keepaliveLoops)   // then silent: never reads
            let ending = try #require(await ended.next())
            #expect(ending.code == .abnormalClosure)
            #expect(ending.error == .keepaliveTimeout)
            // Not before the Pong deadline. How soon after it depends on the machine's load, so
            // it is printed, not asserted; the error kind says the keepalive is what ended it.
            #expect(ending.at - start >= .milliseconds(1300))
            print("half-open peer closed after \(ending.at - start) (ping interval + pong timeout: 1.3 s)")
            // The peer learns why if it ever reads: a Close 1011, then EOF.
            let close = try await peer.readCloseFrame()
            #expect(close?.code == .internalError)
            #expect(close?.reason == "keepalive ping timeout")
            await peer.close()
        }
    }

    @Test("A peer that answers keepalive Pings stays connected past several deadlines")
    func livePeerStaysOpen() async throws {
        // A long Pong deadline: the first Ping may wait for this test's body to be scheduled.
        let configuration = Self.keepaliveConfiguration(interval: .milliseconds(100), timeout: .seconds(60))
        try await withTestServer(configuration: configuration, group: keepaliveLoops, handler: echo) { server in
            let start = ContinuousClock.now
            let peer = try await RawClient.connect(port: server.port, group: keepaliveLoops)
            // Five keepalive Pings, each answered: each answer is what keeps the next deadline
            // from expiring.
            let pings = try await peer.answerPings(5)
            #expect(pings == 5)
            // Each next Ping follows its Pong by pingInterval, not by the Pong deadline (which
            // would make this take 4 minutes): a loose bound a loaded machine cannot miss.
            #expect(ContinuousClock.now - start < .seconds(50))
            #expect(try await peer.echo("still here") == .text("still here"))
            await peer.close()
        }
    }

    @Test("A client detects a server that stopped reading")
    func clientDetectsUnresponsiveServer() async throws {
        // Once one message waits for the server end's (absent) reader it stops reading its
        // socket, so it never sees, let alone answers, the client's keepalive Pings. (Its own
        // keepalive holds off while it is the one not reading.)
        // Both ends keep each other alive until "one" is sent, so their Pong deadline must survive
        // a loaded machine's scheduling delays (a 1 s deadline once expired during set-up in CI).
        var configuration = Self.keepaliveConfiguration(timeout: .seconds(3))
        configuration.inboundBufferMessages = 1
        let start = ContinuousClock.now
        let (client, server) = try await WebSocket.makePair(configuration: configuration, group: keepaliveLoops)
        try await client.send(text: "one")   // the server end pauses reading with it
        let ending = await inspect(client) { ws in (ws.closeCode, ws.closeError?.kind) }
        #expect(ending.0 == nil)
        for await _ in client.messages {}
        let elapsed = ContinuousClock.now - start
        #expect(await client.closeCode == .abnormalClosure)
        #expect(await client.closeError?.kind == .keepaliveTimeout)
        #expect(elapsed >= .milliseconds(3300))
        #expect(await server.isOpen)
        await server.terminate()
    }

    @Test("The idle timeout closes a connection that carries no messages, keepalive Pings notwithstanding")
    func idleTimeout() async throws {
        var configuration = Self.keepaliveConfiguration(interval: .milliseconds(100), timeout: .seconds(5))
        configuration.idleTimeout = .seconds(2)
        let ended = Mailbox<Ending>()
        try await withTestServer(configuration: configuration, group: keepaliveLoops, handler: { ws in
            for await message in ws.messages { try await ws.send(message) }
            ended.post(Ending(code: ws.closeCode, error: ws.closeError?.kind, at: .now))
        }) { server in
            var clientConfiguration = WebSocketConfiguration()
            clientConfiguration.pingInterval = nil
            let start = ContinuousClock.now
            // The client says nothing (its body and its Pong answers run on its own loop, so
            // other suites' load cannot make it miss a deadline); the server's Pings go unnoticed
            // by the idle clock.
            let code = try await WebSocket.connect(to: server.url, configuration: clientConfiguration, group: keepaliveLoops) { ws in
                for await _ in ws.messages {}
                return ws.closeCode
            }
            #expect(code == .goingAway)
            let ending = try #require(await ended.next())
            #expect(ending.error == .idleTimeout)
            #expect(ending.code == .goingAway)
            #expect(ending.at - start >= .seconds(2))
        }
    }

    @Test("A slow reader's backlog is freed when its keepalive times out")
    func slowReaderIsCutOff() async throws {
        var configuration = Self.keepaliveConfiguration(interval: .milliseconds(200), timeout: .seconds(1))
        configuration.outboundHighWaterMark = 256 << 10
        configuration.outboundLowWaterMark = 64 << 10
        let chunk = 64 << 10
        let ended = Mailbox<(WebSocketError.Kind?, WebSocketError.Kind?, Int, Int)>()
        try await withTestServer(configuration: configuration, group: keepaliveLoops, handler: { ws in
            let payload = [UInt8](repeating: 7, count: chunk)
            var maxBuffered = 0
            var failure: WebSocketError.Kind?
            do {
                for _ in 0 ..< 1024 {   // 64 MiB: far more than the socket buffers hold
                    try await ws.send(binary: payload)
                    maxBuffered = max(maxBuffered, ws.bufferedOutboundBytes)
                }
            } catch {
                failure = (error as? WebSocketError)?.kind
            }
            ended.post((failure, ws.closeError?.kind, maxBuffered, ws.bufferedOutboundBytes))
        }) { server in
            let peer = try await RawClient.connect(port: server.port, group: keepaliveLoops)   // and never reads
            let (failure, closeError, maxBuffered, leftover) = try #require(await ended.next())
            #expect(failure == .connectionClosed)
            #expect(closeError == .keepaliveTimeout)
            #expect(maxBuffered <= configuration.outboundHighWaterMark + chunk + 14)
            #expect(leftover == 0)
            await peer.close()
        }
    }
}
