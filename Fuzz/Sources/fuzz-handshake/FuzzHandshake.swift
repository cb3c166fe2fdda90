import FuzzSupport
import WebSocketCore

// fuzz-handshake: the HTTP head parser with small limits, the server's and the client's
// handshake validation, and the Sec-WebSocket-Extensions grammar.
//
// Input: [config] [chunk seed] [head bytes…]
//   config bit 0      head kind (0 request → ServerHandshake, 1 response → ClientHandshake)
//   config bits 1–2   maxHeadSize: 32, 128, 512, 16 KiB
//   config bits 3–4   maxHeaderCount: 0, 1, 4, 100
//   config bits 5–6   what the client offered (subprotocols and extensions), for responses
//   chunk seed        how the head bytes are split into `append` calls (0: one call)
//
// Oracle: nothing traps (only HandshakeError can escape: typed throws), no leak, and:
//   - the parser gives the same head, error and remainder whether the bytes arrive whole or in chunks;
//   - it never consumes more than maxHeadSize bytes or returns more than maxHeaderCount fields,
//     and never waits for more once maxHeadSize bytes have arrived; after an error it repeats it;
//   - bytes after the head are kept, exactly, in `remainder`;
//   - a parsed head's serialized() form parses back to an equal head;
//   - a request that ServerHandshake accepts gets a 101 that ClientHandshake (built from the same
//     key, subprotocols and extensions) accepts, negotiating the first subprotocol and every extension;
//   - a rejected request's rejection(for:) parses as a response with the error's status;
//   - ClientHandshake only accepts offered subprotocols and extensions;
//   - WebSocketExtension.parse of any header value (and of the raw bytes) round-trips through headerValue.

struct ParseOutcome<Head: HTTPHead>: Equatable {
    var head: Head?
    var error: HandshakeError?
    var remainder: [UInt8] = []
}

func parse<Head: HTTPHead>(
    _ type: Head.Type, _ wire: UnsafeBufferPointer<UInt8>, maxHeadSize: Int, maxHeaderCount: Int, chunker: Chunker
) -> ParseOutcome<Head> {
    var chunker = chunker
    var parser = HTTPHeadParser<Head>(maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount)
    var outcome = ParseOutcome<Head>()
    var appended = 0
    chunker.forEachChunk(of: wire) { chunk in
        guard outcome.error == nil else { return }
        appended += chunk.count
        do throws(HandshakeError) {
            let head = try parser.append(chunk)
            if let head {
                check(outcome.head == nil || outcome.head == head, "the head changed after completing")
                outcome.head = head
                let consumed = appended - parser.remainder.count
                check(consumed > 0 && consumed <= maxHeadSize, "head of \(consumed) bytes with limit \(maxHeadSize)")
                check(head.headers.count <= maxHeaderCount, "\(head.headers.count) fields with limit \(maxHeaderCount)")
                check(parser.head == head, "head property disagrees")
            } else {
                check(appended <= maxHeadSize, "still waiting after \(appended) bytes with limit \(maxHeadSize)")
            }
        } catch {
            outcome.error = error
            if case .headTooLarge(let limit) = error { check(limit == maxHeadSize, "wrong limit in \(error)") }
            if case .tooManyHeaders(let limit) = error { check(limit == maxHeaderCount, "wrong limit in \(error)") }
            check(caught { () throws(HandshakeError) in _ = try parser.append([0x0D, 0x0A]) } == error,
                  "a failed parser must repeat its error")
        }
    }
    outcome.remainder = parser.remainder
    if let head = outcome.head {
        let consumed = wire.count - outcome.remainder.count
        check(outcome.remainder.elementsEqual(wire[consumed...]), "remainder is not the bytes after the head")
        checkRoundTrip(head)
    }
    return outcome
}

/// The serialized head parses back to the same head (values may grow: U+FFFD is 3 bytes).
func checkRoundTrip<Head: HTTPHead>(_ head: Head) {
    let bytes = head.serialized()
    var parser = HTTPHeadParser<Head>(maxHeadSize: bytes.count, maxHeaderCount: head.headers.count)
    do throws(HandshakeError) {
        let again = try parser.append(bytes)
        check(again == head, "serialized head re-parsed as \(String(describing: again)), was \(head)")
        check(parser.remainder.isEmpty, "serialized head left a remainder")
    } catch {
        check(false, "serialized head failed to parse: \(error) \(String(decoding: bytes, as: UTF8.self))")
    }
}

func parseResponse(_ bytes: [UInt8]) -> HTTPResponseHead {
    var parser = HTTPHeadParser<HTTPResponseHead>(maxHeadSize: bytes.count, maxHeaderCount: 100)
    do throws(HandshakeError) {
        guard let head = try parser.append(bytes) else {
            check(false, "incomplete generated response")
            fatalError()
        }
        return head
    } catch {
        check(false, "generated response failed to parse: \(error)")
        fatalError()
    }
}

