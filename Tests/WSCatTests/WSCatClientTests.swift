import AsyncWebSocket
import Synchronization
import Testing
import WebSocketCore
@testable import WSCatCore

/// `wscat --connect` run in-process against a loopback `withTestServer`.
@Suite("wscat --connect", .timeLimit(.minutes(1)))
struct WSCatClientTests {
    /// An echo handler that records the close code it saw.
    static func echo(_ closes: Recorder<UInt16>) -> WebSocketServer.Handler {
        { ws in
            for await message in ws.messages { try await ws.send(message) }
            closes.append(ws.closeCode?.rawValue ?? 0)
        }
    }

    @Test("typed lines go out as text, replies print after <, end of input closes with 1000")
    func interactiveText() async throws {
        let closes = Recorder<UInt16>()
        try await withTestServer(handler: Self.echo(closes)) { server in
            let run = WSCatRun(["--connect", server.url])
            await run.output.line(containing: "connected to \(server.url)")
            run.type("hello")
            await run.output.line(containing: "< hello")
            run.type("héllo wörld")
            await run.output.line(containing: "< héllo wörld")
            run.endInput()
            #expect(await run.status == 0)
            #expect(run.output.lines.last == "disconnected (code 1000)")
        }
        #expect(closes.all == [1000])
    }

    @Test("Ctrl-C closes with 1000 and exits 0")
    func interrupt() async throws {
        let closes = Recorder<UInt16>()
        try await withTestServer(handler: Self.echo(closes)) { server in
            let run = WSCatRun(["-c", server.url])
            await run.output.line(containing: "connected")
            run.interrupt()
            #expect(await run.status == 0)
        }
        #expect(closes.all == [1000])
    }

    @Test("a URL without ws:// is taken as ws://, as Node's wscat does")
    func schemeLess() async throws {
        try await withTestServer(handler: Self.echo(Recorder())) { server in
            let run = WSCatRun(["-c", "127.0.0.1:\(server.port)"])
            await run.output.line(containing: "connected to ws://127.0.0.1:\(server.port)")
            run.endInput()
            #expect(await run.status == 0)
        }
    }

    @Test("--binary sends lines as binary; binary replies print as length and hex")
    func binary() async throws {
        let kinds = Recorder<String>()
        try await withTestServer { ws in
            for await message in ws.messages {
                if case .binary = message { kinds.append("binary") } else { kinds.append("text") }
                try await ws.send(message)
            }
        } body: { server in
            let run = WSCatRun(["-c", server.url, "--binary"])
            run.type("hi!")
            await run.output.line(containing: "< binary 3 bytes: 68 69 21")
            run.endInput()
            #expect(await run.status == 0)
        }
        #expect(kinds.all == ["binary"])
    }

    @Test("-s offers subprotocols, -H adds headers, -o sends Origin")
    func requestOptions() async throws {
        let seen = Recorder<String>()
        try await withTestServer(upgrade: { request in
            seen.append("protocols=\(request.subprotocols.joined(separator: ","))")
            seen.append("x-token=\(request.headers["X-Token"] ?? "-")")
            seen.append("x-other=\(request.headers["X-Other"] ?? "-")")
            seen.append("origin=\(request.origin ?? "-")")
            return .accept(subprotocol: "chat.v2")
        }, handler: Self.echo(Recorder())) { server in
            let run = WSCatRun([
                "-c", server.url, "-s", "chat.v1", "--subprotocol", "chat.v2", "-H", "X-Token: abc",
                "--header", "X-Other:  spaced ", "--origin", "http://example.com",
            ])
            await run.output.line(containing: "connected to \(server.url), subprotocol chat.v2")
            run.endInput()
            #expect(await run.status == 0)
        }
        #expect(seen.all == ["protocols=chat.v1,chat.v2", "x-token=abc", "x-other=spaced", "origin=http://example.com"])
    }

    @Test("-x sends each message, -w waits for replies; a close with 4000 prints code and reason and exits 1")
    func executeThenServerCloses() async throws {
        try await withTestServer { ws in
            var received: [String] = []
            for await message in ws.messages {
                guard case .text(let text) = message else { continue }
                received.append(text)
                if received.count == 2 {
                    try await ws.send(text: received.joined(separator: "+"))
                    try await ws.close(code: CloseCode(rawValue: 4000), reason: "bye")
                }
            }
        } body: { server in
            let run = WSCatRun(["-c", server.url, "-x", "one", "--execute", "two", "-w", "30"])
            #expect(await run.status == 1)
            #expect(run.output.lines.contains("< one+two"))
            #expect(run.output.lines.last == #"disconnected (code 4000, reason "bye")"#)
        }
    }

    @Test("-w keeps the connection open after the end of input, so replies to piped lines arrive")
    func waitAfterEndOfInput() async throws {
        let closes = Recorder<UInt16>()
        try await withTestServer(handler: Self.echo(closes)) { server in
            let run = WSCatRun(["-c", server.url, "-w", "30"])
            run.type("piped")
            run.endInput()
            await run.output.line(containing: "< piped")
            #expect(await server.server.connectionCount == 1)   // still waiting out -w
            run.interrupt()                                // Ctrl-C cuts the wait short
            #expect(await run.status == 0)

            let short = WSCatRun(["-c", server.url, "-w", "0.05"])
            short.endInput()
            #expect(await short.status == 0)               // closes by itself when -w runs out
        }
        #expect(closes.all == [1000, 1000])
    }

