import Testing
import WebSocketCore

/// The 16 bytes of the RFC 6455 §1.3 key `dGhlIHNhbXBsZSBub25jZQ==`.
let sampleNonce = Array("the sample nonce".utf8)

@Suite("ClientHandshake")
struct HandshakeClientTests {
    static let handshake = ClientHandshake(
        host: "server.example.com", path: "/chat", query: "room=1", keyBytes: sampleNonce,
        subprotocols: ["chat", "superchat"],
        extensions: [WebSocketExtension(name: "permessage-deflate", parameters: [.init(name: "client_max_window_bits")])],
        origin: "http://example.com", extraHeaders: ["Authorization": "Bearer t"])

    @Test("builds the request from the caller's key bytes")
    func request() {
        #expect(Self.handshake.key == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(Self.handshake.expectedAccept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(String(decoding: Self.handshake.request.serialized(), as: UTF8.self) == """
            GET /chat?room=1 HTTP/1.1\r
            Host: server.example.com\r
            Upgrade: websocket\r
            Connection: Upgrade\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
            Sec-WebSocket-Version: 13\r
            Sec-WebSocket-Protocol: chat, superchat\r
            Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r
            Origin: http://example.com\r
            Authorization: Bearer t\r
            \r

            """)
    }

    @Test("puts the port in Host only when it is not the scheme's default", arguments: [
        ("example.com", nil, false, "example.com"), ("example.com", 80, false, "example.com"),
        ("example.com", 8080, false, "example.com:8080"), ("example.com", 443, true, "example.com"),
        ("example.com", 80, true, "example.com:80"), ("::1", 9000, false, "[::1]:9000"),
        ("[::1]", nil, false, "[::1]"), ("127.0.0.1", 443, false, "127.0.0.1:443"),
    ] as [(String, Int?, Bool, String)])
    func host(host: String, port: Int?, secure: Bool, expected: String) {
        let handshake = ClientHandshake(host: host, port: port, secure: secure, keyBytes: sampleNonce)
        #expect(handshake.request.headers["Host"] == expected)
        #expect(handshake.request.target == "/")
    }

    @Test("the server accepts the client's request and the client accepts the server's response")
    func endToEnd() throws {
        var serverParser = HTTPHeadParser<HTTPRequestHead>()
        let request = try #require(try serverParser.append(Self.handshake.request.serialized()))
        let upgrade = try ServerHandshake.validate(request)
        let subprotocol = SubprotocolPolicy.supported(["superchat"]).select(from: upgrade.subprotocols)
        let deflate = WebSocketExtension(name: "permessage-deflate", parameters: [.init(name: "client_max_window_bits", value: "10")])
        let response = ServerHandshake.response(to: upgrade, subprotocol: subprotocol, extensions: [deflate])

        let firstFrame: [UInt8] = [0x81, 0x02, 0x68, 0x69]
        var clientParser = HTTPHeadParser<HTTPResponseHead>()
        var parsed: HTTPResponseHead?
        for byte in response.serialized() + firstFrame { parsed = try clientParser.append([byte]) ?? parsed }
        let negotiated = try Self.handshake.validate(try #require(parsed))
        #expect(negotiated.subprotocol == "superchat")
        #expect(negotiated.extensions == [deflate])
        #expect(clientParser.remainder == firstFrame)
    }

    static let accepted = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"

    @Test("fails responses that do not complete the handshake", arguments: [
        ("HTTP/1.1 200 OK\r\n", .unexpectedStatus(200)),
        ("HTTP/1.1 403 Forbidden\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", .unexpectedStatus(403)),
        ("HTTP/1.0 101 Switching Protocols\r\n", .unsupportedHTTPVersion(.http1_0)),
        ("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
         .upgradeNotWebSocket),
        ("HTTP/1.1 101 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n", .upgradeNotWebSocket),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
         .connectionNotUpgrade),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\n", .connectionNotUpgrade),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
         .missingHeader(name: "Sec-WebSocket-Accept")),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n",
         .invalidAccept),
        ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=\r\n",
         .invalidAccept),
        (accepted + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", .duplicateHeader(name: "Sec-WebSocket-Accept")),
        (accepted + "Sec-WebSocket-Protocol: other\r\n", .subprotocolNotOffered("other")),
        (accepted + "Sec-WebSocket-Protocol: Chat\r\n", .subprotocolNotOffered("Chat")),
        (accepted + "Sec-WebSocket-Protocol: chat, superchat\r\n", .subprotocolNotOffered("chat, superchat")),
        (accepted + "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n",
         .duplicateHeader(name: "Sec-WebSocket-Protocol")),
        (accepted + "Sec-WebSocket-Extensions: x-foo\r\n", .extensionNotOffered("x-foo")),
        (accepted + "Sec-WebSocket-Extensions: permessage-deflate, x-foo\r\n", .extensionNotOffered("x-foo")),
        (accepted + "Sec-WebSocket-Extensions: permessage-deflate; a=\"1 2\"\r\n",
         .invalidHeaderValue(name: "Sec-WebSocket-Extensions")),
    ] as [(String, HandshakeError)])
    func failures(response: String, error: HandshakeError) throws {
        var parser = HTTPHeadParser<HTTPResponseHead>()
        let head = try #require(try parser.append(Array((response + "\r\n").utf8)))
        #expect(throws: error) { try Self.handshake.validate(head) }
    }

    @Test("accepts a response without subprotocol or extensions")
    func minimalResponse() throws {
        var parser = HTTPHeadParser<HTTPResponseHead>()
        let head = try #require(try parser.append(Array((Self.accepted + "\r\n").utf8)))
        let negotiated = try Self.handshake.validate(head)
        #expect(negotiated.subprotocol == nil)
        #expect(negotiated.extensions.isEmpty)
        #expect(negotiated.headers["upgrade"] == "websocket")
    }
}

@Suite("ClientHandshake extra headers")
struct ClientHandshakeVersionOverrideTests {
    @Test("an extra Sec-WebSocket-Version replaces 13 (to probe a server); other extra headers are added")
    func versionOverride() {
        let handshake = ClientHandshake(
            host: "example.com", keyBytes: Array(repeating: 1, count: 16),
            extraHeaders: ["sec-websocket-version": "8", "X-Extra": "1"])
        #expect(handshake.request.headers.values(for: "Sec-WebSocket-Version") == ["8"])
        #expect(handshake.request.headers["X-Extra"] == "1")
    }
}
