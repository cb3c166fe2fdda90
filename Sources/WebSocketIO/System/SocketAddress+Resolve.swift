#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of `SocketAddress.resolve(host:port:)`.
public struct ResolutionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `EAI_*` code `getaddrinfo` returned.
    public let code: Int32
    /// The host name that failed to resolve.
    public let host: String

    /// The resolver's message; not API.
    public var description: String {
        let message = gai_strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return "cannot resolve \(host): \(message)"
    }
}

extension SocketAddress {
    /// Resolves a host name (or numeric address) to TCP socket addresses, IPv4 and IPv6, in the
    /// order the system resolver prefers.
    ///
    /// `getaddrinfo` blocks, so it runs on a short-lived thread of its own, never on an event
    /// loop; the calling task suspends meanwhile. Cancellation does not interrupt the lookup.
    /// - Throws: `ResolutionError` when the name does not resolve; `Errno.invalidArgument` for a
    ///   port outside 0...65535.
    public static func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        guard (0...65535).contains(port) else { throw Errno.invalidArgument }
        let result = await BlockingWork.run { lookUp(host: host, port: port) }
        return try result.get()
    }

    /// Calls `getaddrinfo` on the current thread.
    private static func lookUp(host: String, port: Int) -> Result<[SocketAddress], ResolutionError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let code = system_getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let first = list else {
            return .failure(ResolutionError(code: code, host: host))
        }
        defer { system_freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen)))
                }
                if let resolved = SocketAddress(storage: storage), !addresses.contains(resolved) {
                    addresses.append(resolved)
                }
            }
            cursor = entry.pointee.ai_next
        }
        return .success(addresses)
    }
}
