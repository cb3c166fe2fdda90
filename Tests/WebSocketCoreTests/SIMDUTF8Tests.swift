import Testing
import WebSocketCore

@Suite("UTF8Validator (vector kernel against the standard library)")
struct SIMDUTF8Tests {
    /// The oracle: what the standard library accepts.
    static func stdlibAccepts(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    /// The length of the shortest prefix that no continuation can make valid, or `nil` if every
    /// prefix can still be completed. Three continuation bytes chosen from 80, 90, A0 satisfy every
    /// range a lead byte allows, so trying those completions decides it.
    static func firstImpossiblePrefix(_ bytes: [UInt8]) -> Int? {
        let completions: [[UInt8]] = [[]] + [0x80, 0x90, 0xA0].flatMap { first in
            [[first], [first, 0x80], [first, 0x80, 0x80]]
        }
        for length in 1 ... max(1, bytes.count) where length <= bytes.count {
            let prefix = Array(bytes[..<length])
            if !completions.contains(where: { stdlibAccepts(prefix + $0) }) { return length }
        }
        return nil
    }

    /// Feeds `chunks` and returns the index of the chunk that failed, or `nil`, and the final boundary state.
    static func feed(_ chunks: [ArraySlice<UInt8>]) -> (failedChunk: Int?, atBoundary: Bool) {
        var validator = UTF8Validator()
        for (index, chunk) in chunks.enumerated() where !validator.validate(chunk) {
            return (index, false)
        }
        return (nil, validator.isAtCharacterBoundary)
    }

    /// Checks the validator on `bytes` cut at `cuts`: it fails in the chunk holding the first
    /// impossible byte, and otherwise ends at a boundary exactly when the standard library accepts.
    static func check(_ bytes: [UInt8], cuts: [Int], firstImpossible: Int?, sourceLocation: SourceLocation = #_sourceLocation) {
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            chunks.append(bytes[start ..< cut])
            start = cut
        }
        let result = feed(chunks)
        if let firstImpossible {
            let culprit = firstImpossible - 1
            let expected = (cuts + [bytes.count]).firstIndex(where: { culprit < $0 })!
            #expect(result.failedChunk == expected, "cuts \(cuts) in \(bytes.count) bytes", sourceLocation: sourceLocation)
        } else {
            #expect(result.failedChunk == nil, "cuts \(cuts)", sourceLocation: sourceLocation)
            #expect(result.atBoundary == stdlibAccepts(bytes), "cuts \(cuts)", sourceLocation: sourceLocation)
        }
    }

    /// Invalid sequences, one class per row.
    static let invalidSequences: [(name: String, bytes: [UInt8])] = [
        ("overlong 2-byte C0", [0xC0, 0x80]), ("overlong 2-byte C1", [0xC1, 0xBF]),
        ("overlong 3-byte", [0xE0, 0x80, 0x80]), ("overlong 3-byte edge", [0xE0, 0x9F, 0xBF]),
        ("overlong 4-byte", [0xF0, 0x80, 0x80, 0x80]), ("overlong 4-byte edge", [0xF0, 0x8F, 0xBF, 0xBF]),
        ("surrogate low edge", [0xED, 0xA0, 0x80]), ("surrogate high edge", [0xED, 0xBF, 0xBF]),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), ("F5 lead", [0xF5, 0x80, 0x80, 0x80]),
        ("FF byte", [0xFF]), ("FE byte", [0xFE]), ("F8 5-byte lead", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        ("truncated 2-byte", [0xC3]), ("truncated 3-byte", [0xE2, 0x82]), ("truncated 4-byte", [0xF0, 0x9F, 0x98]),
        ("stray continuation 80", [0x80]), ("stray continuation BF", [0xBF]),
        ("extra continuation", [0xC3, 0xA9, 0x80]), ("lead then lead", [0xE2, 0xC3, 0xA9]),
        ("4-byte lead missing last", [0xF1, 0x80, 0x80, 0x41]),
    ]

