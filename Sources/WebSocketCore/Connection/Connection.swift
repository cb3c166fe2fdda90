/// The WebSocket protocol for one connection, with no I/O: bytes in, events and bytes out.
///
/// `Connection` owns every RFC 6455 rule above single frames: message reassembly and the message
/// size limit, UTF-8 validation of text (failing at the first bad byte), automatic pongs, and
/// the closing handshake. Its owner moves bytes between it and a transport:
///
/// ```swift
/// var connection = Connection(role: .server)
/// connection.receive(bytesFromSocket)
/// while let event = connection.nextEvent() {
///     if case .message(let message) = event { try connection.send(message) }   // echo
/// }
/// connection.withPendingOutput { bytes in socket.write(bytes) }   // returns bytes written
/// if connection.state == .closed && !connection.hasPendingOutput { socket.close() }
/// ```
///
/// After a protocol violation the connection queues a Close frame with the matching code and
/// moves to `.closed`; the owner should write what is pending and close the transport (RFC 6455
/// §7.1.7). After a clean closing handshake a server closes the transport at once; a client
/// should give the server a moment to close it first (§7.1.1).
public struct Connection: Sendable {
    /// Which side of the connection this is.
    public let role: Role
    /// Limits and behaviours.
    public let configuration: Configuration
    /// Where the connection is in its life.
    public internal(set) var state: State = .open

    /// The Close frame the peer sent, once it has arrived.
    public internal(set) var closeFrameReceived: CloseFrame?
    /// The Close frame we sent, once it is queued.
    public internal(set) var closeFrameSent: CloseFrame?
    /// The violation that failed the connection, if the peer broke the protocol.
    public internal(set) var violation: ProtocolViolation?
    /// Whether the transport reported end of stream.
    public internal(set) var receivedEndOfStream = false

    var decoder: FrameDecoder
    var maskingKeys: (any RandomNumberGenerator & Sendable)?
    /// The negotiated extensions' codecs, in the order they apply to outbound frames.
    var codecs: [any ExtensionCodec]
    /// The reserved bits the codecs use.
    let codecBits: UInt8
    /// Whether the inbound message in progress set a codec's reserved bit on its first frame;
    /// its bytes are then validated after decoding, not while the frame arrives.
    var inboundTransformed = false

    /// The kind of the fragmented message being received (`.text` or `.binary`), if any.
    var inboundMessage: Opcode?
    /// The fragments of the inbound message received so far (unused in fragment mode).
    var assembled: [UInt8] = []
    /// UTF-8 state of the inbound text message.
    var validator = UTF8Validator()
    /// How many bytes of the decoder's partial frame have been validated already.
    var validatedPartialCount = 0
    /// Whether an outbound fragmented message is in progress.
    var outboundMessageOpen = false

    /// Bytes to send; `output[outputStart...]` is pending.
    var output: [UInt8] = []
    var outputStart = 0

    /// Creates the protocol engine for one side of a connection that has completed its handshake.
    ///
    /// - Parameters:
    ///   - role: `.client` masks outgoing frames and requires `maskingKeys`.
    ///   - configuration: Limits and behaviours.
    ///   - maskingKeys: Where a client draws a fresh masking key for every frame (RFC 6455 §5.3
    ///     asks for a strong source of entropy: pass `SystemRandomNumberGenerator()` or a CSPRNG;
    ///     tests pass a seeded generator). Ignored for a server.
    ///   - extensions: The codecs of the extensions negotiated in the handshake, in the order
    ///     of the server's response (see ``ExtensionNegotiator``); none by default.
    /// - Precondition: The codecs use disjoint reserved bits.
    public init(
        role: Role, configuration: Configuration = Configuration(),
        maskingKeys: (any RandomNumberGenerator & Sendable)? = nil, extensions: [any ExtensionCodec] = []
    ) {
        precondition(role == .server || maskingKeys != nil, "a client connection needs a masking key generator")
        var bits: UInt8 = 0
        for codec in extensions {
            precondition(codec.reservedBits & bits == 0, "two extensions use the same reserved bit")
            bits |= codec.reservedBits
        }
        self.role = role
        self.configuration = configuration
        self.maskingKeys = maskingKeys
        self.codecs = extensions
        self.codecBits = bits
        self.decoder = FrameDecoder(role: role, maxFrameSize: configuration.maxFrameSize, allowedReservedBits: bits)
    }

