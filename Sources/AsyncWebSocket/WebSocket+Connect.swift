public import WebSocketCore
public import WebSocketIO

extension WebSocket {
    /// Opens a client connection to a `ws://` URL and completes the opening handshake.
    ///
    /// Resolves the host off the event loop (IPv4 and IPv6, trying each address in turn),
    /// connects within `connectTimeout`, then sends the upgrade request with a fresh random key
    /// and checks the server's answer (status 101, `Sec-WebSocket-Accept`, and that any
    /// subprotocol or extension it chose was offered) within `handshakeTimeout`. permessage-deflate
    /// is offered as `configuration.compression.client` says (by default it is).
    ///
    /// Prefer the scoped `connect(to:…, body)`, which closes the connection when the body
    /// returns. With this form, call `close()` when done.
    ///
    /// ```swift
    /// let ws = try await WebSocket.connect(to: "ws://127.0.0.1:8080/chat")
    /// try await ws.send(text: "hello")
    /// ```
    ///
    /// - Parameters:
    ///   - url: A `ws://host[:port]/path?query` URL. `wss://` needs the TLS module (not yet).
    ///   - configuration: Limits and timeouts.
    ///   - subprotocols: Subprotocols to offer, most preferred first.
    ///   - headers: Extra request headers (for example `Authorization` or `Cookie`).
    ///   - origin: An `Origin` header, for servers that check it.
    ///   - group: The event loops to run on; the shared group by default.
    /// - Throws: `WebSocketError` with kind `.invalidURL`, `.connectFailed`, `.timedOut` or
    ///   `.handshakeFailed` (with `httpStatus` set when the server answered).
    public static func connect(
        to url: String, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        subprotocols: [String] = [], headers: HTTPHeaders = HTTPHeaders(), origin: String? = nil,
        group: EventLoopGroup = .shared
    ) async throws -> WebSocket {
        try await connect(
            to: url, configuration: configuration, subprotocols: subprotocols, headers: headers, origin: origin,
            group: group, secure: nil)
    }

    /// `connect`, with the TLS layer for `wss://` made by `secure` (the `AsyncWebSocketTLS`
    /// module passes one; without it a `wss://` URL is refused).
    package static func connect(
        to url: String, configuration: WebSocketConfiguration, subprotocols: [String], headers: HTTPHeaders,
        origin: String?, group: EventLoopGroup, secure makeSecure: SecureStreamFactory?
    ) async throws -> WebSocket {
        let target = try WebSocketURL(url)
        if target.isSecure && makeSecure == nil {
            throw WebSocketError(
                .invalidURL, "wss:// needs the AsyncWebSocketTLS module: import it and pass tls: to connect (\(url))")
        }
        let loop = group.next()
        // Connect and handshake on the connection's own loop: no hop back to the caller's
        // executor between steps, and a busy global pool cannot stall a handshake whose timer
        // the server started at accept.
        return try await withTaskExecutorPreference(loop) {
            try await open(
                target, on: loop, configuration: configuration, subprotocols: subprotocols, headers: headers,
                origin: origin, secure: makeSecure)
        }
    }

