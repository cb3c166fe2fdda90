/// An HTTP protocol version such as `HTTP/1.1`, as it appears in a request or status line.
///
/// The opening handshake needs HTTP/1.1 or later (RFC 6455 §4.1). The head parser accepts any
/// `HTTP/1.x` and throws ``HandshakeError/unsupportedHTTPVersion(_:)`` for other majors; the
/// handshake validators then insist on at least 1.1.
///
/// ```swift
/// let version = HTTPVersion(major: 1, minor: 1)
/// assert(version == .http1_1 && version > .http1_0)
/// print(version)   // HTTP/1.1
/// ```
public struct HTTPVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number before the dot.
    public var major: Int
    /// The number after the dot.
    public var minor: Int

    /// Creates a version from its two numbers.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0, which cannot carry a WebSocket upgrade.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1, the version every handshake uses.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// The version as it appears on the wire, such as `HTTP/1.1`.
    public var description: String { "HTTP/\(major).\(minor)" }

    public static func < (lhs: HTTPVersion, rhs: HTTPVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// Parses `HTTP/d.d` (RFC 9112 §2.3); `nil` for anything else.
    init?(parsing text: some Collection<UInt8>) {
        let bytes = Array(text)
        guard bytes.count == 8, bytes[0..<5].elementsEqual("HTTP/".utf8), bytes[6] == UInt8(ascii: "."),
              let major = Self.digit(bytes[5]), let minor = Self.digit(bytes[7])
        else { return nil }
        self.init(major: major, minor: minor)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
