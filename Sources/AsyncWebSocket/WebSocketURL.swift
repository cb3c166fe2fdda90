/// A parsed `ws://` or `wss://` URL (RFC 6455 §3).
///
/// ```swift
/// let url = try WebSocketURL("ws://[::1]:8080/chat?room=1")
/// // url.host == "::1", url.port == 8080, url.requestTarget == "/chat?room=1"
/// ```
///
/// Fragments are rejected, as the RFC requires. User information (`user:pass@`) is not
/// supported and is rejected rather than silently dropped.
public struct WebSocketURL: Hashable, Sendable, CustomStringConvertible {
    /// `true` for `wss://`.
    public var isSecure: Bool
    /// The host name or address, without IPv6 brackets.
    public var host: String
    /// The port, defaulting to 80 for `ws://` and 443 for `wss://`.
    public var port: Int
    /// The path and query sent in the request line; `/` when the URL has no path.
    public var requestTarget: String

    /// Parses a URL string.
    ///
    /// - Throws: `WebSocketError` of kind `.invalidURL` with the reason.
    public init(_ string: String) throws(WebSocketError) {
        func invalid(_ why: String) -> WebSocketError { WebSocketError(.invalidURL, "\(why): \(string)") }
        guard let colon = string.firstIndex(of: ":"), string[colon...].hasPrefix("://") else {
            throw invalid("missing scheme")
        }
        switch string[..<colon].lowercased() {
        case "ws": isSecure = false
        case "wss": isSecure = true
        default: throw invalid("scheme must be ws or wss")
        }
        var rest = string[string.index(colon, offsetBy: 3)...]
        guard !rest.contains("#") else { throw invalid("fragments are not allowed") }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        guard !authority.contains("@") else { throw invalid("user information is not supported") }

        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unclosed IPv6 bracket") }
            host = String(authority[authority.index(after: authority.startIndex) ..< close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("junk after IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid("bad port") }
            port = value
        } else {
            port = isSecure ? 443 : 80
        }
        requestTarget = rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
    }

    /// The value for the `Host` header: the host, bracketed if IPv6, with the port unless it
    /// is the scheme's default.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isSecure ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// The URL in normal form (`ws://host:port/target`).
    public var description: String { "\(isSecure ? "wss" : "ws")://\(hostHeader)\(requestTarget)" }
}
