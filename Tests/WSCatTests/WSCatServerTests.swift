import AsyncWebSocket
import Testing
import WebSocketCore
@testable import WSCatCore

/// `wscat --listen` run in-process, with `WebSocket.connect` clients.
@Suite("wscat --listen", .timeLimit(.minutes(1)))
struct WSCatServerTests {
    @Test("prints connections and messages, sends typed lines to every client, Ctrl-C stops it")
    func interactive() async throws {
        let run = WSCatRun(["--listen", "0"])
        let port = try await run.listeningPort()
        let url = "ws://127.0.0.1:\(port)/room?x=1"
        let first = try await WebSocket.connect(to: url)
        await run.output.line(containing: "[1] connected from 127.0.0.1:")
        let second = try await WebSocket.connect(to: url, subprotocols: ["ignored"])
        await run.output.line(containing: "[2] connected from 127.0.0.1:")
        #expect(run.output.lines.contains { $0.hasPrefix("[1] connected") && $0.hasSuffix("path /room?x=1") })
        try await first.send(text: "from one")
        await run.output.line(containing: "< [1] from one")
        try await second.send(binary: [0xde, 0xad])
        await run.output.line(containing: "< [2] binary 2 bytes: de ad")

        run.type("to everyone")
        for ws in [first, second] {
            for await message in ws.messages {
                #expect(message == .text("to everyone"))
                break
            }
        }
        try await first.close()
        await run.output.line(containing: "[1] disconnected (code 1000)")

        run.endInput()   // end of input keeps the server running
        try await second.send(text: "still here")
        await run.output.line(containing: "< [2] still here")
        run.interrupt()
        #expect(await run.status == 0)
        await second.waitForClose()
        #expect(await second.closeCode == .goingAway)
    }

    @Test("a typed line with no client connected is reported")
    func noClients() async throws {
        let run = WSCatRun(["-l", "0"])
        _ = try await run.listeningPort()
        run.type("anyone?")
        run.interrupt()
        #expect(await run.status == 0)
        #expect(run.output.standardError.contains("no client is connected"))
    }

    @Test("--echo is a quiet echo server; --binary sends typed lines as binary")
    func echoAndBinary() async throws {
        let echo = WSCatRun(["-l", "0", "--echo"])
        let echoPort = try await echo.listeningPort()
        #expect(echo.output.lines[0].contains("(echo)"))
        let reply: Message? = try await WebSocket.connect(to: "ws://127.0.0.1:\(echoPort)/") { ws in
            try await ws.send(binary: [1, 2, 3])
            for await message in ws.messages { return message }
            return nil
        }
        #expect(reply == .binary([1, 2, 3]))
        echo.interrupt()
        #expect(await echo.status == 0)

        let binary = WSCatRun(["-l", "0", "--binary"])
        let port = try await binary.listeningPort()
        let ws = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/")
        await binary.output.line(containing: "[1] connected")
        binary.type("raw")
        for await message in ws.messages {
            #expect(message == .binary(Array("raw".utf8)))
            break
        }
        binary.interrupt()
        #expect(await binary.status == 0)
    }

    @Test("-s picks the first offered name it knows, -H adds 101 headers, -o rejects other origins")
    func upgradeOptions() async throws {
        let run = WSCatRun(["-l", "0", "-s", "b", "-s", "a", "-H", "X-Server: wscat", "-o", "http://good"])
        let url = "ws://127.0.0.1:\(try await run.listeningPort())/"
        let ws = try await WebSocket.connect(to: url, subprotocols: ["a", "b"], origin: "http://good")
        #expect(ws.subprotocol == "a")
        #expect(ws.response.headers["X-Server"] == "wscat")
        await run.output.line(containing: "subprotocol a")
        do {
            _ = try await WebSocket.connect(to: url, origin: "http://evil")
            Issue.record("connected with a foreign origin")
        } catch let error as WebSocketError {
            #expect(error.httpStatus == 403)
        }
        run.interrupt()
        #expect(await run.status == 0)
    }

    @Test("--show-ping-pong prints each client's Pings; --max-message closes with 1009")
    func pingsAndLimits() async throws {
        let run = WSCatRun(["-l", "0", "-P", "--max-message", "4"])
        let url = "ws://127.0.0.1:\(try await run.listeningPort())/"
        let ws = try await WebSocket.connect(to: url)
        try await ws.ping()
        await run.output.line(containing: "< [1] ping 0000000000000001")
        try await ws.send(text: "12345")
        await ws.waitForClose()
        #expect(await ws.closeCode == .messageTooBig)
        await run.output.line(containing: "[1] disconnected (code 1009")
        run.interrupt()
        #expect(await run.status == 0)
    }

    @Test("a port in use is a clear error, exit 1")
    func portInUse() async throws {
        try await withTestServer { _ in } body: { server in
            let run = WSCatRun(["-l", String(server.port)])
            #expect(await run.status == 1)
            #expect(run.output.standardError.contains("cannot listen on 127.0.0.1:\(server.port)"))
        }
    }
}

extension WebSocket {
    /// Waits until the connection has closed, taking any messages still queued.
    func waitForClose() async {
        for await _ in messages {}
    }
}
