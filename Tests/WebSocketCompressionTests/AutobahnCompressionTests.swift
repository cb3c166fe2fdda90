import Testing
import WebSocketCompression
import WebSocketCore

/// Modelled on Autobahn groups 12 (compressed echo of many sizes and fragmentations) and 13 (the
/// same under different negotiated parameters), for both roles as the sender.
@Suite("Autobahn 12.x / 13.x: compressed echo")
struct AutobahnCompressionTests {
    struct Setup: CustomTestStringConvertible, Sendable {
        var sender: Role
        var noContextTakeover: Bool
        var windowBits: Int
        var testDescription: String {
            "\(sender) sends, \(noContextTakeover ? "no context takeover" : "context takeover"), window \(windowBits)"
        }
    }

    static let setups: [Setup] = [Role.client, .server].flatMap { sender in
        [false, true].flatMap { noContext in [9, 15].map { Setup(sender: sender, noContextTakeover: noContext, windowBits: $0) } }
    }

    /// Autobahn 12.x's payload sizes.
    static let sizes = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072]
    /// 0 sends each message in one frame; otherwise in frames of this size (Autobahn's auto-fragmentation).
    static let fragmentSizes = [0, 256, 4096]

    static let texts: [Int: String] = Dictionary(uniqueKeysWithValues: sizes.map { ($0, jsonLike(size: $0, seed: UInt64($0))) })
    /// Binary payloads: half random (incompressible), half repetitive.
    static let binaries: [Int: [UInt8]] = Dictionary(uniqueKeysWithValues: sizes.map { size in
        var random = SeededRandom(seed: UInt64(size))
        var bytes = (0 ..< size / 2).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        bytes += (0 ..< size - size / 2).map { UInt8($0 % 7) }
        return (size, bytes)
    })

    @Test("every size and fragmentation echoes intact", arguments: setups)
    func echo(_ setup: Setup) throws {
        let settings = PerMessageDeflate(
            serverNoContextTakeover: setup.noContextTakeover, clientNoContextTakeover: setup.noContextTakeover,
            serverMaxWindowBits: setup.windowBits, clientMaxWindowBits: setup.windowBits, minimumSize: 0)
        var pair = try Pair(client: settings, server: PerMessageDeflate(minimumSize: 0))
        var wireBytes = 0
        var payloadBytes = 0
        for size in Self.sizes {
            for fragmentSize in Self.fragmentSizes {
                for message in [Message.text(Self.texts[size]!), .binary(Self.binaries[size]!), .text(Self.texts[size]!)] {
                    let wire = try Self.send(message, fragmentSize: fragmentSize, from: setup.sender, in: &pair)
                    wireBytes += wire.count
                    payloadBytes += size
                    let sent = try frames(wire, receivedBy: setup.sender == .client ? .server : .client)
                    #expect(sent.first?.rsv1 == true)
                    #expect(sent.dropFirst().allSatisfy { !$0.rsv1 })
                    let received: [Connection.Event]
                    if setup.sender == .client {
                        pair.server.receive(wire)
                        received = drain(&pair.server)
                    } else {
                        pair.client.receive(wire)
                        received = drain(&pair.client)
                    }
                    #expect(received == [.message(message)], "\(size) B in \(fragmentSize)-byte frames")
                    // The peer echoes it whole; the sender must get back what it sent.
                    if setup.sender == .client {
                        try pair.server.send(message)
                        #expect(pair.serverToClient() == [.message(message)])
                    } else {
                        try pair.client.send(message)
                        #expect(pair.clientToServer() == [.message(message)])
                    }
                }
            }
        }
        // JSON-like text compresses: the wire carries clearly less than the payload.
        #expect(wireBytes < payloadBytes * 3 / 4)
    }

    static func send(_ message: Message, fragmentSize: Int, from sender: Role, in pair: inout Pair) throws -> [UInt8] {
        func apply(_ body: (inout Connection) throws -> Void) rethrows -> [UInt8] {
            if sender == .client {
                try body(&pair.client)
                return pair.client.takeOutput()
            }
            try body(&pair.server)
            return pair.server.takeOutput()
        }
        guard fragmentSize > 0 else { return try apply { try $0.send(message) } }
        let (opcode, bytes): (Opcode, [UInt8]) = switch message {
        case .text(let text): (.text, Array(text.utf8))
        case .binary(let data): (.binary, data)
        }
        return try apply { connection in
            var offset = 0
            repeat {
                let end = min(bytes.count, offset + fragmentSize)
                try bytes[offset ..< end].withUnsafeBytes {
                    try connection.sendFrame(opcode: offset == 0 ? opcode : .continuation, payload: $0, fin: end == bytes.count)
                }
                offset = end
            } while offset < bytes.count
        }
    }
}

@Suite("permessage-deflate limits and options")
struct DeflateLimitTests {
    /// A compressed message body that inflates to `mebibytes` MiB of zeros: deflate's best case,
    /// about 1 KiB per MiB. Built from two sync-flushed pieces: after the first MiB, every further
    /// MiB of zeros compresses to the same bytes.
    static func bomb(mebibytes: Int) throws -> [UInt8] {
        var pair = try Pair(client: PerMessageDeflate(compressionLevel: 9), server: PerMessageDeflate())
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        try zeros.withUnsafeBytes { try pair.client.sendFrame(opcode: .binary, payload: $0, fin: false) }
        try zeros.withUnsafeBytes { try pair.client.sendFrame(opcode: .continuation, payload: $0, fin: false) }
        let pieces = try frames(pair.client.takeOutput(), receivedBy: .server).map(\.payload)
        var body = pieces[0]
        for _ in 1 ..< mebibytes { body += pieces[1] }
        return body
    }

