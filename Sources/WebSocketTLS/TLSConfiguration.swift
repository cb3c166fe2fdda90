/// PEM data: a file to read, or the bytes themselves.
public enum PEMSource: Hashable, Sendable {
    /// A PEM file (one or more certificates, or one private key).
    case file(String)
    /// PEM text in memory.
    case bytes([UInt8])

    /// PEM text in memory.
    public static func string(_ text: String) -> PEMSource { .bytes(Array(text.utf8)) }
}

/// Where a client finds the certificates it trusts.
public enum TLSTrustRoots: Hashable, Sendable {
    /// The operating system's trust store (OpenSSL's default paths, e.g. /etc/ssl/certs).
    case system
    /// CA certificates from a PEM file or bytes.
    case certificates(PEMSource)
    /// A hashed CA directory (`openssl rehash`), as `SSL_CTX_load_verify_locations` reads it.
    case directory(String)
}

/// How a client checks the server's certificate.
public enum TLSCertificateVerification: Hashable, Sendable {
    /// Chain up to a trusted root, validity dates, and the host name (or IP address) connected to.
    case full
    /// No verification at all: anyone in the path can read and change the traffic. For tests
    /// against throwaway certificates only; never ship it.
    case noneInsecureForTestingOnly
}

/// TLS settings for a client (`wss://`).
///
/// The defaults verify the server against the system trust store, send SNI, check the host
/// name and offer ALPN `http/1.1`; TLS 1.2 is the lowest version offered.
///
/// ```swift
/// var tls = TLSClientConfiguration()
/// tls.trustRoots = .certificates(.file("test-ca.pem"))
/// ```
public struct TLSClientConfiguration: Hashable, Sendable {
    /// The certificates trusted as roots. The system store by default.
    public var trustRoots: TLSTrustRoots = .system
    /// How the server's certificate is checked. `.full` by default.
    public var certificateVerification: TLSCertificateVerification = .full
    /// A client certificate chain (leaf first) for servers that ask for one.
    public var certificateChain: PEMSource?
    /// The client certificate's private key.
    public var privateKey: PEMSource?
    /// The name sent as SNI and verified; the URL's host when `nil`.
    public var serverName: String?

    public init() {}

    /// A configuration that verifies nothing; see `TLSCertificateVerification.noneInsecureForTestingOnly`.
    public static var insecureNoVerificationForTestingOnly: TLSClientConfiguration {
        var configuration = TLSClientConfiguration()
        configuration.certificateVerification = .noneInsecureForTestingOnly
        return configuration
    }
}

/// TLS settings for a server (`wss://`): its certificate chain and key, TLS 1.2 or later.
///
/// ```swift
/// let tls = TLSServerConfiguration(certificateChain: .file("server.pem"), privateKey: .file("server.key"))
/// ```
public struct TLSServerConfiguration: Hashable, Sendable {
    /// The server's certificate, then any intermediates.
    public var certificateChain: PEMSource
    /// The private key for the first certificate.
    public var privateKey: PEMSource
    /// When set, clients must present a certificate that chains to these roots.
    public var clientCertificateTrustRoots: PEMSource?

    public init(certificateChain: PEMSource, privateKey: PEMSource, clientCertificateTrustRoots: PEMSource? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCertificateTrustRoots = clientCertificateTrustRoots
    }
}
