import AsyncWebSocketTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension WSCatOptions {
    /// The client's TLS settings for a `wss://` URL: `--ca`, `--cert`/`--key` and `--insecure`;
    /// the system trust store when none is given.
    ///
    /// A missing or unreadable file is not checked here: OpenSSL names it when the connection's
    /// TLS context is made.
    var tlsClientConfiguration: TLSClientConfiguration {
        var tls = TLSClientConfiguration()
        if let ca {
            tls.trustRoots = isDirectory(ca) ? .directory(ca) : .certificates(.file(ca))
        }
        if let certificate, let key {
            tls.certificateChain = .file(certificate)
            tls.privateKey = .file(key)
        }
        if insecure {
            tls.certificateVerification = .noneInsecureForTestingOnly
        }
        return tls
    }

    /// The server's TLS settings (`--cert`, `--key`, and `--ca` to require client
    /// certificates), or `nil` to serve plain `ws://`.
    var tlsServerConfiguration: TLSServerConfiguration? {
        guard let certificate, let key else { return nil }
        return TLSServerConfiguration(
            certificateChain: .file(certificate), privateKey: .file(key),
            clientCertificateTrustRoots: ca.map { .file($0) })
    }
}

/// Whether `path` names a directory (following symbolic links). The corresponding C function
/// is `stat`.
func isDirectory(_ path: String) -> Bool {
    var information = stat()
    guard stat(path, &information) == 0 else { return false }
    return information.st_mode & S_IFMT == S_IFDIR
}
