/// A WebSocket close status code (RFC 6455 §7.4).
///
/// Ranges, as the RFC and the IANA registry assign them:
/// - 0–999: never used.
/// - 1000–2999: defined by the protocol and its extensions. Only 1000–1003 and 1007–1014 are
///   valid on the wire here; 1004 is reserved, and 1005, 1006 and 1015 are for reporting only.
/// - 3000–3999: registered with IANA for libraries and frameworks.
/// - 4000–4999: private use by applications.
public struct CloseCode: RawRepresentable, Hashable, Sendable {
    /// The 16-bit status code.
    public let rawValue: UInt16

    /// Creates a close code from its numeric value. Any value is accepted; see `isValidOnWire`.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection has been fulfilled.
    public static let normalClosure = CloseCode(rawValue: 1000)
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    public static let goingAway = CloseCode(rawValue: 1001)
    /// 1002: the peer broke the protocol.
    public static let protocolError = CloseCode(rawValue: 1002)
    /// 1003: the endpoint received a type of data it cannot accept.
    public static let unsupportedData = CloseCode(rawValue: 1003)
    /// 1005: no status code was present in the Close frame. Never sent.
    public static let noStatusReceived = CloseCode(rawValue: 1005)
    /// 1006: the connection closed without a Close frame. Never sent.
    public static let abnormalClosure = CloseCode(rawValue: 1006)
    /// 1007: a text message or close reason was not valid UTF-8.
    public static let invalidPayloadData = CloseCode(rawValue: 1007)
    /// 1008: a message violated the endpoint's policy.
    public static let policyViolation = CloseCode(rawValue: 1008)
    /// 1009: a frame or message was larger than the endpoint accepts.
    public static let messageTooBig = CloseCode(rawValue: 1009)
    /// 1010: the server did not negotiate an extension the client requires.
    public static let mandatoryExtension = CloseCode(rawValue: 1010)
    /// 1011: the server hit an unexpected condition.
    public static let internalError = CloseCode(rawValue: 1011)
    /// 1012: the service is restarting.
    public static let serviceRestart = CloseCode(rawValue: 1012)
    /// 1013: try again later.
    public static let tryAgainLater = CloseCode(rawValue: 1013)
    /// 1014: a gateway or proxy received an invalid response upstream.
    public static let badGateway = CloseCode(rawValue: 1014)
    /// 1015: the TLS handshake failed. Never sent.
    public static let tlsHandshakeFailure = CloseCode(rawValue: 1015)

    /// Whether this code may appear in a Close frame on the wire.
    ///
    /// 1000–1003, 1007–1014 and 3000–4999 are valid. Everything else (0–999, 1004–1006, 1015,
    /// 1016–2999, 5000 and above) makes a received Close frame a protocol error (1002).
    public var isValidOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}

extension CloseCode: CustomStringConvertible {
    /// The number and, for codes the RFC names, the name; not API.
    public var description: String {
        let name: String? = switch rawValue {
        case 1000: "normal closure"
        case 1001: "going away"
        case 1002: "protocol error"
        case 1003: "unsupported data"
        case 1005: "no status received"
        case 1006: "abnormal closure"
        case 1007: "invalid payload data"
        case 1008: "policy violation"
        case 1009: "message too big"
        case 1010: "mandatory extension"
        case 1011: "internal error"
        case 1012: "service restart"
        case 1013: "try again later"
        case 1014: "bad gateway"
        case 1015: "TLS handshake failure"
        default: nil
        }
        return name.map { "\(rawValue) (\($0))" } ?? "\(rawValue)"
    }
}