    /// The number of received bytes held inside the engine (unparsed input, the partial frame and
    /// the partial message). Bounded by the frame and message limits plus one read.
    public var bufferedInboundByteCount: Int { decoder.bufferedByteCount + assembled.count }

    // MARK: Input

    /// Hands the engine bytes received from the transport. Take events with `nextEvent()`.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        guard acceptsInput else { return }
        decoder.append(bytes)
    }

    /// Hands the engine bytes received from the transport. Take events with `nextEvent()`.
    public mutating func receive(_ bytes: some Sequence<UInt8>) {
        guard acceptsInput else { return }
        decoder.append(bytes)
    }

    /// Tells the engine the transport's input ended (EOF or reset).
    ///
    /// Complete frames already received are still delivered by `nextEvent()`. If the closing
    /// handshake had not finished, the connection closed abnormally (1006): it becomes
    /// `.closed` and queues nothing.
    public mutating func receiveEndOfStream() {
        receivedEndOfStream = true
    }

    /// Whether bytes from the peer are still wanted.
    var acceptsInput: Bool { closeFrameReceived == nil && violation == nil && state != .closed }

    /// Returns the next event decoded from the input, or `nil` when more input is needed.
    ///
    /// Pull events until `nil` after each `receive`. Events may queue output (pongs, close
    /// replies): check `hasPendingOutput` afterwards.
    public mutating func nextEvent() -> Event? {
        while acceptsInput {
            decoder.maxFrameSize = frameLimit
            let frame: Frame?
            do {
                frame = try decoder.nextFrame()
            } catch {
                return fail(mapLimit(error))
            }
            guard let frame else {
                if let violation = validatePartialText() { return fail(violation) }
                break
            }
            if let event = handle(frame) { return event }
        }
        if receivedEndOfStream && state != .closed {
            state = .closed
        }
        return nil
    }

    /// The payload limit for the next data frame: the frame limit, or what is left of the
    /// message limit while reassembling.
    private var frameLimit: Int {
        if configuration.deliversFragments { return configuration.maxFrameSize }
        return min(configuration.maxFrameSize, configuration.maxMessageSize - assembled.count)
    }

    /// Reports a frame over the message allowance (rather than the frame limit) as a
    /// message-size violation. Both map to 1009.
    private func mapLimit(_ violation: ProtocolViolation) -> ProtocolViolation {
        if case .frameTooLarge(_, let limit) = violation, limit < configuration.maxFrameSize {
            return .messageTooLarge(limit: configuration.maxMessageSize)
        }
        return violation
    }

    private mutating func handle(_ frame: Frame) -> Event? {
        switch frame.opcode {
        case .ping:
            if configuration.answersPings && state == .open {
                appendFrame(opcode: .pong, payload: frame.payload)
            }
            return .ping(frame.payload)
        case .pong:
            return .pong(frame.payload)
        case .close:
            return receivedClose(frame.payload)
        case .text, .binary:
            guard inboundMessage == nil else { return fail(.expectedContinuation) }
            return receivedData(frame, of: frame.opcode)
        default: // .continuation; the decoder rejects undefined opcodes
            guard let kind = inboundMessage else { return fail(.unexpectedContinuation) }
            return receivedData(frame, of: kind)
        }
    }

    private mutating func receivedData(_ frame: Frame, of kind: Opcode) -> Event? {
        var frame = frame
        var validated = false
        if !codecs.isEmpty {
            do {
                validated = try decodeExtensions(&frame, of: kind)
            } catch {
                return fail(error)
            }
        }
        if kind == .text && !validated {
            let fresh = frame.payload.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[validatedPartialCount...]) }
            guard validator.validate(fresh) else { return fail(.invalidUTF8) }
            if frame.fin && !validator.isAtCharacterBoundary { return fail(.invalidUTF8) }
        }
        validatedPartialCount = 0
        if frame.fin {
            if validated && kind == .text && !validator.isAtCharacterBoundary { return fail(.invalidUTF8) }
            inboundMessage = nil
            inboundTransformed = false
            validator.reset()
        } else {
            inboundMessage = kind
        }
        if configuration.deliversFragments {
            return .fragment(Fragment(opcode: kind, payload: frame.payload, isFinal: frame.fin))
        }
        guard frame.fin else {
            if assembled.isEmpty { assembled = frame.payload } else { assembled.append(contentsOf: frame.payload) }
            return nil
        }
        var payload = frame.payload
        if !assembled.isEmpty {
            assembled.append(contentsOf: payload)
            payload = assembled
            assembled = []
        }
        // The validator has accepted every byte of a text message; build the String without a second pass.
        return .message(kind == .text ? .text(String(validatedUTF8: payload)) : .binary(payload))
    }

    /// Runs the inbound frame through the codecs (last one first). Text is validated as the
    /// outermost codec that transforms it produces bytes; returns whether that happened.
    private mutating func decodeExtensions(_ frame: inout Frame, of kind: Opcode) throws(ProtocolViolation) -> Bool {
        if frame.opcode != .continuation { inboundTransformed = frame.reservedBits & codecBits != 0 }
        let limit = configuration.deliversFragments
            ? configuration.maxFrameSize : configuration.maxMessageSize - assembled.count
        // The validator moves into a local so the closure does not overlap the codec's access to `self`.
        var validator = self.validator
        defer { self.validator = validator }
        var validated = false
        for index in codecs.indices.reversed() {
            let isLast = index == codecs.startIndex
            do {
                let decoded = try codecs[index].decode(frame, limit: limit) { (chunk: UnsafeRawBufferPointer) throws(ProtocolViolation) in
                    if isLast && kind == .text && !validator.validate(chunk) { throw .invalidUTF8 }
                }
                if let decoded {
                    frame = decoded
                    validated = isLast
                }
            } catch .messageTooLarge {
                throw .messageTooLarge(limit: configuration.deliversFragments ? configuration.maxFrameSize : configuration.maxMessageSize)
            }
        }
        return validated
    }

    /// Validates the text bytes of a frame still arriving, so bad UTF-8 fails before the frame ends.
    /// Frames of a message an extension transforms are validated once decoded instead.
    private mutating func validatePartialText() -> ProtocolViolation? {
        guard let header = decoder.partialFrameHeader else { return nil }
        let isText = header.opcode == .text ? inboundMessage == nil : (header.opcode == .continuation && inboundMessage == .text)
        guard isText else { return nil }
        if header.opcode == .continuation ? inboundTransformed : header.reservedBits & codecBits != 0 { return nil }
        let start = validatedPartialCount
        let valid = decoder.withPartialPayload { payload -> Bool in
            guard payload.count > start else { return true }
            validatedPartialCount = payload.count
            return validator.validate(UnsafeRawBufferPointer(rebasing: payload[start...]))
        }
        return valid ? nil : .invalidUTF8
    }

    private mutating func receivedClose(_ payload: [UInt8]) -> Event? {
        var frame = CloseFrame(code: nil)
        if payload.count == 1 { return fail(.closePayloadTooShort) }
        if payload.count >= 2 {
            let code = CloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
            guard code.isValidOnWire else { return fail(.invalidCloseCode(code.rawValue)) }
            let reason = payload[2...]
            guard UTF8Validator.isValid(reason) else { return fail(.invalidUTF8) }
            frame = CloseFrame(code: code, reason: String(decoding: reason, as: UTF8.self))
        }
        closeFrameReceived = frame
        if state == .open {
            // Echo the peer's status code (RFC 6455 §5.5.1), without its reason.
            queueClose(CloseFrame(code: frame.code))
        }
        state = .closed
        return .closeReceived(frame)
    }

    /// Fails the connection: queue a Close with the violation's code unless one was sent already.
    private mutating func fail(_ violation: ProtocolViolation) -> Event {
        self.violation = violation
        if state == .open {
            queueClose(CloseFrame(code: violation.closeCode, reason: violation.description))
        }
        state = .closed
        assembled = []
        return .failed(violation)
    }
}
