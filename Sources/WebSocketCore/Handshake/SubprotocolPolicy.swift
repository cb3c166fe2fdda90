/// How a server picks the subprotocol to accept from those a client offers (RFC 6455 §4.2.2).
///
/// The client lists subprotocols in `Sec-WebSocket-Protocol`, most preferred first; the server
/// may accept one and must not invent one. ``select(from:)`` enforces that: whatever the policy
/// decides, the result is one of the offered names or `nil`.
///
/// ```swift
/// let policy = SubprotocolPolicy.supported(["chat.v2", "chat.v1"])
/// let chosen = policy.select(from: upgrade.subprotocols)   // first offered one we support
/// let response = ServerHandshake.response(to: upgrade, subprotocol: chosen)
/// ```
public struct SubprotocolPolicy: Sendable {
    private let choose: @Sendable (_ offered: [String]) -> String?

    /// Creates a policy from a function that picks one of the offered names, or `nil`.
    public init(_ choose: @escaping @Sendable (_ offered: [String]) -> String?) {
        self.choose = choose
    }

    /// Never accepts a subprotocol.
    public static let none = SubprotocolPolicy { _ in nil }

    /// Accepts the first offered name that appears in `supported`: the client's order wins.
    ///
    /// Names compare exactly, because subprotocol names are case-sensitive.
    public static func supported(_ supported: [String]) -> SubprotocolPolicy {
        SubprotocolPolicy { offered in offered.first(where: supported.contains) }
    }

    /// Returns the subprotocol to accept: the policy's choice if the client offered it, else `nil`.
    public func select(from offered: [String]) -> String? {
        guard let chosen = choose(offered), offered.contains(chosen) else { return nil }
        return chosen
    }
}
