/// Decodes WebSocket frames from bytes that arrive in any chunking.
///
/// The decoder never touches a socket: append the bytes you received, then take frames until it
/// returns `nil`. It enforces the RFC 6455 §5.2 rules that do not depend on message context:
/// reserved bits only where an extension allows them, defined opcodes, control frames of at most
/// 125 bytes that are never fragmented, the top bit of a 64-bit length clear, masking by role,
/// and a maximum payload length. Message-level rules (continuations, UTF-8, close codes) belong
/// to `Connection`.
///
/// ```swift
/// var decoder = FrameDecoder(role: .server, maxFrameSize: 1 << 20)
/// decoder.append(bytes)
/// while let frame = try decoder.nextFrame() { handle(frame) }
/// ```
///
/// Memory and copies: the payload of the frame in progress goes into its own array as it arrives
/// (and is unmasked there), so a frame costs at most its payload length. When no earlier input is
/// waiting, `append` takes the header and payload of the frame at the front of the new bytes
/// straight from them, unmasking in the same pass; only a partial header, or what follows a
/// complete frame, is copied into the input buffer, which therefore holds little more than one
/// read's worth of bytes. A header read by `append` is checked again by `nextFrame` against the
/// `maxFrameSize` and `allowedReservedBits` in force then, so the outcome does not depend on how
/// the bytes were split. Lengths are encoded minimally by `FrameEncoder`; non-minimal lengths are
/// accepted on input, as most peers do.
public struct FrameDecoder: Sendable {
    /// Which side this decoder is on; it decides which masking the peer must use.
    public let role: Role
    /// The largest data frame payload accepted, in bytes; a larger declared length is
    /// `frameTooLarge` before any of its payload is buffered. Control frames are not subject to
    /// it: they are always accepted up to the 125 bytes RFC 6455 allows.
    public var maxFrameSize: Int
    /// The most bytes reserved for a payload before that many have arrived (256 KiB).
    static let initialReservation = 256 << 10

    /// The reserved bits a negotiated extension allows on data frames (0b100 for
    /// permessage-deflate's RSV1). Control frames with any reserved bit set are always rejected.
    public var allowedReservedBits: UInt8

    /// Received bytes; the unread ones are `buffer[readIndex..<buffer.count]`.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The frame whose header has been read and whose payload is still arriving.
    private var current: FrameHeader?
    /// Whether `append` read `current`'s header, so `nextFrame` has yet to repeat the checks that
    /// depend on settings the caller may change in between (reserved bits, `maxFrameSize`).
    private var currentNeedsCheck = false
    /// The unmasked payload of `current` received so far.
    private var payload: [UInt8] = []
    /// An error found after some frames in the same input; thrown once those frames are taken.
    private var failure: ProtocolViolation?

