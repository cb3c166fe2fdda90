import Testing
import AsyncWebSocket
import AsyncWebSocketTLS
@testable import WSCatCore

@Suite("wscat command line")
struct WSCatOptionsTests {
    @Test("every option parses, short and long forms alike")
    func everyOption() throws {
        let parsed = WSCatOptions.parse([
            "-c", "ws://127.0.0.1:9/chat", "-s", "chat.v1", "--subprotocol", "chat.v2", "-H", "X-A: 1",
            "--header", "X-B:2", "-o", "http://example.com", "-x", "one", "--execute", "two", "-w", "1.5", "--ping",
            "--binary", "-P", "--max-message", "1024", "--no-color", "-p", "8", "--deflate",
        ])
        var expected = WSCatOptions()
        expected.mode = .connect(url: "ws://127.0.0.1:9/chat")
        expected.subprotocols = ["chat.v1", "chat.v2"]
        expected.headers = [("X-A", "1"), ("X-B", "2")]
        expected.origin = "http://example.com"
        expected.execute = ["one", "two"]
        expected.wait = .milliseconds(1500)
        expected.ping = true
        expected.binary = true
        expected.showPingPong = true
        expected.maxMessage = 1024
        expected.color = false
        expected.protocolVersion = 8
        expected.deflate = true
        #expect(parsed == .run(expected))
        #expect(expected.configuration.compression == .enabled)
        #expect(WSCatOptions().configuration.compression == .disabled)

        var listen = WSCatOptions()
        listen.mode = .listen(port: 8080)
        listen.host = "0.0.0.0"
        listen.echo = true
        listen.showPingPong = true
        #expect(WSCatOptions.parse(["--listen", "8080", "--host", "0.0.0.0", "--echo", "--show-ping-pong"]) == .run(listen))
    }

    @Test("TLS options: --ca, --cert/--key, --insecure for wss://; --cert/--key (and --ca) for a server")
    func tlsOptions() {
        var client = WSCatOptions()
        client.mode = .connect(url: "wss://localhost:8443/")
        client.ca = "ca.pem"
        client.certificate = "client.pem"
        client.key = "client.key"
        #expect(WSCatOptions.parse([
            "-c", "wss://localhost:8443/", "--ca", "ca.pem", "--cert", "client.pem", "--key", "client.key",
        ]) == .run(client))
        #expect(client.tlsClientConfiguration.trustRoots == .certificates(.file("ca.pem")))
        #expect(client.tlsClientConfiguration.certificateChain == .file("client.pem"))
        #expect(client.tlsClientConfiguration.privateKey == .file("client.key"))
        #expect(client.tlsClientConfiguration.certificateVerification == .full)

        var insecure = WSCatOptions()
        insecure.mode = .connect(url: "WSS://localhost/")
        insecure.insecure = true
        #expect(WSCatOptions.parse(["--connect", "WSS://localhost/", "--insecure"]) == .run(insecure))
        #expect(insecure.tlsClientConfiguration.certificateVerification == .noneInsecureForTestingOnly)
        // No TLS option: the system trust store.
        #expect(WSCatOptions().tlsClientConfiguration == TLSClientConfiguration())

        var server = WSCatOptions()
        server.mode = .listen(port: 8443)
        server.certificate = "server.pem"
        server.key = "server.key"
        server.ca = "ca.pem"
        #expect(WSCatOptions.parse([
            "-l", "8443", "--cert", "server.pem", "--key", "server.key", "--ca", "ca.pem",
        ]) == .run(server))
        #expect(server.tlsServerConfiguration == TLSServerConfiguration(
            certificateChain: .file("server.pem"), privateKey: .file("server.key"),
            clientCertificateTrustRoots: .file("ca.pem")))
        // Without --cert a server speaks plain ws://.
        #expect(WSCatOptions().tlsServerConfiguration == nil)
    }

    @Test("help and version", arguments: [(["-h"], WSCatOptions.Parsed.help), (["--help"], .help), (["-V"], .version), (["--version"], .version)])
    func helpAndVersion(arguments: [String], expected: WSCatOptions.Parsed) {
        #expect(WSCatOptions.parse(arguments) == expected)
    }

    @Test("usage errors name the argument", arguments: [
        ([], "exactly one of"),
        (["-l", "1", "-c", "ws://x"], "exactly one of"),
        (["-l", "70000"], "port number"),
        (["-l"], "port number"),
        (["-c"], "needs a URL"),
        (["-c", "ws://x", "--bogus"], "unknown argument --bogus"),
        (["-c", "ws://x", "-p", "7"], "13 or 8"),
        (["-c", "ws://x", "-H", "no colon"], "NAME: VALUE"),
        (["-c", "ws://x", "-H", "bad name: 1"], "invalid header name"),
        (["-c", "ws://x", "-s", "not a token"], "subprotocol name"),
        (["-c", "ws://x", "-w", "soon"], "seconds"),
        (["-c", "ws://x", "--max-message", "0"], "positive"),
        (["-l", "0", "-x", "hi"], "-x works only with --connect"),
        (["-l", "0", "--ping"], "--ping works only with --connect"),
        (["-l", "0", "-w", "1"], "-w works only with --connect"),
        (["-l", "0", "-p", "13"], "-p works only with --connect"),
        (["-c", "wss://x", "--cert", "c.pem"], "--cert needs --key"),
        (["-c", "wss://x", "--key", "c.key"], "--key needs --cert"),
        (["-l", "0", "--cert", "s.pem"], "--cert needs --key"),
        (["-l", "0", "--key", "s.key"], "--key needs --cert"),
        (["-c", "wss://x", "--ca"], "--ca needs a file"),
        (["-c", "wss://x", "--cert"], "--cert needs a PEM file"),
        (["-c", "ws://x", "--ca", "ca.pem"], "--ca works only with a wss:// URL"),
        (["-c", "x:80", "--insecure"], "--insecure works only with a wss:// URL"),
        (["-c", "ws://x", "--cert", "c.pem", "--key", "c.key"], "--cert works only with a wss:// URL"),
        (["-c", "wss://x", "--insecure", "--ca", "ca.pem"], "contradict"),
        (["-l", "0", "--insecure"], "--insecure works only with --connect wss://"),
        (["-l", "0", "--cert", "s.pem", "--key", "s.key", "--insecure"], "--insecure works only with --connect"),
        (["-l", "0", "--ca", "ca.pem"], "--ca with --listen needs --cert and --key"),
    ])
    func usageErrors(arguments: [String], message: String) {
        guard case .failure(let text) = WSCatOptions.parse(arguments) else {
            Issue.record("\(arguments) parsed")
            return
        }
        #expect(text.contains(message), "\(text)")
    }
}
