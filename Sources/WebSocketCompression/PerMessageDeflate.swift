public import WebSocketCore

/// permessage-deflate (RFC 7692): what to offer or accept, and the memory and CPU to spend.
///
/// A value of this type is the ``ExtensionNegotiator`` for one role's settings. The four RFC
/// parameters keep their RFC names, so `serverMaxWindowBits` is the server's LZ77 window whichever
/// side you configure. As a **client** the value says what to offer; as a **server**, what to
/// accept, decline or counter. The other fields are local: they shape our own compressor and are
/// never sent.
///
/// ```swift
/// var deflate = PerMessageDeflate.server           // opt-in on a server
/// deflate.serverMaxWindowBits = 12                 // 16 KiB window instead of 32 KiB
/// deflate.clientNoContextTakeover = true           // no inflate state kept between messages
/// let (accepted, codecs) = ServerHandshake.negotiateExtensions(offered: upgrade.extensions, supported: [deflate])
/// ```
///
/// Memory (zlib's own accounting, measured by `ws-bench deflate` through a counting allocator):
/// a compressor holds 2^(windowBits+2) + 2^(memoryLevel+9) bytes plus about 6 KiB, a
/// decompressor 2^windowBits plus about 7 KiB. Without context takeover a side's state exists
/// only while it sends (or receives) a message, so an idle connection holds none of it; with
/// context takeover it is kept from the first compressed message to the end of the connection.
/// `docs/ARCHITECTURE.md` lists the figures per setting.
///
/// Window bits 8: zlib cannot deflate with a 256-byte window (raw deflate rejects it since zlib
/// 1.2.9; older versions silently used 512 bytes, which breaks a peer inflating with 256). When
/// the window negotiated for *our* compressor is 8, we accept it and send every message
/// uncompressed, which RFC 7692 allows; we never inflate with less than 9 bits, which accepts
/// what such older peers send.
public struct PerMessageDeflate: ExtensionNegotiator, Hashable, Sendable {
    /// The registered name.
    public static let extensionName = "permessage-deflate"

    /// `server_no_context_takeover`: the server starts every message with an empty window.
    ///
    /// A client sets it to ask the server for this; a server sets it to declare it (a server
    /// may always do so). It saves the server's compressor state between messages (about
    /// 256 KiB at window 15 and memory level 8) at the cost of ratio on small, similar messages.
    public var serverNoContextTakeover: Bool
    /// `client_no_context_takeover`: the client starts every message with an empty window.
    ///
    /// A server sets it to require it, which saves the server's decompressor state between
    /// messages (about 39 KiB at window 15); a client sets it to announce that it does so.
    public var clientNoContextTakeover: Bool
    /// `server_max_window_bits`, 8…15: the server's LZ77 window is at most 2^n bytes.
    ///
    /// A client below 15 offers it (the server must comply or decline); a server below 15 uses
    /// and declares it. 15 means no limit.
    public var serverMaxWindowBits: Int
    /// `client_max_window_bits`, 8…15: the client's LZ77 window is at most 2^n bytes.
    ///
    /// A client always offers the parameter (without a value at 15) so that a server may limit
    /// it; a server below 15 limits clients that offered it. A client that did not offer it
    /// cannot be limited: the server then accepts it with a 15-bit window.
    public var clientMaxWindowBits: Int

    /// zlib's compression level for our messages, 0 (store) … 9. Default 6, zlib's default.
    public var compressionLevel: Int
    /// zlib's `memLevel` for our compressor, 1…9: its hash table has 2^(n+7) entries of 2 bytes.
    /// Default 8, zlib's default. 5 saves 112 KiB per compressor for a little ratio.
    public var memoryLevel: Int
    /// Messages smaller than this are sent uncompressed: deflate's block overhead would eat the
    /// gain. Default 128 bytes. Fragmented sends are compressed whatever their size.
    public var minimumSize: Int

    /// Creates settings; see ``server`` and ``client`` for the defaults each role starts from.
    public init(
        serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15,
        compressionLevel: Int = 6, memoryLevel: Int = 8, minimumSize: Int = 128
    ) {
        precondition((8 ... 15).contains(serverMaxWindowBits), "server_max_window_bits must be 8…15")
        precondition((8 ... 15).contains(clientMaxWindowBits), "client_max_window_bits must be 8…15")
        precondition((0 ... 9).contains(compressionLevel), "compression level must be 0…9")
        precondition((1 ... 9).contains(memoryLevel), "memory level must be 1…9")
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.compressionLevel = compressionLevel
        self.memoryLevel = memoryLevel
        self.minimumSize = minimumSize
    }

