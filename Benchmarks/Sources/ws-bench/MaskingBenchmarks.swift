import WebSocketCore

/// The per-byte loop every Swift peer uses (NIO's `unmaskedData` is this shape): the reference
/// the SIMD loop is compared with.
@inline(never)
func byteLoopUnmask(_ buffer: UnsafeMutableRawBufferPointer, key: MaskingKey, offset: Int) -> Int {
    var keyIndex = offset
    for index in 0 ..< buffer.count {
        buffer[index] ^= key[keyIndex]
        keyIndex = (keyIndex + 1) & 3
    }
    return keyIndex
}

/// The eight-byte word loop the library used before the SIMD loop (commit 9afbba1), kept as the
/// reference for "small payloads are not slower than the scalar code".
@inline(never)
func wordLoopUnmask(_ buffer: UnsafeMutableRawBufferPointer, key: MaskingKey, offset: Int) -> Int {
    guard let base = buffer.baseAddress else { return offset & 3 }
    let k0 = UInt64(key[offset]), k1 = UInt64(key[offset + 1]), k2 = UInt64(key[offset + 2]), k3 = UInt64(key[offset + 3])
    let half = k0 | k1 << 8 | k2 << 16 | k3 << 24
    let word = (half | half << 32).littleEndian
    let count = buffer.count
    var index = 0
    while index &+ 8 <= count {
        let value = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        base.storeBytes(of: value ^ word, toByteOffset: index, as: UInt64.self)
        index &+= 8
    }
    var keyIndex = offset & 3
    while index < count {
        base.storeBytes(of: base.load(fromByteOffset: index, as: UInt8.self) ^ key[keyIndex], toByteOffset: index, as: UInt8.self)
        index &+= 1
        keyIndex = (keyIndex &+ 1) & 3
    }
    return keyIndex
}

func maskingFigures(sizes: [Int], rounds: Int, duration: Double) -> [Figure] {
    var figures: [Figure] = []
    let key = MaskingKey(0x37, 0xFA, 0x21, 0x3D)
    for size in sizes {
        let pool = InputPool(size: size, minimumPool: max(512 << 10, 2 * size), fill: randomFill)
        let destination = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { destination.deallocate() }
        let calls = max(1, (256 << 10) / size)
        var next = 0
        func batch(_ body: (UnsafeMutableRawBufferPointer) -> Int) -> Double {
            var sum = 0
            for _ in 0 ..< calls {
                sum &+= body(pool[next])
                next &+= 1
            }
            consume(sum)
            return Double(calls * size)
        }
        let copy = { batch { copyBytes(UnsafeRawPointer($0.baseAddress!), destination.baseAddress!, size); return 0 } }
        let bytewise = { batch { byteLoopUnmask($0, key: key, offset: 1) } }
        let wordwise = { batch { wordLoopUnmask($0, key: key, offset: 1) } }
        let unmask = { batch { Masking.unmask($0, key: key, offset: 1) } }
        let maskCopy = { batch { Masking.maskCopy(from: UnsafeRawBufferPointer($0), to: destination, key: key, offset: 1) } }

        var copies: [Double] = [], bytes: [Double] = [], words: [Double] = [], unmasks: [Double] = [], maskCopies: [Double] = []
        var unmaskRatios: [Double] = [], copyRatios: [Double] = [], byteRatios: [Double] = [], wordRatios: [Double] = []
        for _ in 0 ..< rounds {
            let c = rate(duration: duration, copy)
            let b = rate(duration: duration, bytewise)
            let w = rate(duration: duration, wordwise)
            let u = rate(duration: duration, unmask)
            let m = rate(duration: duration, maskCopy)
            copies.append(c); bytes.append(b); words.append(w); unmasks.append(u); maskCopies.append(m)
            unmaskRatios.append(u / c); copyRatios.append(m / c); byteRatios.append(u / b); wordRatios.append(u / w)
        }
        let label = sizeLabel(size)
        figures.append(Figure(group: "masking", name: "memcpy \(label)", unit: "GB/s", value: median(copies) / 1e9))
        figures.append(Figure(group: "masking", name: "unmask \(label)", unit: "GB/s", value: median(unmasks) / 1e9,
                              baselineName: "memcpy \(label)", baselineValue: median(copies) / 1e9, ratio: median(unmaskRatios)))
        figures.append(Figure(group: "masking", name: "unmask \(label) vs byte loop", unit: "GB/s", value: median(unmasks) / 1e9,
                              baselineName: "byte-loop unmask \(label)", baselineValue: median(bytes) / 1e9, ratio: median(byteRatios)))
        figures.append(Figure(group: "masking", name: "unmask \(label) vs word loop", unit: "GB/s", value: median(unmasks) / 1e9,
                              baselineName: "word-loop unmask \(label) (previous code)", baselineValue: median(words) / 1e9, ratio: median(wordRatios)))
        figures.append(Figure(group: "masking", name: "mask-copy \(label)", unit: "GB/s", value: median(maskCopies) / 1e9,
                              baselineName: "memcpy \(label)", baselineValue: median(copies) / 1e9, ratio: median(copyRatios)))
    }
    return figures
}

func sizeLabel(_ size: Int) -> String {
    if size >= 1 << 20 && size % (1 << 20) == 0 { return "\(size >> 20) MiB" }
    if size >= 1 << 10 && size % (1 << 10) == 0 { return "\(size >> 10) KiB" }
    return "\(size) B"
}
