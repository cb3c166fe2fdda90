import Testing
import WebSocketCore

/// The RFC 6455 §1.3 example request, as extra lines after the request line can change it.
func exampleRequest(
    requestLine: String = "GET /chat?room=1 HTTP/1.1", replacing replaced: [String: String?] = [:],
    adding added: [String] = []
) -> [UInt8] {
    var fields: [(String, String)] = [
        ("Host", "server.example.com"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Origin", "http://example.com"),
        ("Sec-WebSocket-Protocol", "chat, superchat"), ("Sec-WebSocket-Version", "13"),
    ]
    fields = fields.compactMap { name, value in
        guard let replacement = replaced[name] else { return (name, value) }
        return replacement.map { (name, $0) }
    }
    let lines = [requestLine] + fields.map { "\($0): \($1)" } + added
    return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
}

/// Parses a request head that is known to be well-formed HTTP.
func requestHead(_ bytes: [UInt8]) throws -> HTTPRequestHead {
    var parser = HTTPHeadParser<HTTPRequestHead>()
    return try #require(try parser.append(bytes))
}

@Suite("ServerHandshake")
struct HandshakeServerTests {
    @Test("computes the RFC 6455 §1.3 accept value")
    func acceptValue() {
        #expect(ServerHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("validates the RFC 6455 §1.3 request and extracts what the server needs")
    func validatesExample() throws {
        let upgrade = try ServerHandshake.validate(requestHead(exampleRequest(
            adding: ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo"])))
        #expect(upgrade.key == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(upgrade.host == "server.example.com")
        #expect(upgrade.path == "/chat")
        #expect(upgrade.query == "room=1")
        #expect(upgrade.origin == "http://example.com")
        #expect(upgrade.subprotocols == ["chat", "superchat"])
        #expect(upgrade.extensions.map(\.name) == ["permessage-deflate", "x-foo"])
        #expect(upgrade.headers["sec-websocket-version"] == "13")
    }

    @Test("accepts header names and tokens in any case and within lists")
    func caseInsensitive() throws {
        let bytes = exampleRequest(
            replacing: ["Upgrade": nil, "Connection": nil],
            adding: ["UPGRADE: WebSocket", "connection: keep-alive", "CONNECTION: Upgrade"])
        #expect(try ServerHandshake.validate(requestHead(bytes)).key == "dGhlIHNhbXBsZSBub25jZQ==")
    }

    struct RejectionCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let request: [UInt8]
        let error: HandshakeError
        let status: Int

        static let all: [RejectionCase] = [
            .init(testDescription: "POST", request: exampleRequest(requestLine: "POST /chat HTTP/1.1"),
                  error: .methodNotAllowed(method: "POST"), status: 405),
            .init(testDescription: "lowercase get", request: exampleRequest(requestLine: "get /chat HTTP/1.1"),
                  error: .methodNotAllowed(method: "get"), status: 405),
            .init(testDescription: "HTTP/1.0", request: exampleRequest(requestLine: "GET /chat HTTP/1.0"),
                  error: .unsupportedHTTPVersion(.http1_0), status: 505),
            .init(testDescription: "asterisk target", request: exampleRequest(requestLine: "GET * HTTP/1.1"),
                  error: .invalidRequestTarget, status: 400),
            .init(testDescription: "no Host", request: exampleRequest(replacing: ["Host": nil]),
                  error: .missingHeader(name: "Host"), status: 400),
            .init(testDescription: "two Hosts", request: exampleRequest(adding: ["host: other"]),
                  error: .duplicateHeader(name: "Host"), status: 400),
            .init(testDescription: "no Upgrade", request: exampleRequest(replacing: ["Upgrade": nil]),
                  error: .upgradeNotWebSocket, status: 400),
            .init(testDescription: "Upgrade: h2c", request: exampleRequest(replacing: ["Upgrade": "h2c"]),
                  error: .upgradeNotWebSocket, status: 400),
            .init(testDescription: "Connection: keep-alive",
                  request: exampleRequest(replacing: ["Connection": "keep-alive"]),
                  error: .connectionNotUpgrade, status: 400),
            .init(testDescription: "Connection: upgrades",
                  request: exampleRequest(replacing: ["Connection": "upgrades"]),
                  error: .connectionNotUpgrade, status: 400),
            .init(testDescription: "version 8", request: exampleRequest(replacing: ["Sec-WebSocket-Version": "8"]),
                  error: .unsupportedWebSocketVersion("8"), status: 426),
            .init(testDescription: "versions 13 and 8",
                  request: exampleRequest(adding: ["Sec-WebSocket-Version: 8"]),
                  error: .unsupportedWebSocketVersion("13, 8"), status: 426),
            .init(testDescription: "no version", request: exampleRequest(replacing: ["Sec-WebSocket-Version": nil]),
                  error: .missingHeader(name: "Sec-WebSocket-Version"), status: 400),
            .init(testDescription: "no key", request: exampleRequest(replacing: ["Sec-WebSocket-Key": nil]),
                  error: .missingHeader(name: "Sec-WebSocket-Key"), status: 400),
            .init(testDescription: "two keys",
                  request: exampleRequest(adding: ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]),
                  error: .duplicateHeader(name: "Sec-WebSocket-Key"), status: 400),
            .init(testDescription: "15-byte key",
                  request: exampleRequest(replacing: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ="]),
                  error: .invalidKey, status: 400),
            .init(testDescription: "17-byte key",
                  request: exampleRequest(replacing: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZSE="]),
                  error: .invalidKey, status: 400),
            .init(testDescription: "key that is not base64",
                  request: exampleRequest(replacing: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ!!"]),
                  error: .invalidKey, status: 400),
            .init(testDescription: "subprotocol that is not a token",
                  request: exampleRequest(replacing: ["Sec-WebSocket-Protocol": "chat, super chat"]),
                  error: .invalidHeaderValue(name: "Sec-WebSocket-Protocol"), status: 400),
            .init(testDescription: "malformed extensions",
                  request: exampleRequest(adding: ["Sec-WebSocket-Extensions: x; a=\"1 2\""]),
                  error: .invalidHeaderValue(name: "Sec-WebSocket-Extensions"), status: 400),
            .init(testDescription: "two Origins", request: exampleRequest(adding: ["Origin: http://evil.example"]),
                  error: .duplicateHeader(name: "Origin"), status: 400),
        ]
    }

    @Test("rejects invalid upgrade requests with the right status", arguments: RejectionCase.all)
    func rejects(_ rejection: RejectionCase) throws {
        let head = try requestHead(rejection.request)
        #expect(throws: rejection.error) { try ServerHandshake.validate(head) }
        #expect(rejection.error.httpStatus == rejection.status)
    }

    @Test("builds the 101 response with accept, subprotocol, extensions and extra headers")
    func response() throws {
        let upgrade = try ServerHandshake.validate(requestHead(exampleRequest(
            adding: ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])))
        let deflate = WebSocketExtension(name: "permessage-deflate", parameters: [.init(name: "server_no_context_takeover")])
        let response = ServerHandshake.response(
            to: upgrade, subprotocol: "chat", extensions: [deflate, WebSocketExtension(name: "x-unoffered")],
            extraHeaders: ["Set-Cookie": "a=b"])
        #expect(String(decoding: response.serialized(), as: UTF8.self) == """
            HTTP/1.1 101 Switching Protocols\r
            Upgrade: websocket\r
            Connection: Upgrade\r
            Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r
            Sec-WebSocket-Protocol: chat\r
            Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r
            Set-Cookie: a=b\r
            \r

            """)
    }

    @Test("never echoes a subprotocol the client did not offer", arguments: [
        ("superchat", "superchat"), ("Chat", nil), ("other", nil), (nil, nil),
    ] as [(String?, String?)])
    func subprotocolEcho(chosen: String?, sent: String?) throws {
        let upgrade = try ServerHandshake.validate(requestHead(exampleRequest()))
        let response = ServerHandshake.response(to: upgrade, subprotocol: chosen)
        #expect(response.headers["Sec-WebSocket-Protocol"] == sent)
        #expect(response.headers["Sec-WebSocket-Extensions"] == nil)
    }

    @Test("subprotocol policies pick only an offered name", arguments: [
        (SubprotocolPolicy.supported(["superchat", "chat"]), "chat"),
        (SubprotocolPolicy.supported(["superchat"]), "superchat"),
        (SubprotocolPolicy.supported(["CHAT", "other"]), nil),
        (SubprotocolPolicy.none, nil),
        (SubprotocolPolicy { $0.last }, "superchat"),
        (SubprotocolPolicy { _ in "invented" }, nil),
    ] as [(SubprotocolPolicy, String?)])
    func policies(policy: SubprotocolPolicy, expected: String?) {
        #expect(policy.select(from: ["chat", "superchat"]) == expected)
    }

    @Test("rejection responses carry the status, Connection: close and the headers the status needs",
          arguments: [
              (HandshakeError.malformedHeaderField, 400, "Bad Request", [("Connection", "close")]),
              (.forbidden, 403, "Forbidden", [("Connection", "close")]),
              (.notFound, 404, "Not Found", [("Connection", "close")]),
              (.methodNotAllowed(method: "POST"), 405, "Method Not Allowed", [("Allow", "GET"), ("Connection", "close")]),
              (.unsupportedWebSocketVersion("8"), 426, "Upgrade Required",
               [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"), ("Connection", "Upgrade, close")]),
              (.headTooLarge(limit: 16384), 431, "Request Header Fields Too Large", [("Connection", "close")]),
              (.tooManyHeaders(limit: 100), 431, "Request Header Fields Too Large", [("Connection", "close")]),
              (.unsupportedHTTPVersion(.http1_0), 505, "HTTP Version Not Supported", [("Connection", "close")]),
          ] as [(HandshakeError, Int, String, [(String, String)])])
    func rejection(error: HandshakeError, status: Int, reason: String, headers: [(String, String)]) throws {
        let rejection = ServerHandshake.rejection(for: error)
        var expected = HTTPHeaders(headers)
        expected.add(name: "Content-Length", value: "0")
        #expect(rejection.head.status == status)
        #expect(rejection.head.reason == reason)
        #expect(rejection.head.headers == expected)
        #expect(rejection.body.isEmpty)
        #expect(rejection.head.headers.containsToken("close", for: "Connection"))
    }

    @Test("a rejection with a body parses back with a matching Content-Length")
    func rejectionWithBody() throws {
        let rejection = ServerHandshake.rejection(
            for: .forbidden, body: "origin not allowed\n", extraHeaders: ["X-Request-Id": "7"])
        var parser = HTTPHeadParser<HTTPResponseHead>()
        let head = try #require(try parser.append(rejection.serialized()))
        #expect(head.status == 403)
        #expect(head.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(head.headers["Content-Length"] == "19")
        #expect(head.headers["X-Request-Id"] == "7")
        #expect(parser.remainder == Array("origin not allowed\n".utf8))
    }
}
