import Testing
import WebSocketCore

// MARK: - Deterministic randomness

/// SplitMix64: a tiny seeded generator, so every random test and every client masking key is
/// reproducible from its seed.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0 ..< count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }
}

// MARK: - Roles

extension Role {
    /// The other end of the connection.
    var peer: Role { self == .client ? .server : .client }

    /// Both roles, for `@Test(arguments:)`.
    static let both: [Role] = [.client, .server]
}

/// The masking key every hand-built client frame uses (the one in RFC 6455 §5.7).
let rfcKey = MaskingKey(0x37, 0xFA, 0x21, 0x3D)

// MARK: - Building wire bytes by hand

/// A frame described field by field, written to bytes without `FrameEncoder`, so decoder tests do
/// not depend on the encoder and broken frames (raw opcodes, reserved bits, odd length encodings)
/// can be built on purpose.
struct RawFrame {
    enum LengthEncoding {
        /// The shortest form, as RFC 6455 requires of senders.
        case minimal
        /// Always the 16-bit extended form (non-minimal for short payloads).
        case extended16
        /// Always the 64-bit extended form.
        case extended64
        /// A 64-bit length field with this exact value, whatever the payload's size.
        case declared64(UInt64)
    }

    var fin = true
    var rsv: UInt8 = 0
    var opcode: UInt8
    var payload: [UInt8] = []
    var key: MaskingKey?
    var length = LengthEncoding.minimal

    init(fin: Bool = true, rsv: UInt8 = 0, opcode: UInt8, payload: [UInt8] = [], key: MaskingKey? = nil,
         length: LengthEncoding = .minimal) {
        self.fin = fin
        self.rsv = rsv
        self.opcode = opcode
        self.payload = payload
        self.key = key
        self.length = length
    }

    /// A frame as a peer with role `sender` sends it: masked with `key` exactly when a client sends.
    init(_ opcode: Opcode, _ payload: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0, from sender: Role,
         key: MaskingKey = rfcKey) {
        self.init(fin: fin, rsv: rsv, opcode: opcode.rawValue, payload: payload, key: sender == .client ? key : nil)
    }

    var bytes: [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0xF)]
        let maskBit: UInt8 = key == nil ? 0 : 0x80
        func big(_ value: UInt64, _ count: Int) -> [UInt8] {
            (0 ..< count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        }
        switch length {
        case .minimal where payload.count < 126:
            out.append(maskBit | UInt8(payload.count))
        case .minimal where payload.count <= 0xFFFF, .extended16:
            out.append(maskBit | 126)
            out += big(UInt64(payload.count), 2)
        case .minimal, .extended64:
            out.append(maskBit | 127)
            out += big(UInt64(payload.count), 8)
        case .declared64(let declared):
            out.append(maskBit | 127)
            out += big(declared, 8)
        }
        if let key {
            out += [key[0], key[1], key[2], key[3]]
            out += payload.enumerated().map { $0.element ^ key[$0.offset] }
        } else {
            out += payload
        }
        return out
    }
}

/// The wire bytes of a frame sent by a peer with role `sender` (masked when the sender is a client).
func wire(_ opcode: Opcode, _ payload: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0, from sender: Role) -> [UInt8] {
    RawFrame(opcode, payload, fin: fin, rsv: rsv, from: sender).bytes
}

/// The wire bytes of a frame with a raw 4-bit opcode (reserved ones included).
func wire(rawOpcode: UInt8, _ payload: [UInt8] = [], fin: Bool = true, from sender: Role) -> [UInt8] {
    RawFrame(fin: fin, opcode: rawOpcode, payload: payload, key: sender == .client ? rfcKey : nil).bytes
}

/// A Close frame payload: the code in network order followed by the reason bytes.
func closePayload(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
    [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
}

func hex(_ string: String) -> [UInt8] {
    let digits = Array(string.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0 ... $0 + 1]), radix: 16)! }
}

func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A deterministic payload of `count` bytes (so failures print something recognisable).
func pattern(_ count: Int) -> [UInt8] { (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }

/// A deterministic ASCII text of `count` bytes.
func asciiText(_ count: Int) -> String {
    String(decoding: (0 ..< count).map { UInt8(0x61 + $0 % 26) }, as: UTF8.self)
}

// MARK: - Fast comparison

/// Byte-array equality eight bytes at a time. `Array.==` runs element by element through
/// unspecialised generic code in debug builds, which made comparing 64 KiB payloads in the
/// chunking property tests take seconds.
func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { x in
        b.withUnsafeBytes { y in
            var index = 0
            while index + 8 <= x.count {
                if x.loadUnaligned(fromByteOffset: index, as: UInt64.self) != y.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                    return false
                }
                index += 8
            }
            while index < x.count {
                if x[index] != y[index] { return false }
                index += 1
            }
            return true
        }
    }
}

