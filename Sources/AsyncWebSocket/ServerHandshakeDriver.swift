import WebSocketCore
import WebSocketIO

/// The server's opening handshake for one accepted socket (RFC 6455 §4.2).
enum ServerHandshakeDriver {
    /// Reads and validates the upgrade request, asks the hook, answers, and returns the open
    /// connection, or answers with an error status, closes the socket and returns `nil`.
    static func upgrade(
        _ accepted: AcceptedSocket, on loop: EventLoop, configuration: WebSocketConfiguration,
        hook: WebSocketServer.UpgradeHook?, http: WebSocketServer.HTTPHandler? = nil,
        secure makeSecure: WebSocket.SecureStreamFactory? = nil
    ) async -> WebSocket? {
        guard let channel = channel(for: accepted, on: loop, secure: makeSecure) else { return nil }
        do {
            try await channel.start(timeout: configuration.handshakeTimeout)
            try await channel.secureHandshake()
            let parser = HTTPHeadParser<HTTPRequestHead>(
                maxHeadSize: configuration.maxHandshakeHeadSize, maxHeaderCount: configuration.maxHandshakeHeaderCount)
            let (head, remainder) = try await channel.readHead(with: parser)

            guard head.headers.contains("Upgrade") else {
                // A plain HTTP request: the application's fallback answers it, or 426.
                let answer = await http?(head) ?? .upgradeRequired
                await reject(channel, answer.serialized(includeBody: head.method != "HEAD"))
                return nil
            }
            let upgrade = try ServerHandshake.validate(head)

            var subprotocol: String?
            var extraHeaders = HTTPHeaders()
            if let hook {
                let request = WebSocketUpgradeRequest(head: head, upgrade: upgrade, remoteAddress: accepted.remoteAddress)
                switch await hook(request).verdict {
                case .accept(let chosen, let headers):
                    subprotocol = chosen.flatMap { upgrade.subprotocols.contains($0) ? $0 : nil }
                    extraHeaders = headers
                case .reject(let status, let headers, let body):
                    let answer = WebSocketHTTPResponse(status: status, headers: headers, body: Array(body.utf8))
                    await reject(channel, answer.serialized(includeBody: true))
                    return nil
                }
            }
            let (extensions, codecs) = ServerHandshake.negotiateExtensions(
                offered: upgrade.extensions, supported: configuration.compression.negotiators(for: .server))
            let response = ServerHandshake.response(
                to: upgrade, subprotocol: subprotocol, extensions: extensions, extraHeaders: extraHeaders)
            try await channel.writeAll(response.serialized())
            await channel.detach()

            let ws = WebSocket(
                socket: accepted.socket, eventLoop: loop, role: .server, configuration: configuration,
                request: head, response: response, subprotocol: subprotocol,
                remoteAddress: accepted.remoteAddress, maskingKeys: nil, extensions: codecs, secure: channel.secure)
            await ws.start(initialInput: remainder)
            return ws
        } catch let error as HandshakeError {
            await reject(channel, ServerHandshake.rejection(for: error).serialized())
            return nil
        } catch {
            await closeAfterFailure(channel)
            return nil
        }
    }

    /// The handshake channel for an accepted socket, over a TLS layer made by `makeSecure` when
    /// there is one; `nil`, with the socket closed, if the layer cannot be made.
    static func channel(
        for accepted: AcceptedSocket, on loop: EventLoop, secure makeSecure: WebSocket.SecureStreamFactory?
    ) -> HandshakeChannel? {
        do {
            let secure = try makeSecure.map { try $0(accepted.socket, nil) }
            return HandshakeChannel(socket: accepted.socket, eventLoop: loop, secure: secure)
        } catch {
            accepted.socket.close()
            return nil
        }
    }

    /// Closes after a failed handshake. A peer that sent plain HTTP to a TLS port first gets a
    /// plain-text 400 that says so: TLS would be unreadable to it, and a bare reset leaves a
    /// browser or `ws://` client guessing.
    static func closeAfterFailure(_ channel: HandshakeChannel) async {
        if channel.secure?.peerSentPlainHTTP == true {
            let answer = WebSocketHTTPResponse.text("This port speaks TLS: use https:// or wss://.\n", status: 400)
            try? await channel.writeAll(answer.serialized(includeBody: true), unencrypted: true)
        }
        await channel.close()
    }

    /// Writes a rejection (best effort, within the handshake deadline) and closes the socket.
    private static func reject(_ channel: HandshakeChannel, _ bytes: [UInt8]) async {
        try? await channel.writeAll(bytes)
        await channel.close()
    }
}
