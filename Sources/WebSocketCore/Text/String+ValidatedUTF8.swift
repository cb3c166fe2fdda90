extension String {
    /// Creates a string from bytes that `UTF8Validator` has already accepted, without
    /// validating them a second time where the standard library allows it.
    ///
    /// Swift 6.2 (SE-0464) added `UTF8Span(unchecked:)` and `String(copying:)`, which copy
    /// known-valid UTF-8 into a string without decoding it; `ws-bench`'s "text delivery" figures
    /// compare it with `String(decoding:as:)` and `String(validating:as:)`. Where that API is not
    /// available (macOS before 26) this falls back to `String(decoding:as:)`, which validates again
    /// but cannot fail on these bytes.
    ///
    /// - Precondition: `bytes` is valid UTF-8. Invalid bytes here would break `String`'s
    ///   invariants, so only pass what a validator accepted.
    init(validatedUTF8 bytes: [UInt8]) {
        if #available(macOS 26.0, iOS 26.0, watchOS 26.0, tvOS 26.0, visionOS 26.0, *) {
            self = String(copying: UTF8Span(unchecked: bytes.span))
        } else {
            self = String(decoding: bytes, as: UTF8.self)
        }
    }
}
