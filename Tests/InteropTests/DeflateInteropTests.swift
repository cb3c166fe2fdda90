import AsyncWebSocket
import Foundation
import Testing
import WebSocketCompression
import WebSocketCore

/// permessage-deflate against Python `websockets` (which compresses by default), both directions,
/// with and without context takeover and with small windows.
@Suite(
    "permessage-deflate ↔ Python websockets",
    .enabled(if: Python.isAvailable, "python3 with websockets >= 13 is not installed: interop tests skipped"),
    .timeLimit(.minutes(1)))
struct DeflateInteropTests {
    struct ServerCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// Our server's settings.
        var settings: PerMessageDeflate
        /// `ClientPerMessageDeflateFactory` arguments, or `nil` for websockets' default offer.
        var pythonOffer: String?
        var expectedResponse: String
        var testDescription: String { name }
    }

    static let serverCases: [ServerCase] = [
        .init(name: "server defaults, websockets' default offer", settings: .server, pythonOffer: nil,
              expectedResponse: "permessage-deflate; server_no_context_takeover"),
        .init(name: "context takeover both ways", settings: PerMessageDeflate(), pythonOffer: nil,
              expectedResponse: "permessage-deflate"),
        .init(name: "we limit both windows to 9 bits", settings: PerMessageDeflate(serverMaxWindowBits: 9, clientMaxWindowBits: 9),
              pythonOffer: nil, expectedResponse: "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9"),
        .init(name: "the client asks for no context takeover and small windows", settings: .server,
              pythonOffer: #"{"server_no_context_takeover": true, "client_no_context_takeover": true, "server_max_window_bits": 10, "client_max_window_bits": 9}"#,
              expectedResponse: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"),
        .init(name: "the client asks for a server window of 8: accepted, we send uncompressed", settings: .server,
              pythonOffer: #"{"server_max_window_bits": 8}"#,
              expectedResponse: "permessage-deflate; server_no_context_takeover; server_max_window_bits=8"),
    ]

    @Test("Python client → our server", arguments: serverCases)
    func pythonClient(_ example: ServerCase) async throws {
        var configuration = WebSocketConfiguration()
        configuration.compression.server = example.settings
        let log = ServerLog()
        let results = try await withServer(configuration: configuration, handler: echoHandler(log)) { port in
            var results: [ClientResult] = []
            for scenario in ["echo", "fragmented"] {
                let arguments = example.pythonOffer.map { ["--deflate", $0] } ?? []
                results.append(try await runPythonClient("ws://127.0.0.1:\(port)/echo", scenario, arguments: arguments))
            }
            return results
        }
        for result in results {
            #expect(result.ok, "\(result.scenario): \(result.error ?? "")")
            #expect(result.responseExtensions == example.expectedResponse)
            #expect(result.closeCode == 1000)
        }
        #expect(results.first?.echoed?.count == 13)
        #expect(results.last?.interleavedOk == true)
    }

    struct ClientCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// `ServerPerMessageDeflateFactory` arguments, or `nil` for `--compression deflate`.
        var pythonServer: String?
        /// Our client's settings.
        var settings: PerMessageDeflate
        var testDescription: String { name }
    }

    static let clientCases: [ClientCase] = [
        .init(name: "websockets' default server (windows 12, memLevel 5), our default offer", pythonServer: nil, settings: .client),
        .init(name: "server without context takeover either way",
              pythonServer: #"{"server_no_context_takeover": true, "client_no_context_takeover": true}"#, settings: .client),
        .init(name: "server limits both windows to 9 bits",
              pythonServer: #"{"server_max_window_bits": 9, "client_max_window_bits": 9}"#, settings: .client),
        .init(name: "server limits the client window to 8: we send uncompressed",
              pythonServer: #"{"client_max_window_bits": 8}"#, settings: .client),
        .init(name: "we ask for no context takeover and a 10-bit server window", pythonServer: "{}",
              settings: PerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10)),
    ]

    @Test("our client → Python server", arguments: clientCases)
    func ourClient(_ example: ClientCase) async throws {
        var configuration = WebSocketConfiguration()
        configuration.compression.client = example.settings
        let big = Message.text(text(ofSize: 4 << 20))
        let arguments = example.pythonServer.map { ["--deflate", $0] } ?? ["--compression", "deflate"]
        try await withPythonServer(arguments) { server in
            try await WebSocket.connect(to: server.url("/echo"), configuration: configuration) { ws in
                #expect(ws.response.headers["Sec-WebSocket-Extensions"]?.hasPrefix("permessage-deflate") == true)
                for size in sizeClasses {
                    for message in [Message.text(text(ofSize: size)), .binary(bytes(ofSize: size))] {
                        try await ws.send(message)
                        let echoed = await receive(ws)
                        #expect(echoed == message, "\(message.summary) came back as \(echoed?.summary ?? "nothing")")
                    }
                }
                let utf8 = String(repeating: "héllo wörld 世界 😀", count: 1000)
                try await ws.send(text: utf8)
                #expect(await receive(ws) == .text(utf8))
                try await ws.send(big)
                #expect(await receive(ws) == big)
                try await ws.send(.binary(bytes(ofSize: 5000)), compress: false)
                #expect(await receive(ws) == .binary(bytes(ofSize: 5000)))
            }
            #expect(try await server.nextClose().code == 1000)
            // websockets sends every message compressed; /drive checks what we echo back.
            try await WebSocket.connect(to: server.url("/drive"), configuration: configuration) { ws in
                for await message in ws.messages { try await ws.send(message) }
            }
            let json = try await server.peer.line(startingWith: "DRIVE ")
            #expect(json.contains(#""ok": true"#), "\(json)")
        }
    }

    @Test("wscat --listen 0 --echo --deflate compresses with the Python client", .enabled(if: wscatExecutable != nil))
    func wscatDeflate() async throws {
        let wscat = try PeerProcess(
            name: "wscat", executable: try #require(wscatExecutable), arguments: ["--listen", "0", "--echo", "--deflate"])
        defer { wscat.terminate() }
        let banner = try await wscat.line(startingWith: "listening on ws://127.0.0.1:")
        let port = try #require(Int(banner.prefix(while: \.isNumber)), "banner: \(banner)")
        let result = try await runPythonClient("ws://127.0.0.1:\(port)/", "echo")
        #expect(result.ok)
        #expect(result.echoed?.count == 13)
        #expect(result.responseExtensions == "permessage-deflate; server_no_context_takeover")
    }
}
