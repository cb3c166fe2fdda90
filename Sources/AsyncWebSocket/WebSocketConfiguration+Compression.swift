public import WebSocketCompression
import WebSocketCore

extension WebSocketConfiguration {
    /// Whether connections negotiate permessage-deflate (RFC 7692), per role, and with what settings.
    ///
    /// A server does not compress unless you opt in (each compressed connection costs memory and
    /// CPU); a client offers it by default, as browsers do, and the server decides.
    ///
    /// ```swift
    /// var configuration = WebSocketConfiguration()
    /// configuration.compression = .enabled                        // server accepts, client offers
    /// configuration.compression.server?.clientMaxWindowBits = 10  // 1 KiB inflate window per client
    /// ```
    ///
    /// Inflating is bounded by `maxMessageSize`: a message that would inflate past it fails the
    /// connection with 1009 without the rest being inflated.
    public struct Compression: Hashable, Sendable {
        /// What a server accepts; `nil` declines every offer. Default `nil`.
        public var server: PerMessageDeflate?
        /// What a client offers; `nil` offers nothing. Default ``PerMessageDeflate/client``.
        public var client: PerMessageDeflate?

        /// Creates a policy.
        public init(server: PerMessageDeflate? = nil, client: PerMessageDeflate? = .client) {
            self.server = server
            self.client = client
        }

        /// The default: servers decline, clients offer.
        public static let automatic = Compression(server: nil, client: .client)
        /// Both roles use permessage-deflate with their default settings.
        public static let enabled = Compression(server: .server, client: .client)
        /// Neither role uses it.
        public static let disabled = Compression(server: nil, client: nil)

        /// The negotiators for `role`.
        func negotiators(for role: Role) -> [any ExtensionNegotiator] {
            (role == .server ? server : client).map { [$0] } ?? []
        }
    }
}
