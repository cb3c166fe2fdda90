import WebSocketCore

/// A stream of masked client frames of one payload size, at least 512 KiB long.
struct FrameStream {
    let payloadSize: Int
    let frameCount: Int
    let bytes: [UInt8]

    init(payloadSize: Int, opcode: Opcode = .binary, text: TextKind? = nil) {
        self.payloadSize = payloadSize
        frameCount = max(8, (512 << 10) / payloadSize)
        var generator = SplitMix(state: UInt64(payloadSize))
        var output: [UInt8] = []
        output.reserveCapacity(frameCount * (payloadSize + 14))
        let payloads = InputPool(size: payloadSize, minimumPool: frameCount * payloadSize) { buffer, seed in
            if let text { text.fill(buffer, seed: seed) } else { randomFill(buffer, seed: seed) }
        }
        for index in 0 ..< frameCount {
            let key = MaskingKey(networkOrder: UInt32(truncatingIfNeeded: generator.next()))
            FrameEncoder.append(opcode: opcode, payload: UnsafeRawBufferPointer(payloads[index]), maskingKey: key, to: &output)
        }
        bytes = output
    }
}

/// The size of one socket read in the decode benchmarks.
let readSize = 64 << 10

func codecFigures(sizes: [Int], rounds: Int, duration: Double) -> [Figure] {
    var figures: [Figure] = []
    for size in sizes {
        let stream = FrameStream(payloadSize: size)
        let payloadBytes = Double(stream.frameCount * size)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: readSize, alignment: 64)
        defer { scratch.deallocate() }

        // Decode: a server takes the stream in 64 KiB reads, as a socket would deliver it.
        let decode = { () -> Double in
            var decoder = FrameDecoder(role: .server)
            var frames = 0
            stream.bytes.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + readSize)
                    decoder.append(UnsafeRawBufferPointer(rebasing: all[start ..< end]))
                    while let frame = try? decoder.nextFrame() { frames &+= frame.payload.count &>> 62 &+ 1 }
                    start = end
                }
            }
            precondition(frames == stream.frameCount, "decoded \(frames) of \(stream.frameCount) frames")
            return payloadBytes
        }
        let copyReads = { () -> Double in
            stream.bytes.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let count = min(readSize, all.count - start)
                    copyBytes(all.baseAddress! + start, scratch, count)
                    start += count
                }
            }
            return payloadBytes
        }
        // Encode: a client masks each payload into a reused output buffer.
        let payloads = InputPool(size: size, fill: randomFill)
        var output: [UInt8] = []
        output.reserveCapacity(2 << 20)
        var next = 0
        let calls = max(1, (256 << 10) / size)
        let encode = { () -> Double in
            output.removeAll(keepingCapacity: true)
            for _ in 0 ..< calls {
                let key = MaskingKey(networkOrder: UInt32(truncatingIfNeeded: next &* 0x9E37_79B9))
                FrameEncoder.append(opcode: .binary, payload: UnsafeRawBufferPointer(payloads[next]), maskingKey: key, to: &output)
                next &+= 1
            }
            consume(output.count)
            return Double(calls * size)
        }
        var decodes: [Double] = [], encodes: [Double] = [], copies: [Double] = []
        var decodeRatios: [Double] = [], encodeRatios: [Double] = []
        for _ in 0 ..< rounds {
            let c = rate(duration: duration, copyReads)
            let d = rate(duration: duration, decode)
            let e = rate(duration: duration, encode)
            copies.append(c); decodes.append(d); encodes.append(e)
            decodeRatios.append(d / c); encodeRatios.append(e / c)
        }
        let label = sizeLabel(size)
        figures.append(Figure(group: "codec", name: "decode masked \(label) frames", unit: "GB/s", value: median(decodes) / 1e9,
                              baselineName: "memcpy of the stream in 64 KiB reads", baselineValue: median(copies) / 1e9,
                              ratio: median(decodeRatios), extra: [("frames/s", median(decodes) / Double(size))]))
        figures.append(Figure(group: "codec", name: "encode masked \(label) frames", unit: "GB/s", value: median(encodes) / 1e9,
                              baselineName: "memcpy of the stream in 64 KiB reads", baselineValue: median(copies) / 1e9,
                              ratio: median(encodeRatios), extra: [("frames/s", median(encodes) / Double(size))]))
    }
    return figures
}

/// Text against binary messages through `Connection`: the cost of UTF-8 validation and String
/// creation on the receive path.
func connectionFigures(size: Int, rounds: Int, duration: Double) -> [Figure] {
    let text = FrameStream(payloadSize: size, opcode: .text, text: .mixed)
    let binary = FrameStream(payloadSize: size, opcode: .binary, text: .mixed)
    func receive(_ stream: FrameStream) -> () -> Double {
        {
            var connection = Connection(role: .server)
            var messages = 0
            stream.bytes.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + readSize)
                    connection.receive(UnsafeRawBufferPointer(rebasing: all[start ..< end]))
                    while let event = connection.nextEvent() {
                        if case .message = event { messages += 1 }
                    }
                    start = end
                }
            }
            precondition(messages == stream.frameCount, "received \(messages) of \(stream.frameCount) messages")
            return Double(stream.frameCount * size)
        }
    }
    let result = compare(rounds: rounds, duration: duration, subject: receive(text), baseline: receive(binary))
    let label = "mixed \(sizeLabel(size))"
    return [Figure(group: "connection", name: "receive text messages \(label)", unit: "GB/s", value: result.subject / 1e9,
                   baselineName: "receive binary messages, same bytes", baselineValue: result.baseline / 1e9, ratio: result.ratio,
                   extra: [("messages/s", result.subject / Double(size))])]
}
