import Testing
import WebSocketCore

/// The reference: what the standard library accepts.
func stdlibAccepts(_ bytes: some Collection<UInt8>) -> Bool {
    String(validating: Array(bytes), as: UTF8.self) != nil
}

/// Whether `prefix` can still be completed into valid UTF-8: it is valid, or valid once its last
/// character gets 1–3 more continuation bytes. (Every allowed range for the byte after a lead
/// contains 0x80, 0x90 or 0xA0, and every later continuation may be 0x80.)
func isValidPrefix(_ prefix: ArraySlice<UInt8>) -> Bool {
    if stdlibAccepts(prefix) { return true }
    for missing in 1 ... 3 {
        for first: UInt8 in [0x80, 0x90, 0xA0] where stdlibAccepts(prefix + [first] + Array(repeating: 0x80, count: missing - 1)) {
            return true
        }
    }
    return false
}

/// The number of bytes after which the input can no longer begin valid UTF-8 (the index of the
/// first bad byte, plus one), or `nil` if every prefix can. Validity of prefixes is monotone, so
/// this is a binary search.
func failurePoint(_ bytes: [UInt8]) -> Int? {
    guard !isValidPrefix(bytes[...]) else { return nil }
    var low = 0, high = bytes.count   // prefix(low) is valid, prefix(high) is not
    while high - low > 1 {
        let middle = (low + high) / 2
        if isValidPrefix(bytes[..<middle]) { low = middle } else { high = middle }
    }
    return high
}

/// Validates `chunks` in order and reports which chunk failed (or `nil`) and whether the
/// validator ended at a character boundary.
func validateChunks(_ chunks: [ArraySlice<UInt8>]) -> (failedChunk: Int?, atBoundary: Bool) {
    var validator = UTF8Validator()
    for (index, chunk) in chunks.enumerated() where !validator.validate(chunk) {
        return (index, false)
    }
    return (nil, validator.isAtCharacterBoundary)
}

/// Checks one split of `bytes` into chunks against the reference: the chunk that fails is the one
/// holding the first bad byte, and a stream without one ends at a boundary exactly when it is valid.
func checkChunked(_ bytes: [UInt8], cuts: [Int], failurePoint point: Int?? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    var chunks: [ArraySlice<UInt8>] = []
    var start = 0
    for cut in cuts + [bytes.count] {
        chunks.append(bytes[start ..< cut])
        start = cut
    }
    let result = validateChunks(chunks)
    if let point = point ?? failurePoint(bytes) {
        // The bad byte is bytes[point - 1]; find the chunk that holds it.
        var end = 0
        let expectedChunk = chunks.firstIndex { chunk in end += chunk.count; return end >= point }
        #expect(result.failedChunk == expectedChunk, "\(bytes.map { String($0, radix: 16) }) cut at \(cuts)", sourceLocation: sourceLocation)
    } else {
        #expect(result.failedChunk == nil, "\(bytes.map { String($0, radix: 16) }) cut at \(cuts)", sourceLocation: sourceLocation)
        #expect(result.atBoundary == stdlibAccepts(bytes), "\(bytes.map { String($0, radix: 16) }) cut at \(cuts)", sourceLocation: sourceLocation)
    }
}

/// Generators of test input: mostly valid text with injected faults, and raw random bytes.
enum UTF8Samples {
    /// One random scalar, biased towards the interesting encodings.
    static func scalar(_ rng: inout SeededRandom) -> Unicode.Scalar {
        while true {
            let value: UInt32 = switch Int.random(in: 0 ..< 10, using: &rng) {
            case 0 ..< 3: UInt32.random(in: 0 ... 0x7F, using: &rng)
            case 3 ..< 5: UInt32.random(in: 0x80 ... 0x7FF, using: &rng)
            case 5 ..< 7: UInt32.random(in: 0x800 ... 0xFFFF, using: &rng)
            case 7: [0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF].randomElement(using: &rng)!
            default: UInt32.random(in: 0x10000 ... 0x10FFFF, using: &rng)
            }
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    static func validText(_ rng: inout SeededRandom, maxBytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let encoded = Array(String(Character(scalar(&rng))).utf8)
            guard out.count + encoded.count <= maxBytes else { return out }
            out += encoded
        }
    }

    /// Byte sequences that are always invalid (surrogates, overlongs, beyond U+10FFFF, bad leads).
    static let poison: [[UInt8]] = [
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFF], [0x80], [0xBF],
    ]

