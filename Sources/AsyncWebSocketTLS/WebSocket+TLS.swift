// `wss://` for AsyncWebSocket: importing this module adds `connect(to:tls:…)` and
// `bind(…, tls:)`. The TLS types (`TLSClientConfiguration`, `TLSServerConfiguration`,
// `TLSError`, …) come with it.
@_exported public import WebSocketTLS
public import AsyncWebSocket
public import WebSocketIO

extension WebSocket {
    /// Opens a client connection to a `wss://` (or `ws://`) URL over TLS and completes the
    /// opening handshake.
    ///
    /// For `wss://` the TLS handshake runs first, within `handshakeTimeout`: the server's
    /// certificate is verified against `tls.trustRoots` (the system store by default) and the
    /// URL's host name (or `tls.serverName`), which is also sent as SNI; ALPN offers
    /// `http/1.1`. A `ws://` URL ignores `tls`.
    ///
    /// ```swift
    /// var tls = TLSClientConfiguration()
    /// tls.trustRoots = .certificates(.file("ca.pem"))
    /// let ws = try await WebSocket.connect(to: "wss://localhost:8443/", tls: tls)
    /// ```
    ///
    /// - Throws: `WebSocketError`: `.tlsFailed` with OpenSSL's reason (an untrusted or expired
    ///   certificate, a host name mismatch, a server that does not speak TLS), `.timedOut`, or
    ///   any error of the plain `connect`.
    public static func connect(
        to url: String, tls: TLSClientConfiguration, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        subprotocols: [String] = [], headers: HTTPHeaders = HTTPHeaders(), origin: String? = nil,
        group: EventLoopGroup = .shared
    ) async throws -> WebSocket {
        let context: TLSContext
        do {
            context = try TLSContext(client: tls)
        } catch {
            throw WebSocketError.tls(error)
        }
        let serverName = tls.serverName
        return try await connect(
            to: url, configuration: configuration, subprotocols: subprotocols, headers: headers, origin: origin,
            group: group, secure: { socket, host in
                try TLSSession(context: context, socket: socket, serverName: serverName ?? host)
            })
    }

    /// Opens a `wss://` connection, runs `body` isolated to it, then closes it (see the plain
    /// scoped `connect`).
    public static func connect<Result: Sendable>(
        to url: String, tls: TLSClientConfiguration, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        subprotocols: [String] = [], headers: HTTPHeaders = HTTPHeaders(), origin: String? = nil,
        group: EventLoopGroup = .shared,
        _ body: (isolated WebSocket) async throws -> Result
    ) async throws -> Result {
        let ws = try await connect(
            to: url, tls: tls, configuration: configuration, subprotocols: subprotocols, headers: headers,
            origin: origin, group: group)
        return try await WebSocket.run(ws, body)
    }
}

extension WebSocketServer {
    /// Binds a listening socket whose connections speak TLS (`wss://`).
    ///
    /// The certificate chain and key are loaded now, so a missing file or a key that does not
    /// match fails here, not on the first connection. Each connection's TLS handshake runs in its
    /// own task within `handshakeTimeout`; a client that does not speak TLS is dropped after
    /// its first bytes. Serve `ws://` and `wss://` from one process by binding two servers.
    ///
    /// ```swift
    /// let tls = TLSServerConfiguration(certificateChain: .file("cert.pem"), privateKey: .file("key.pem"))
    /// let server = try await WebSocketServer.bind(port: 8443, tls: tls)
    /// ```
    /// - Throws: `WebSocketError` `.tlsFailed` for the configuration, or the plain `bind`'s errors.
    public static func bind(
        host: String = "127.0.0.1", port: Int = 0, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        group: EventLoopGroup = .shared, tls: TLSServerConfiguration
    ) async throws -> WebSocketServer {
        let context: TLSContext
        do {
            context = try TLSContext(server: tls)
        } catch {
            throw WebSocketError.tls(error)
        }
        return try await bind(
            host: host, port: port, configuration: configuration, group: group,
            secure: { socket, _ in try TLSSession(context: context, socket: socket) })
    }
}

extension WebSocketError {
    static func tls(_ error: TLSError) -> WebSocketError {
        WebSocketError(.tlsFailed, "\(error)")
    }
}
