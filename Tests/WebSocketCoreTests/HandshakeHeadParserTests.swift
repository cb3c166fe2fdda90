import Testing
import WebSocketCore

/// The bytes of a head: `lines` joined by CRLF, then the empty line.
func headBytes(_ lines: String...) -> [UInt8] {
    Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
}

/// What a parser made of some bytes.
enum ParseOutcome<Head: HTTPHead>: Equatable {
    case complete(Head, remainder: [UInt8])
    case incomplete
    case failed(HandshakeError)

    var isComplete: Bool {
        if case .complete = self { true } else { false }
    }
}

/// Feeds `chunks` to a fresh parser in order, as a socket would deliver them.
func parse<Head: HTTPHead>(
    _ chunks: [ArraySlice<UInt8>], as type: Head.Type = Head.self,
    maxHeadSize: Int = 16 * 1024, maxHeaderCount: Int = 100
) -> ParseOutcome<Head> {
    var parser = HTTPHeadParser<Head>(maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount)
    var result: Head?
    do {
        for chunk in chunks { result = try parser.append(chunk) ?? result }
    } catch {
        return .failed(error)
    }
    guard let result else { return .incomplete }
    return .complete(result, remainder: parser.remainder)
}

/// Parses `bytes` whole, one byte at a time and split in two at every index, expects every way
/// to agree, and returns the outcome.
func parseEverySplit<Head: HTTPHead>(
    _ bytes: [UInt8], as type: Head.Type = Head.self,
    maxHeadSize: Int = 16 * 1024, maxHeaderCount: Int = 100,
    sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome<Head> {
    let whole = parse([bytes[...]], as: type, maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount)
    let byteByByte = parse(bytes.indices.map { bytes[$0...$0] }, as: type,
                           maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount)
    #expect(byteByByte == whole, "fed one byte at a time", sourceLocation: sourceLocation)
    var nonContiguous = HTTPHeadParser<Head>(maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount)
    let viaIterator: ParseOutcome<Head>
    do {
        viaIterator = try nonContiguous.append(bytes.lazy.map { $0 })
            .map { .complete($0, remainder: nonContiguous.remainder) } ?? .incomplete
    } catch {
        viaIterator = .failed(error)
    }
    #expect(viaIterator == whole, "fed as a sequence without contiguous storage", sourceLocation: sourceLocation)
    for split in 0...bytes.count {
        let twoParts = parse([bytes[..<split], bytes[split...]], as: type,
                             maxHeadSize: maxHeadSize, maxHeaderCount: maxHeaderCount)
        #expect(twoParts == whole, "split at \(split)", sourceLocation: sourceLocation)
    }
    return whole
}

@Suite("HTTPHeadParser")
struct HandshakeHeadParserTests {
    @Test("parses a request head in any split")
    func request() throws {
        let bytes = headBytes(
            "GET /chat?room=1&x=y HTTP/1.1", "Host: server.example.com", "upgrade:websocket",
            "Connection: keep-alive, Upgrade", "X-Empty:", "X-Spaces: \t a  b \t")
        guard case .complete(let head, let remainder) = parseEverySplit(bytes, as: HTTPRequestHead.self) else {
            Issue.record("request did not parse")
            return
        }
        #expect(remainder.isEmpty)
        #expect(head.method == "GET")
        #expect(head.target == "/chat?room=1&x=y")
        #expect(head.path == "/chat")
        #expect(head.query == "room=1&x=y")
        #expect(head.version == .http1_1)
        #expect(head.headers.map(\.name) == ["Host", "upgrade", "Connection", "X-Empty", "X-Spaces"])
        #expect(head.headers.map(\.value) == ["server.example.com", "websocket", "keep-alive, Upgrade", "", "a  b"])
    }

    @Test("parses a response head, with or without a reason phrase", arguments: [
        ("HTTP/1.1 101 Switching Protocols", 101, "Switching Protocols"),
        ("HTTP/1.1 101", 101, ""),
        ("HTTP/1.1 404 ", 404, ""),
        ("HTTP/1.0 200 OK\tfine", 200, "OK\tfine"),
    ])
    func response(statusLine: String, status: Int, reason: String) {
        let bytes = headBytes(statusLine, "Upgrade: websocket")
        guard case .complete(let head, _) = parseEverySplit(bytes, as: HTTPResponseHead.self) else {
            Issue.record("response did not parse")
            return
        }
        #expect(head.status == status)
        #expect(head.reason == reason)
        #expect(head.headers["upgrade"] == "websocket")
    }

    @Test("keeps the bytes that follow the head for the WebSocket stream")
    func remainder() {
        let frame: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]
        let bytes = headBytes("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket") + frame
        guard case .complete(_, let remainder) = parseEverySplit(bytes, as: HTTPResponseHead.self) else {
            Issue.record("response did not parse")
            return
        }
        #expect(remainder == frame)
    }

    @Test("adds bytes appended after completion to the remainder")
    func appendAfterCompletion() throws {
        var parser = HTTPHeadParser<HTTPResponseHead>()
        let head = try parser.append(headBytes("HTTP/1.1 101 OK") + [1])
        #expect(head?.status == 101)
        #expect(try parser.append([2, 3]) == head)
        #expect(parser.takeRemainder() == [1, 2, 3])
        #expect(parser.remainder.isEmpty)
    }

    @Test("waits for the empty line that ends the head")
    func incomplete() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)
        #expect(parseEverySplit(bytes, as: HTTPRequestHead.self) == .incomplete)
    }

    @Test("keeps throwing the first error")
    func stickyError() {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        #expect(throws: HandshakeError.invalidLineEnding) { try parser.append(Array("GET / HTTP/1.1\n".utf8)) }
        #expect(throws: HandshakeError.invalidLineEnding) { try parser.append(headBytes("Host: a")) }
    }

    static let malformedRequests: [(String, HandshakeError)] = [
        ("GET / HTTP/1.1\nHost: a\n\n", .invalidLineEnding),
        ("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", .invalidLineEnding),
        ("GET / HTTP/1.1\r\r\n\r\n", .invalidLineEnding),
        ("\r\nGET / HTTP/1.1\r\n\r\n", .malformedStartLine),
        ("GET  / HTTP/1.1\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/1.1 \r\n\r\n", .malformedStartLine),
        ("GET /\r\n\r\n", .malformedStartLine),
        ("G(T / HTTP/1.1\r\n\r\n", .malformedStartLine),
        ("GET /caf\u{E9} HTTP/1.1\r\n\r\n", .malformedStartLine),
        ("GET /\u{7F} HTTP/1.1\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/1.1\u{0}\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/11\r\n\r\n", .malformedStartLine),
        ("GET / http/1.1\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/2.0\r\n\r\n", .unsupportedHTTPVersion(HTTPVersion(major: 2, minor: 0))),
        ("GET / HTTP/1.1\r\n folded: x\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\n: empty name\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nX(y): a\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", .malformedHeaderField),
        ("GET / HTTP/1.1\r\nX: a\u{1B}b\r\n\r\n", .malformedHeaderField),
    ]

    @Test("rejects malformed request heads in any split", arguments: malformedRequests)
    func malformedRequest(input: String, error: HandshakeError) {
        #expect(parseEverySplit(Array(input.utf8), as: HTTPRequestHead.self) == .failed(error))
        #expect(error.httpStatus == (error == .unsupportedHTTPVersion(.init(major: 2, minor: 0)) ? 505 : 400))
    }

    @Test("rejects malformed status lines", arguments: [
        "HTTP/1.1 1O1 OK", "HTTP/1.1 099 x", "HTTP/1.1  101 x", "HTP/1.1 101 x", "HTTP/1.1 101x",
        "HTTP/1.1 10", "HTTP/1.1", "101 HTTP/1.1",
    ])
    func malformedStatusLine(_ statusLine: String) {
        #expect(parseEverySplit(headBytes(statusLine), as: HTTPResponseHead.self) == .failed(.malformedStartLine))
    }

    @Test("decodes bytes that are not UTF-8 with replacement characters instead of trapping")
    func nonUTF8Values() {
        let bytes = Array("HTTP/1.1 101 ".utf8) + [0xC3, 0x28] + Array("\r\nX: ".utf8)
            + [0xFF, 0xFE, 0x41] + Array("\r\n\r\n".utf8)
        guard case .complete(let head, _) = parseEverySplit(bytes, as: HTTPResponseHead.self) else {
            Issue.record("response did not parse")
            return
        }
        #expect(head.reason == "\u{FFFD}(")
        #expect(head.headers["x"] == "\u{FFFD}\u{FFFD}A")
    }

    @Test("fails a 100 KiB head with 431 without holding more than the limit")
    func headTooLarge() throws {
        let bytes = Array("GET / HTTP/1.1\r\nX-Big: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 100 * 1024)
            + Array("\r\n\r\n".utf8)
        var parser = HTTPHeadParser<HTTPRequestHead>()
        #expect(throws: HandshakeError.headTooLarge(limit: 16 * 1024)) { try parser.append(bytes) }
        #expect(parser.consumedByteCount <= 16 * 1024 + 1)
        #expect(HandshakeError.headTooLarge(limit: 16 * 1024).httpStatus == 431)

        var byteByByte = HTTPHeadParser<HTTPRequestHead>()
        var failure: HandshakeError?
        for byte in bytes {
            do { _ = try byteByByte.append(CollectionOfOne(byte)) } catch { failure = error; break }
        }
        #expect(failure == .headTooLarge(limit: 16 * 1024))
        #expect(byteByByte.consumedByteCount <= 16 * 1024 + 1)
    }

    @Test("fails a head with 10,000 header fields with 431 after the 101st")
    func tooManyHeaders() throws {
        var text = "GET / HTTP/1.1\r\n"
        for index in 0..<10_000 { text += "X-\(index): v\r\n" }
        let bytes = Array((text + "\r\n").utf8)
        var parser = HTTPHeadParser<HTTPRequestHead>()
        #expect(throws: HandshakeError.tooManyHeaders(limit: 100)) { try parser.append(bytes) }
        #expect(parser.consumedByteCount < 2_000)

        var byteByByte = HTTPHeadParser<HTTPRequestHead>()
        var failure: HandshakeError?
        for byte in bytes {
            do { _ = try byteByByte.append([byte]) } catch { failure = error; break }
        }
        #expect(failure == .tooManyHeaders(limit: 100))
        #expect(byteByByte.consumedByteCount == parser.consumedByteCount)
        #expect(HandshakeError.tooManyHeaders(limit: 100).httpStatus == 431)
    }

    @Test("accepts a head of exactly the size and header-count limits, and not one byte more")
    func limitsAreInclusive() {
        let bytes = headBytes("GET / HTTP/1.1", "A: 1", "B: 2")
        let complete = parseEverySplit(bytes, as: HTTPRequestHead.self, maxHeadSize: bytes.count, maxHeaderCount: 2)
        #expect(complete.isComplete)
        #expect(parseEverySplit(bytes, as: HTTPRequestHead.self, maxHeadSize: bytes.count - 1)
            == .failed(.headTooLarge(limit: bytes.count - 1)))
        #expect(parseEverySplit(bytes, as: HTTPRequestHead.self, maxHeaderCount: 1) == .failed(.tooManyHeaders(limit: 1)))
    }

    @Test("serialized heads parse back to the same head")
    func roundTrip() throws {
        let request = HTTPRequestHead(target: "/a b/é?q=1", headers: ["Host": "h", "X": "line1\r\nInjected: yes"])
        guard case .complete(let parsedRequest, _) = parseEverySplit(request.serialized(), as: HTTPRequestHead.self) else {
            Issue.record("request did not parse")
            return
        }
        #expect(parsedRequest.target == "/a%20b/%C3%A9?q=1")
        #expect(parsedRequest.headers == ["Host": "h", "X": "line1  Injected: yes"])

        let response = HTTPResponseHead(status: 101, headers: ["Upgrade": "websocket"])
        #expect(String(decoding: response.serialized(), as: UTF8.self)
            == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
        #expect(parseEverySplit(response.serialized(), as: HTTPResponseHead.self) == .complete(response, remainder: []))
    }

    @Test("splits absolute-form and origin-form targets into path and query", arguments: [
        ("/", "/", nil), ("/chat", "/chat", nil), ("/chat?", "/chat", ""), ("/a?b?c", "/a", "b?c"),
        ("http://example.com/chat?x=1", "/chat", "x=1"), ("ws://example.com", "/", nil),
        ("http://example.com?x", "/", "x"), ("*", "*", nil),
    ] as [(String, String, String?)])
    func pathAndQuery(target: String, path: String, query: String?) {
        let head = HTTPRequestHead(target: target)
        #expect(head.path == path)
        #expect(head.query == query)
    }
}
