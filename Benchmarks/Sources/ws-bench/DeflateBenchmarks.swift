import WebSocketCompression
import WebSocketCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// permessage-deflate: what a compressed echo costs the server, and what an idle compressed
/// connection holds.
///
/// Echo: a server `Connection` takes a batch of masked, compressed client frames (JSON-like text,
/// as a client with context takeover would send them), inflates and validates each message, and
/// sends it back compressed; the output is discarded as a socket write would. No sockets, so
/// this is the protocol engine plus zlib, the part compression adds to a real echo server. The
/// baseline is the same echo with no extension negotiated.
///
/// Memory: for each setting, 1000 server connections each receive and send one 1 KiB compressed
/// message and then sit idle; reported are zlib's bytes per connection (counted by the codec's
/// allocator, exact) and the process's RSS growth per connection (includes the Connection and
/// malloc overhead).
func deflateFigures(sizes: [Int], rounds: Int, duration: Double) -> [Figure] {
    var figures: [Figure] = []
    let settings: [(String, PerMessageDeflate)] = [
        ("server default (server no context takeover)", .server),
        ("context takeover both ways", PerMessageDeflate()),
    ]
    for size in sizes {
        let messages = (0 ..< max(4, (256 << 10) / size)).map { jsonText(size: size, seed: UInt64($0)) }
        let payloadBytes = Double(messages.count * size)
        for (label, serverSettings) in settings {
            let batch = { (deflate: Bool) -> [UInt8] in
                var client = makeClient(deflate: deflate, server: serverSettings)
                for message in messages { try! client.send(.text(message)) }
                return client.takeOutput()
            }
            let compressedWire = batch(true)
            let plainWire = batch(false)
            let echo = { (wire: [UInt8], deflate: Bool) -> Double in
                var server = makeServer(deflate: deflate, settings: serverSettings)
                server.receive(wire)
                var count = 0
                while let event = server.nextEvent() {
                    if case .message(let message) = event { try! server.send(message); count += 1 }
                }
                consume(server.takeOutput().count)
                precondition(count == messages.count)
                return payloadBytes
            }
            let result = compare(rounds: rounds, duration: duration,
                                 subject: { echo(compressedWire, true) }, baseline: { echo(plainWire, false) })
            figures.append(Figure(
                group: "deflate", name: "echo \(size >> 10) KiB JSON, \(label)", unit: "MB/s", value: result.subject / 1e6,
                baselineName: "no compression", baselineValue: result.baseline / 1e6, ratio: result.ratio,
                extra: [("msg/s", result.subject / Double(size)), ("% of payload on the wire", 100 * Double(compressedWire.count) / Double(plainWire.count))]))
        }
    }

    let memorySettings: [(String, PerMessageDeflate?)] = [
        ("no compression", nil),
        ("server default: server no context takeover, window 15, memLevel 8", .server),
        ("context takeover both ways, window 15, memLevel 8", PerMessageDeflate()),
        ("context takeover, windows 12, memLevel 5 (websockets' server default)",
         PerMessageDeflate(serverMaxWindowBits: 12, clientMaxWindowBits: 12, memoryLevel: 5)),
        ("context takeover, windows 9, memLevel 1", PerMessageDeflate(serverMaxWindowBits: 9, clientMaxWindowBits: 9, memoryLevel: 1)),
        ("no context takeover either way", PerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: true)),
    ]
    let message = jsonText(size: 1 << 10, seed: 99)
    for (label, settings) in memorySettings {
        let count = 1000
        var servers: [Connection] = []
        servers.reserveCapacity(count)
        var codecs: [DeflateCodec] = []
        let before = residentBytes()
        for _ in 0 ..< count {
            var client = makeClient(deflate: settings != nil, server: settings ?? .server, clientSettings: settings)
            var server: Connection
            if let settings {
                let (_, serverCodecs) = ServerHandshake.negotiateExtensions(offered: (settings).offers(), supported: [settings])
                codecs.append(serverCodecs[0] as! DeflateCodec)
                server = Connection(role: .server, extensions: serverCodecs)
            } else {
                server = Connection(role: .server)
            }
            try! client.send(.text(message))
            server.receive(client.takeOutput())
            while let event = server.nextEvent() { if case .message(let m) = event { try! server.send(m) } }
            consume(server.takeOutput().count)
            servers.append(server)
        }
        let after = residentBytes()
        let zlib = codecs.isEmpty ? 0 : Double(codecs.map(\.zlibBytes).reduce(0, +)) / Double(count)
        figures.append(Figure(
            group: "deflate memory", name: label, unit: "B zlib/conn", value: zlib,
            extra: [("B RSS/conn", Double(after - before) / Double(count))]))
        consume(servers.count)
    }
    return figures
}

/// A client connection that offers `clientSettings` (or `.client`) and accepted `server`'s answer.
private func makeClient(deflate: Bool, server: PerMessageDeflate, clientSettings: PerMessageDeflate? = nil) -> Connection {
    guard deflate else { return Connection(role: .client, maskingKeys: SplitMix(state: 1)) }
    let offer = (clientSettings ?? .client).offers()
    let (accepted, _) = ServerHandshake.negotiateExtensions(offered: offer, supported: [server])
    let codec = try! (clientSettings ?? .client).accept(response: accepted[0])
    return Connection(role: .client, maskingKeys: SplitMix(state: 1), extensions: [codec])
}

private func makeServer(deflate: Bool, settings: PerMessageDeflate) -> Connection {
    guard deflate else { return Connection(role: .server) }
    let (_, codecs) = ServerHandshake.negotiateExtensions(offered: PerMessageDeflate.client.offers(), supported: [settings])
    return Connection(role: .server, extensions: codecs)
}

/// JSON-like text: repeated keys, varying values.
private func jsonText(size: Int, seed: UInt64) -> String {
    var random = SplitMix(state: seed)
    var text = "["
    while text.utf8.count < size {
        let id = random.next() % 100_000
        text += "{\"id\":\(id),\"user\":\"user\(id % 997)\",\"price\":\(random.next() % 10_000).\(id % 100),\"tags\":[\"a\",\"b\"],\"ok\":\(id % 2 == 0)},"
    }
    return String(text.utf8.prefix(size))!
}

/// The process's resident set size, from /proc/self/statm (Linux); 0 elsewhere.
private func residentBytes() -> Int {
    #if os(Linux)
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        fscanfTwo(file, s, r)
    } }) else { return 0 }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
    return 0
    #endif
}

#if os(Linux)
private func fscanfTwo(_ file: UnsafeMutablePointer<FILE>, _ a: UnsafeMutablePointer<Int>, _ b: UnsafeMutablePointer<Int>) -> Bool {
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return false }
    let fields = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let first = Int(fields[0]), let second = Int(fields[1]) else { return false }
    a.pointee = first
    b.pointee = second
    return true
}
#endif
