import COpenSSL

/// An OpenSSL `SSL_CTX`: the certificates, keys, trust roots and protocol settings shared by
/// many sessions.
///
/// Build one per configuration and reuse it; creating sessions from it is thread-safe once it
/// is built. TLS 1.2 is the minimum; TLS 1.2 uses only ECDHE key exchange with AEAD ciphers
/// (Mozilla's "intermediate" list); TLS 1.3 its three suites, AES-128-GCM preferred.
public final class TLSContext: @unchecked Sendable {
    // @unchecked Sendable. Invariant: `raw` is configured in `init` only; afterwards OpenSSL
    // allows concurrent SSL_new on it.
    let raw: OpaquePointer
    /// Whether sessions are servers (`SSL_set_accept_state`).
    public let isServer: Bool
    /// Whether client sessions verify the server's name (false with verification off).
    let verifiesServerName: Bool

    static let tls12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// TLS 1.3's three suites with AES-128-GCM first (OpenSSL's default puts AES-256-GCM first):
    /// 128-bit AES is secure and the cipher is most of wss's cost (Benchmarks/README.md, "tls").
    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"

    private init(raw: OpaquePointer, isServer: Bool, verifiesServerName: Bool) {
        self.raw = raw
        self.isServer = isServer
        self.verifiesServerName = verifiesServerName
    }

    /// A client context. The corresponding C calls are `SSL_CTX_new(TLS_client_method())`,
    /// `SSL_CTX_set_default_verify_paths` (system trust) and `SSL_CTX_set_alpn_protos`.
    /// - Throws: `TLSError` `.configuration` when a file cannot be read or a key does not match.
    public convenience init(client configuration: TLSClientConfiguration) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSContext.lastError(.configuration, "SSL_CTX_new")
        }
        let verify = configuration.certificateVerification == .full
        self.init(raw: context, isServer: false, verifiesServerName: verify)
        try configureCommon()
        guard cossl_ctx_offer_http11(raw) == 0 else { throw TLSContext.lastError(.configuration, "ALPN") }
        if verify {
            SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nil)
            switch configuration.trustRoots {
            case .system:
                guard SSL_CTX_set_default_verify_paths(raw) == 1 else {
                    throw TLSContext.lastError(.configuration, "cannot load the system trust store")
                }
            case .certificates(let source):
                try addTrustedCertificates(source)
            case .directory(let path):
                guard SSL_CTX_load_verify_locations(raw, nil, path) == 1 else {
                    throw TLSContext.lastError(.configuration, "cannot load CA directory \(path)")
                }
            }
        } else {
            SSL_CTX_set_verify(raw, SSL_VERIFY_NONE, nil)
        }
        if let chain = configuration.certificateChain {
            guard let key = configuration.privateKey else {
                throw TLSError(.configuration, "a client certificate needs its private key")
            }
            try useCertificateChain(chain, key: key)
        }
    }

    /// A server context with its certificate chain and key. The corresponding C calls are
    /// `SSL_CTX_new(TLS_server_method())`, `SSL_CTX_use_certificate`, `SSL_CTX_use_PrivateKey`.
    /// - Throws: `TLSError` `.configuration` when a file cannot be read or the key does not match.
    public convenience init(server configuration: TLSServerConfiguration) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSContext.lastError(.configuration, "SSL_CTX_new")
        }
        self.init(raw: context, isServer: true, verifiesServerName: false)
        try configureCommon()
        cossl_ctx_select_http11(raw)
        try useCertificateChain(configuration.certificateChain, key: configuration.privateKey)
        if let roots = configuration.clientCertificateTrustRoots {
            try addTrustedCertificates(roots)
            SSL_CTX_set_verify(raw, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }

    deinit {
        SSL_CTX_free(raw)
    }

    private func configureCommon() throws(TLSError) {
        guard cossl_ctx_set_min_tls12(raw) == 1 else { throw TLSContext.lastError(.configuration, "minimum version") }
        guard SSL_CTX_set_cipher_list(raw, Self.tls12Ciphers) == 1 else {
            throw TLSContext.lastError(.configuration, "cipher list")
        }
        guard SSL_CTX_set_ciphersuites(raw, Self.tls13Suites) == 1 else {
            throw TLSContext.lastError(.configuration, "TLS 1.3 cipher suites")
        }
        cossl_ctx_set_default_options(raw)
        _ = cossl_ctx_set_modes(raw)
    }

    /// Loads every certificate of a PEM source.
    private func certificates(_ source: PEMSource) throws(TLSError) -> [OpaquePointer] {
        let bio = try Self.openBIO(source)
        defer { BIO_free(bio) }
        var result: [OpaquePointer] = []
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { result.append(certificate) }
        ERR_clear_error() // the loop ends with "no start line"
        guard !result.isEmpty else { throw TLSError(.configuration, "no certificate in \(source.label)") }
        return result
    }

    private func addTrustedCertificates(_ source: PEMSource) throws(TLSError) {
        let store = SSL_CTX_get_cert_store(raw)
        for certificate in try certificates(source) {
            X509_STORE_add_cert(store, certificate)
            X509_free(certificate)
        }
    }

    private func useCertificateChain(_ chain: PEMSource, key: PEMSource) throws(TLSError) {
        let certificates = try certificates(chain)
        defer { for certificate in certificates { X509_free(certificate) } }
        guard SSL_CTX_use_certificate(raw, certificates[0]) == 1 else {
            throw TLSContext.lastError(.configuration, "certificate \(chain.label)")
        }
        for intermediate in certificates.dropFirst() {
            guard cossl_ctx_add_chain_cert(raw, intermediate) == 1 else {
                throw TLSContext.lastError(.configuration, "chain certificate \(chain.label)")
            }
        }
        let bio = try Self.openBIO(key)
        defer { BIO_free(bio) }
        guard let privateKey = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw TLSContext.lastError(.configuration, "no private key in \(key.label)")
        }
        defer { EVP_PKEY_free(privateKey) }
        guard SSL_CTX_use_PrivateKey(raw, privateKey) == 1, SSL_CTX_check_private_key(raw) == 1 else {
            throw TLSContext.lastError(.configuration, "the private key \(key.label) does not match the certificate")
        }
    }

    private static func openBIO(_ source: PEMSource) throws(TLSError) -> OpaquePointer {
        let bio: OpaquePointer?
        switch source {
        case .file(let path):
            bio = BIO_new_file(path, "r")
        case .bytes(let bytes):
            // BIO_new_mem_buf does not copy: keep a copy that lives as long as the BIO.
            let memory = BIO_new(BIO_s_mem())
            if let memory {
                _ = bytes.withUnsafeBytes { BIO_write(memory, $0.baseAddress, Int32($0.count)) }
            }
            bio = memory
        }
        guard let bio else { throw lastError(.configuration, "cannot read \(source.label)") }
        return bio
    }

    /// OpenSSL's first queued error as text, prefixed with `context`; clears the queue.
    static func lastError(_ kind: TLSError.Kind, _ context: String) -> TLSError {
        let text = takeErrorText()
        return TLSError(kind, text.isEmpty ? context : "\(context): \(text)")
    }

    static func takeErrorText() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { cossl_take_error($0.baseAddress, $0.count) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension PEMSource {
    var label: String {
        switch self {
        case .file(let path): path
        case .bytes: "PEM data"
        }
    }
}
