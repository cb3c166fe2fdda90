/// The client side of the RFC 6455 §4.1 opening handshake: build the request, then check the
/// server's response.
///
/// The core has no randomness, so the caller passes the 16 random bytes of the key; the I/O layer
/// draws them from a secure generator for each connection, and tests pass fixed bytes. Write the
/// bytes of ``request``, read the response head with ``HTTPHeadParser``, and call
/// ``validate(_:)``. Any failure means the connection must be closed without sending frames.
///
/// ```swift
/// let handshake = ClientHandshake(
///     host: "example.com", path: "/chat", keyBytes: random16Bytes, subprotocols: ["chat.v2"])
/// write(handshake.request.serialized())
/// var parser = HTTPHeadParser<HTTPResponseHead>()
/// if let response = try parser.append(bytes) {
///     let negotiated = try handshake.validate(response)
///     negotiated.subprotocol      // "chat.v2" or nil
///     decoder.append(parser.remainder)
/// }
/// ```
public struct ClientHandshake: Sendable {
    /// The value of `Sec-WebSocket-Key`: the caller's 16 bytes in base64.
    public let key: String
    /// The `Sec-WebSocket-Accept` value a server must answer with.
    public let expectedAccept: String
    /// The subprotocols offered, most preferred first.
    public let subprotocols: [String]
    /// The extensions offered, in order.
    public let extensions: [WebSocketExtension]
    /// The request to send.
    public let request: HTTPRequestHead

    /// Creates the handshake for one connection attempt.
    ///
    /// - Parameters:
    ///   - host: The server's host name or IP address. An IPv6 address is put in brackets.
    ///   - port: The server's port; written into `Host` only when it is not the scheme's default
    ///     (80, or 443 when `secure`).
    ///   - secure: Whether the connection uses TLS (`wss://`).
    ///   - path: The resource path; an empty path becomes `/`.
    ///   - query: The query, without `?`, or `nil` for none.
    ///   - keyBytes: 16 bytes from a secure random generator, fresh for each connection.
    ///   - subprotocols: Subprotocol names to offer, most preferred first; each must be a token.
    ///   - extensions: Extensions to offer.
    ///   - origin: The `Origin` header, which browsers send and some servers require.
    ///   - extraHeaders: More headers to send, such as `Authorization`. A
    ///     `Sec-WebSocket-Version` field here replaces the default `13` (to see how a server
    ///     answers an older client: a conforming one says 426).
    /// - Precondition: `keyBytes` holds exactly 16 bytes and every subprotocol is a token.
    public init(
        host: String, port: Int? = nil, secure: Bool = false, path: String = "/", query: String? = nil,
        keyBytes: [UInt8], subprotocols: [String] = [], extensions: [WebSocketExtension] = [],
        origin: String? = nil, extraHeaders: HTTPHeaders = HTTPHeaders()
    ) {
        precondition(keyBytes.count == 16, "Sec-WebSocket-Key needs exactly 16 bytes")
        precondition(subprotocols.allSatisfy(HTTPSyntax.isToken), "subprotocol names must be tokens")
        key = Base64.encode(keyBytes)
        expectedAccept = ServerHandshake.acceptValue(forKey: key)
        self.subprotocols = subprotocols
        self.extensions = extensions

        var authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port, port != (secure ? 443 : 80) { authority += ":\(port)" }
        var target = path.isEmpty ? "/" : path
        if let query { target += "?" + query }

        var headers: HTTPHeaders = [
            "Host": authority,
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": ServerHandshake.supportedVersion,
        ]
        if !subprotocols.isEmpty {
            headers.add(name: "Sec-WebSocket-Protocol", value: subprotocols.joined(separator: ", "))
        }
        if !extensions.isEmpty {
            headers.add(name: "Sec-WebSocket-Extensions", value: WebSocketExtension.headerValue(for: extensions))
        }
        if let origin { headers.add(name: "Origin", value: origin) }
        for (name, value) in extraHeaders {
            if HTTPSyntax.equalsIgnoringCase(name, "Sec-WebSocket-Version") {
                headers.replaceOrAdd(name: name, value: value)   // e.g. 8, to probe a server
            } else {
                headers.add(name: name, value: value)
            }
        }
        request = HTTPRequestHead(method: "GET", target: target, headers: headers)
    }

    /// Checks the server's response (RFC 6455 §4.1, items 1–6 of the client's checks) and
    /// returns what was negotiated.
    ///
    /// Checks, in order: the version is HTTP/1.1 or later; the status is 101; `Upgrade` lists
    /// `websocket` and `Connection` lists `upgrade`; `Sec-WebSocket-Accept` appears once and
    /// matches ``expectedAccept``; `Sec-WebSocket-Extensions` parses and names only offered
    /// extensions; `Sec-WebSocket-Protocol`, if present, is a single offered name.
    ///
    /// - Throws: The first check that failed. Close the connection.
    public func validate(_ response: HTTPResponseHead) throws(HandshakeError) -> NegotiatedHandshake {
        let headers = response.headers
        guard response.version >= .http1_1 else { throw .unsupportedHTTPVersion(response.version) }
        guard response.status == 101 else { throw .unexpectedStatus(response.status) }
        guard headers.containsToken("websocket", for: "Upgrade") else { throw .upgradeNotWebSocket }
        guard headers.containsToken("upgrade", for: "Connection") else { throw .connectionNotUpgrade }

        let accepts = headers.values(for: "Sec-WebSocket-Accept")
        guard !accepts.isEmpty else { throw .missingHeader(name: "Sec-WebSocket-Accept") }
        guard accepts.count == 1 else { throw .duplicateHeader(name: "Sec-WebSocket-Accept") }
        guard accepts[0] == expectedAccept else { throw .invalidAccept }

        let accepted = try WebSocketExtension.parse(headers.values(for: "Sec-WebSocket-Extensions"))
        let offeredNames = Set(extensions.map(\.name))
        if let unoffered = accepted.first(where: { !offeredNames.contains($0.name) }) {
            throw .extensionNotOffered(unoffered.name)
        }

        let protocols = headers.values(for: "Sec-WebSocket-Protocol")
        guard protocols.count <= 1 else { throw .duplicateHeader(name: "Sec-WebSocket-Protocol") }
        if let selected = protocols.first, !subprotocols.contains(selected) {
            throw .subprotocolNotOffered(selected)
        }
        return NegotiatedHandshake(subprotocol: protocols.first, extensions: accepted, headers: headers)
    }
}