func sameFrames(_ a: [Frame], _ b: [Frame]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        x.fin == y.fin && x.opcode == y.opcode && x.reservedBits == y.reservedBits && sameBytes(x.payload, y.payload)
    }
}

func sameEvents(_ a: [Connection.Event], _ b: [Connection.Event]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        switch (x, y) {
        case (.message(.binary(let p)), .message(.binary(let q))): sameBytes(p, q)
        case (.message(.text(let p)), .message(.text(let q))): p == q
        case (.fragment(let p), .fragment(let q)):
            p.opcode == q.opcode && p.isFinal == q.isFinal && sameBytes(p.payload, q.payload)
        default: x == y
        }
    }
}

// MARK: - Decoding

/// How a decoding attempt ended: the frames taken, then the violation (if any).
struct DecodeOutcome: Equatable, CustomStringConvertible {
    var frames: [Frame] = []
    var violation: ProtocolViolation?
    /// Whether the input ended in the middle of a frame.
    var leftover: Bool = false

    static func == (a: DecodeOutcome, b: DecodeOutcome) -> Bool {
        a.violation == b.violation && a.leftover == b.leftover && sameFrames(a.frames, b.frames)
    }

    var description: String {
        "\(frames.count) frames [\(frames.map { "\($0.opcode)/\($0.payload.count)" }.joined(separator: ","))], violation: \(violation.map { "\($0)" } ?? "none"), leftover: \(leftover)"
    }
}

extension FrameDecoder {
    /// Decodes every frame in `bytes`, failing the test on a violation.
    static func decodeAll(_ bytes: [UInt8], role: Role, maxFrameSize: Int = 16 << 20) throws(ProtocolViolation) -> [Frame] {
        var decoder = FrameDecoder(role: role, maxFrameSize: maxFrameSize)
        decoder.append(bytes)
        var frames: [Frame] = []
        while let frame = try decoder.nextFrame() { frames.append(frame) }
        return frames
    }

    /// Feeds `chunks` one after another, taking frames after each, and records how it ended.
    static func outcome(_ chunks: [ArraySlice<UInt8>], role: Role, maxFrameSize: Int = 16 << 20) -> DecodeOutcome {
        var decoder = FrameDecoder(role: role, maxFrameSize: maxFrameSize)
        var outcome = DecodeOutcome()
        do {
            for chunk in chunks {
                decoder.append(chunk)
                while let frame = try decoder.nextFrame() { outcome.frames.append(frame) }
            }
        } catch {
            outcome.violation = error
            return outcome
        }
        outcome.leftover = decoder.bufferedByteCount > 0 || decoder.partialFrameHeader != nil
        return outcome
    }
}

// MARK: - Chunking property

/// The ways `bytes` is fed to a decoder or connection: whole, split in two at every index, and
/// one byte at a time.
///
/// Inputs up to `exhaustiveLimit` bytes are split at every index. Longer ones (the 64 KiB
/// vectors) are split at every index of their first and last 64 bytes, where the headers and the
/// trailing frames are, and at 32 evenly spaced points between: every split of a 64 KiB input
/// would decode four gigabytes in a debug build.
func chunkings(of bytes: [UInt8], exhaustiveLimit: Int = 1200, byteByByte: Bool = true) -> [[ArraySlice<UInt8>]] {
    let count = bytes.count
    var points: [Int]
    if count <= exhaustiveLimit {
        points = Array(0 ... count)
    } else {
        var set = Set(0 ... 64)
        set.formUnion((count - 64) ... count)
        set.formUnion(stride(from: 0, through: count, by: max(1, count / 32)))
        points = set.sorted()
    }
    var result: [[ArraySlice<UInt8>]] = [[bytes[...]]]
    result += points.map { [bytes[..<$0], bytes[$0...]] }
    if byteByByte && count > 1 {
        result.append(bytes.indices.map { bytes[$0 ... $0] })
    }
    return result
}

/// Runs `body` on `bytes` fed whole, then in every chunking from `chunkings(of:)`, expects every
/// run to produce the same result as the whole feed, and returns that result.
@discardableResult
func sameUnderEveryChunking<T: Equatable>(
    _ bytes: [UInt8], exhaustiveLimit: Int = 1200, byteByByte: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: ([ArraySlice<UInt8>]) -> T
) -> T {
    let all = chunkings(of: bytes, exhaustiveLimit: exhaustiveLimit, byteByByte: byteByByte)
    let reference = body(all[0])
    for chunks in all.dropFirst() {
        let result = body(chunks)
        if result != reference {
            Issue.record("chunking \(chunks.map(\.count).prefix(3))\(chunks.count > 3 ? "…" : "") gave \(result), whole input gave \(reference)",
                         sourceLocation: sourceLocation)
            break
        }
    }
    return reference
}
