import WebSocketCore

/// The kinds of text the validator is measured on.
enum TextKind: String, CaseIterable {
    case ascii, mixed, cjk, emoji

    /// Appends one character of this kind of text.
    func nextCharacter(using generator: inout SplitMix) -> Unicode.Scalar {
        let roll = Int.random(in: 0 ..< 100, using: &generator)
        func letter() -> Unicode.Scalar {
            roll % 7 == 0 ? " " : Unicode.Scalar(UInt8.random(in: 0x61 ... 0x7A, using: &generator))
        }
        switch self {
        case .ascii:
            return roll < 3 ? "." : letter()
        case .mixed:
            // About one character in ten takes two or three bytes, as in European-language prose.
            let accents: [Unicode.Scalar] = ["é", "ü", "ö", "ß", "à", "ç", "ñ", "å", "€", "—", "“", "”", "…", "ł"]
            return roll < 10 ? accents.randomElement(using: &generator)! : letter()
        case .cjk:
            if roll < 8 { return roll < 4 ? "，" : " " }
            return Unicode.Scalar(UInt32.random(in: 0x4E00 ... 0x9FA5, using: &generator))!
        case .emoji:
            // Chat-like text: short ASCII words with an emoji every few words.
            if roll < 6 { return Unicode.Scalar(UInt32.random(in: 0x1F600 ... 0x1F64F, using: &generator))! }
            return letter()
        }
    }

    /// Fills `buffer` with valid text of this kind, padded with spaces to a character boundary.
    func fill(_ buffer: UnsafeMutableRawBufferPointer, seed: Int) {
        var generator = SplitMix(state: UInt64(seed) &+ UInt64(rawValue.utf8.count) << 40)
        var index = 0
        while true {
            var scalarBytes: [UInt8] = []
            scalarBytes.append(contentsOf: String(Character(nextCharacter(using: &generator))).utf8)
            guard index + scalarBytes.count <= buffer.count else { break }
            for byte in scalarBytes { buffer[index] = byte; index += 1 }
        }
        while index < buffer.count { buffer[index] = 0x20; index += 1 }
    }
}

func utf8Figures(sizes: [Int], rounds: Int, duration: Double) -> [Figure] {
    var figures: [Figure] = []
    for kind in TextKind.allCases {
        for size in sizes {
            let pool = InputPool(size: size) { kind.fill($0, seed: $1) }
            let destination = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            defer { destination.deallocate() }
            let calls = max(1, (256 << 10) / size)
            var next = 0
            func batch(_ body: (UnsafeRawBufferPointer) -> Int) -> Double {
                var sum = 0
                for _ in 0 ..< calls {
                    sum &+= body(UnsafeRawBufferPointer(pool[next]))
                    next &+= 1
                }
                consume(sum)
                return Double(calls * size)
            }
            let ours = {
                batch { bytes in
                    var validator = UTF8Validator()
                    return validator.validate(bytes) && validator.isAtCharacterBoundary ? 1 : 0
                }
            }
            let stdlib = {
                batch { bytes in
                    String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)?.utf8.count ?? 0
                }
            }
            let copy = { batch { copyBytes($0.baseAddress!, destination, size); return 0 } }
            let avx2 = { batch { validateWithAVX2($0) ? 1 : 0 } }
            // Check the inputs once: every slice is valid, or the figures mean nothing.
            for index in 0 ..< pool.count {
                precondition(UTF8Validator.isValid(UnsafeRawBufferPointer(pool[index])), "generated invalid text")
                precondition(!avx2Available || validateWithAVX2(UnsafeRawBufferPointer(pool[index])), "AVX2 kernel rejected valid text")
            }
            var oursRates: [Double] = [], stdlibRates: [Double] = [], copyRates: [Double] = []
            var stdlibRatios: [Double] = [], copyRatios: [Double] = [], avx2Rates: [Double] = [], avx2Ratios: [Double] = []
            for _ in 0 ..< rounds {
                let c = rate(duration: duration, copy)
                let s = rate(duration: duration, stdlib)
                let o = rate(duration: duration, ours)
                oursRates.append(o); stdlibRates.append(s); copyRates.append(c)
                stdlibRatios.append(o / s); copyRatios.append(o / c)
                if avx2Available {
                    let a = rate(duration: duration, avx2)
                    avx2Rates.append(a); avx2Ratios.append(a / s)
                }
            }
            let label = "\(kind.rawValue) \(sizeLabel(size))"
            figures.append(Figure(group: "utf8", name: "validate \(label)", unit: "GB/s", value: median(oursRates) / 1e9,
                                  baselineName: "String(validating:) \(label)", baselineValue: median(stdlibRates) / 1e9,
                                  ratio: median(stdlibRatios)))
            figures.append(Figure(group: "utf8", name: "validate \(label) vs memcpy", unit: "GB/s", value: median(oursRates) / 1e9,
                                  baselineName: "memcpy \(sizeLabel(size))", baselineValue: median(copyRates) / 1e9,
                                  ratio: median(copyRatios)))
            if avx2Available {
                figures.append(Figure(group: "utf8", name: "experimental AVX2 kernel \(label)", unit: "GB/s", value: median(avx2Rates) / 1e9,
                                      baselineName: "String(validating:) \(label)", baselineValue: median(stdlibRates) / 1e9,
                                      ratio: median(avx2Ratios)))
            }
        }
    }
    return figures
}

