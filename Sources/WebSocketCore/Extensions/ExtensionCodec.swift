/// The frame half of a negotiated extension: it transforms the data frames of one connection
/// (RFC 6455 §9), such as permessage-deflate compressing messages and marking them with RSV1.
///
/// An ``ExtensionNegotiator`` creates one codec per connection in the opening handshake; pass
/// the codecs to ``Connection/init(role:configuration:maskingKeys:extensions:)``. The connection
/// then calls ``decode(_:limit:inspect:)`` for every inbound data frame and
/// ``encode(_:transform:)`` for every outbound one. Control frames never reach a codec, and
/// their reserved bits must be clear.
///
/// With several codecs, outbound frames pass through them in the order given (the order of the
/// server's `Sec-WebSocket-Extensions` response) and inbound frames in reverse order.
///
/// A codec that owns resources outside Swift's memory (a zlib stream) is usually a class; the
/// `Connection` holding it is then meant to be used from one place, as every owner does.
///
/// ```swift
/// struct Reverse: ExtensionCodec {        // RSV2 marks a message sent back to front
///     let name = "x-reverse"
///     let reservedBits: UInt8 = 0b010
///     mutating func decode(_ frame: Frame, limit: Int,
///                          inspect: (UnsafeRawBufferPointer) throws(ProtocolViolation) -> Void)
///         throws(ProtocolViolation) -> Frame? {
///         guard frame.reservedBits & reservedBits != 0 else { return nil }
///         let payload = Array(frame.payload.reversed())
///         try payload.withUnsafeBytes { bytes throws(ProtocolViolation) in try inspect(bytes) }
///         return Frame(opcode: frame.opcode, payload: payload, fin: frame.fin)
///     }
///     mutating func encode(_ frame: Frame, transform: Bool) -> Frame? {
///         transform ? Frame(opcode: frame.opcode, payload: frame.payload.reversed(), fin: frame.fin, reservedBits: reservedBits) : nil
///     }
/// }
/// ```
public protocol ExtensionCodec: Sendable {
    /// The extension's registered name, as in the handshake.
    var name: String { get }
    /// The reserved bits this extension may set on data frames (RSV1 is 0b100). The frame decoder
    /// accepts them on data frames only; the codecs of one connection use disjoint bits.
    var reservedBits: UInt8 { get }

    /// Decodes one inbound data frame.
    ///
    /// - Parameters:
    ///   - frame: The frame as received (unmasked), reserved bits included. Its opcode is `.text`
    ///     or `.binary` on the first frame of a message and `.continuation` after that.
    ///   - limit: The most bytes the decoded payload may have: what is left of the connection's
    ///     message allowance. Stop and throw ``ProtocolViolation/messageTooLarge(limit:)`` as soon
    ///     as the output would exceed it, so that a small frame cannot inflate without bound.
    ///   - inspect: Call it with each chunk of decoded payload, in order, as it is produced; the
    ///     connection validates UTF-8 there, so bad text fails before the rest is decoded. Pass
    ///     on what it throws.
    /// - Returns: `nil` when the frame is not transformed (the connection uses it as received, and
    ///   `inspect` must not have been called); otherwise the decoded frame, with this
    ///   extension's reserved bits cleared, every byte of which was passed to `inspect`.
    /// - Throws: A ``ProtocolViolation``: the frame breaks the extension's rules (such as RSV1
    ///   on a continuation frame), its data cannot be decoded, or the output is over `limit`.
    mutating func decode(
        _ frame: Frame, limit: Int, inspect: (UnsafeRawBufferPointer) throws(ProtocolViolation) -> Void
    ) throws(ProtocolViolation) -> Frame?

    /// Encodes one outbound data frame.
    ///
    /// - Parameters:
    ///   - frame: The frame the application sends: `.text` or `.binary` first, `.continuation`
    ///     after, with `fin` on the last.
    ///   - transform: `false` when the application opted this message out (for example, data that
    ///     is already compressed). It is given on every frame but only the first frame's value
    ///     counts: a message is transformed as a whole or not at all.
    /// - Returns: The frame to send instead, with this extension's reserved bits set where they
    ///   apply, or `nil` to send `frame` as it is.
    mutating func encode(_ frame: Frame, transform: Bool) -> Frame?
}