    /// A server's defaults: accept any valid offer, declare `server_no_context_takeover` so an
    /// idle connection keeps no compressor, keep the client's context (39 KiB of inflate state
    /// per connection that received a compressed message).
    public static let server = PerMessageDeflate(serverNoContextTakeover: true)

    /// A client's defaults: offer `permessage-deflate; client_max_window_bits`, as browsers do,
    /// and keep context both ways (the best ratio; a client has few connections).
    public static let client = PerMessageDeflate()

    /// The agreed parameters of one connection.
    public struct Parameters: Hashable, Sendable {
        /// The server resets its window after every message.
        public var serverNoContextTakeover: Bool
        /// The client resets its window after every message.
        public var clientNoContextTakeover: Bool
        /// The server's window, 8…15 (15 when not limited).
        public var serverMaxWindowBits: Int
        /// The client's window, 8…15 (15 when not limited).
        public var clientMaxWindowBits: Int

        /// Creates parameters.
        public init(
            serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
            serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15
        ) {
            self.serverNoContextTakeover = serverNoContextTakeover
            self.clientNoContextTakeover = clientNoContextTakeover
            self.serverMaxWindowBits = serverMaxWindowBits
            self.clientMaxWindowBits = clientMaxWindowBits
        }
    }

    // MARK: ExtensionNegotiator

    public var name: String { Self.extensionName }

    /// One offer: the no-context-takeover flags that are set, `server_max_window_bits` when
    /// below 15, and `client_max_window_bits` always (with a value when below 15).
    public func offers() -> [WebSocketExtension] {
        var parameters: [WebSocketExtension.Parameter] = []
        if serverNoContextTakeover { parameters.append(.init(name: "server_no_context_takeover")) }
        if clientNoContextTakeover { parameters.append(.init(name: "client_no_context_takeover")) }
        if serverMaxWindowBits < 15 {
            parameters.append(.init(name: "server_max_window_bits", value: String(serverMaxWindowBits)))
        }
        parameters.append(.init(
            name: "client_max_window_bits", value: clientMaxWindowBits < 15 ? String(clientMaxWindowBits) : nil))
        return [WebSocketExtension(name: Self.extensionName, parameters: parameters)]
    }

    /// Checks the server's response to ``offers()`` (RFC 7692 §7.1) and makes the client's codec.
    ///
    /// Fails on an unknown, repeated or malformed parameter; on a missing
    /// `server_no_context_takeover` or `server_max_window_bits` that we asked for; on a window
    /// larger than we offered. A `client_no_context_takeover` we did not announce is honoured.
    public func accept(response: WebSocketExtension) throws(HandshakeError) -> any ExtensionCodec {
        let parsed: Parsed
        do {
            parsed = try Parsed(response, isOffer: false)
        } catch {
            throw .invalidExtensionResponse(name: name, reason: error.reason)
        }
        func invalid(_ reason: String) -> HandshakeError { .invalidExtensionResponse(name: name, reason: reason) }

        if serverNoContextTakeover && !parsed.serverNoContextTakeover {
            throw invalid("server_no_context_takeover was requested but not accepted")
        }
        var serverBits = parsed.serverMaxWindowBits ?? 15
        if serverMaxWindowBits < 15 {
            guard let accepted = parsed.serverMaxWindowBits else {
                throw invalid("server_max_window_bits was requested but not accepted")
            }
            guard accepted <= serverMaxWindowBits else { throw invalid("server_max_window_bits above the offer") }
            serverBits = accepted
        }
        var clientBits = clientMaxWindowBits
        if case .value(let bits) = parsed.clientMaxWindowBits {
            guard bits <= clientMaxWindowBits else { throw invalid("client_max_window_bits above the offer") }
            clientBits = bits
        }
        let parameters = Parameters(
            serverNoContextTakeover: parsed.serverNoContextTakeover,
            clientNoContextTakeover: parsed.clientNoContextTakeover || clientNoContextTakeover,
            serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits)
        return DeflateCodec(role: .client, parameters: parameters, settings: self)
    }

