import Testing
import WebSocketCore

@Suite("FrameEncoder")
struct FrameEncoderTests {
    @Test("RFC 6455 §5.7 examples encode byte for byte", arguments: WireExample.rfc6455)
    func rfcExamples(_ example: WireExample) {
        #expect(sameBytes(FrameEncoder.encode(example.frames, maskingKey: example.maskingKey), example.bytes))
    }

    @Test("RFC 6455 §5.7 examples round-trip through encoder and decoder", arguments: WireExample.rfc6455)
    func roundTrips(_ example: WireExample) throws {
        #expect(sameFrames(try FrameDecoder.decodeAll(example.bytes, role: example.receiver), example.frames))
        let encoded = FrameEncoder.encode(example.frames, maskingKey: example.maskingKey)
        #expect(sameFrames(try FrameDecoder.decodeAll(encoded, role: example.receiver), example.frames))
    }

    @Test("lengths use the minimal encoding at every boundary", arguments: [
        (0, 2), (1, 2), (125, 2), (126, 4), (127, 4), (65535, 4), (65536, 10), (70000, 10),
    ])
    func minimalLengths(length: Int, headerSize: Int) throws {
        for key in [nil, rfcKey] {
            let frame = Frame(opcode: .binary, payload: pattern(length))
            let encoded = FrameEncoder.encode(frame, maskingKey: key)
            let expectedHeader = headerSize + (key == nil ? 0 : 4)
            #expect(encoded.count == expectedHeader + length)
            #expect(FrameHeader.encodedSize(payloadLength: length, masked: key != nil) == expectedHeader)
            // The hand-built reference writes the same minimal header and masked payload.
            #expect(sameBytes(encoded, RawFrame(opcode: 2, payload: frame.payload, key: key).bytes))
            #expect(sameFrames(try FrameDecoder.decodeAll(encoded, role: key == nil ? .client : .server), [frame]))
        }
    }

    @Test("every header field is written where RFC 6455 §5.2 puts it")
    func headerFields() {
        for fin in [false, true] {
            for rsv in UInt8(0) ... 7 {
                for opcode in UInt8(0) ... 15 {
                    let frame = Frame(opcode: Opcode(rawValue: opcode)!, payload: [1, 2, 3], fin: fin, reservedBits: rsv)
                    let expected = RawFrame(fin: fin, rsv: rsv, opcode: opcode, payload: [1, 2, 3], key: MaskingKey(9, 8, 7, 6)).bytes
                    #expect(FrameEncoder.encode(frame, maskingKey: MaskingKey(9, 8, 7, 6)) == expected)
                }
            }
        }
    }

    @Test("writeHeader writes exactly encodedSize bytes, at most 14")
    func writeHeader() {
        for length in [0, 125, 126, 65535, 65536] {
            for key in [nil, MaskingKey(networkOrder: 0xDEAD_BEEF)] {
                let header = FrameHeader(opcode: .text, maskingKey: key, payloadLength: length)
                var buffer = [UInt8](repeating: 0xEE, count: 20)
                let written = buffer.withUnsafeMutableBytes { FrameEncoder.writeHeader(header, to: $0) }
                #expect(written == header.encodedSize)
                #expect(written <= FrameHeader.maximumSize)
                let reference = RawFrame(opcode: 1, payload: [], key: key, length: length < 126 ? .minimal : (length <= 0xFFFF ? .extended16 : .extended64))
                var referenceHeader = reference.bytes
                if length < 126 { referenceHeader[1] = referenceHeader[1] & 0x80 | UInt8(length) } else {
                    let size = length <= 0xFFFF ? 2 : 8
                    for index in 0 ..< size { referenceHeader[2 + index] = UInt8(truncatingIfNeeded: length >> (8 * (size - 1 - index))) }
                }
                #expect(Array(buffer.prefix(written)) == referenceHeader)
                #expect(buffer[written...].allSatisfy { $0 == 0xEE })
            }
        }
    }

    @Test("append adds to existing output and masks with the given key")
    func appendsToOutput() throws {
        var output: [UInt8] = [0xAA]
        FrameEncoder.append(Frame(opcode: .text, payload: utf8("Hello")), maskingKey: rfcKey, to: &output)
        utf8("ab").withUnsafeBytes {
            FrameEncoder.append(opcode: .continuation, payload: $0, fin: false, maskingKey: nil, to: &output)
        }
        #expect(output == [0xAA] + hex("81 85 37 fa 21 3d 7f 9f 4d 51 58") + [0x00, 0x02, 0x61, 0x62])
    }

    @Test("MaskingKey network order matches the wire order")
    func maskingKey() {
        let key = MaskingKey(networkOrder: 0x37FA_213D)
        #expect(key == rfcKey)
        #expect(key.networkOrder == 0x37FA_213D)
        #expect([key[0], key[1], key[2], key[3], key[4], key[7]] == [0x37, 0xFA, 0x21, 0x3D, 0x37, 0x3D])
        #expect(Set([key, rfcKey, MaskingKey(0, 0, 0, 0)]).count == 2)
    }
}
