import Testing
import WebSocketCore

@Suite("Handshake fuzzing")
struct HandshakeFuzzTests {
    /// Bytes that steer mutations towards the parser's decisions.
    static let interesting = Array("\r\n :;,=\"\\\t/?HTTP/1.1 101 GET websocket upgrade 13".utf8) + [0, 0x7F, 0x80, 0xFF]

    static let seeds: [[UInt8]] = [
        HandshakeClientTests.handshake.request.serialized(),
        exampleRequest(adding: ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15, x; a=\"b\""]),
        Array((HandshakeClientTests.accepted + "Sec-WebSocket-Protocol: chat\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n\r\n").utf8),
        ServerHandshake.rejection(for: .unsupportedWebSocketVersion("8"), body: "use 13").serialized(),
    ]

    static func mutate(_ input: [UInt8], using generator: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
            let replacement = Bool.random(using: &generator)
                ? interesting.randomElement(using: &generator)!
                : UInt8.random(in: 0...255, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0 where !bytes.isEmpty: bytes[index] = replacement
            case 1: bytes.insert(replacement, at: index)
            case 2 where !bytes.isEmpty: bytes.remove(at: index)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, index + Int.random(in: 1...16, using: &generator))
                bytes.insert(contentsOf: bytes[index..<end], at: index)
            default: bytes.removeSubrange(index...)
            }
        }
        return bytes
    }

    static func randomHead(using generator: inout SeededRandom) -> [UInt8] {
        let count = Int(generator.next() % 161)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            let bits = generator.next()
            bytes.append(bits & 3 == 0 ? UInt8(truncatingIfNeeded: bits >> 8) : interesting[Int(bits >> 8) % interesting.count])
        }
        return bytes
    }

    @Test("20,000 random and mutated heads fail only with HandshakeError and round-trip when parsed")
    func fuzz() throws {
        var generator = SeededRandom(seed: 0x5EED)
        var completed = 0
        var validated = 0
        for iteration in 0..<20_000 {
            let input = iteration.isMultiple(of: 4)
                ? Self.randomHead(using: &generator)
                : Self.mutate(Self.seeds[iteration % Self.seeds.count], using: &generator)
            let split = Int.random(in: 0...input.count, using: &generator)
            let chunks = [input[..<split], input[split...]]

            // Small limits, so the fuzzer reaches them too.
            switch parse(chunks, as: HTTPRequestHead.self, maxHeadSize: 400, maxHeaderCount: 12) {
            case .complete(let request, _):
                completed += 1
                if parse([request.serialized()[...]], as: HTTPRequestHead.self) != .complete(request, remainder: []) {
                    Issue.record("request did not round-trip: \(request)")
                }
                do throws(HandshakeError) {
                    let upgrade = try ServerHandshake.validate(request)
                    validated += 1
                    let response = ServerHandshake.response(
                        to: upgrade, subprotocol: upgrade.subprotocols.first, extensions: upgrade.extensions)
                    if parse([response.serialized()[...]], as: HTTPResponseHead.self) != .complete(response, remainder: []) {
                        Issue.record("101 response did not round-trip: \(response)")
                    }
                } catch {
                    if ServerHandshake.rejection(for: error).head.status < 400 {
                        Issue.record("rejection for \(error) is not an error status")
                    }
                }
            case .failed(let error):
                if ![400, 431, 505].contains(error.httpStatus) {
                    Issue.record("parser failed with \(error)")
                }
            case .incomplete:
                break
            }

            switch parse(chunks, as: HTTPResponseHead.self, maxHeadSize: 400, maxHeaderCount: 12) {
            case .complete(let response, _):
                completed += 1
                if parse([response.serialized()[...]], as: HTTPResponseHead.self) != .complete(response, remainder: []) {
                    Issue.record("response did not round-trip: \(response)")
                }
                do throws(HandshakeError) {
                    let negotiated = try HandshakeClientTests.handshake.validate(response)
                    validated += 1
                    if negotiated.subprotocol != nil && negotiated.subprotocol != "chat" {
                        Issue.record("accepted an unoffered subprotocol")
                    }
                } catch {
                    _ = error.description
                }
            case .failed, .incomplete:
                break
            }
        }
        // The mutations must leave enough heads intact to exercise validation, not just the parser.
        #expect(completed > 2_000)
        #expect(validated > 500)
    }
}
