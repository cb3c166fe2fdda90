import Testing
import WebSocketCore

/// Random and mutated frames into decoders and connections. The oracle: nothing traps, the only
/// failures are `ProtocolViolation`s, chunking never changes the outcome, what a connection
/// sends is always valid for its peer, and a closed connection stays silent.
@Suite("Fuzz")
struct FuzzTests {
    /// A plausible frame from `sender`: a defined opcode, a short payload, sometimes fragmented.
    static func validFrame(_ rng: inout SeededRandom, from sender: Role) -> [UInt8] {
        let opcode = [Opcode.text, .binary, .continuation, .ping, .pong, .close].randomElement(using: &rng)!
        var payload: [UInt8]
        let length = Int.random(in: 0 ..< 10, using: &rng) == 0 ? Int.random(in: 0 ... 300, using: &rng) : Int.random(in: 0 ... 24, using: &rng)
        switch opcode {
        case .text: payload = UTF8Samples.sample(&rng, maxBytes: length)
        case .close:
            let code = [UInt16(1000), 1001, 1002, 1005, 1012, 3000, 4999, 999, 5000].randomElement(using: &rng)!
            payload = Int.random(in: 0 ..< 8, using: &rng) == 0 ? rng.bytes(Int.random(in: 0 ... 2, using: &rng))
                : closePayload(code, UTF8Samples.sample(&rng, maxBytes: 20))
        case .ping, .pong: payload = rng.bytes(min(length, 125))
        default: payload = rng.bytes(length)
        }
        let fin = opcode.isControl || Bool.random(using: &rng)
        let key = MaskingKey(networkOrder: UInt32.random(in: .min ... .max, using: &rng))
        return RawFrame(opcode, payload, fin: fin, from: sender, key: key).bytes
    }

    /// A seed corpus of plausible frames, built once per test (building frames is the slow part
    /// of a debug-build fuzz loop; mutating them is cheap).
    static func corpus(_ rng: inout SeededRandom, from sender: Role) -> [[UInt8]] {
        (0 ..< 1500).map { _ in validFrame(&rng, from: sender) }
    }

    /// A frame from `corpus`, as is or damaged by bit flips, truncation, splicing or random bytes.
    static func input(_ rng: inout SeededRandom, _ corpus: [[UInt8]]) -> [UInt8] {
        var bytes = corpus.randomElement(using: &rng)!
        switch Int.random(in: 0 ..< 8, using: &rng) {
        case 0, 1:
            break
        case 2:
            for _ in 0 ... Int.random(in: 0 ... 3, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0 ..< bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0 ... 7, using: &rng)
            }
        case 3:
            bytes.removeLast(Int.random(in: 0 ... bytes.count, using: &rng))
        case 4:
            let other = corpus.randomElement(using: &rng)!
            bytes = Array(bytes.prefix(Int.random(in: 0 ... bytes.count, using: &rng)))
                + other.suffix(Int.random(in: 0 ... other.count, using: &rng))
        case 5:
            bytes = rng.bytes(Int.random(in: 0 ... 40, using: &rng))
        case 6:
            // A raw header byte: any FIN/RSV/opcode combination, or any mask bit and length.
            let index = Int.random(in: 0 ... 1, using: &rng)
            if bytes.count > index { bytes[index] = UInt8.random(in: .min ... .max, using: &rng) }
        default:
            bytes += corpus.randomElement(using: &rng)!
        }
        return bytes
    }

    @Test("random and mutated frames only ever produce frames or a ProtocolViolation, whatever the chunking",
          arguments: Role.both)
    func decoder(receiver role: Role) {
        var rng = SeededRandom(seed: role == .client ? 11 : 12)
        let corpus = Self.corpus(&rng, from: role.peer)
        var violations = 0
        for iteration in 0 ..< 25_000 {
            let bytes = Self.input(&rng, corpus)
            let whole = FrameDecoder.outcome([bytes[...]], role: role, maxFrameSize: 200)
            if whole.violation != nil { violations += 1 }
            let cut = Int.random(in: 0 ... bytes.count, using: &rng)
            let split = FrameDecoder.outcome([bytes[..<cut], bytes[cut...]], role: role, maxFrameSize: 200)
            if split != whole {
                Issue.record("iteration \(iteration): \(bytes) split at \(cut) gave \(split), whole gave \(whole)")
                return
            }
        }
        #expect(violations > 2500, "the mutations reach the error paths")
    }

    @Test("a connection fed random and mutated frames sends only valid frames and stays silent once closed",
          arguments: Role.both)
    func connection(role: Role) throws {
        var rng = SeededRandom(seed: role == .client ? 21 : 22)
        let configuration = Connection.Configuration(maxFrameSize: 256, maxMessageSize: 600)
        let corpus = Self.corpus(&rng, from: role.peer)
        var harness = EchoHarness(role, configuration)
        var connections = 1
        var failures = 0
        var closes = 0
        for iteration in 0 ..< 25_000 {
            let before = harness.transcript.events.count
            let chunk = Self.input(&rng, corpus)
            harness.feed(chunk)
            if Int.random(in: 0 ..< 50, using: &rng) == 0 { try? harness.connection.ping([1]) }
            if Int.random(in: 0 ..< 400, using: &rng) == 0 { try? harness.connection.close() }
            harness.collectOutput()
            let fresh = harness.transcript.events[before...]
            let t = harness.transcript
            if let index = fresh.firstIndex(where: { if case .failed = $0 { true } else { false } }) {
                #expect(index == fresh.endIndex - 1, "iteration \(iteration): nothing after .failed")
                #expect(harness.connection.state == .closed)
            }
            guard t.outputViolation == nil else {
                Issue.record("iteration \(iteration): our output was invalid for the peer: \(t.outputViolation!)")
                return
            }
            if harness.connection.state == .closed {
                #expect(t.closeSent.count <= 1, "iteration \(iteration): at most one Close frame")
                if case .failed(let violation) = t.events.last {
                    failures += 1
                    // We only send our failure Close if we had not sent one yet.
                    #expect(t.sent.last?.opcode == .close || t.closeSent.isEmpty)
                    if t.closeSent.count == 1, harness.connection.closeFrameSent?.code == violation.closeCode {
                        #expect(t.closeSent[0].reason.count <= 123)
                    }
                } else {
                    closes += 1
                }
                // Once closed: no events, no output, however much more arrives.
                let count = t.events.count
                let sent = t.sent.count
                harness.feed(Self.input(&rng, corpus))
                #expect(t.events.count == count && harness.transcript.events.count == count)
                #expect(harness.transcript.sent.count == sent)
                harness = EchoHarness(role, configuration)
                connections += 1
            }
        }
        #expect(connections > 1000 && failures > 500 && closes > 100, "\(connections) connections, \(failures) failures, \(closes) closes")
    }
}