/// The handshake half of an extension: it offers the extension (client), chooses among offers
/// (server), and makes the ``ExtensionCodec`` for the connection.
///
/// ``ServerHandshake/negotiateExtensions(offered:supported:)`` and
/// ``ClientHandshake/extensionCodecs(for:supported:)`` drive negotiators for a list of them. The
/// rules for one extension's parameters (RFC 7692 §7.1 for permessage-deflate) live in its
/// negotiator.
///
/// ```swift
/// // Server
/// let (accepted, codecs) = ServerHandshake.negotiateExtensions(offered: upgrade.extensions, supported: [deflate])
/// write(ServerHandshake.response(to: upgrade, extensions: accepted).serialized())
/// var connection = Connection(role: .server, extensions: codecs)
///
/// // Client
/// let handshake = ClientHandshake(host: "example.com", keyBytes: key, extensions: deflate.offers())
/// let negotiated = try handshake.validate(response)
/// let codecs = try ClientHandshake.extensionCodecs(for: negotiated, supported: [deflate])
/// ```
public protocol ExtensionNegotiator: Sendable {
    /// The extension's registered name, such as `permessage-deflate`.
    var name: String { get }

    /// The client's offers for this extension, most preferred first (each named ``name``).
    func offers() -> [WebSocketExtension]

    /// Checks the server's acceptance of one of ``offers()`` and makes the client's codec.
    ///
    /// - Throws: ``HandshakeError/invalidExtensionResponse(name:reason:)`` when the response
    ///   breaks the extension's rules; the client must then fail the connection.
    func accept(response: WebSocketExtension) throws(HandshakeError) -> any ExtensionCodec

    /// Chooses among a client's offers for this extension and makes the server's codec.
    ///
    /// - Parameter offers: The offers named ``name``, in the client's order of preference.
    /// - Returns: The response element (possibly with parameters that differ from the offer, a
    ///   counter-offer the RFC allows) and the codec, or `nil` to decline every offer.
    func negotiate(offers: [WebSocketExtension]) -> (response: WebSocketExtension, codec: any ExtensionCodec)?
}

extension ServerHandshake {
    /// Chooses the extensions to accept: each supported negotiator, in the server's order, sees
    /// the offers with its name and accepts one or declines.
    ///
    /// A negotiator whose codec would use a reserved bit an earlier one already uses is skipped.
    /// Pass `accepted` to ``response(to:subprotocol:extensions:extraHeaders:)`` and `codecs` to
    /// the `Connection`.
    public static func negotiateExtensions(
        offered: [WebSocketExtension], supported: [any ExtensionNegotiator]
    ) -> (accepted: [WebSocketExtension], codecs: [any ExtensionCodec]) {
        var accepted: [WebSocketExtension] = []
        var codecs: [any ExtensionCodec] = []
        var usedBits: UInt8 = 0
        for negotiator in supported {
            let offers = offered.filter { HTTPSyntax.equalsIgnoringCase($0.name, negotiator.name) }
            guard !offers.isEmpty, let (response, codec) = negotiator.negotiate(offers: offers) else { continue }
            guard codec.reservedBits & usedBits == 0 else { continue }
            usedBits |= codec.reservedBits
            accepted.append(response)
            codecs.append(codec)
        }
        return (accepted, codecs)
    }
}

extension ClientHandshake {
    /// Makes the codecs for the extensions a server accepted, in the order of its response.
    ///
    /// ``validate(_:)`` has already checked that every accepted name was offered.
    ///
    /// - Throws: ``HandshakeError/invalidExtensionResponse(name:reason:)`` when an extension is
    ///   accepted twice, two extensions claim the same reserved bit, or a negotiator rejects its
    ///   parameters; ``HandshakeError/extensionNotOffered(_:)`` for a name no negotiator has.
    public static func extensionCodecs(
        for negotiated: NegotiatedHandshake, supported: [any ExtensionNegotiator]
    ) throws(HandshakeError) -> [any ExtensionCodec] {
        var codecs: [any ExtensionCodec] = []
        var usedBits: UInt8 = 0
        for response in negotiated.extensions {
            guard let negotiator = supported.first(where: { HTTPSyntax.equalsIgnoringCase($0.name, response.name) }) else {
                throw .extensionNotOffered(response.name)
            }
            guard !codecs.contains(where: { $0.name == negotiator.name }) else {
                throw .invalidExtensionResponse(name: negotiator.name, reason: "accepted more than once")
            }
            let codec = try negotiator.accept(response: response)
            guard codec.reservedBits & usedBits == 0 else {
                throw .invalidExtensionResponse(name: negotiator.name, reason: "reserved bit already in use")
            }
            usedBits |= codec.reservedBits
            codecs.append(codec)
        }
        return codecs
    }
}
