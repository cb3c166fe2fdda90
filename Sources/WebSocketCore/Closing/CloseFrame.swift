/// The status code and reason carried by a Close frame (RFC 6455 §5.5.1).
public struct CloseFrame: Hashable, Sendable {
    /// The status code; `nil` when the frame had an empty payload (reported as 1005).
    public var code: CloseCode?
    /// The reason text; empty when there is none. At most 123 UTF-8 bytes on the wire.
    public var reason: String

    /// Creates a close frame body.
    public init(code: CloseCode?, reason: String = "") {
        self.code = code
        self.reason = reason
    }
}
