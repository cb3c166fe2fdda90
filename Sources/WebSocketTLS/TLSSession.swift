import COpenSSL
public import WebSocketIO

/// One TLS connection (an OpenSSL `SSL`) over a connected, non-blocking `TCPSocket`.
///
/// Nothing here blocks: each call does what the socket allows and reports `.wouldBlock` (or a
/// handshake step's interest) with the readiness to wait for in `blockedOn`; register the
/// socket's descriptor with the loop and call again when it is ready. The socket's I/O goes
/// through a BIO that sends with `MSG_NOSIGNAL`, so a vanished peer never raises SIGPIPE.
///
/// ```swift
/// let session = try TLSSession(context: context, socket: socket, serverName: "example.com")
/// try await session.handshake(on: loop, timeout: .seconds(10))
/// let result = try session.write(bytes)
/// ```
///
/// One owner at a time (the connection's loop thread) calls it; it is `Sendable` so that owner
/// can change hands between tasks on that loop.
public final class TLSSession: SecureStream, @unchecked Sendable {
    // @unchecked Sendable. Invariant: `ssl` and `blockedOn` are used by one owner at a time, on
    // the loop thread that watches `socket` (the handshake driver, then the connection actor).
    private let ssl: OpaquePointer
    /// The socket underneath; this session keeps it (and so its descriptor) alive.
    public let socket: TCPSocket
    public private(set) var blockedOn: IOInterest = .read
    /// The end of stream or error met by a read that returned bytes, for the next read.
    private var deferredOutcome: Result<ReadResult, TLSError>?
    /// Set when the handshake failed on a plain HTTP request (see `SecureStream`).
    public private(set) var peerSentPlainHTTP = false
    private var didShutdown = false

    /// Creates a session. For a client, `serverName` is sent as SNI (unless it is an IP address)
    /// and verified against the certificate when the context verifies.
    /// - Throws: `TLSError` `.configuration`.
    public init(context: TLSContext, socket: TCPSocket, serverName: String? = nil) throws(TLSError) {
        guard let ssl = SSL_new(context.raw) else { throw TLSContext.lastError(.configuration, "SSL_new") }
        self.ssl = ssl
        self.socket = socket
        guard cossl_set_socket(ssl, socket.descriptor.rawValue) == 1 else {
            throw TLSContext.lastError(.configuration, "BIO_new")
        }
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName {
                // An IP address is verified against the certificate's IP SANs and never sent as SNI.
                let parameters = SSL_get0_param(ssl)
                let isAddress = X509_VERIFY_PARAM_set1_ip_asc(parameters, serverName) == 1
                ERR_clear_error()
                if !isAddress {
                    _ = cossl_set_server_name(ssl, serverName)
                    if context.verifiesServerName { SSL_set1_host(ssl, serverName) }
                } else if !context.verifiesServerName {
                    X509_VERIFY_PARAM_set1_ip(parameters, nil, 0)
                }
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// One step of the handshake (`SSL_do_handshake`): `nil` once it is complete.
    /// - Throws: `TLSError`: `.certificateVerificationFailed` or `.hostnameMismatch` with
    ///   OpenSSL's verification result, or `.handshakeFailed` with its reason.
    public func handshakeStep() throws(TLSError) -> IOInterest? {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return nil }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            blockedOn = .read
            return .read
        case SSL_ERROR_WANT_WRITE:
            blockedOn = .write
            return .write
        case let code:
            throw handshakeError(code)
        }
    }

    private func handshakeError(_ code: Int32) -> TLSError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verify))
            ERR_clear_error()
            let mismatch = verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH
            return TLSError(mismatch ? .hostnameMismatch : .certificateVerificationFailed, reason, verifyResult: verify)
        }
        if cossl_error_is_plain_http() != 0 { peerSentPlainHTTP = true }
        let text = TLSContext.takeErrorText()
        if !text.isEmpty { return TLSError(.handshakeFailed, text) }
        if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_ZERO_RETURN {
            return TLSError(.handshakeFailed, "the peer closed the connection during the TLS handshake")
        }
        return TLSError(.handshakeFailed, "SSL_do_handshake error \(code)")
    }

    /// Whether the handshake has completed.
    public var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    /// The protocol chosen by ALPN (`"http/1.1"`), if any.
    public var negotiatedALPN: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The negotiated protocol version, such as `"TLSv1.3"`.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The negotiated cipher suite, such as `"TLS_AES_128_GCM_SHA256"` (empty before the handshake).
    public var cipherSuite: String {
        guard let cipher = SSL_get_current_cipher(ssl) else { return "" }
        return String(cString: SSL_CIPHER_get_name(cipher))
    }

    /// Reads decrypted bytes (`SSL_read`), filling `buffer` from as many records as are ready.
    ///
    /// `.eof` after the peer's `close_notify` or a plain EOF (WebSocket's closing handshake is
    /// what detects truncation).
    /// - Throws: `TLSError` `.protocolError` or `.transport`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> ReadResult {
        if let outcome = deferredOutcome {
            deferredOutcome = nil
            return try outcome.get()
        }
        var total = 0
        while total < buffer.count {
            ERR_clear_error()
            let chunk = Int32(clamping: buffer.count - total)
            let result = SSL_read(ssl, buffer.baseAddress! + total, chunk)
            if result > 0 {
                total += Int(result)
                continue
            }
            let code = SSL_get_error(ssl, result)
            if total > 0 {
                // Bytes first. An end (close_notify, EOF, an error) that came with them is
                // reported by the next call; no readiness will announce it, since the socket
                // may hold nothing more, so `hasBufferedInput` says to read again.
                if code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE {
                    deferredOutcome = Result { () throws(TLSError) in try outcome(of: code) }
                }
                return .bytes(total)
            }
            return try outcome(of: code)
        }
        return .bytes(total)
    }

    /// What a failed `SSL_read` means, from its `SSL_get_error` code.
    private func outcome(of code: Int32) throws(TLSError) -> ReadResult {
        switch code {
        case SSL_ERROR_WANT_READ:
            blockedOn = .read
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            blockedOn = .write
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .eof
        case SSL_ERROR_SYSCALL:
            let text = TLSContext.takeErrorText()
            let error = Errno.current
            if text.isEmpty && error.rawValue == 0 { return .eof }
            throw TLSError(.transport, text.isEmpty ? "\(error)" : text)
        default:
            throw TLSError(.protocolError, TLSContext.takeErrorText())
        }
    }

    /// Encrypts and writes (`SSL_write`); at most one 16 KiB record per call is reported.
    /// - Throws: `TLSError` `.transport` (for example a reset) or `.protocolError`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(TLSError) -> WriteResult {
        guard !buffer.isEmpty else { return .written(0) }
        ERR_clear_error()
        let result = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 { return .written(Int(result)) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_WRITE:
            blockedOn = .write
            return .wouldBlock
        case SSL_ERROR_WANT_READ:
            blockedOn = .read
            return .wouldBlock
        case SSL_ERROR_SYSCALL:
            let text = TLSContext.takeErrorText()
            throw TLSError(.transport, text.isEmpty ? "\(Errno.current)" : text)
        default:
            throw TLSError(.protocolError, TLSContext.takeErrorText())
        }
    }

    public var hasBufferedInput: Bool { SSL_pending(ssl) > 0 || deferredOutcome != nil }

    /// Sends `close_notify` once (`SSL_shutdown`), if the handshake completed; never waits for
    /// the peer's.
    public func shutdown() {
        guard !didShutdown, !socket.isClosed, SSL_is_init_finished(ssl) == 1 else { return }
        didShutdown = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }
}
