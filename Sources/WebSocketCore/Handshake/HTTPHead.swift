/// An HTTP/1.1 message head: a start line followed by header fields.
///
/// ``HTTPRequestHead`` and ``HTTPResponseHead`` conform; ``HTTPHeadParser`` is generic over this
/// protocol so that one parser reads either. The parser hands each conforming type its start line
/// as soon as the line ends, so a malformed request line fails before any header is read.
///
/// ```swift
/// var head = try HTTPResponseHead(startLine: "HTTP/1.1 101 Switching Protocols")
/// head.headers.add(name: "Upgrade", value: "websocket")
/// let bytes = head.serialized()
/// ```
public protocol HTTPHead: Sendable, Equatable {
    /// The HTTP version from the start line.
    var version: HTTPVersion { get }
    /// The header fields, in order.
    var headers: HTTPHeaders { get set }

    /// Parses a start line (without its CRLF) into a head with no header fields.
    init(startLine: String) throws(HandshakeError)

    /// The head as bytes, ending with the empty line that closes it.
    func serialized() -> [UInt8]
}
