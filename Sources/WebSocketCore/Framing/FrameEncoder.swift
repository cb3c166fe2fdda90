/// Encodes WebSocket frames (RFC 6455 §5.2) for either role.
///
/// A server's frames are unmasked; a client's are masked with the key passed in (the core has
/// no randomness: `Connection` draws a fresh key per frame from the generator its owner gives).
/// Lengths always use the minimal encoding.
///
/// ```swift
/// var output: [UInt8] = []
/// FrameEncoder.append(Frame(opcode: .text, payload: Array("Hello".utf8)), maskingKey: nil, to: &output)
/// // output == [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
/// ```
public enum FrameEncoder {
    /// Writes a frame header for `header` into `destination` and returns the bytes written.
    ///
    /// `destination` must have room for `header.encodedSize` bytes (at most 14).
    @discardableResult
    public static func writeHeader(_ header: FrameHeader, to destination: UnsafeMutableRawBufferPointer) -> Int {
        let size = header.encodedSize
        precondition(destination.count >= size, "header buffer too small")
        var first = header.opcode.rawValue | (header.reservedBits & 0x7) << 4
        if header.fin { first |= 0x80 }
        destination[0] = first
        let maskBit: UInt8 = header.maskingKey == nil ? 0 : 0x80
        var cursor = 2
        let length = header.payloadLength
        if length < 126 {
            destination[1] = maskBit | UInt8(length)
        } else if length <= 0xFFFF {
            destination[1] = maskBit | 126
            destination[2] = UInt8(truncatingIfNeeded: length >> 8)
            destination[3] = UInt8(truncatingIfNeeded: length)
            cursor = 4
        } else {
            destination[1] = maskBit | 127
            for shift in stride(from: 56, through: 0, by: -8) {
                destination[cursor] = UInt8(truncatingIfNeeded: UInt64(length) >> UInt64(shift))
                cursor += 1
            }
        }
        if let key = header.maskingKey {
            destination[cursor] = key.bytes.0
            destination[cursor + 1] = key.bytes.1
            destination[cursor + 2] = key.bytes.2
            destination[cursor + 3] = key.bytes.3
            cursor += 4
        }
        return cursor
    }

    /// Appends one frame (header and payload, masked when `maskingKey` is given) to `output`.
    ///
    /// - Complexity: O(payload length): one copy, then masking in place.
    public static func append(
        opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, reservedBits: UInt8 = 0,
        maskingKey: MaskingKey?, to output: inout [UInt8]
    ) {
        let header = FrameHeader(fin: fin, reservedBits: reservedBits, opcode: opcode, maskingKey: maskingKey, payloadLength: payload.count)
        let headerSize = header.encodedSize
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: headerSize))
        output.withUnsafeMutableBytes { bytes in
            _ = writeHeader(header, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start ..< start + headerSize]))
        }
        let payloadStart = output.count
        output.append(contentsOf: payload)
        if let maskingKey {
            // Copy, then mask in place while the bytes are in cache: Array has no uninitialised
            // append; ws-bench "encode masked" measured this 12–35% faster than zero-fill + mask-copy.
            output.withUnsafeMutableBytes { bytes in
                _ = Masking.unmask(UnsafeMutableRawBufferPointer(rebasing: bytes[payloadStart...]), key: maskingKey)
            }
        }
    }

    /// Appends one frame to `output`.
    public static func append(_ frame: Frame, maskingKey: MaskingKey?, to output: inout [UInt8]) {
        frame.payload.withUnsafeBytes { payload in
            append(opcode: frame.opcode, payload: payload, fin: frame.fin, reservedBits: frame.reservedBits,
                   maskingKey: maskingKey, to: &output)
        }
    }

    /// Returns the bytes of one frame.
    public static func encode(_ frame: Frame, maskingKey: MaskingKey?) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(FrameHeader.maximumSize + frame.payload.count)
        append(frame, maskingKey: maskingKey, to: &output)
        return output
    }
}
