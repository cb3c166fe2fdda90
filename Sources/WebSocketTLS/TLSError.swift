public import WebSocketIO

/// A TLS failure, with OpenSSL's reason.
///
/// `kind` says what failed; `message` is OpenSSL's text (for a certificate, the verification
/// result such as "certificate has expired" or "hostname mismatch"). The message format is not
/// API.
public struct TLSError: SecureStreamError, Hashable, Sendable, CustomStringConvertible {
    /// What failed.
    public enum Kind: Hashable, Sendable {
        /// The peer's certificate did not verify: untrusted issuer, expired, not yet valid, …
        case certificateVerificationFailed
        /// The certificate is valid but not for the name (or IP address) we connected to.
        case hostnameMismatch
        /// The handshake failed for another reason: no shared protocol version or cipher, the
        /// peer does not speak TLS, or it closed the connection during the handshake.
        case handshakeFailed
        /// A TLS protocol error after the handshake.
        case protocolError
        /// The socket failed (for example a reset).
        case transport
        /// A certificate, key or CA file could not be loaded, or OpenSSL refused a setting.
        case configuration
    }

    public let kind: Kind
    public let message: String
    /// The X.509 verification result (`X509_V_ERR_*`) for certificate failures; 0 otherwise.
    public let verifyResult: Int

    public init(_ kind: Kind, _ message: String, verifyResult: Int = 0) {
        self.kind = kind
        self.message = message
        self.verifyResult = verifyResult
    }

    public var description: String {
        switch kind {
        case .certificateVerificationFailed: "TLS certificate verification failed: \(message)"
        case .hostnameMismatch: "TLS certificate does not match the host name: \(message)"
        case .handshakeFailed: "TLS handshake failed: \(message)"
        case .protocolError: "TLS error: \(message)"
        case .transport: "TLS transport error: \(message)"
        case .configuration: "TLS configuration error: \(message)"
        }
    }
}