    /// Creates a decoder for one side of a connection.
    ///
    /// - Parameters:
    ///   - role: `.server` requires masked frames, `.client` requires unmasked ones.
    ///   - maxFrameSize: The largest payload accepted. The default, 16 MiB, matches the
    ///     default maximum message size, so an unfragmented message up to that limit fits.
    ///   - allowedReservedBits: RSV bits a negotiated extension uses; 0 without extensions.
    public init(role: Role, maxFrameSize: Int = 16 << 20, allowedReservedBits: UInt8 = 0) {
        self.role = role
        self.maxFrameSize = maxFrameSize
        self.allowedReservedBits = allowedReservedBits
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        var rest = bytes
        if readIndex == buffer.count && failure == nil {
            rest = takeDirectly(from: bytes)
        }
        buffer.append(contentsOf: rest)
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        let appended: Void? = bytes.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        guard appended == nil else { return }
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Takes the frame at the front of `bytes` (its header if no frame is in progress, then as
    /// much payload as is there) without copying it into `buffer` first, and returns the bytes
    /// not taken: a partial header, or what follows a complete payload.
    ///
    /// Only called when `buffer` holds no unread bytes, so `bytes` continue the stream exactly
    /// where the frame in progress (or the next header) is.
    private mutating func takeDirectly(from bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var input = bytes
        if current == nil {
            // An incomplete header, or one that breaks a rule, is left in `buffer` for
            // `nextFrame`, which reports violations after the frames before them.
            let parsed: (header: FrameHeader, size: Int)?
            do {
                parsed = try parseHeader(input)
            } catch {
                return input
            }
            guard let parsed else { return input }
            current = parsed.header
            currentNeedsCheck = true
            input = UnsafeRawBufferPointer(rebasing: input[parsed.size...])
        }
        guard let header = current else { return input }
        let taken = Self.takePayload(of: header, from: input, into: &payload)
        return UnsafeRawBufferPointer(rebasing: input[taken...])
    }

    /// The number of received bytes not yet consumed into a frame (headers and payload).
    public var bufferedByteCount: Int { buffer.count - readIndex + payload.count }

    /// The capacity reserved for the payload in progress; tests check it stays proportional to
    /// what arrived, not to what a peer declared.
    package var partialPayloadCapacity: Int { payload.capacity }

    /// The header of the frame whose payload is still arriving, if any.
    public var partialFrameHeader: FrameHeader? { current }

    /// Calls `body` with the unmasked payload received so far for the frame in progress.
    public func withPartialPayload<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try payload.withUnsafeBytes(body)
    }

    /// Returns the next complete frame, or `nil` when more bytes are needed.
    ///
    /// - Throws: `ProtocolViolation` when the input breaks a framing rule. Frames that were
    ///   complete before the bad bytes are returned first. After an error the decoder is spent.
    public mutating func nextFrame() throws(ProtocolViolation) -> Frame? {
        if let failure { throw failure }
        do throws(ProtocolViolation) {
            if current == nil {
                let unread = readIndex
                let result = buffer.withUnsafeBytes { bytes in
                    Result { () throws(ProtocolViolation) in try parseHeader(UnsafeRawBufferPointer(rebasing: bytes[unread...])) }
                }
                guard let parsed = try result.get() else { return nil }
                current = parsed.header
                readIndex += parsed.size
            } else if currentNeedsCheck, let header = current {
                currentNeedsCheck = false
                try checkSettings(header)
            }
        } catch {
            failure = error
            throw error
        }
        guard let header = current else { return nil }
        if readIndex < buffer.count {
            let start = readIndex
            readIndex += buffer.withUnsafeBytes { bytes in
                Self.takePayload(of: header, from: UnsafeRawBufferPointer(rebasing: bytes[start...]), into: &payload)
            }
        }
        guard payload.count == header.payloadLength else { return nil }
        current = nil
        currentNeedsCheck = false
        let frame = Frame(opcode: header.opcode, payload: payload, fin: header.fin, reservedBits: header.reservedBits)
        payload = []
        return frame
    }

    /// Moves as much of `header`'s payload as `source` holds into `payload`, unmasking on the
    /// way, and returns the number of bytes taken.
    private static func takePayload(
        of header: FrameHeader, from source: UnsafeRawBufferPointer, into payload: inout [UInt8]
    ) -> Int {
        let wanted = header.payloadLength - payload.count
        let available = min(wanted, source.count)
        guard available > 0 else { return 0 }
        let chunk = UnsafeRawBufferPointer(rebasing: source[..<available])
        let already = payload.count
        if already == 0 {
            // The first bytes: one pass (unmasking when masked) into a new array. Reserve the whole
            // payload up front only when it is small: a peer could otherwise declare a
            // `maxFrameSize` frame, send one byte, and make every connection hold that much
            // address space. Larger payloads grow (doubling) as bytes really arrive, which
            // copies at most about as much again.
            let reservation = min(header.payloadLength, max(available, Self.initialReservation))
            payload = [UInt8](unsafeUninitializedCapacity: reservation) { destination, initialized in
                let target = UnsafeMutableRawBufferPointer(destination)
                if let key = header.maskingKey {
                    Masking.maskCopy(from: chunk, to: target, key: key)
                } else {
                    target.copyMemory(from: chunk)
                }
                initialized = available
            }
        } else {
            // More of the payload: copy, then unmask the new bytes in place while they are still
            // in cache (Array has no uninitialised append).
            payload.append(contentsOf: chunk)
            if let key = header.maskingKey {
                payload.withUnsafeMutableBytes { destination in
                    _ = Masking.unmask(UnsafeMutableRawBufferPointer(rebasing: destination[already...]), key: key, offset: already & 3)
                }
            }
        }
        return available
    }

    /// Parses a header from the front of `bytes` and returns it with its size in bytes, or
    /// `nil` if it is incomplete.
    private func parseHeader(_ bytes: UnsafeRawBufferPointer) throws(ProtocolViolation) -> (header: FrameHeader, size: Int)? {
        let unread = bytes.count
        guard unread >= 2 else { return nil }
        let first = bytes[0]
        let second = bytes[1]
        let fin = first & 0x80 != 0
        let reservedBits = (first >> 4) & 0x7
        let opcode = Opcode(rawValue: first & 0x0F)!
        let masked = second & 0x80 != 0
        let shortLength = Int(second & 0x7F)

        // Rules checkable from the first two bytes fail before the rest of the header arrives.
        // Extensions use reserved bits on data frames only (RFC 7692 §6: never on control frames).
        guard reservedBits & ~(opcode.isControl ? 0 : allowedReservedBits) == 0 else { throw .reservedBitsSet }
        guard opcode.isDefined else { throw .reservedOpcode(opcode.rawValue) }
        if opcode.isControl {
            guard fin else { throw .fragmentedControlFrame }
            guard shortLength <= 125 else { throw .controlFrameTooLong(length: shortLength) }
        }
        switch (role, masked) {
        case (.server, false): throw .unmaskedFrameFromClient
        case (.client, true): throw .maskedFrameFromServer
        default: break
        }

        let lengthBytes = shortLength == 126 ? 2 : (shortLength == 127 ? 8 : 0)
        let headerSize = 2 + lengthBytes + (masked ? 4 : 0)
        guard unread >= headerSize else { return nil }

        var cursor = 2
        var length: UInt64 = UInt64(shortLength)
        if lengthBytes > 0 {
            length = 0
            for _ in 0 ..< lengthBytes {
                length = length << 8 | UInt64(bytes[cursor])
                cursor += 1
            }
            if lengthBytes == 8 && length & (1 << 63) != 0 { throw .payloadLengthTopBitSet }
        }
        // The limit is for data frames. Control frames are already capped at 125 bytes above, and
        // must not count against it: `Connection` lowers the limit to what is left of the message
        // allowance while reassembling, and a Ping or Close between fragments of a nearly full
        // message used to fail the connection with 1009.
        guard opcode.isControl || length <= UInt64(maxFrameSize) else {
            throw .frameTooLarge(length: length, limit: maxFrameSize)
        }
        var key: MaskingKey?
        if masked {
            key = MaskingKey(bytes[cursor], bytes[cursor + 1], bytes[cursor + 2], bytes[cursor + 3])
            cursor += 4
        }
        return (FrameHeader(fin: fin, reservedBits: reservedBits, opcode: opcode, maskingKey: key, payloadLength: Int(length)), cursor)
    }

    /// Repeats, for a header `append` read, the checks of `parseHeader` that depend on settings
    /// (in the same order), so a change of `allowedReservedBits` or `maxFrameSize` between
    /// `append` and `nextFrame` has the effect it has when `nextFrame` reads the header.
    private func checkSettings(_ header: FrameHeader) throws(ProtocolViolation) {
        guard header.reservedBits & ~(header.opcode.isControl ? 0 : allowedReservedBits) == 0 else { throw .reservedBitsSet }
        guard header.opcode.isControl || header.payloadLength <= maxFrameSize else {
            throw .frameTooLarge(length: UInt64(header.payloadLength), limit: maxFrameSize)
        }
    }

    /// Drops consumed bytes when that is cheap relative to what remains.
    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(0 ..< readIndex)
            readIndex = 0
        }
    }
}
