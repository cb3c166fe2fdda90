import WebSocketCore

/// Why a WebSocket operation failed.
///
/// A struct rather than an enum so that new failure kinds can be added without breaking
/// exhaustive `switch`es; compare against the static members:
///
/// ```swift
/// do { try await ws.send(.text("hi")) }
/// catch let error as WebSocketError where error.kind == .connectionClosed { … }
/// ```
public struct WebSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; an open set compared with `==` against the static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The connection is closing or closed; nothing more can be sent.
        public static let connectionClosed = Kind(name: "connection closed")
        /// The URL was not a valid `ws://` URL.
        public static let invalidURL = Kind(name: "invalid URL")
        /// The TCP connection could not be established (refused, unreachable, name not found).
        public static let connectFailed = Kind(name: "connect failed")
        /// The server answered the upgrade request with something other than a valid 101.
        public static let handshakeFailed = Kind(name: "handshake failed")
        /// The TLS handshake failed: the certificate did not verify (the detail gives OpenSSL's
        /// reason, such as "certificate has expired" or "hostname mismatch"), or the peer does
        /// not speak TLS.
        public static let tlsFailed = Kind(name: "TLS failed")
        /// An operation did not finish within its configured timeout.
        public static let timedOut = Kind(name: "timed out")
        /// The argument was not acceptable (a ping payload over 125 bytes, a bad close code).
        public static let invalidArgument = Kind(name: "invalid argument")
        /// A transport error (for example a reset connection).
        public static let transport = Kind(name: "transport error")
        /// The peer broke the protocol (RFC 6455); the connection was failed with the close
        /// code that names the violation.
        public static let protocolViolation = Kind(name: "protocol violation")
        /// The peer did not answer a keepalive Ping within `pongTimeout`.
        public static let keepaliveTimeout = Kind(name: "keepalive ping timeout")
        /// No message went either way for `idleTimeout`.
        public static let idleTimeout = Kind(name: "idle timeout")
        /// The kind's name, such as `connect failed`; not API.
        public var description: String { name }
    }

    /// The kind of failure.
    public let kind: Kind
    /// A human-readable explanation; not API, may change.
    public let detail: String
    /// The HTTP status the server answered with, for `.handshakeFailed`.
    public let httpStatus: Int?

    package init(_ kind: Kind, _ detail: String = "", httpStatus: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.httpStatus = httpStatus
    }

    /// `kind: detail`, for logs and error messages; the wording is not API.
    public var description: String { detail.isEmpty ? kind.description : "\(kind): \(detail)" }

    static let closed = WebSocketError(.connectionClosed)

    static func from(_ error: Connection.CommandError) -> WebSocketError {
        switch error {
        case .notOpen: .closed
        default: WebSocketError(.invalidArgument, "\(error)")
        }
    }
}