    @Test("a compression bomb stops at maxMessageSize with 1009, having inflated at most one chunk more")
    func bomb() throws {
        let body = try Self.bomb(mebibytes: 1024)  // ~1 MiB on the wire, 1 GiB inflated
        #expect(body.count < 1_100_000)
        let configuration = Connection.Configuration(maxFrameSize: 2 << 20, maxMessageSize: 2 << 20)
        var pair = try Pair(client: .client, server: .server, configuration: configuration)
        pair.server.receive(FrameEncoder.encode(
            Frame(opcode: .binary, payload: body, reservedBits: 0b100), maskingKey: MaskingKey(networkOrder: 0x1234_5678)))
        #expect(drain(&pair.server) == [.failed(.messageTooLarge(limit: 2 << 20))])
        let close = try frames(pair.server.takeOutput(), receivedBy: .client)
        #expect(close.map(\.opcode) == [.close])
        #expect(close.first?.payload.prefix(2) == [0x03, 0xF1])  // 1009
        #expect(pair.server.bufferedInboundByteCount == 0)
    }

    @Test("the limit counts the fragments inflated so far")
    func bombAcrossFragments() throws {
        let body = try Self.bomb(mebibytes: 3)
        let configuration = Connection.Configuration(maxMessageSize: 4 << 20)
        var pair = try Pair(client: .client, server: .server, configuration: configuration)
        let key = MaskingKey(networkOrder: 7)
        pair.server.receive(FrameEncoder.encode(Frame(opcode: .binary, payload: body, fin: false, reservedBits: 0b100), maskingKey: key))
        pair.server.receive(FrameEncoder.encode(Frame(opcode: .continuation, payload: body, fin: true), maskingKey: key))
        #expect(drain(&pair.server) == [.failed(.messageTooLarge(limit: 4 << 20))])
    }

    @Test("inflated text is validated chunk by chunk: bad UTF-8 fails with 1007 before the limit is reached")
    func utf8FailsFast() throws {
        var sender = try Pair(client: PerMessageDeflate(minimumSize: 0), server: PerMessageDeflate())
        // 0xFF first, then 8 MiB of zeros: sent as binary so the sender does not refuse it.
        let payload = [0xFF] + [UInt8](repeating: 0x20, count: 8 << 20)
        try sender.client.send(.binary(payload))
        var wire = try frames(sender.client.takeOutput(), receivedBy: .server)
        wire[0].opcode = .text

        let configuration = Connection.Configuration(maxMessageSize: 1 << 20)
        var pair = try Pair(client: .client, server: .server, configuration: configuration)
        pair.server.receive(FrameEncoder.encode(wire[0], maskingKey: MaskingKey(networkOrder: 9)))
        #expect(drain(&pair.server) == [.failed(.invalidUTF8)])
    }

    @Test("valid multi-byte text split across inflate chunks and frames is accepted")
    func utf8AcrossChunks() throws {
        let text = String(repeating: "héllo wörld 世界 😀 ", count: 20_000)
        var pair = try Pair(client: PerMessageDeflate(minimumSize: 0), server: .server)
        try pair.client.send(.text(text))
        #expect(pair.clientToServer() == [.message(.text(text))])
    }

    @Test("messages under minimumSize and messages opted out go uncompressed")
    func thresholdAndOptOut() throws {
        var pair = try Pair(client: .client, server: PerMessageDeflate(minimumSize: 100))
        try pair.server.send(.text(String(repeating: "a", count: 99)))
        try pair.server.send(.text(String(repeating: "a", count: 100)))
        try pair.server.send(.text(String(repeating: "a", count: 1000)), applyingExtensions: false)
        let wire = pair.server.takeOutput()
        #expect(try frames(wire, receivedBy: .client).map(\.rsv1) == [false, true, false])
        pair.client.receive(wire)
        #expect(drain(&pair.client).count == 3)
    }

    @Test("without context takeover an idle connection holds no zlib memory; with it, state stays")
    func memoryAfterMessages() throws {
        var idle = try Pair(client: PerMessageDeflate(minimumSize: 0), server: .server)
        for _ in 0 ..< 3 {
            try idle.server.send(.text(jsonLike(size: 4096)))
            _ = idle.serverToClient()
            try idle.client.send(.text(jsonLike(size: 4096)))
            _ = idle.clientToServer()
        }
        // .server: server_no_context_takeover, so the server's compressor is gone; its
        // decompressor (client context takeover) stays: 2^15 + zlib's inflate state.
        #expect(idle.serverCodec.zlibBytes > 32 << 10 && idle.serverCodec.zlibBytes < 48 << 10)

        var none = try Pair(
            client: PerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: true, minimumSize: 0), server: .server)
        try none.server.send(.text(jsonLike(size: 4096)))
        _ = none.serverToClient()
        try none.client.send(.text(jsonLike(size: 4096)))
        _ = none.clientToServer()
        #expect(none.serverCodec.zlibBytes == 0)
        #expect(none.clientCodec.zlibBytes == 0)
    }
}
