import Testing
import WebSocketCompression
import WebSocketCore

/// RFC 7692 §7.1: a server accepts, counters or declines offers; a client validates responses.
@Suite("permessage-deflate negotiation")
struct NegotiationTests {
    static func element(_ text: String) -> [WebSocketExtension] {
        try! WebSocketExtension.parse([text])
    }

    // MARK: Server

    struct ServerCase: CustomTestStringConvertible, Sendable {
        var settings: PerMessageDeflate
        var offer: String
        /// The response, or `nil` when every offer is declined.
        var response: String?
        var testDescription: String { "\(offer) → \(response ?? "declined")" }
    }

    static let plain = PerMessageDeflate()

    static let serverCases: [ServerCase] = [
        .init(settings: .server, offer: "permessage-deflate", response: "permessage-deflate; server_no_context_takeover"),
        .init(settings: plain, offer: "permessage-deflate", response: "permessage-deflate"),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits", response: "permessage-deflate"),
        .init(settings: .init(clientMaxWindowBits: 10), offer: "permessage-deflate; client_max_window_bits",
              response: "permessage-deflate; client_max_window_bits=10"),
        // A client that did not offer client_max_window_bits cannot be limited: accepted at 15.
        .init(settings: .init(clientMaxWindowBits: 10), offer: "permessage-deflate", response: "permessage-deflate"),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits=12",
              response: "permessage-deflate; client_max_window_bits=12"),
        .init(settings: .init(clientMaxWindowBits: 10), offer: "permessage-deflate; client_max_window_bits=12",
              response: "permessage-deflate; client_max_window_bits=10"),
        .init(settings: .init(clientMaxWindowBits: 12), offer: "permessage-deflate; client_max_window_bits=9",
              response: "permessage-deflate; client_max_window_bits=9"),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=10",
              response: "permessage-deflate; server_max_window_bits=10"),
        .init(settings: .init(serverMaxWindowBits: 9), offer: "permessage-deflate; server_max_window_bits=12",
              response: "permessage-deflate; server_max_window_bits=9"),
        .init(settings: .init(serverMaxWindowBits: 12), offer: "permessage-deflate",
              response: "permessage-deflate; server_max_window_bits=12"),
        .init(settings: plain, offer: "permessage-deflate; server_no_context_takeover",
              response: "permessage-deflate; server_no_context_takeover"),
        .init(settings: plain, offer: "permessage-deflate; client_no_context_takeover",
              response: "permessage-deflate; client_no_context_takeover"),
        .init(settings: .init(clientNoContextTakeover: true), offer: "permessage-deflate",
              response: "permessage-deflate; client_no_context_takeover"),
        .init(settings: plain,
              offer: "permessage-deflate; client_max_window_bits=11; server_max_window_bits=10; client_no_context_takeover; server_no_context_takeover",
              response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11"),
        // The 8 quirk: accepted as offered; we then send uncompressed.
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=8",
              response: "permessage-deflate; server_max_window_bits=8"),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits=8",
              response: "permessage-deflate; client_max_window_bits=8"),
        // Parameter names are compared without regard to case.
        .init(settings: plain, offer: "permessage-deflate; Server_Max_Window_Bits=10",
              response: "permessage-deflate; server_max_window_bits=10"),
        // An invalid first offer is declined and the next is accepted (§5.1).
        .init(settings: plain, offer: "permessage-deflate; x-unknown, permessage-deflate; server_max_window_bits=11",
              response: "permessage-deflate; server_max_window_bits=11"),
        // Invalid offers: declined.
        .init(settings: plain, offer: "permessage-deflate; x-unknown=1", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_no_context_takeover; server_no_context_takeover", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_no_context_takeover; client_no_context_takeover", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=10; server_max_window_bits=11", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits; client_max_window_bits=10", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_no_context_takeover=1", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_no_context_takeover=true", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=7", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=16", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=010", response: nil),
        .init(settings: plain, offer: "permessage-deflate; server_max_window_bits=abc", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits=7", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits=16", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits=0", response: nil),
        .init(settings: plain, offer: "permessage-deflate; client_max_window_bits=\"1x\"", response: nil),
    ]

    @Test("server: accept, counter or decline", arguments: serverCases)
    func server(_ example: ServerCase) throws {
        let offers = Self.element(example.offer)
        let (accepted, codecs) = ServerHandshake.negotiateExtensions(offered: offers, supported: [example.settings])
        #expect(accepted.map(\.headerValue).first == example.response)
        #expect(codecs.count == (example.response == nil ? 0 : 1))
    }

    @Test("server: the agreed parameters drive the codec; window 8 turns our compression off")
    func serverCodec() throws {
        let offer = Self.element("permessage-deflate; server_max_window_bits=8; client_max_window_bits=9; client_no_context_takeover")
        let (_, codecs) = ServerHandshake.negotiateExtensions(offered: offer, supported: [Self.plain])
        let codec = try #require(codecs.first as? DeflateCodec)
        #expect(codec.parameters == .init(
            serverNoContextTakeover: false, clientNoContextTakeover: true, serverMaxWindowBits: 8, clientMaxWindowBits: 9))
        #expect(!codec.compresses)
    }

    @Test("a server with deflate off, or an offer of something else, accepts nothing")
    func nothingToAccept() {
        #expect(ServerHandshake.negotiateExtensions(offered: Self.element("permessage-deflate"), supported: []).accepted.isEmpty)
        #expect(ServerHandshake.negotiateExtensions(offered: Self.element("x-webkit-deflate-frame"), supported: [Self.plain]).accepted.isEmpty)
    }

    // MARK: Client

    @Test("client offers", arguments: [
        (PerMessageDeflate.client, "permessage-deflate; client_max_window_bits"),
        (PerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9),
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"),
    ])
    func offers(settings: PerMessageDeflate, expected: String) {
        #expect(WebSocketExtension.headerValue(for: settings.offers()) == expected)
    }

    struct ClientCase: CustomTestStringConvertible, Sendable {
        var settings: PerMessageDeflate
        var response: String
        /// The agreed parameters, or `nil` when the response must fail the connection.
        var agreed: PerMessageDeflate.Parameters?
        var testDescription: String { "\(response) → \(agreed.map { "\($0)" } ?? "fail")" }
    }

    static let clientCases: [ClientCase] = [
        .init(settings: .client, response: "permessage-deflate", agreed: .init()),
        .init(settings: .client, response: "permessage-deflate; server_no_context_takeover", agreed: .init(serverNoContextTakeover: true)),
        .init(settings: .client, response: "permessage-deflate; client_no_context_takeover", agreed: .init(clientNoContextTakeover: true)),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits=10", agreed: .init(serverMaxWindowBits: 10)),
        .init(settings: .client, response: "permessage-deflate; client_max_window_bits=9", agreed: .init(clientMaxWindowBits: 9)),
        .init(settings: .client, response: "permessage-deflate; client_max_window_bits=8", agreed: .init(clientMaxWindowBits: 8)),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits=8", agreed: .init(serverMaxWindowBits: 8)),
        .init(settings: .client,
              response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12",
              agreed: .init(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 12)),
        .init(settings: .init(serverNoContextTakeover: true), response: "permessage-deflate; server_no_context_takeover",
              agreed: .init(serverNoContextTakeover: true)),
        .init(settings: .init(serverNoContextTakeover: true), response: "permessage-deflate", agreed: nil),
        .init(settings: .init(clientNoContextTakeover: true), response: "permessage-deflate", agreed: .init(clientNoContextTakeover: true)),
        .init(settings: .init(serverMaxWindowBits: 10), response: "permessage-deflate; server_max_window_bits=10",
              agreed: .init(serverMaxWindowBits: 10)),
        .init(settings: .init(serverMaxWindowBits: 10), response: "permessage-deflate; server_max_window_bits=9",
              agreed: .init(serverMaxWindowBits: 9)),
        .init(settings: .init(serverMaxWindowBits: 10), response: "permessage-deflate", agreed: nil),
        .init(settings: .init(serverMaxWindowBits: 10), response: "permessage-deflate; server_max_window_bits=11", agreed: nil),
        .init(settings: .init(clientMaxWindowBits: 10), response: "permessage-deflate", agreed: .init(clientMaxWindowBits: 10)),
        .init(settings: .init(clientMaxWindowBits: 10), response: "permessage-deflate; client_max_window_bits=9",
              agreed: .init(clientMaxWindowBits: 9)),
        .init(settings: .init(clientMaxWindowBits: 10), response: "permessage-deflate; client_max_window_bits=11", agreed: nil),
        // Invalid responses.
        .init(settings: .client, response: "permessage-deflate; client_max_window_bits", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; x-unknown", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_no_context_takeover; server_no_context_takeover", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits=9; server_max_window_bits=9", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_no_context_takeover=1", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; client_no_context_takeover=x", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits=16", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits=7", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; server_max_window_bits=09", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; client_max_window_bits=16", agreed: nil),
        .init(settings: .client, response: "permessage-deflate; client_max_window_bits=x", agreed: nil),
    ]

    @Test("client: validate the response", arguments: clientCases)
    func client(_ example: ClientCase) throws {
        let response = try #require(Self.element(example.response).first)
        do {
            let codec = try example.settings.accept(response: response)
            let deflate = try #require(codec as? DeflateCodec)
            #expect(deflate.parameters == example.agreed)
            #expect(deflate.compresses == (deflate.parameters.clientMaxWindowBits > 8))
        } catch {
            #expect(example.agreed == nil, "\(error)")
            guard case .invalidExtensionResponse(name: "permessage-deflate", reason: _)? = error as? HandshakeError else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test("client: the extension accepted twice, or one we did not offer, fails the handshake")
    func clientListErrors() {
        let twice = NegotiatedHandshake(
            subprotocol: nil, extensions: Self.element("permessage-deflate, permessage-deflate"), headers: [:])
        #expect(throws: HandshakeError.invalidExtensionResponse(name: "permessage-deflate", reason: "accepted more than once")) {
            try ClientHandshake.extensionCodecs(for: twice, supported: [PerMessageDeflate.client])
        }
        let other = NegotiatedHandshake(subprotocol: nil, extensions: Self.element("x-foo"), headers: [:])
        #expect(throws: HandshakeError.extensionNotOffered("x-foo")) {
            try ClientHandshake.extensionCodecs(for: other, supported: [PerMessageDeflate.client])
        }
        let handshake = ClientHandshake(
            host: "example.com", keyBytes: Array(repeating: 1, count: 16), extensions: PerMessageDeflate.client.offers())
        #expect(handshake.request.headers["Sec-WebSocket-Extensions"] == "permessage-deflate; client_max_window_bits")
    }

    // MARK: Every agreed combination carries data both ways

    static let combinations: [PerMessageDeflate.Parameters] = {
        var all: [PerMessageDeflate.Parameters] = []
        for serverNoContext in [false, true] {
            for clientNoContext in [false, true] {
                for serverBits in [8, 9, 12, 15] {
                    for clientBits in [8, 9, 12, 15] {
                        all.append(.init(serverNoContextTakeover: serverNoContext, clientNoContextTakeover: clientNoContext,
                                         serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits))
                    }
                }
            }
        }
        return all
    }()

    @Test("every parameter combination negotiates and round-trips", arguments: combinations)
    func combination(_ agreed: PerMessageDeflate.Parameters) throws {
        let client = PerMessageDeflate(
            serverNoContextTakeover: agreed.serverNoContextTakeover, clientNoContextTakeover: agreed.clientNoContextTakeover,
            serverMaxWindowBits: agreed.serverMaxWindowBits, clientMaxWindowBits: agreed.clientMaxWindowBits, minimumSize: 0)
        var pair = try Pair(client: client, server: PerMessageDeflate(minimumSize: 0))
        #expect(pair.clientCodec.parameters == agreed)
        #expect(pair.serverCodec.parameters == agreed)
        let messages: [Message] = [.text(jsonLike(size: 3000)), .text(jsonLike(size: 3000)), .binary(Array(repeating: 7, count: 2000)), .text("")]
        for message in messages {
            try pair.client.send(message)
            let wire = pair.client.takeOutput()
            #expect(try frames(wire, receivedBy: .server).first?.rsv1 == (agreed.clientMaxWindowBits > 8))
            pair.server.receive(wire)
            #expect(drain(&pair.server) == [.message(message)])
            try pair.server.send(message)
            let back = pair.server.takeOutput()
            #expect(try frames(back, receivedBy: .client).first?.rsv1 == (agreed.serverMaxWindowBits > 8))
            pair.client.receive(back)
            #expect(drain(&pair.client) == [.message(message)])
        }
    }
}