/// How a validated message becomes a `String`: the options the standard library offers.
func textDeliveryFigures(size: Int, rounds: Int, duration: Double) -> [Figure] {
    var figures: [Figure] = []
    for kind in [TextKind.mixed, .cjk] {
        let pool = InputPool(size: size) { kind.fill($0, seed: $1 &+ 99) }
        let arrays = (0 ..< pool.count).map { Array(UnsafeRawBufferPointer(pool[$0])) }
        var next = 0
        let calls = max(1, (256 << 10) / size)
        func batch(_ body: ([UInt8]) -> Int) -> Double {
            var sum = 0
            for _ in 0 ..< calls {
                sum &+= body(arrays[next % arrays.count])
                next &+= 1
            }
            consume(sum)
            return Double(calls * size)
        }
        var candidates: [(String, () -> Double)] = [
            ("String(decoding:as:)", { batch { String(decoding: $0, as: UTF8.self).utf8.count } }),
            ("String(validating:as:)", { batch { String(validating: $0, as: UTF8.self)?.utf8.count ?? 0 } }),
        ]
        // UTF8Span is Swift 6.2 (SE-0464); Apple platforms have it from their 26 releases.
        if #available(macOS 26.0, iOS 26.0, watchOS 26.0, tvOS 26.0, visionOS 26.0, *) {
            candidates.append(("String(copying: UTF8Span(unchecked:))", { batch { String(copying: UTF8Span(unchecked: $0.span)).utf8.count } }))
            candidates.append(("UTF8Validator + String(copying: UTF8Span(unchecked:))", {
                batch { bytes in
                    var validator = UTF8Validator()
                    guard validator.validate(bytes), validator.isAtCharacterBoundary else { return 0 }
                    return String(copying: UTF8Span(unchecked: bytes.span)).utf8.count
                }
            }))
        }
        var rates = Array(repeating: [Double](), count: candidates.count)
        var ratios = Array(repeating: [Double](), count: candidates.count)
        for _ in 0 ..< rounds {
            let measured = candidates.map { rate(duration: duration, $0.1) }
            for index in candidates.indices {
                rates[index].append(measured[index])
                ratios[index].append(measured[index] / measured[1])
            }
        }
        let label = "\(kind.rawValue) \(sizeLabel(size))"
        for (index, candidate) in candidates.enumerated() {
            figures.append(Figure(group: "text delivery", name: "\(candidate.0) \(label)", unit: "GB/s", value: median(rates[index]) / 1e9,
                                  baselineName: "String(validating:as:) \(label)", baselineValue: median(rates[1]) / 1e9,
                                  ratio: median(ratios[index])))
        }
    }
    return figures
}
