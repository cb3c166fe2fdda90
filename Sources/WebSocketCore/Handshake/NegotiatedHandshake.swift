/// What a server accepted in a successful opening handshake, as seen by the client.
///
/// ``ClientHandshake/validate(_:)`` returns it once the 101 response has passed every check; the
/// connection is then open and speaks ``subprotocol`` with ``extensions`` applied.
///
/// ```swift
/// let negotiated = try handshake.validate(response)
/// if negotiated.subprotocol == "chat.v2" { … }
/// if negotiated.extensions.contains(where: { $0.name == "permessage-deflate" }) { … }
/// ```
public struct NegotiatedHandshake: Equatable, Sendable {
    /// The subprotocol the server selected, or `nil` if it selected none.
    public var subprotocol: String?
    /// The extensions the server accepted, in the order they apply, with its parameters.
    public var extensions: [WebSocketExtension]
    /// Every header of the response, such as `Set-Cookie`.
    public var headers: HTTPHeaders

    /// Creates a negotiation result.
    public init(subprotocol: String?, extensions: [WebSocketExtension], headers: HTTPHeaders) {
        self.subprotocol = subprotocol
        self.extensions = extensions
        self.headers = headers
    }
}
