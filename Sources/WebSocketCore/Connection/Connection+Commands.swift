extension Connection {
    // MARK: Commands

    /// Queues a complete message as one frame.
    ///
    /// - Parameter applyingExtensions: `false` sends this message untransformed even when an
    ///   extension is negotiated, such as data that is already compressed under permessage-deflate.
    /// - Throws: `CommandError.notOpen` once we sent or received a Close frame;
    ///   `.fragmentOutOfOrder` while a fragmented send is in progress.
    public mutating func send(_ message: Message, applyingExtensions: Bool = true) throws(CommandError) {
        guard state == .open else { throw .notOpen }
        guard !outboundMessageOpen else { throw .fragmentOutOfOrder }
        guard codecs.isEmpty else {
            switch message {
            case .text(let text): appendDataFrame(Frame(opcode: .text, payload: Array(text.utf8)), transform: applyingExtensions)
            case .binary(let bytes): appendDataFrame(Frame(opcode: .binary, payload: bytes), transform: applyingExtensions)
            }
            return
        }
        switch message {
        case .text(var text):
            text.withUTF8 { appendFrame(opcode: .text, payload: UnsafeRawBufferPointer($0)) }
        case .binary(let bytes):
            bytes.withUnsafeBytes { appendFrame(opcode: .binary, payload: $0) }
        }
    }

    /// Queues one data frame of a message the caller fragments itself (RFC 6455 §5.4).
    ///
    /// Send the first frame with `opcode` `.text` or `.binary`, the rest with `.continuation`,
    /// and `fin: true` on the last. Control frames may be sent between fragments. An extension
    /// such as permessage-deflate transforms the fragments of a message unless the first one
    /// passes `applyingExtensions: false`.
    public mutating func sendFrame(
        opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool, applyingExtensions: Bool = true
    ) throws(CommandError) {
        guard state == .open else { throw .notOpen }
        switch opcode {
        case .text, .binary: guard !outboundMessageOpen else { throw .fragmentOutOfOrder }
        case .continuation: guard outboundMessageOpen else { throw .fragmentOutOfOrder }
        default: throw .fragmentOutOfOrder
        }
        outboundMessageOpen = !fin
        if codecs.isEmpty {
            appendFrame(opcode: opcode, payload: payload, fin: fin)
        } else {
            appendDataFrame(Frame(opcode: opcode, payload: Array(payload), fin: fin), transform: applyingExtensions)
        }
    }

    /// Queues a Ping. The peer answers with a Pong carrying the same payload.
    public mutating func ping(_ payload: [UInt8] = []) throws(CommandError) {
        try sendControl(.ping, payload)
    }

    /// Queues an unsolicited Pong (a one-way heartbeat, RFC 6455 §5.5.3).
    public mutating func pong(_ payload: [UInt8] = []) throws(CommandError) {
        try sendControl(.pong, payload)
    }

    private mutating func sendControl(_ opcode: Opcode, _ payload: [UInt8]) throws(CommandError) {
        guard state == .open else { throw .notOpen }
        guard payload.count <= 125 else { throw .controlPayloadTooLong(payload.count) }
        appendFrame(opcode: opcode, payload: payload)
    }

    /// Starts the closing handshake by queueing a Close frame (RFC 6455 §7.1.2).
    ///
    /// The connection moves to `.closing`; it keeps delivering what the peer sends until the
    /// peer's Close arrives, then becomes `.closed`. Calling it again, or after the peer's Close,
    /// does nothing. A `nil` code sends an empty Close frame.
    ///
    /// - Throws: `.invalidCloseCode` for a code that may not be sent; `.closeReasonTooLong` for a
    ///   reason over 123 UTF-8 bytes.
    public mutating func close(code: CloseCode? = .normalClosure, reason: String = "") throws(CommandError) {
        if let code, !code.isValidOnWire { throw .invalidCloseCode(code) }
        guard reason.utf8.count <= 123 else { throw .closeReasonTooLong(reason.utf8.count) }
        guard code != nil || reason.isEmpty else { throw .invalidCloseCode(.noStatusReceived) }
        guard state == .open else { return }
        queueClose(CloseFrame(code: code, reason: reason))
        state = .closing
    }

    /// Fails the connection from our side (a timeout, an application error): queues a Close
    /// with `code` if none was sent, and moves to `.closed` without waiting for the peer.
    ///
    /// A reason longer than 123 bytes is cut at a character boundary.
    public mutating func abort(code: CloseCode, reason: String = "") {
        if state == .open && code.isValidOnWire {
            queueClose(CloseFrame(code: code, reason: Self.truncated(reason, toUTF8Count: 123)))
        }
        state = .closed
        assembled = []
    }

    package static func truncated(_ text: String, toUTF8Count limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        for character in text where result.utf8.count + character.utf8.count <= limit {
            result.append(character)
        }
        return result
    }

    // MARK: Output

    /// Whether bytes are waiting to be written to the transport.
    public var hasPendingOutput: Bool { outputStart < output.count }

    /// The number of bytes waiting to be written to the transport.
    public var pendingOutputCount: Int { output.count - outputStart }

    /// Lets the caller write pending bytes; `write` returns how many it wrote (possibly 0).
    ///
    /// Call it again while `hasPendingOutput` is true and the transport accepts more.
    public mutating func withPendingOutput(_ write: (UnsafeRawBufferPointer) throws -> Int) rethrows {
        guard hasPendingOutput else { return }
        let start = outputStart
        let written = try output.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        precondition(written >= 0 && written <= output.count - start, "wrote more than was pending")
        outputStart += written
        if outputStart == output.count {
            // Keep a modest buffer for the next sends; let a large one go.
            if output.capacity > 1 << 20 { output = [] } else { output.removeAll(keepingCapacity: true) }
            outputStart = 0
        }
    }

    /// Removes and returns every pending byte.
    public mutating func takeOutput() -> [UInt8] {
        var result: [UInt8] = []
        withPendingOutput { bytes in
            result = Array(bytes)
            return bytes.count
        }
        return result
    }

    // MARK: Encoding

    mutating func queueClose(_ frame: CloseFrame) {
        var payload: [UInt8] = []
        if let code = frame.code {
            payload = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
            payload.append(contentsOf: frame.reason.utf8)
        }
        closeFrameSent = frame
        appendFrame(opcode: .close, payload: payload)
    }

    /// Runs an outbound data frame through the codecs, in order, and queues the result.
    mutating func appendDataFrame(_ frame: Frame, transform: Bool) {
        var frame = frame
        for index in codecs.indices {
            if let encoded = codecs[index].encode(frame, transform: transform) { frame = encoded }
        }
        frame.payload.withUnsafeBytes {
            appendFrame(opcode: frame.opcode, payload: $0, fin: frame.fin, reservedBits: frame.reservedBits)
        }
    }

    mutating func appendFrame(opcode: Opcode, payload: [UInt8], fin: Bool = true) {
        payload.withUnsafeBytes { appendFrame(opcode: opcode, payload: $0, fin: fin) }
    }

    mutating func appendFrame(opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, reservedBits: UInt8 = 0) {
        var key: MaskingKey?
        if role == .client {
            let random = maskingKeys!.next()
            key = MaskingKey(networkOrder: UInt32(truncatingIfNeeded: random))
        }
        if outputStart == output.count && outputStart > 0 {
            output.removeAll(keepingCapacity: true)
            outputStart = 0
        }
        FrameEncoder.append(opcode: opcode, payload: payload, fin: fin, reservedBits: reservedBits, maskingKey: key, to: &output)
    }
}
