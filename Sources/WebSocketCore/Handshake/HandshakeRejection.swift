/// An HTTP response that refuses a WebSocket handshake: a head and a short body.
///
/// Build one with ``ServerHandshake/rejection(for:body:extraHeaders:)``, write ``serialized()``
/// and close the connection; the head says `Connection: close` and its `Content-Length` matches
/// ``body``.
///
/// ```swift
/// let rejection = ServerHandshake.rejection(for: .notFound, body: "no such endpoint\n")
/// rejection.head.status   // 404
/// write(rejection.serialized())
/// ```
public struct HandshakeRejection: Equatable, Sendable {
    /// The status line and headers.
    public var head: HTTPResponseHead
    /// The body bytes, described by the head's `Content-Length`.
    public var body: [UInt8]

    /// Creates a rejection from a head and the body its `Content-Length` describes.
    public init(head: HTTPResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    /// The head followed by the body, ready to write.
    public func serialized() -> [UInt8] {
        head.serialized() + body
    }
}
