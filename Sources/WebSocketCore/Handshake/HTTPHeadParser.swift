/// Reads an HTTP/1.1 request or response head from bytes that arrive in any split.
///
/// Append bytes as they come off the socket until ``append(_:)`` returns the head. Bytes that
/// arrived after the head's closing empty line are kept in ``remainder``: they belong to the
/// WebSocket stream (a server may send its first frames in the same packet as its 101) and must
/// be given to the frame decoder.
///
/// The parser looks at each byte once, so feeding a head one byte at a time costs the same as
/// feeding it whole, and it stops as soon as a limit is passed, so a peer cannot make it hold more
/// than `maxHeadSize` bytes. Its rules:
/// - Lines end in CRLF. A bare LF or a bare CR is rejected (``HandshakeError/invalidLineEnding``)
///   rather than tolerated: RFC 9112 §2.2 allows either, and rejecting leaves no room for a
///   proxy and this parser to disagree about where a line ends.
/// - Control characters other than HTAB are rejected anywhere in the head.
/// - A header line that begins with whitespace (obsolete line folding) is rejected, as is
///   whitespace between a header name and its colon (RFC 9112 §5.1, §5.2).
/// - Field values and reason phrases that are not valid UTF-8 are decoded with U+FFFD in place
///   of the bad bytes rather than rejected: obs-text is legal HTTP, and the headers the handshake
///   reads are all ASCII. Request targets must be visible ASCII.
///
/// After a failure the parser keeps throwing the same error. After success, further bytes are
/// added to ``remainder``.
///
/// ```swift
/// var parser = HTTPHeadParser<HTTPRequestHead>()
/// while true {
///     let bytes = try socket.read()
///     if let request = try parser.append(bytes) {
///         let upgrade = try ServerHandshake.validate(request)
///         decoder.append(parser.remainder)
///         break
///     }
/// }
/// ```
public struct HTTPHeadParser<Head: HTTPHead>: Sendable {
    /// The most bytes a head may take, including its CRLFs and the closing empty line.
    public let maxHeadSize: Int
    /// The most header fields a head may have.
    public let maxHeaderCount: Int
    /// Bytes that followed the head; empty until the head is complete.
    public private(set) var remainder: [UInt8] = []

    private enum State: Sendable {
        case readingStartLine
        case readingHeaders(Head)
        case complete(Head)
        case failed(HandshakeError)
    }

    private var state: State = .readingStartLine
    /// The bytes of the line being read, without its line ending.
    private var line: [UInt8] = []
    /// Whether the previous byte was a CR.
    private var sawCarriageReturn = false
    /// How many bytes of the head have been read.
    package private(set) var consumedByteCount = 0
    /// The header fields read so far; moved into the head when it completes.
    private var fields = HTTPHeaders()

    /// Creates a parser for one head.
    ///
    /// - Parameters:
    ///   - maxHeadSize: The most bytes the head may take. The default, 16 KiB, is twice what
    ///     browsers send with large cookies and matches common servers' 8–16 KiB limits; a longer
    ///     head fails with ``HandshakeError/headTooLarge(limit:)`` (431).
    ///   - maxHeaderCount: The most header fields. The default, 100, is far above the 10–20 a
    ///     handshake carries; more fail with ``HandshakeError/tooManyHeaders(limit:)`` (431).
    public init(maxHeadSize: Int = 16 * 1024, maxHeaderCount: Int = 100) {
        precondition(maxHeadSize > 0 && maxHeaderCount >= 0, "limits must be positive")
        self.maxHeadSize = maxHeadSize
        self.maxHeaderCount = maxHeaderCount
    }

    /// The parsed head, once it is complete.
    public var head: Head? {
        if case .complete(let head) = state { head } else { nil }
    }

