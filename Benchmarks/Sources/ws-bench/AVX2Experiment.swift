import CUTF8Experiment
import WebSocketCore

/// Whether the experimental AVX2 kernel can run here.
let avx2Available = cutf8_has_avx2() != 0

/// Validates one complete message with the experimental AVX2 kernel (Benchmarks/Sources/CUTF8Experiment),
/// using the library's validator for the first character(s) and the cut-off tail, the way
/// `UTF8Validator.validate` wraps its portable kernel.
func validateWithAVX2(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var validator = UTF8Validator()
    let count = bytes.count
    guard count >= 64, let base = bytes.baseAddress else { return validator.validate(bytes) && validator.isAtCharacterBoundary }
    var boundary = 0
    while boundary < 3 || !validator.isAtCharacterBoundary {   // at most six bytes
        guard validator.validate(UnsafeRawBufferPointer(rebasing: bytes[boundary ..< boundary + 1])) else { return false }
        boundary += 1
    }
    let end = cutf8_validate_blocks(base.assumingMemoryBound(to: UInt8.self), boundary, count)
    guard end >= 0 else { return false }
    var resume = end
    // Step back to a character the last block cut off, as the library's kernel does.
    var index = end
    while index > boundary && end - index < 3 {
        index -= 1
        let byte = bytes[index]
        if byte & 0xC0 != 0x80 {
            let length = byte < 0xC0 ? 1 : (byte < 0xE0 ? 2 : (byte < 0xF0 ? 3 : 4))
            if end - index < length { resume = index }
            break
        }
    }
    return validator.validate(UnsafeRawBufferPointer(rebasing: bytes[resume...])) && validator.isAtCharacterBoundary
}
