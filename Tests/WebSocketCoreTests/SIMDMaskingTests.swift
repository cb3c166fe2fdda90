import Testing
import WebSocketCore

@Suite("Masking (SIMD loop against the scalar reference)")
struct SIMDMaskingTests {
    /// The one-line definition of RFC 6455 §5.3 masking.
    static func reference(_ bytes: [UInt8], key: MaskingKey, offset: Int) -> [UInt8] {
        bytes.indices.map { bytes[$0] ^ key[(offset + $0) & 3] }
    }

    static func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
    }

    static let key = MaskingKey(0x37, 0xFA, 0x21, 0x3D)

    @Test("unmask in place equals the reference for every length 0…300 and key offset 0…3")
    func unmaskEveryLengthAndOffset() {
        var generator = SeededRandom(seed: 1)
        for length in 0 ... 300 {
            let input = Self.randomBytes(length, using: &generator)
            for offset in 0 ... 3 {
                var bytes = input
                let next = Masking.unmask(&bytes, key: Self.key, offset: offset)
                #expect(bytes == Self.reference(input, key: Self.key, offset: offset), "length \(length) offset \(offset)")
                #expect(next == (offset + length) & 3)
            }
        }
    }

    @Test("maskCopy equals the reference for every length 0…300, key offset 0…3 and source alignment 0…7")
    func maskCopyEveryLengthOffsetAndAlignment() {
        var generator = SeededRandom(seed: 2)
        for length in 0 ... 300 {
            let input = Self.randomBytes(length + 7, using: &generator)
            for offset in 0 ... 3 {
                let shift = (length + offset) & 7
                let source = Array(input[shift ..< shift + length])
                var output = [UInt8](repeating: 0xEE, count: length + 1)
                let next = input.withUnsafeBytes { raw in
                    output.withUnsafeMutableBytes { destination in
                        Masking.maskCopy(from: UnsafeRawBufferPointer(rebasing: raw[shift ..< shift + length]),
                                         to: destination, key: Self.key, offset: offset)
                    }
                }
                #expect(Array(output.prefix(length)) == Self.reference(source, key: Self.key, offset: offset))
                #expect(output[length] == 0xEE, "wrote past the source length")
                #expect(next == (offset + length) & 3)
            }
        }
    }

    @Test("random buffers up to 1 MiB, masked in random chunks, equal the reference and round-trip")
    func randomLargeBuffersInChunks() {
        var generator = SeededRandom(seed: 3)
        for size in [1 << 20, 65_537, 4_099, Int.random(in: 1 ... 1 << 20, using: &generator)] {
            let input = Self.randomBytes(size, using: &generator)
            let key = MaskingKey(networkOrder: UInt32.random(in: 0 ... .max, using: &generator))
            var bytes = input
            var start = 0
            var offset = 0
            while start < size {
                let end = min(size, start + Int.random(in: 1 ... 70_000, using: &generator))
                offset = bytes.withUnsafeMutableBytes { Masking.unmask(UnsafeMutableRawBufferPointer(rebasing: $0[start ..< end]), key: key, offset: offset) }
                start = end
            }
            #expect(bytes == Self.reference(input, key: key, offset: 0), "size \(size)")
            Masking.unmask(&bytes, key: key)
            #expect(bytes == input, "mask(mask(x)) != x for size \(size)")
        }
    }
}

@Suite("Frame codec on the masking hot path")
struct SIMDMaskingCodecTests {
    @Test("RFC 6455 §5.7 masked \"Hello\" encodes and decodes")
    func rfcMaskedHello() throws {
        let key = MaskingKey(0x37, 0xFA, 0x21, 0x3D)
        let wire: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        #expect(FrameEncoder.encode(Frame(opcode: .text, payload: Array("Hello".utf8)), maskingKey: key) == wire)
        var decoder = FrameDecoder(role: .server)
        decoder.append(wire)
        #expect(try decoder.nextFrame() == Frame(opcode: .text, payload: Array("Hello".utf8)))
    }

    @Test("masked frames decode the same whether the payload arrives whole or split at any index")
    func maskedFramesEverySplit() throws {
        var generator = SeededRandom(seed: 5)
        for length in [0, 1, 5, 63, 64, 65, 200, 300] {
            let payload = SIMDMaskingTests.randomBytes(length, using: &generator)
            let key = MaskingKey(networkOrder: UInt32.random(in: 0 ... .max, using: &generator))
            let wire = FrameEncoder.encode(Frame(opcode: .binary, payload: payload), maskingKey: key)
            let headerSize = wire.count - length
            #expect(Array(wire[headerSize...]) == SIMDMaskingTests.reference(payload, key: key, offset: 0))
            for split in 0 ... wire.count {
                var decoder = FrameDecoder(role: .server)
                decoder.append(wire[..<split])
                var frames: [Frame] = []
                if let frame = try decoder.nextFrame() { frames.append(frame) }
                decoder.append(wire[split...])
                if let frame = try decoder.nextFrame() { frames.append(frame) }
                #expect(frames == [Frame(opcode: .binary, payload: payload)], "length \(length) split \(split)")
            }
        }
    }
}
