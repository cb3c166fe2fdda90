import Testing
import WebSocketCore

@Suite("Masking")
struct MaskingTests {
    /// The one-line scalar reference: byte i is XORed with key byte (offset + i) mod 4.
    static func reference(_ data: [UInt8], _ key: MaskingKey, _ offset: Int) -> [UInt8] {
        data.enumerated().map { $0.element ^ key[(offset + $0.offset) & 3] }
    }

    @Test("unmask in place agrees with the scalar reference for every length 0…300", arguments: 0 ... 3)
    func unmaskInPlace(offset: Int) {
        var rng = SeededRandom(seed: UInt64(offset) + 100)
        for length in 0 ... 300 {
            let data = rng.bytes(length)
            let key = MaskingKey(networkOrder: UInt32.random(in: .min ... .max, using: &rng))
            var buffer = data
            let next = Masking.unmask(&buffer, key: key, offset: offset)
            #expect(buffer == Self.reference(data, key, offset), "length \(length)")
            #expect(next == (offset + length) & 3, "length \(length)")
        }
    }

    @Test("maskCopy agrees with the scalar reference and leaves the source alone", arguments: 0 ... 3)
    func maskCopy(offset: Int) {
        var rng = SeededRandom(seed: UInt64(offset) + 200)
        for length in 0 ... 300 {
            let data = rng.bytes(length)
            let key = MaskingKey(networkOrder: UInt32.random(in: .min ... .max, using: &rng))
            // A destination longer than the source: the extra bytes must stay untouched.
            var destination = [UInt8](repeating: 0x5A, count: length + 3)
            let next = data.withUnsafeBytes { source in
                destination.withUnsafeMutableBytes { Masking.maskCopy(from: source, to: $0, key: key, offset: offset) }
            }
            #expect(Array(destination.prefix(length)) == Self.reference(data, key, offset), "length \(length)")
            #expect(destination.suffix(3) == [0x5A, 0x5A, 0x5A])
            #expect(next == (offset + length) & 3, "length \(length)")
        }
    }

    @Test("masking twice gives the input back", arguments: 0 ... 3)
    func involution(offset: Int) {
        var rng = SeededRandom(seed: UInt64(offset) + 300)
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 300, 1000] {
            let data = rng.bytes(length)
            let key = MaskingKey(networkOrder: UInt32.random(in: .min ... .max, using: &rng))
            var buffer = data
            Masking.unmask(&buffer, key: key, offset: offset)
            #expect(length == 0 || buffer != data || key == MaskingKey(0, 0, 0, 0))
            Masking.unmask(&buffer, key: key, offset: offset)
            #expect(buffer == data)
        }
    }

    @Test("unmasking in chunks with the carried offset equals unmasking at once")
    func chunked() {
        var rng = SeededRandom(seed: 400)
        for _ in 0 ..< 300 {
            let data = rng.bytes(Int.random(in: 0 ... 300, using: &rng))
            let key = MaskingKey(networkOrder: UInt32.random(in: .min ... .max, using: &rng))
            let start = Int.random(in: 0 ... 3, using: &rng)
            var chunked = data
            var offset = start
            var index = 0
            chunked.withUnsafeMutableBytes { buffer in
                while index < buffer.count {
                    let size = min(buffer.count - index, Int.random(in: 0 ... 20, using: &rng))
                    offset = Masking.unmask(UnsafeMutableRawBufferPointer(rebasing: buffer[index ..< index + size]), key: key, offset: offset)
                    index += size
                }
            }
            #expect(chunked == Self.reference(data, key, start))
            #expect(offset == (start + data.count) & 3)
        }
    }

    @Test("empty buffers return the offset they were given, reduced mod 4", arguments: 0 ... 7)
    func emptyBuffers(offset: Int) {
        var empty: [UInt8] = []
        #expect(Masking.unmask(&empty, key: rfcKey, offset: offset) == offset & 3)
        #expect(Masking.unmask(UnsafeMutableRawBufferPointer(start: nil, count: 0), key: rfcKey, offset: offset) == offset & 3)
        #expect(Masking.maskCopy(from: UnsafeRawBufferPointer(start: nil, count: 0),
                                 to: UnsafeMutableRawBufferPointer(start: nil, count: 0), key: rfcKey, offset: offset) == offset & 3)
    }

    @Test("the RFC 6455 §5.7 masked Hello unmasks to Hello")
    func rfcHello() {
        var payload = hex("7f 9f 4d 51 58")
        #expect(Masking.unmask(&payload, key: rfcKey) == 1)
        #expect(payload == utf8("Hello"))
    }
}