    /// Valid characters of every length, with each range boundary.
    static let validCharacters: [[UInt8]] = [
        [0x00], [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xE2, 0x82, 0xAC], [0xED, 0x9F, 0xBF],
        [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x98, 0x80],
        [0xF3, 0xBF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
    ]

    /// Text of about `length` bytes mixing ASCII and the valid characters above.
    static func mixedText(_ length: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < length {
            if Int.random(in: 0 ..< 4, using: &generator) == 0 {
                bytes += validCharacters.randomElement(using: &generator)!
            } else {
                bytes.append(UInt8.random(in: 0x20 ... 0x7E, using: &generator))
            }
        }
        return bytes
    }

    @Test("every invalid-sequence class is rejected at every position of a 100-byte text, like the standard library")
    func invalidClassesAtEveryPosition() {
        let ascii = Array(repeating: UInt8(ascii: "a"), count: 100)
        let mixed = Array("ÄÖÜ € 😀 日本語 text ".utf8) + ascii
        for (name, sequence) in Self.invalidSequences {
            for background in [ascii, mixed] {
                for position in 0 ... 80 {
                    // Place the sequence after a whole character of the background.
                    var start = position
                    while start < background.count && background[start] & 0xC0 == 0x80 { start += 1 }
                    let bytes = Array(background[..<start]) + sequence + Array(background[start...])
                    var validator = UTF8Validator()
                    let accepted = validator.validate(bytes) && validator.isAtCharacterBoundary
                    #expect(accepted == Self.stdlibAccepts(bytes), "\(name) at \(start)")
                    #expect(!accepted, "\(name) at \(start) accepted")
                }
            }
        }
    }

    @Test("valid characters of every length at every position of the vector blocks are accepted")
    func validCharactersAtEveryPosition() {
        let ascii = Array(repeating: UInt8(ascii: "z"), count: 140)
        for character in Self.validCharacters {
            for position in 0 ... 136 {
                let bytes = Array(ascii[..<position]) + character + Array(ascii[position...])
                #expect(UTF8Validator.isValid(bytes), "\(character) at \(position)")
            }
        }
    }

    @Test("agrees with the standard library on random bytes and on mutated text")
    func randomInputs() {
        var generator = SeededRandom(seed: 7)
        for round in 0 ..< 3_000 {
            let length = Int.random(in: 0 ... 300, using: &generator)
            var bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0 ..< length).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            } else {
                bytes = Self.mixedText(length, using: &generator)
                if round % 3 == 1, !bytes.isEmpty {
                    for _ in 0 ..< Int.random(in: 1 ... 2, using: &generator) {
                        bytes[Int.random(in: bytes.indices, using: &generator)] = UInt8.random(in: 0x80 ... 0xFF, using: &generator)
                    }
                }
            }
            #expect(UTF8Validator.isValid(bytes) == Self.stdlibAccepts(bytes), "\(bytes)")
        }
    }

    /// Samples of 60–90 bytes, so whole vector blocks are used when a chunk is long enough.
    static func splitSamples() -> [[UInt8]] {
        let text = Array("Grüße, 世界! 😀 €100 — naïve café ".utf8)   // 46 bytes, ends with ASCII
        var samples: [[UInt8]] = [text + text]
        for (_, sequence) in invalidSequences {
            samples.append(text + sequence + Array("tail of the sample".utf8))
        }
        samples.append(Array(repeating: 0x41, count: 40) + [0xF0, 0x9F, 0x98, 0x80] + Array(repeating: 0x42, count: 30))
        samples.append(Array(repeating: 0x41, count: 40) + [0xF0, 0x9F, 0x98])
        return samples
    }

    @Test("every split into two and three chunks fails in the chunk with the first impossible byte")
    func everySplit() {
        for bytes in Self.splitSamples() {
            let firstImpossible = Self.firstImpossiblePrefix(bytes)
            for first in 0 ... bytes.count {
                Self.check(bytes, cuts: [first], firstImpossible: firstImpossible)
                for second in first ... bytes.count {
                    Self.check(bytes, cuts: [first, second], firstImpossible: firstImpossible)
                }
            }
        }
    }

    /// `firstImpossiblePrefix` by binary search: once a prefix cannot be completed, no longer one can.
    static func firstImpossiblePrefixFast(_ bytes: [UInt8]) -> Int? {
        func viable(_ length: Int) -> Bool {
            let prefix = Array(bytes[..<length])
            return [[], [0x80], [0x90], [0xA0], [0x80, 0x80], [0x90, 0x80], [0xA0, 0x80], [0x80, 0x80, 0x80], [0x90, 0x80, 0x80]]
                .contains { stdlibAccepts(prefix + $0) }
        }
        guard !viable(bytes.count) else { return nil }
        var low = 0, high = bytes.count   // viable(low), !viable(high)
        while high - low > 1 {
            let middle = (low + high) / 2
            if viable(middle) { low = middle } else { high = middle }
        }
        return high
    }

    @Test("long texts with a bad byte, cut into random chunks, fail in the chunk with the first impossible byte")
    func randomChunksOfLongTexts() {
        var generator = SeededRandom(seed: 13)
        for round in 0 ..< 300 {
            var bytes = Self.mixedText(Int.random(in: 64 ... 2_000, using: &generator), using: &generator)
            if round % 4 != 0 {
                bytes[Int.random(in: bytes.indices, using: &generator)] = UInt8.random(in: 0x80 ... 0xFF, using: &generator)
            }
            var cuts: [Int] = []
            var position = 0
            while true {
                position += Int.random(in: 1 ... 300, using: &generator)
                guard position < bytes.count else { break }
                cuts.append(position)
            }
            Self.check(bytes, cuts: cuts, firstImpossible: Self.firstImpossiblePrefixFast(bytes))
        }
    }

    @Test("a long text fails at the chunk with the first bad byte, not at the end")
    func failsFast() {
        var generator = SeededRandom(seed: 11)
        var bytes = Self.mixedText(4_000, using: &generator)
        while UTF8Validator.isValid(bytes) == false { bytes = Self.mixedText(4_000, using: &generator) }
        bytes[2_500] = 0xFF
        var validator = UTF8Validator()
        let first = validator.validate(bytes[..<2_000])
        let second = validator.validate(bytes[2_000 ..< 3_000])
        #expect(first)
        #expect(!second)
    }
}

