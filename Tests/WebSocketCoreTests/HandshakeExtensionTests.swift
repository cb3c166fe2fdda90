import Testing
import WebSocketCore

@Suite("WebSocketExtension")
struct HandshakeExtensionTests {
    typealias Parameter = WebSocketExtension.Parameter

    @Test("parses the RFC 6455 §9.1 grammar with token and quoted values")
    func parsesOffers() throws {
        let offers = try WebSocketExtension.parse(["permessage-deflate; client_max_window_bits, x-foo; a=1; b=\"q\""])
        #expect(offers == [
            WebSocketExtension(name: "permessage-deflate", parameters: [Parameter(name: "client_max_window_bits")]),
            WebSocketExtension(name: "x-foo", parameters: [Parameter(name: "a", value: "1"), Parameter(name: "b", value: "q")]),
        ])
        #expect(offers[1].parameter(named: "B")?.value == "q")
        #expect(offers[1].parameter(named: "c") == nil)
    }

    static let valid: [(String, String)] = [
        ("x", "x"),
        ("  x  ", "x"),
        ("x;a", "x; a"),
        ("x ; a = 1 ; b", "x; a=1; b"),
        ("x; a=\"\\1\\0\"", "x; a=10"),
        ("x,,y , ", "x, y"),
        ("", ""),
        (",", ""),
        ("permessage-deflate; client_max_window_bits=15; server_no_context_takeover",
         "permessage-deflate; client_max_window_bits=15; server_no_context_takeover"),
    ]

    @Test("parses and re-serializes well-formed values", arguments: valid)
    func normalizes(input: String, serialized: String) throws {
        let parsed = try WebSocketExtension.parse([input])
        #expect(WebSocketExtension.headerValue(for: parsed) == serialized)
        #expect(try WebSocketExtension.parse([serialized]) == parsed)
    }

    @Test("rejects malformed values", arguments: [
        ";", "x;", "x; =1", "x; a=", "x; a=\"1 2\"", "x; a=\"unterminated", "x y", "\"x\"", "x; a=1=2",
        "x;;a", "x; a=\"\"", "x, ;a", "x; a b", "x/y", "x; a=\"\u{1}\"", "x; a=\"\\",
    ])
    func rejects(_ input: String) {
        #expect(throws: HandshakeError.invalidHeaderValue(name: "Sec-WebSocket-Extensions")) {
            try WebSocketExtension.parse([input])
        }
    }

    @Test("concatenates repeated headers in order")
    func repeatedHeaders() throws {
        let parsed = try WebSocketExtension.parse(["a; x=1", "b", "c, d"])
        #expect(parsed.map(\.name) == ["a", "b", "c", "d"])
    }

    @Test("quotes a value that is not a token when serializing")
    func quotesNonTokens() {
        let value = WebSocketExtension(name: "x", parameters: [Parameter(name: "p", value: "a \"b\\")]).headerValue
        #expect(value == "x; p=\"a \\\"b\\\\\"")
    }
}
