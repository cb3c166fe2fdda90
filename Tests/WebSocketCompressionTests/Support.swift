import Testing
import WebSocketCompression
import WebSocketCore

/// A deterministic masking-key source (splitmix64).
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs the whole negotiation in memory: the client offers `client`'s settings, the server answers
/// with `server`'s, and the client checks the response. Returns both codecs and the response.
func negotiate(client: PerMessageDeflate, server: PerMessageDeflate) throws -> (client: DeflateCodec, server: DeflateCodec, response: WebSocketExtension) {
    let (accepted, serverCodecs) = ServerHandshake.negotiateExtensions(offered: client.offers(), supported: [server])
    let response = try #require(accepted.first)
    let clientCodec = try client.accept(response: response)
    return (try #require(clientCodec as? DeflateCodec), try #require(serverCodecs.first as? DeflateCodec), response)
}

/// A client and a server `Connection` with permessage-deflate negotiated between them.
struct Pair {
    var client: Connection
    var server: Connection
    let clientCodec: DeflateCodec
    let serverCodec: DeflateCodec

    init(client clientSettings: PerMessageDeflate = .client, server serverSettings: PerMessageDeflate = .server,
         configuration: Connection.Configuration = .init()) throws {
        let (clientCodec, serverCodec, _) = try negotiate(client: clientSettings, server: serverSettings)
        self.clientCodec = clientCodec
        self.serverCodec = serverCodec
        client = Connection(role: .client, configuration: configuration, maskingKeys: SeededRandom(seed: 7), extensions: [clientCodec])
        server = Connection(role: .server, configuration: configuration, extensions: [serverCodec])
    }

    /// Moves the client's output to the server and returns the server's events.
    mutating func clientToServer() -> [Connection.Event] {
        server.receive(client.takeOutput())
        return drain(&server)
    }

    /// Moves the server's output to the client and returns the client's events.
    mutating func serverToClient() -> [Connection.Event] {
        client.receive(server.takeOutput())
        return drain(&client)
    }
}

func drain(_ connection: inout Connection) -> [Connection.Event] {
    var events: [Connection.Event] = []
    while let event = connection.nextEvent() { events.append(event) }
    return events
}

/// Decodes every frame in `bytes` as `role` would receive them.
func frames(_ bytes: [UInt8], receivedBy role: Role) throws -> [Frame] {
    var decoder = FrameDecoder(role: role, maxFrameSize: .max, allowedReservedBits: 0b111)
    decoder.append(bytes)
    var result: [Frame] = []
    while let frame = try decoder.nextFrame() { result.append(frame) }
    return result
}

/// `size` bytes of JSON-like text: repetitive keys, varying numbers (compresses about 5:1).
func jsonLike(size: Int, seed: UInt64 = 1) -> String {
    var random = SeededRandom(seed: seed)
    var text = "["
    while text.utf8.count < size {
        let id = random.next() % 100_000
        let price = random.next() % 10_000
        text += "{\"id\":\(id),\"symbol\":\"SYM\(id % 97)\",\"price\":\(price).\(id % 100),\"side\":\"\(id % 2 == 0 ? "buy" : "sell")\"},"
    }
    return String(text.utf8.prefix(size))!
}

func hex(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0.dropFirst(2), radix: 16)! }
}
