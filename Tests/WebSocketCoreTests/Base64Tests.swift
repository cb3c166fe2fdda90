import Testing
import WebSocketCore

@Suite("Base64")
struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 §10 vectors encode and decode", arguments: rfc4648)
    func vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("rejects malformed input", arguments: [
        "Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n",
        " Zm9v", "Zm-v", "Zm_v", "Zm9v=", "Zé==", "Zm9v====",
    ])
    func rejects(_ input: String) {
        #expect(Base64.decode(input) == nil)
    }

    @Test("round-trips every single byte and every length up to 64")
    func roundTrips() {
        for byte in UInt8.min...UInt8.max {
            #expect(Base64.decode(Base64.encode([byte])) == [byte])
        }
        for length in 0...64 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            let encoded = Base64.encode(bytes)
            #expect(encoded.utf8.count == (length + 2) / 3 * 4)
            #expect(Base64.decode(encoded) == bytes)
        }
    }

    @Test("uses the + and / characters of the standard alphabet")
    func standardAlphabet() {
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.decode("+/8=") == [0xFB, 0xFF])
    }
}