    private static func open(
        _ target: WebSocketURL, on loop: EventLoop, configuration: WebSocketConfiguration, subprotocols: [String],
        headers: HTTPHeaders, origin: String?, secure makeSecure: SecureStreamFactory?
    ) async throws -> WebSocket {
        let socket = try await openSocket(to: target, on: loop, timeout: configuration.connectTimeout)
        try? socket.setNoDelay()
        var secure: (any SecureStream)?
        if target.isSecure, let makeSecure {
            do {
                secure = try makeSecure(socket, target.host)
            } catch {
                socket.close()
                throw WebSocketError(.tlsFailed, "\(error)")
            }
        }

        let negotiators = configuration.compression.negotiators(for: .client)
        var random = SystemRandomNumberGenerator()
        let keyBytes = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        let pathAndQuery = target.requestTarget.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let handshake = ClientHandshake(
            host: target.host, port: target.port, secure: target.isSecure, path: String(pathAndQuery[0]),
            query: pathAndQuery.count > 1 ? String(pathAndQuery[1]) : nil, keyBytes: keyBytes,
            subprotocols: subprotocols, extensions: negotiators.flatMap { $0.offers() }, origin: origin,
            extraHeaders: headers)

        let channel = HandshakeChannel(socket: socket, eventLoop: loop, secure: secure)
        let response: HTTPResponseHead
        let remainder: [UInt8]
        let negotiated: NegotiatedHandshake
        let codecs: [any ExtensionCodec]
        do {
            try await channel.start(timeout: configuration.handshakeTimeout)
            try await channel.secureHandshake()
            try await channel.writeAll(handshake.request.serialized())
            let parser = HTTPHeadParser<HTTPResponseHead>(
                maxHeadSize: configuration.maxHandshakeHeadSize, maxHeaderCount: configuration.maxHandshakeHeaderCount)
            (response, remainder) = try await channel.readHead(with: parser)
            do {
                negotiated = try handshake.validate(response)
                codecs = try ClientHandshake.extensionCodecs(for: negotiated, supported: negotiators)
            } catch {
                throw WebSocketError(
                    .handshakeFailed, "\(error) (\(response.status) \(response.reason))", httpStatus: response.status)
            }
        } catch let error as HandshakeError {
            await channel.close()
            throw WebSocketError(.handshakeFailed, "\(error)")
        } catch let error as WebSocketError {
            await channel.close()
            throw error
        } catch let error as any SecureStreamError {
            // A TLS alert after the TLS handshake: a server refusing our client certificate
            // (TLS 1.3 checks it then), or a broken record.
            await channel.close()
            throw WebSocketError(.tlsFailed, "\(error)")
        } catch {
            // A socket error (a reset, for instance) mid-handshake.
            await channel.close()
            throw WebSocketError(.transport, "during the opening handshake: \(error)")
        }
        await channel.detach()

        let ws = WebSocket(
            socket: socket, eventLoop: loop, role: .client, configuration: configuration,
            request: handshake.request, response: response, subprotocol: negotiated.subprotocol,
            remoteAddress: try? socket.peerAddress(), maskingKeys: SystemRandomNumberGenerator(), extensions: codecs,
            secure: secure)
        await ws.start(initialInput: remainder)
        return ws
    }

    /// Opens a client connection, runs `body` isolated to it, then closes it.
    ///
    /// When `body` returns, the connection is closed with 1000 (1011 if it threw) and this call
    /// returns after the closing handshake. Iterating `messages` and sending inside `body` cost no
    /// executor switch.
    ///
    /// ```swift
    /// try await WebSocket.connect(to: "ws://127.0.0.1:8080/") { ws in
    ///     try await ws.send(text: "hello")
    ///     for await message in ws.messages { print(message); break }
    /// }
    /// ```
    public static func connect<Result: Sendable>(
        to url: String, configuration: WebSocketConfiguration = WebSocketConfiguration(),
        subprotocols: [String] = [], headers: HTTPHeaders = HTTPHeaders(), origin: String? = nil,
        group: EventLoopGroup = .shared,
        _ body: (isolated WebSocket) async throws -> Result
    ) async throws -> Result {
        let ws = try await connect(
            to: url, configuration: configuration, subprotocols: subprotocols, headers: headers, origin: origin,
            group: group)
        return try await WebSocket.run(ws, body)
    }

    /// Makes the TLS layer for a connected socket; the second argument is the host name to
    /// send as SNI and verify (`nil` on a server).
    package typealias SecureStreamFactory = @Sendable (TCPSocket, String?) throws -> any SecureStream

    /// Resolves the URL's host and connects to the first address that answers.
    private static func openSocket(to url: WebSocketURL, on loop: EventLoop, timeout: Duration) async throws -> TCPSocket {
        let addresses: [SocketAddress]
        do {
            addresses = try await SocketAddress.resolve(host: url.host, port: url.port)
        } catch {
            throw WebSocketError(.connectFailed, "cannot resolve \(url.host): \(error)")
        }
        var lastError: (any Error)?
        for address in addresses {
            do {
                return try await TCPSocket.connect(to: address, on: loop, timeout: timeout)
            } catch let error as Errno where error == .timedOut {
                lastError = WebSocketError(.timedOut, "connecting to \(address)")
            } catch let error as Errno {
                lastError = WebSocketError(.connectFailed, "\(address): \(error)")
            }
        }
        throw lastError ?? WebSocketError(.connectFailed, "no address for \(url.host)")
    }
}
