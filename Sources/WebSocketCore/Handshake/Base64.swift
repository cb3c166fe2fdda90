/// Encodes and decodes base64 with the standard alphabet and padding (RFC 4648 §4).
///
/// The handshake carries its 16-byte key and the server's SHA-1 proof in base64
/// (RFC 6455 §4.1, §4.2.2). The decoder is strict, because a lenient one would accept keys that
/// other servers reject: the length must be a multiple of four, only the 64 alphabet characters
/// may appear, `=` may appear only as one or two final padding characters, the unused bits before
/// the padding must be zero (RFC 4648 §3.5), and whitespace or line breaks are not skipped.
///
/// ```swift
/// Base64.encode(Array("foob".utf8))   // "Zm9vYg=="
/// Base64.decode("Zm9vYg==")           // [0x66, 0x6F, 0x6F, 0x62]
/// Base64.decode("Zm9vYg")             // nil: missing padding
/// ```
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let paddingByte = UInt8(ascii: "=")

    /// Returns the padded base64 text for `bytes`.
    ///
    /// - Complexity: O(*n*) in the number of bytes.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let b0 = input[index]
            let b1 = remaining > 1 ? input[index + 1] : 0
            let b2 = remaining > 2 ? input[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(remaining > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : paddingByte)
            output.append(remaining > 2 ? alphabet[Int(b2 & 0x3F)] : paddingByte)
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Returns the bytes that `string` encodes, or `nil` if it is not strict, padded base64.
    ///
    /// - Complexity: O(*n*) in the length of the string.
    public static func decode(_ string: String) -> [UInt8]? {
        let input = Array(string.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLastQuad = index + 4 == input.count
            guard let v0 = sextet(input[index]), let v1 = sextet(input[index + 1]) else { return nil }
            output.append(v0 << 2 | v1 >> 4)
            let c2 = input[index + 2]
            let c3 = input[index + 3]
            if isLastQuad && c2 == paddingByte {
                // "xx==": one byte; the low four bits of the second character must be zero.
                guard c3 == paddingByte, v1 & 0x0F == 0 else { return nil }
                return output
            }
            guard let v2 = sextet(c2) else { return nil }
            output.append((v1 & 0x0F) << 4 | v2 >> 2)
            if isLastQuad && c3 == paddingByte {
                // "xxx=": two bytes; the low two bits of the third character must be zero.
                guard v2 & 0x03 == 0 else { return nil }
                return output
            }
            guard let v3 = sextet(c3) else { return nil }
            output.append((v2 & 0x03) << 6 | v3)
            index += 4
        }
        return output
    }

    /// The 6-bit value of an alphabet character, or `nil` for any other byte (including `=`).
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
