import Testing
import WebSocketCore

@Suite("SHA1")
struct SHA1Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let label: String
        let message: [UInt8]
        let digest: String
        var testDescription: String { label }

        /// FIPS 180 examples, plus messages whose lengths sit on either side of the padding and
        /// block boundaries (digests from an independent implementation).
        static let all: [Vector] = [
            Vector(label: "empty", message: [], digest: "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            Vector(label: "abc", message: Array("abc".utf8), digest: "a9993e364706816aba3e25717850c26c9cd0d89d"),
            Vector(
                label: "448-bit message",
                message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
                digest: "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            Vector(
                label: "896-bit message",
                message: Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                    + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8),
                digest: "a49b2446a02c645bf419f995b67091253a04a259"),
        ] + [
            (55, "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2"), (56, "636e2ec698dac903498e648bd2f3af641d3c88cb"),
            (63, "6d942da0c4392b123528f2905c713a3ce28364bd"), (64, "c6138d514ffa2135bfce0ed0b8fac65669917ec7"),
            (65, "69bd728ad6e13cd76ff19751fde427b00e395746"), (119, "41c89d06001bab4ab78736b44efe7ce18ce6ae08"),
            (120, "d3dbd653bd8597b7475321b60a36891278e6a04a"), (128, "e6434bc401f98603d7eda504790c98c67385d535"),
        ].map { length, digest in
            Vector(label: "\(length) bytes", message: (0..<length).map { UInt8($0 % 251) }, digest: digest)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test("hashes the FIPS 180 vectors and block-boundary lengths", arguments: Vector.all)
    func vectors(_ vector: Vector) {
        #expect(Self.hex(SHA1.hash(vector.message)) == vector.digest)
    }

    @Test("gives the same digest however the message is split", arguments: Vector.all)
    func incremental(_ vector: Vector) {
        for split in 0...vector.message.count {
            var sha1 = SHA1()
            sha1.update(vector.message[..<split])
            sha1.update(vector.message[split...])
            #expect(Self.hex(sha1.finalize()) == vector.digest, "split at \(split)")
        }
    }

    @Test("hashes a sequence without contiguous storage")
    func nonContiguous() {
        #expect(Self.hex(SHA1.hash("abc".utf8.lazy.map { $0 })) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test("hashes one million 'a' characters")
    func millionA() {
        let digest = SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(Self.hex(digest) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("finalize leaves the hasher usable for a longer message")
    func finalizeIsNonDestructive() {
        var sha1 = SHA1()
        sha1.update(Array("ab".utf8))
        _ = sha1.finalize()
        sha1.update(Array("c".utf8))
        #expect(Self.hex(sha1.finalize()) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