    @Test("--ping prints the round trip and closes with 1000")
    func ping() async throws {
        try await withTestServer(handler: Self.echo(Recorder())) { server in
            let run = WSCatRun(["-c", server.url, "--ping"])
            #expect(await run.status == 0)
            #expect(run.output.lines.contains { $0.hasPrefix("pong: round trip ") && $0.hasSuffix(" ms") })
        }
    }

    @Test("--show-ping-pong prints the server's Pings and the Pong to --ping")
    func showPingPong() async throws {
        try await withTestServer { ws in
            for await message in ws.messages {
                if message == .text("ping me") { try await ws.ping() }   // payload 00…01
            }
        } body: { server in
            let run = WSCatRun(["-c", server.url, "-P"])
            run.type("ping me")
            await run.output.line(containing: "< ping 0000000000000001")
            run.endInput()
            #expect(await run.status == 0)
            let pinging = WSCatRun(["-c", server.url, "--show-ping-pong", "--ping", "-w", "0"])
            #expect(await pinging.status == 0)
            #expect(pinging.output.lines.contains("< pong 0000000000000001"))
        }
    }

    @Test("--max-message: a larger message fails the connection with 1009 and exits 1")
    func maxMessage() async throws {
        try await withTestServer { ws in
            try await ws.send(text: String(repeating: "x", count: 11))
            for await _ in ws.messages {}
        } body: { server in
            let run = WSCatRun(["-c", server.url, "--max-message", "10"])
            #expect(await run.status == 1)
            #expect(run.output.lines.last?.hasPrefix("disconnected (code 1009") == true, "\(run.output.lines)")
        }
    }

    @Test("--echo echoes what the server sends until it closes")
    func echoClient() async throws {
        try await withTestServer { ws in
            try await ws.send(text: "ping-pong")
            for await message in ws.messages {
                #expect(message == .text("ping-pong"))
                break
            }
        } body: { server in
            let run = WSCatRun(["-c", server.url, "--echo"])
            run.endInput()   // ignored: an echo client runs until the server closes
            #expect(await run.status == 0)
        }
    }

    @Test("on a terminal: a > prompt and colours; --no-color turns colours off")
    func terminal() async throws {
        try await withTestServer(handler: Self.echo(Recorder())) { server in
            let coloured = WSCatRun(["-c", server.url], terminal: true)
            coloured.type("a")
            await coloured.output.line(containing: "a")
            coloured.endInput()
            #expect(await coloured.status == 0)
            #expect(coloured.output.standardOutput.contains("\u{1B}[34m< \u{1B}[0ma\n> "))

            let plain = WSCatRun(["-c", server.url, "--no-color"], terminal: true)
            plain.type("b")
            await plain.output.line(containing: "b")
            plain.endInput()
            #expect(await plain.status == 0)
            #expect(plain.output.standardOutput.contains("\r\u{1B}[2K< b\n> "))
            #expect(!plain.output.standardOutput.contains("\u{1B}[3"))
        }
    }

    @Test("-p 8 against a version-13 server: a clear 426 error, exit 1")
    func protocolVersion8() async throws {
        try await withTestServer(handler: Self.echo(Recorder())) { server in
            let run = WSCatRun(["-c", server.url, "-p", "8"])
            #expect(await run.status == 1)
            #expect(run.output.standardError.contains("426 Upgrade Required"), "\(run.output.standardError)")
            #expect(run.output.standardError.contains("does not speak WebSocket version 8"))
            let thirteen = WSCatRun(["-c", server.url, "--protocol-version", "13"])
            thirteen.endInput()
            #expect(await thirteen.status == 0)
        }
    }

    @Test("a rejected handshake prints the status")
    func rejected() async throws {
        try await withTestServer(upgrade: { _ in .reject(status: 403) }, handler: Self.echo(Recorder())) { server in
            let run = WSCatRun(["-c", server.url])
            #expect(await run.status == 1)
            #expect(run.output.standardError.contains("server rejected the handshake"), "\(run.output.standardError)")
            #expect(run.output.standardError.contains("403 Forbidden"))
        }
    }

    @Test("a bad URL is a clear error, exit 1", arguments: ["http://127.0.0.1/", "ws://", "ws://host:99999/", "ws://h/#frag"])
    func badURL(url: String) async {
        let run = WSCatRun(["-c", url])
        #expect(await run.status == 1)
        #expect(run.output.standardError.hasPrefix("wscat: invalid URL"), "\(run.output.standardError)")
    }

    @Test("a refused connection is a clear error, exit 1")
    func refused() async throws {
        let port = try ClosedPort()
        defer { port.release() }
        let run = WSCatRun(["-c", "ws://127.0.0.1:\(port.number)/"])
        #expect(await run.status == 1)
        #expect(run.output.standardError.contains("cannot connect to ws://127.0.0.1:\(port.number)/"))
        #expect(run.output.standardError.contains("refused"), "\(run.output.standardError)")
    }

    @Test("usage errors exit 2 with the usage; --help and --version exit 0")
    func usage() async {
        let bad = WSCatRun(["--nope"])
        #expect(await bad.status == 2)
        #expect(bad.output.standardError.contains("unknown argument --nope"))
        #expect(bad.output.standardError.contains("usage: wscat"))
        let help = WSCatRun(["--help"])
        #expect(await help.status == 0)
        #expect(help.output.standardOutput.contains("--show-ping-pong"))
        let version = WSCatRun(["--version"])
        #expect(await version.status == 0)
        #expect(version.output.standardOutput == WSCatCommand.version + "\n")
    }
}