@Suite("Connection text delivery")
struct SIMDUTF8ConnectionTests {
    /// A masked client frame, as a server receives it.
    static func clientFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        FrameEncoder.encode(Frame(opcode: opcode, payload: payload, fin: fin), maskingKey: MaskingKey(1, 2, 3, 4))
    }

    @Test("a long mixed-script text message arrives as the same String, in one frame or fragmented")
    func textRoundTrip() {
        let text = String(repeating: "Grüße 世界 😀 ascii text ", count: 40)
        let bytes = Array(text.utf8)
        var whole = Connection(role: .server)
        whole.receive(Self.clientFrame(.text, bytes))
        #expect(whole.nextEvent() == .message(.text(text)))

        // Fragments cut inside characters: the validator carries the partial character.
        var fragmented = Connection(role: .server)
        fragmented.receive(Self.clientFrame(.text, Array(bytes[..<7]), fin: false))
        fragmented.receive(Self.clientFrame(.continuation, Array(bytes[7 ..< 500]), fin: false))
        fragmented.receive(Self.clientFrame(.continuation, Array(bytes[500...])))
        #expect(fragmented.nextEvent() == .message(.text(text)))
    }

    @Test("invalid UTF-8 in a long text frame fails the connection with 1007")
    func invalidText() {
        var bytes = Array(String(repeating: "valid text é ", count: 20).utf8)
        bytes[150] = 0xFF
        var connection = Connection(role: .server)
        connection.receive(Self.clientFrame(.text, bytes))
        #expect(connection.nextEvent() == .failed(.invalidUTF8))
    }
}