    /// A sample of up to `maxBytes` bytes: random bytes a quarter of the time, otherwise valid
    /// text with zero to two faults injected (a byte replaced, dropped or inserted, a poison
    /// sequence inserted, or the end cut off).
    static func sample(_ rng: inout SeededRandom, maxBytes: Int) -> [UInt8] {
        let length = Int.random(in: 0 ... maxBytes, using: &rng)
        if Int.random(in: 0 ..< 4, using: &rng) == 0 { return rng.bytes(length) }
        var bytes = validText(&rng, maxBytes: length)
        for _ in 0 ..< Int.random(in: 0 ... 2, using: &rng) where !bytes.isEmpty {
            let index = Int.random(in: 0 ..< bytes.count, using: &rng)
            switch Int.random(in: 0 ..< 5, using: &rng) {
            case 0: bytes[index] = UInt8.random(in: .min ... .max, using: &rng)
            case 1: bytes.remove(at: index)
            case 2: bytes.insert(UInt8.random(in: 0x80 ... 0xFF, using: &rng), at: index)
            case 3: bytes.insert(contentsOf: poison.randomElement(using: &rng)!, at: index)
            default: bytes.removeLast(Int.random(in: 1 ... min(3, bytes.count), using: &rng))
            }
        }
        return bytes
    }
}

/// `validator.validate(bytes)`, callable inside `#expect` (the macro cannot call mutating methods).
func feed(_ validator: inout UTF8Validator, _ bytes: some Sequence<UInt8>) -> Bool {
    validator.validate(bytes)
}