    /// Accepts the first valid offer, adjusted to these settings (RFC 7692 §7.1), or declines.
    ///
    /// An offer with an unknown, repeated or malformed parameter is declined (§5.1) and the next
    /// one is tried. The response declares `server_no_context_takeover` when offered or
    /// configured, `client_no_context_takeover` when configured or announced by the client (we
    /// then drop our inflate state between messages), the smaller of the offered and configured
    /// server window, and the client window when the client offered the parameter.
    public func negotiate(offers: [WebSocketExtension]) -> (response: WebSocketExtension, codec: any ExtensionCodec)? {
        for offer in offers {
            guard let parsed = try? Parsed(offer, isOffer: true) else { continue }
            var parameters = Parameters(
                serverNoContextTakeover: parsed.serverNoContextTakeover || serverNoContextTakeover,
                clientNoContextTakeover: parsed.clientNoContextTakeover || clientNoContextTakeover,
                serverMaxWindowBits: min(parsed.serverMaxWindowBits ?? 15, serverMaxWindowBits))
            var response: [WebSocketExtension.Parameter] = []
            if parameters.serverNoContextTakeover { response.append(.init(name: "server_no_context_takeover")) }
            if parameters.clientNoContextTakeover { response.append(.init(name: "client_no_context_takeover")) }
            if parsed.serverMaxWindowBits != nil || parameters.serverMaxWindowBits < 15 {
                response.append(.init(name: "server_max_window_bits", value: String(parameters.serverMaxWindowBits)))
            }
            switch parsed.clientMaxWindowBits {
            case .absent:
                parameters.clientMaxWindowBits = 15
            case .any:
                parameters.clientMaxWindowBits = clientMaxWindowBits
                if clientMaxWindowBits < 15 {
                    response.append(.init(name: "client_max_window_bits", value: String(clientMaxWindowBits)))
                }
            case .value(let offered):
                parameters.clientMaxWindowBits = min(offered, clientMaxWindowBits)
                response.append(.init(name: "client_max_window_bits", value: String(parameters.clientMaxWindowBits)))
            }
            let codec = DeflateCodec(role: .server, parameters: parameters, settings: self)
            return (WebSocketExtension(name: Self.extensionName, parameters: response), codec)
        }
        return nil
    }
}

/// The parameters of one offer or response, checked against RFC 7692 §7.1's grammar.
struct Parsed {
    enum ClientBits: Equatable { case absent, any, value(Int) }

    struct Invalid: Error { let reason: String }

    var serverNoContextTakeover = false
    var clientNoContextTakeover = false
    var serverMaxWindowBits: Int?
    var clientMaxWindowBits = ClientBits.absent

    /// - Parameter isOffer: `client_max_window_bits` may have no value only in an offer.
    init(_ element: WebSocketExtension, isOffer: Bool) throws(Invalid) {
        var seen: Set<String> = []
        for parameter in element.parameters {
            let name = Self.lowercased(parameter.name)
            guard seen.insert(name).inserted else { throw Invalid(reason: "\(name) appears twice") }
            switch name {
            case "server_no_context_takeover", "client_no_context_takeover":
                guard parameter.value == nil else { throw Invalid(reason: "\(name) takes no value") }
                if name == "server_no_context_takeover" { serverNoContextTakeover = true } else { clientNoContextTakeover = true }
            case "server_max_window_bits":
                guard let bits = Self.windowBits(parameter.value) else { throw Invalid(reason: "invalid \(name)") }
                serverMaxWindowBits = bits
            case "client_max_window_bits":
                if parameter.value == nil && isOffer {
                    clientMaxWindowBits = .any
                } else {
                    guard let bits = Self.windowBits(parameter.value) else { throw Invalid(reason: "invalid \(name)") }
                    clientMaxWindowBits = .value(bits)
                }
            default:
                throw Invalid(reason: "unknown parameter \(name)")
            }
        }
    }

    /// A value 8…15 written as a decimal without leading zeros (§7.1.2.1).
    static func windowBits(_ value: String?) -> Int? {
        guard let value, let first = value.utf8.first, first != UInt8(ascii: "0") || value.utf8.count == 1,
              value.utf8.allSatisfy({ (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }),
              let bits = Int(value), (8 ... 15).contains(bits)
        else { return nil }
        return bits
    }

    static func lowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
