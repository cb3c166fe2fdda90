import WebSocketCore

/// Server handshakes per second: parse the request head, validate it, compute the accept key and
/// serialise the 101 response.
func handshakeFigures(rounds: Int, duration: Double) -> [Figure] {
    var generator = SplitMix(state: 42)
    // Distinct keys, so no two consecutive handshakes hash the same input.
    let requests: [[UInt8]] = (0 ..< 1024).map { _ in
        let key = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        let request = "GET /chat HTTP/1.1\r\nHost: server.example.com:8080\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(base64(key))\r\nSec-WebSocket-Version: 13\r\n"
            + "Origin: https://example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) ws-bench\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-GB,en;q=0.9\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        return Array(request.utf8)
    }
    var next = 0
    let handshakes = { () -> Double in
        var total = 0
        for _ in 0 ..< 64 {
            var parser = HTTPHeadParser<HTTPRequestHead>()
            guard let head = try? parser.append(requests[next & 1023]),
                  let upgrade = try? ServerHandshake.validate(head) else { preconditionFailure("handshake failed") }
            total &+= ServerHandshake.response(to: upgrade).serialized().count
            next &+= 1
        }
        consume(total)
        return 64
    }
    let rates = (0 ..< rounds).map { _ in rate(duration: duration, handshakes) }
    return [Figure(group: "handshake", name: "server handshakes (parse + validate + accept key + 101)", unit: "handshakes/s",
                   value: median(rates))]
}

/// Standard base64 for the request keys (the library's encoder is internal).
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let chunk = bytes[index ..< min(index + 3, bytes.count)]
        var value = 0
        for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
        for position in 0 ..< 4 {
            output.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : UInt8(ascii: "="))
        }
        index += 3
    }
    return String(decoding: output, as: UTF8.self)
}