@Suite("UTF8Validator")
struct UTF8ValidatorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }
        init(_ name: String, _ bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    }

    static let invalid: [Case] = [
        Case("overlong 2-byte NUL", [0xC0, 0x80]), Case("overlong 2-byte slash", [0xC0, 0xAF]),
        Case("overlong 2-byte maximum", [0xC1, 0xBF]),
        Case("overlong 3-byte NUL", [0xE0, 0x80, 0x80]), Case("overlong 3-byte maximum", [0xE0, 0x9F, 0xBF]),
        Case("overlong 4-byte NUL", [0xF0, 0x80, 0x80, 0x80]), Case("overlong 4-byte maximum", [0xF0, 0x8F, 0xBF, 0xBF]),
        Case("surrogate U+D800", [0xED, 0xA0, 0x80]), Case("surrogate U+DB7F", [0xED, 0xAD, 0xBF]),
        Case("surrogate U+DC00", [0xED, 0xB0, 0x80]), Case("surrogate U+DFFF", [0xED, 0xBF, 0xBF]),
        Case("surrogate pair", [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80]),
        Case("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), Case("U+1FFFFF", [0xF7, 0xBF, 0xBF, 0xBF]),
        Case("5-byte form", [0xF8, 0x88, 0x80, 0x80, 0x80]), Case("6-byte form", [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80]),
        Case("truncated 2-byte", [0x41, 0xC3]), Case("truncated 3-byte", [0xE2, 0x82]), Case("truncated 4-byte", [0xF0, 0x9F, 0x98]),
        Case("lead followed by ASCII", [0xC3, 0x41]), Case("3-byte lead followed by ASCII", [0xE2, 0x82, 0x41]),
        Case("stray continuation 0x80", [0x80]), Case("stray continuation 0xBF", [0x61, 0xBF]),
        Case("extra continuation", [0xC3, 0xA9, 0x80]), Case("impossible FE", [0xFE]), Case("impossible FF", [0xFF]),
        Case("Autobahn 6.3.1", hex("cebae1bdb9cf83cebcceb5eda080656469746564")),
        Case("Autobahn 6.15.1 concatenated incomplete sequences", hex("c0e080f08080f8808080fc80808080df efbf f7bfbf fbbfbfbf fdbfbfbfbf")),
    ] + (0xF5 ... 0xFF).map { Case("lead 0x\(String($0, radix: 16))", [UInt8($0), 0x80, 0x80, 0x80]) }
      + (0xC0 ... 0xC1).map { Case("lead 0x\(String($0, radix: 16))", [UInt8($0), 0x81]) }

    static let valid: [Case] = [
        Case("empty", []), Case("ASCII", utf8("Hello, world! 0123456789")),
        Case("Autobahn 6.2.1", utf8("Hello-µ@ßöäüàá-UTF-8!!")), Case("kosme", hex("cebae1bdb9cf83cebcceb5")),
        Case("U+0000", [0]), Case("U+007F", [0x7F]), Case("U+0080", [0xC2, 0x80]), Case("U+07FF", [0xDF, 0xBF]),
        Case("U+0800", [0xE0, 0xA0, 0x80]), Case("U+D7FF", [0xED, 0x9F, 0xBF]), Case("U+E000", [0xEE, 0x80, 0x80]),
        Case("U+FFFD", [0xEF, 0xBF, 0xBD]), Case("U+FFFE noncharacter", [0xEF, 0xBF, 0xBE]), Case("U+FFFF", [0xEF, 0xBF, 0xBF]),
        Case("U+10000", [0xF0, 0x90, 0x80, 0x80]), Case("U+10FFFF", [0xF4, 0x8F, 0xBF, 0xBF]),
        Case("emoji mix", utf8("a😀bé€ç𝄞z 🇫🇷")),
    ]

    @Test("invalid sequences are rejected, like String(validating:)", arguments: invalid)
    func rejects(_ sample: Case) {
        #expect(!stdlibAccepts(sample.bytes))
        #expect(!UTF8Validator.isValid(sample.bytes))
    }

    @Test("valid texts are accepted, like String(validating:)", arguments: valid)
    func accepts(_ sample: Case) {
        #expect(stdlibAccepts(sample.bytes))
        #expect(UTF8Validator.isValid(sample.bytes))
    }

    @Test("every 2-way and 3-way split fails at the same point and ends at the same boundary",
          arguments: invalid + valid)
    func splits(_ sample: Case) {
        let bytes = sample.bytes
        for first in 0 ... bytes.count {
            checkChunked(bytes, cuts: [first])
            for second in first ... bytes.count { checkChunked(bytes, cuts: [first, second]) }
        }
    }

    @Test("random and faulty samples of 0…300 bytes agree with String(validating:)")
    func random() {
        var rng = SeededRandom(seed: 6)
        var invalidSeen = 0
        for _ in 0 ..< 3000 {
            let bytes = UTF8Samples.sample(&rng, maxBytes: 300)
            let expected = stdlibAccepts(bytes)
            if !expected { invalidSeen += 1 }
            #expect(UTF8Validator.isValid(bytes) == expected, "\(bytes)")
        }
        // The generator is biased towards valid text, but both outcomes must be common.
        #expect(invalidSeen > 600 && invalidSeen < 2400)
    }

    @Test("random samples fail in the chunk holding the first bad byte on every 2-way split and random 3-way splits")
    func randomSplits() {
        var rng = SeededRandom(seed: 7)
        for _ in 0 ..< 250 {
            let bytes = UTF8Samples.sample(&rng, maxBytes: 300)
            let point = failurePoint(bytes)
            for cut in 0 ... bytes.count { checkChunked(bytes, cuts: [cut], failurePoint: point) }
            for _ in 0 ..< 20 {
                let a = Int.random(in: 0 ... bytes.count, using: &rng)
                let b = Int.random(in: 0 ... bytes.count, using: &rng)
                checkChunked(bytes, cuts: [min(a, b), max(a, b)], failurePoint: point)
            }
        }
    }

    @Test("short random samples agree on every 2-way and 3-way split")
    func exhaustiveShortSplits() {
        var rng = SeededRandom(seed: 8)
        for _ in 0 ..< 60 {
            let bytes = UTF8Samples.sample(&rng, maxBytes: 14)
            for first in 0 ... bytes.count {
                for second in first ... bytes.count { checkChunked(bytes, cuts: [first, second]) }
            }
        }
    }

    @Test("each multi-byte character split at every point is accepted, with a boundary only at the end")
    func multiByteSplits() {
        for text in ["é", "€", "😀", "\u{10FFFF}", "\u{800}"] {
            let bytes = utf8(text)
            for cut in 1 ..< bytes.count {
                var validator = UTF8Validator()
                #expect(feed(&validator, bytes[..<cut]))
                #expect(!validator.isAtCharacterBoundary)
                #expect(feed(&validator, bytes[cut...]))
                #expect(validator.isAtCharacterBoundary)
            }
        }
    }

    @Test("the chunk holding the first bad byte returns false at once (fail-fast)")
    func failFast() {
        var validator = UTF8Validator()
        #expect(feed(&validator, hex("cebae1bdb9cf83cebcceb5")))
        #expect(feed(&validator, [0xF4]))
        #expect(!feed(&validator, [0x90]))        // U+110000 and above can no longer be avoided

        validator.reset()
        #expect(validator.isAtCharacterBoundary)
        #expect(feed(&validator, utf8("long valid ascii prefix, more than eight bytes") + [0xC3]))
        #expect(!feed(&validator, [0x28] + utf8("the rest")))

        validator.reset()
        #expect(!feed(&validator, utf8("abcdefgh12345678") + [0xED, 0xA0] + utf8("ok")))
    }

    @Test("a validator can be reset between messages")
    func reset() {
        var validator = UTF8Validator()
        #expect(feed(&validator, [0xE2, 0x82]))
        validator.reset()
        #expect(feed(&validator, utf8("new")))
        #expect(validator.isAtCharacterBoundary)
    }
}
