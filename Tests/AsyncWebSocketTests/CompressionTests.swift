import AsyncWebSocket
import Testing
import WebSocketCompression
import WebSocketCore

#if canImport(Glibc)
import Glibc
#endif

/// permessage-deflate through the async API: our client against our server.
@Suite("Compression over loopback", .timeLimit(.minutes(1)))
struct CompressionTests {
    @Test("the server declines by default; with compression enabled both sides compress", arguments: [false, true])
    func negotiates(enabled: Bool) async throws {
        var configuration = WebSocketConfiguration()
        if enabled { configuration.compression = .enabled }
        try await withTestServer(configuration: configuration) { ws in
            for await message in ws.messages { try await ws.send(message) }
        } body: { server in
            try await WebSocket.connect(to: server.url) { ws in
                let accepted = ws.response.headers["Sec-WebSocket-Extensions"]
                #expect(accepted == (enabled ? "permessage-deflate; server_no_context_takeover" : nil))
                for size in [0, 100, 5000, 200_000] {
                    let message = Message.text(patternText(size))
                    try await ws.send(message)
                    var iterator = ws.messages.makeAsyncIterator()
                    #expect(await iterator.next(isolation: ws) == message)
                }
            }
        }
    }

    /// Reads the peak resident set size (VmHWM) from /proc, in bytes.
    static func peakRSS() -> Int? {
        #if os(Linux)
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                return Int(text.dropFirst(6).trimmingPrefix(while: { $0 == " " || $0 == "\t" }).prefix(while: \.isNumber)).map { $0 * 1024 }
            }
        }
        #endif
        return nil
    }

    @Test("a compression bomb (1 MiB inflating to 1 GiB) gets 1009 and the server's peak RSS stays bounded")
    func bomb() async throws {
        // The bomb body: zeros, sync-flushed after the first MiB; every further MiB compresses to the same bytes.
        let negotiated = try PerMessageDeflate(compressionLevel: 9).accept(response: WebSocketExtension(name: "permessage-deflate"))
        var encoder = Connection(role: .client, maskingKeys: SystemRandomNumberGenerator(), extensions: [negotiated])
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        try zeros.withUnsafeBytes { try encoder.sendFrame(opcode: .binary, payload: $0, fin: false) }
        try zeros.withUnsafeBytes { try encoder.sendFrame(opcode: .continuation, payload: $0, fin: false) }
        var decoder = FrameDecoder(role: .server, allowedReservedBits: 0b100)
        decoder.append(encoder.takeOutput())
        let first = try #require(try decoder.nextFrame()).payload
        let next = try #require(try decoder.nextFrame()).payload
        var body = first
        body.reserveCapacity(first.count + next.count * 1023)
        for _ in 1 ..< 1024 { body += next }
        let frame = FrameEncoder.encode(
            Frame(opcode: .binary, payload: body, reservedBits: 0b100), maskingKey: MaskingKey(networkOrder: 0xA5A5_5A5A))

        var configuration = WebSocketConfiguration()
        configuration.compression = .enabled
        configuration.maxMessageSize = 4 << 20
        let before = Self.peakRSS()
        try await withTestServer(configuration: configuration) { ws in
            for await message in ws.messages { try await ws.send(message) }
        } body: { server in
            let raw = try await RawClient.open(port: server.port)
            let handshake = ClientHandshake(
                host: "127.0.0.1", keyBytes: Array(repeating: 3, count: 16), extensions: PerMessageDeflate.client.offers())
            try await raw.send(handshake.request.serialized())
            let (head, _) = try await raw.readHead()
            #expect(head.headers["Sec-WebSocket-Extensions"]?.hasPrefix("permessage-deflate") == true)
            try await raw.send(frame)
            let close = try await raw.readCloseFrame()
            #expect(close?.code == .messageTooBig)
            await raw.close()
        }
        if let before, let after = Self.peakRSS() {
            // Inflating the whole message would have taken 1 GiB; the limit is 4 MiB (plus one
            // 16 KiB chunk). Other tests run in this process too, and under AddressSanitizer freed
            // memory sits in its quarantine (256 MiB by default), hence the generous margin —
            // still half of what the bomb alone would cost.
            #expect(after - before < 512 << 20, "peak RSS grew by \((after - before) >> 20) MiB")
        }
    }
}
