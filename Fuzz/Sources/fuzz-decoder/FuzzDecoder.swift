import FuzzSupport
import WebSocketCore

// fuzz-decoder: FrameDecoder in both roles, any limit, any chunking.
//
// Input: [config] [chunk seed] [wire bytes…]
//   config bit 0      role (0 server: expects masked frames, 1 client: expects unmasked)
//   config bits 1–2   maxFrameSize: 0, 125, 1024, 16 MiB
//   config bits 3–5   allowedReservedBits
//   chunk seed        how the wire bytes are split into `append` calls (0: one call)
//
// Oracle: nothing traps (typed throws already mean only ProtocolViolation can escape), no leak,
// and:
//   - the frames and the violation are the same whether the bytes arrive whole or in chunks;
//   - every frame obeys §5.2 and the limit: a defined opcode, only allowed RSV bits, control
//     frames final and ≤ 125 bytes, data frames ≤ maxFrameSize;
//   - a frame re-encoded with FrameEncoder decodes to the same frame, leaving nothing buffered;
//   - while waiting for bytes the decoder holds less than one header (no frame started) or less
//     than the started frame's payload, and that partial payload is what bufferedByteCount says;
//   - after a violation the decoder is spent: it throws the same violation again;
//   - a violation's description fits in a close reason (≤ 123 bytes), since Connection sends it.

struct Outcome: Equatable {
    var frames: [Frame] = []
    var violation: ProtocolViolation?
}

struct Setup {
    var role: Role
    var maxFrameSize: Int
    var allowedReservedBits: UInt8

    func makeDecoder() -> FrameDecoder {
        FrameDecoder(role: role, maxFrameSize: maxFrameSize, allowedReservedBits: allowedReservedBits)
    }
}

func decode(_ wire: UnsafeBufferPointer<UInt8>, _ setup: Setup, chunker: Chunker) -> Outcome {
    var chunker = chunker
    var decoder = setup.makeDecoder()
    var outcome = Outcome()
    chunker.forEachChunk(of: wire) { chunk in
        guard outcome.violation == nil else { return }
        decoder.append(UnsafeRawBufferPointer(chunk))
        do throws(ProtocolViolation) {
            while let frame = try decoder.nextFrame() {
                checkFrame(frame, setup)
                outcome.frames.append(frame)
            }
        } catch {
            outcome.violation = error
            check(error.description.utf8.count <= 123, "violation description too long for a close reason: \(error)")
            check(caught { () throws(ProtocolViolation) in _ = try decoder.nextFrame() } == error,
                  "a spent decoder must repeat its violation")
            return
        }
        if let header = decoder.partialFrameHeader {
            let partial = decoder.withPartialPayload { $0.count }
            check(partial == decoder.bufferedByteCount, "bufferedByteCount \(decoder.bufferedByteCount) != partial payload \(partial)")
            check(partial < header.payloadLength, "a complete payload was not returned")
            check(header.opcode.isControl || header.payloadLength <= setup.maxFrameSize, "partial frame over the limit")
        } else {
            check(decoder.bufferedByteCount < FrameHeader.maximumSize, "holding \(decoder.bufferedByteCount) bytes without a header")
        }
    }
    return outcome
}

func checkFrame(_ frame: Frame, _ setup: Setup) {
    check(frame.opcode.isDefined, "undefined opcode \(frame.opcode)")
    check(frame.reservedBits & ~setup.allowedReservedBits == 0, "reserved bits \(frame.reservedBits) not allowed")
    if frame.opcode.isControl {
        check(frame.fin && frame.payload.count <= 125, "bad control frame \(frame.opcode) fin \(frame.fin) \(frame.payload.count)")
    } else {
        check(frame.payload.count <= setup.maxFrameSize, "data frame of \(frame.payload.count) over \(setup.maxFrameSize)")
    }
    // Round trip: what the peer's encoder would send decodes to the same frame.
    let key: MaskingKey? = setup.role == .server ? MaskingKey(networkOrder: UInt32(truncatingIfNeeded: frame.payload.count &* 0x9E37_79B9)) : nil
    let bytes = FrameEncoder.encode(frame, maskingKey: key)
    var decoder = setup.makeDecoder()
    decoder.append(bytes)
    do throws(ProtocolViolation) {
        let again = try decoder.nextFrame()
        check(again == frame, "re-encoded frame decoded as \(String(describing: again))")
        check(decoder.bufferedByteCount == 0 && decoder.partialFrameHeader == nil, "re-encoded frame left bytes behind")
    } catch {
        check(false, "re-encoded frame failed: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let config = input.byte()
    let setup = Setup(
        role: config & 1 == 0 ? .server : .client,
        maxFrameSize: [0, 125, 1024, 16 << 20][Int(config >> 1 & 3)],
        allowedReservedBits: config >> 3 & 7)
    let chunkSeed = input.byte()
    let wire = input.rest()

    let whole = decode(wire, setup, chunker: Chunker(seed: 0))
    if chunkSeed != 0 {
        let chunked = decode(wire, setup, chunker: Chunker(seed: chunkSeed))
        check(chunked == whole, "chunking changed the outcome: \(chunked) vs \(whole)")
    }
    return 0
}
