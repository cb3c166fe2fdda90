/// The server side of the RFC 6455 §4.2 opening handshake: validate a request, then accept or
/// reject it.
///
/// Read the request head with ``HTTPHeadParser``, pass it to ``validate(_:)``, decide on a
/// subprotocol and extensions, and write the bytes of ``response(to:subprotocol:extensions:extraHeaders:)``.
/// On any ``HandshakeError``, write ``rejection(for:body:extraHeaders:)`` and close the
/// connection. After a 101, the parser's `remainder` holds the client's first frame bytes.
///
/// ```swift
/// var parser = HTTPHeadParser<HTTPRequestHead>()
/// guard let request = try parser.append(bytes) else { return }   // wait for more bytes
/// do {
///     let upgrade = try ServerHandshake.validate(request)
///     let subprotocol = SubprotocolPolicy.supported(["chat"]).select(from: upgrade.subprotocols)
///     write(ServerHandshake.response(to: upgrade, subprotocol: subprotocol).serialized())
/// } catch {
///     write(ServerHandshake.rejection(for: error).serialized())
/// }
/// ```
public enum ServerHandshake {
    /// The GUID RFC 6455 §1.3 appends to the key before hashing.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The WebSocket protocol version this library speaks (RFC 6455 §4.1).
    public static let supportedVersion = "13"

    /// The `Sec-WebSocket-Accept` value for a client key: base64(SHA-1(key + GUID)) (§4.2.2).
    ///
    /// The client computes the same value to check that the server understood the handshake:
    /// `dGhlIHNhbXBsZSBub25jZQ==` gives `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`.
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + acceptGUID).utf8)))
    }

    /// Checks that `request` is a valid WebSocket upgrade (RFC 6455 §4.2.1) and extracts what
    /// the server needs to answer it.
    ///
    /// Checks, in order: the method is `GET`; the version is HTTP/1.1 or later; the target is a
    /// path or absolute URI; `Host` appears once; `Upgrade` lists `websocket` and `Connection`
    /// lists `upgrade` (both without regard to case); `Sec-WebSocket-Version` is `13`;
    /// `Sec-WebSocket-Key` appears once and is base64 of 16 bytes; `Sec-WebSocket-Protocol`
    /// lists only tokens; `Sec-WebSocket-Extensions` follows the §9.1 grammar.
    ///
    /// - Throws: The first check that failed, as a ``HandshakeError`` whose ``HandshakeError/httpStatus``
    ///   is the status to answer with.
    public static func validate(_ request: HTTPRequestHead) throws(HandshakeError) -> UpgradeRequest {
        let headers = request.headers
        guard request.method == "GET" else { throw .methodNotAllowed(method: request.method) }
        guard request.version >= .http1_1 else { throw .unsupportedHTTPVersion(request.version) }
        let path = request.path
        guard path.hasPrefix("/") else { throw .invalidRequestTarget }
        let host = try single("Host", in: headers)
        guard headers.containsToken("websocket", for: "Upgrade") else { throw .upgradeNotWebSocket }
        guard headers.containsToken("upgrade", for: "Connection") else { throw .connectionNotUpgrade }

        let versions = headers.values(for: "Sec-WebSocket-Version")
        guard !versions.isEmpty else { throw .missingHeader(name: "Sec-WebSocket-Version") }
        guard versions == [supportedVersion] else {
            throw .unsupportedWebSocketVersion(versions.joined(separator: ", "))
        }

        let key = try single("Sec-WebSocket-Key", in: headers)
        guard let keyBytes = Base64.decode(key), keyBytes.count == 16 else { throw .invalidKey }

        let subprotocols = headers.tokens(for: "Sec-WebSocket-Protocol")
        guard subprotocols.allSatisfy(HTTPSyntax.isToken) else {
            throw .invalidHeaderValue(name: "Sec-WebSocket-Protocol")
        }
        let extensions = try WebSocketExtension.parse(headers.values(for: "Sec-WebSocket-Extensions"))
        let origins = headers.values(for: "Origin")
        guard origins.count <= 1 else { throw .duplicateHeader(name: "Origin") }

        return UpgradeRequest(
            key: key, host: host, path: path, query: request.query, origin: origins.first,
            subprotocols: subprotocols, extensions: extensions, headers: headers)
    }

    /// Builds the 101 Switching Protocols response that accepts `request` (RFC 6455 §4.2.2).
    ///
    /// The response carries `Upgrade: websocket`, `Connection: Upgrade` and `Sec-WebSocket-Accept`,
    /// then `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions` when there is something to
    /// accept, then `extraHeaders`. So that a mistake here cannot make the client fail the
    /// connection, a subprotocol the client did not offer is left out, and so is an extension
    /// whose name the client did not offer.
    ///
    /// - Parameters:
    ///   - subprotocol: The subprotocol to accept; see ``SubprotocolPolicy``.
    ///   - extensions: The extensions to accept, with the parameters the server chose.
    ///   - extraHeaders: More headers to send, such as `Set-Cookie`.
    public static func response(
        to request: UpgradeRequest, subprotocol: String? = nil, extensions: [WebSocketExtension] = [],
        extraHeaders: HTTPHeaders = HTTPHeaders()
    ) -> HTTPResponseHead {
        var headers: HTTPHeaders = [
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": acceptValue(forKey: request.key),
        ]
        if let subprotocol, request.subprotocols.contains(subprotocol) {
            headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol)
        }
        let offeredNames = Set(request.extensions.map(\.name))
        let accepted = extensions.filter { offeredNames.contains($0.name) }
        if !accepted.isEmpty {
            headers.add(name: "Sec-WebSocket-Extensions", value: WebSocketExtension.headerValue(for: accepted))
        }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        return HTTPResponseHead(status: 101, headers: headers)
    }

    /// Builds the response that refuses a handshake because of `error`.
    ///
    /// The status is `error.httpStatus`. The response always carries `Connection: close` and
    /// `Content-Length`, plus what its status requires: `Allow: GET` for 405, and
    /// `Upgrade: websocket` with `Sec-WebSocket-Version: 13` for 426 (RFC 6455 §4.4,
    /// RFC 9110 §15.5.22). Close the connection after writing it.
    ///
    /// - Parameters:
    ///   - body: A short plain-text body, such as a hint for a developer; empty by default.
    ///     Never put internal error text here.
    ///   - extraHeaders: More headers to send.
    public static func rejection(
        for error: HandshakeError, body: String = "", extraHeaders: HTTPHeaders = HTTPHeaders()
    ) -> HandshakeRejection {
        var headers = HTTPHeaders()
        switch error.httpStatus {
        case 405:
            headers.add(name: "Allow", value: "GET")
            headers.add(name: "Connection", value: "close")
        case 426:
            headers.add(name: "Upgrade", value: "websocket")
            headers.add(name: "Sec-WebSocket-Version", value: supportedVersion)
            headers.add(name: "Connection", value: "Upgrade, close")
        default:
            headers.add(name: "Connection", value: "close")
        }
        let bodyBytes = Array(body.utf8)
        if !bodyBytes.isEmpty {
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        }
        headers.add(name: "Content-Length", value: String(bodyBytes.count))
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        return HandshakeRejection(head: HTTPResponseHead(status: error.httpStatus, headers: headers), body: bodyBytes)
    }

    /// The value of the one field called `name`.
    private static func single(_ name: String, in headers: HTTPHeaders) throws(HandshakeError) -> String {
        let values = headers.values(for: name)
        guard let value = values.first else { throw .missingHeader(name: name) }
        guard values.count == 1 else { throw .duplicateHeader(name: name) }
        return value
    }
}
