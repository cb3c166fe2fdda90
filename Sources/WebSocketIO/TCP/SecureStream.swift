/// A security layer (TLS) over a connected `TCPSocket`, driven by the socket's readiness.
///
/// The layer above keeps the socket for its descriptor, addresses and options, and sends bytes
/// through the stream instead of the socket. `WebSocketIO` knows nothing about TLS: the
/// `WebSocketTLS` module implements this protocol on OpenSSL, so programs that need only plain
/// TCP do not link it.
///
/// Readiness does not map one to one: a read may need the socket to become writable (and a
/// write readable) while the TLS layer renegotiates keys. `.wouldBlock` then comes with
/// `blockedOn`, the readiness to wait for before retrying.
public protocol SecureStream: AnyObject, Sendable {
    /// Advances the TLS handshake without blocking; `nil` once it is complete, otherwise the
    /// readiness to wait for before calling again.
    /// - Throws: the TLS error (certificate verification, protocol, transport), with a reason.
    func handshakeStep() throws -> IOInterest?

    /// Reads decrypted bytes, up to `buffer.count`, without blocking.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> ReadResult

    /// Encrypts and writes as much of `buffer` as the socket takes, without blocking.
    ///
    /// After `.wouldBlock` the next call must offer at least the same bytes again (TLS records
    /// are built once), which a queue that is only ever drained from the front does.
    func write(_ buffer: UnsafeRawBufferPointer) throws -> WriteResult

    /// The readiness the last `.wouldBlock` (from a read, write or handshake step) waits for.
    var blockedOn: IOInterest { get }

    /// Whether decrypted bytes are buffered inside the layer: read again without waiting for
    /// readiness, since the socket may hold nothing more.
    var hasBufferedInput: Bool { get }

    /// Sends the TLS close alert (`close_notify`) if the socket takes it at once; best effort,
    /// never waits. Call before closing the socket.
    func shutdown()

    /// Whether the handshake failed because the peer sent a plain HTTP request instead of a
    /// TLS ClientHello (someone used `http://` or `ws://` on a TLS port): a server may then
    /// answer in plain text, which is all that peer can read.
    var peerSentPlainHTTP: Bool { get }
}

extension SecureStream {
    public var peerSentPlainHTTP: Bool { false }
}

/// An error of a security layer (a TLS alert, a record that does not decrypt), as opposed to a
/// socket error: the layer's error types conform, so the layers above can say "TLS failed"
/// without knowing the TLS module.
public protocol SecureStreamError: Error {}