func checkServer(_ request: HTTPRequestHead) {
    do throws(HandshakeError) {
        let upgrade = try ServerHandshake.validate(request)
        check(upgrade.path.hasPrefix("/"), "path \(upgrade.path)")
        guard let keyBytes = Base64.decode(upgrade.key) else {
            check(false, "accepted key \(upgrade.key) is not base64")
            return
        }
        let client = ClientHandshake(
            host: "h", keyBytes: keyBytes, subprotocols: upgrade.subprotocols, extensions: upgrade.extensions)
        check(client.key == upgrade.key, "the strict key decoder accepted a non-canonical key \(upgrade.key)")
        let response = parseResponse(
            ServerHandshake.response(to: upgrade, subprotocol: upgrade.subprotocols.first, extensions: upgrade.extensions)
                .serialized())
        do throws(HandshakeError) {
            let negotiated = try client.validate(response)
            check(negotiated.subprotocol == upgrade.subprotocols.first, "negotiated \(String(describing: negotiated.subprotocol))")
            check(negotiated.extensions == upgrade.extensions, "negotiated \(negotiated.extensions), offered \(upgrade.extensions)")
        } catch {
            check(false, "our client refused our server's 101: \(error)")
        }
    } catch {
        let rejection = ServerHandshake.rejection(for: error)
        let head = parseResponse(rejection.serialized())
        check(head.status == error.httpStatus && head.status >= 400, "rejection status \(head.status) for \(error)")
    }
}

let offers: [(subprotocols: [String], extensions: [WebSocketExtension])] = [
    ([], []),
    (["chat"], [WebSocketExtension(name: "permessage-deflate")]),
    (["chat", "superchat"], [WebSocketExtension(name: "permessage-deflate"), WebSocketExtension(name: "x-foo")]),
    (["v2.chat"], [WebSocketExtension(name: "x-foo", parameters: [.init(name: "a", value: "1")])]),
]
/// The RFC 6455 §1.3 sample nonce: Sec-WebSocket-Key dGhlIHNhbXBsZSBub25jZQ==.
let sampleKey = Array("the sample nonce".utf8)

func checkClient(_ response: HTTPResponseHead, offer: Int) {
    let (subprotocols, extensions) = offers[offer]
    let client = ClientHandshake(host: "server.example.com", keyBytes: sampleKey, subprotocols: subprotocols, extensions: extensions)
    do throws(HandshakeError) {
        let negotiated = try client.validate(response)
        check(response.status == 101, "accepted status \(response.status)")
        check(negotiated.subprotocol.map(subprotocols.contains) ?? true, "unoffered subprotocol accepted")
        let names = Set(extensions.map(\.name))
        check(negotiated.extensions.allSatisfy { names.contains($0.name) }, "unoffered extension accepted")
    } catch {
        _ = error.httpStatus
    }
}

func checkExtensions(_ values: [String]) {
    do throws(HandshakeError) {
        let parsed = try WebSocketExtension.parse(values)
        let again = try WebSocketExtension.parse([WebSocketExtension.headerValue(for: parsed)])
        check(again == parsed, "extensions \(parsed) re-parsed as \(again)")
    } catch {
        check(error == .invalidHeaderValue(name: "Sec-WebSocket-Extensions"), "unexpected \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let config = input.byte()
    let maxHeadSize = [32, 128, 512, 16 * 1024][Int(config >> 1 & 3)]
    let maxHeaderCount = [0, 1, 4, 100][Int(config >> 3 & 3)]
    let chunkSeed = input.byte()
    let wire = input.rest()

    if config & 1 == 0 {
        let whole = parse(HTTPRequestHead.self, wire, maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount, chunker: Chunker(seed: 0))
        if chunkSeed != 0 {
            let chunked = parse(HTTPRequestHead.self, wire, maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount, chunker: Chunker(seed: chunkSeed))
            check(chunked == whole, "chunking changed the outcome")
        }
        if let head = whole.head {
            checkServer(head)
            checkExtensions(head.headers.values(for: "Sec-WebSocket-Extensions"))
        }
    } else {
        let whole = parse(HTTPResponseHead.self, wire, maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount, chunker: Chunker(seed: 0))
        if chunkSeed != 0 {
            let chunked = parse(HTTPResponseHead.self, wire, maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount, chunker: Chunker(seed: chunkSeed))
            check(chunked == whole, "chunking changed the outcome")
        }
        if let head = whole.head {
            checkClient(head, offer: Int(config >> 5 & 3))
            checkExtensions(head.headers.values(for: "Sec-WebSocket-Extensions"))
        }
    }
    // The extension grammar on its own, straight from the bytes.
    if wire.count <= 512 {
        checkExtensions([String(decoding: wire, as: UTF8.self)])
    }
    return 0
}
