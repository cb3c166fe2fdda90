#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address: an IP address and a port.
///
/// Create one from a numeric address (`try SocketAddress(ipAddress: "127.0.0.1", port: 8080)`),
/// resolve a host name with `SocketAddress.resolve(host:port:)`, or read one back from a socket.
/// The description is "127.0.0.1:8080" or "[::1]:8080".
///
/// ```swift
/// let address = try SocketAddress(ipAddress: "::1", port: 0)
/// let listener = try TCPListener(bindingTo: address)
/// print(listener.localAddress)   // "[::1]:40123"
/// ```
public struct SocketAddress: Sendable {
    /// The address family.
    public enum Family: Sendable, Hashable {
        /// IPv4 (`AF_INET`).
        case ipv4
        /// IPv6 (`AF_INET6`).
        case ipv6
    }

    /// The C address; `sockaddr_in` or `sockaddr_in6` at its start.
    var storage: sockaddr_storage

    /// Wraps a C address of family `AF_INET` or `AF_INET6`; returns `nil` for other families.
    init?(storage: sockaddr_storage) {
        let family = Int32(storage.ss_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        self.storage = storage
    }

    /// Parses a numeric IPv4 ("127.0.0.1") or IPv6 ("::1", brackets optional) address.
    ///
    /// Host names are not resolved here; use `resolve(host:port:)`.
    /// - Throws: `Errno.invalidArgument` if `ipAddress` is not numeric or `port` is out of range.
    public init(ipAddress: String, port: Int) throws(Errno) {
        guard (0...65535).contains(port) else { throw .invalidArgument }
        var host = Substring(ipAddress)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        var storage = sockaddr_storage()
        let parsed: Bool = withUnsafeMutableBytes(of: &storage) { raw in
            if host.contains(":") {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                address.pointee.sin6_family = sa_family_t(AF_INET6)
                address.pointee.sin6_port = UInt16(port).bigEndian
                return inet_pton(AF_INET6, String(host), &address.pointee.sin6_addr) == 1
            } else {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                address.pointee.sin_family = sa_family_t(AF_INET)
                address.pointee.sin_port = UInt16(port).bigEndian
                return inet_pton(AF_INET, String(host), &address.pointee.sin_addr) == 1
            }
        }
        guard parsed else { throw .invalidArgument }
        #if canImport(Darwin)
        storage.ss_len = UInt8(truncatingIfNeeded: Int(storage.ss_family) == Int(AF_INET6)
            ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        #endif
        self.storage = storage
    }

    /// IPv4 or IPv6.
    public var family: Family { Int32(storage.ss_family) == AF_INET6 ? .ipv6 : .ipv4 }

    /// The port number.
    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case .ipv4: Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            case .ipv6: Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
        }
    }

    /// The numeric IP address without the port, for example "127.0.0.1" or "::1".
    public var ipAddress: String {
        var storage = self.storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(storage.ss_family)
        let ok: Bool = withUnsafeMutableBytes(of: &storage) { raw in
            if family == AF_INET6 {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                return inet_ntop(AF_INET6, &address.pointee.sin6_addr, &text, socklen_t(text.count)) != nil
            } else {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                return inet_ntop(AF_INET, &address.pointee.sin_addr, &text, socklen_t(text.count)) != nil
            }
        }
        guard ok else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The length of the C address for `bind` and `connect`.
    var length: socklen_t {
        socklen_t(family == .ipv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    /// The C address family (`AF_INET` or `AF_INET6`).
    var cFamily: Int32 { Int32(storage.ss_family) }

    /// Calls `body` with the C address and its length.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> Result) throws(Errno) -> Result {
        var storage = self.storage
        let length = self.length
        return try withUnsafeMutablePointer(to: &storage) { pointer throws(Errno) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(Errno) in
                try body(address, length)
            }
        }
    }

    /// Fills a C address with `body` (for example `getsockname`) and wraps it.
    static func reading(
        _ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) throws(Errno) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, &length) }
        }
        if result == -1 { throw Errno.current }
        guard let address = SocketAddress(storage: storage) else { throw .addressFamilyNotSupported }
        return address
    }
}

extension SocketAddress: Hashable {
    /// Two addresses are equal when family, IP address, port (and IPv6 scope) are equal.
    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.significantBytes == rhs.significantBytes
    }

    /// Hashes the same bytes `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(significantBytes)
    }

    /// Family, port, address and (IPv6) scope; padding and flow information are left out.
    private var significantBytes: [UInt8] {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case .ipv4:
                let address = raw.load(as: sockaddr_in.self)
                return [4] + withUnsafeBytes(of: address.sin_port) { Array($0) }
                    + withUnsafeBytes(of: address.sin_addr) { Array($0) }
            case .ipv6:
                let address = raw.load(as: sockaddr_in6.self)
                return [6] + withUnsafeBytes(of: address.sin6_port) { Array($0) }
                    + withUnsafeBytes(of: address.sin6_addr) { Array($0) }
                    + withUnsafeBytes(of: address.sin6_scope_id) { Array($0) }
            }
        }
    }
}

extension SocketAddress: CustomStringConvertible {
    /// "127.0.0.1:8080" or "[::1]:8080".
    public var description: String {
        switch family {
        case .ipv4: "\(ipAddress):\(port)"
        case .ipv6: "[\(ipAddress)]:\(port)"
        }
    }
}
