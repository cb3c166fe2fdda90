/// Which end of a connection this side is; it decides masking (RFC 6455 §5.1, §5.3).
///
/// A client masks every frame it sends and rejects masked frames; a server never masks and
/// rejects unmasked frames.
public enum Role: Hashable, Sendable {
    /// The side that opened the connection and sent the upgrade request.
    case client
    /// The side that accepted the connection and answered the upgrade request.
    case server
}