    /// Reads `bytes` and returns the head once its closing empty line has arrived, else `nil`.
    ///
    /// - Complexity: O(*n*) in the number of bytes appended.
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(HandshakeError) -> Head? {
        switch state {
        case .complete(let head):
            remainder.append(contentsOf: bytes)
            return head
        case .failed(let error):
            throw error
        case .readingStartLine, .readingHeaders:
            break
        }
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(HandshakeError) in
                guard let headEnd = try read(buffer) else { return false }
                remainder.append(contentsOf: buffer[headEnd...])
                return true
            }
        }
        do throws(HandshakeError) {
            if let contiguous {
                return try contiguous.get() ? head : nil
            }
            var iterator = bytes.makeIterator()
            while let byte = iterator.next() {
                guard try read(byte) else { continue }
                remainder.append(contentsOf: IteratorSequence(iterator))
                return head
            }
            return nil
        } catch {
            state = .failed(error)
            line = []
            fields = HTTPHeaders()
            throw error
        }
    }

    /// Returns ``remainder`` and empties it.
    public mutating func takeRemainder() -> [UInt8] {
        defer { remainder = [] }
        return remainder
    }

    /// Reads `buffer`; returns the offset just past the head once it is complete.
    ///
    /// Runs of ordinary line bytes are copied in bulk; line endings and anything unusual go
    /// through the byte-wise `read` one at a time.
    private mutating func read(_ buffer: UnsafeBufferPointer<UInt8>) throws(HandshakeError) -> Int? {
        var index = 0
        while index < buffer.count {
            if !sawCarriageReturn {
                let end = min(buffer.count, index + (maxHeadSize - consumedByteCount))
                var runEnd = index
                while runEnd < end, HTTPSyntax.isFieldValueByte(buffer[runEnd]) { runEnd += 1 }
                if runEnd > index {
                    line.append(contentsOf: buffer[index..<runEnd])
                    consumedByteCount += runEnd - index
                    index = runEnd
                    continue
                }
            }
            let byte = buffer[index]
            index += 1
            if try read(byte) { return index }
        }
        return nil
    }

    /// Reads one byte; returns whether it completed the head.
    private mutating func read(_ byte: UInt8) throws(HandshakeError) -> Bool {
        consumedByteCount += 1
        guard consumedByteCount <= maxHeadSize else { throw .headTooLarge(limit: maxHeadSize) }
        switch byte {
        case HTTPSyntax.carriageReturn:
            guard !sawCarriageReturn else { throw .invalidLineEnding }
            sawCarriageReturn = true
            return false
        case HTTPSyntax.lineFeed:
            guard sawCarriageReturn else { throw .invalidLineEnding }
            sawCarriageReturn = false
            return try lineEnded()
        default:
            guard !sawCarriageReturn else { throw .invalidLineEnding }
            guard HTTPSyntax.isFieldValueByte(byte) else {
                if case .readingStartLine = state { throw .malformedStartLine }
                throw .malformedHeaderField
            }
            line.append(byte)
            return false
        }
    }

    /// Handles a complete line; returns whether it was the empty line that ends the head.
    private mutating func lineEnded() throws(HandshakeError) -> Bool {
        defer { line.removeAll(keepingCapacity: true) }
        switch state {
        case .readingStartLine:
            guard !line.isEmpty else { throw .malformedStartLine }
            state = .readingHeaders(try Head(startLine: String(decoding: line, as: UTF8.self)))
            return false
        case .readingHeaders(var head):
            if line.isEmpty {
                head.headers = fields
                fields = HTTPHeaders()
                line = []
                state = .complete(head)
                return true
            }
            guard !HTTPSyntax.isWhitespace(line[0]) else { throw .obsoleteLineFolding }
            guard fields.count < maxHeaderCount else { throw .tooManyHeaders(limit: maxHeaderCount) }
            let (name, value) = try Self.field(in: line)
            fields.appendValidated(name: name, value: value)
            return false
        case .complete, .failed:
            preconditionFailure("read after the head was complete or failed")
        }
    }

    /// Splits a header line into name and trimmed value (RFC 9112 §5.1).
    private static func field(in line: [UInt8]) throws(HandshakeError) -> (String, String) {
        var colon = 0
        while colon < line.count, HTTPSyntax.isTokenByte(line[colon]) { colon += 1 }
        guard colon > 0, colon < line.count, line[colon] == HTTPSyntax.colon else { throw .malformedHeaderField }
        let value = HTTPSyntax.trimmingWhitespace(line[(colon + 1)...])
        return (String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
}
