#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A non-blocking listening TCP socket.
///
/// Register `descriptor` with an event loop for `.read`, and call `accept()` until it returns
/// `.wouldBlock` on each readable event.
///
/// ```swift
/// let listener = try TCPListener(bindingTo: SocketAddress(ipAddress: "127.0.0.1", port: 0))
/// print(listener.localAddress)              // the ephemeral port chosen by the kernel
/// switch try listener.accept() {
/// case .accepted(let socket, let peer): serve(socket, from: peer)
/// case .wouldBlock: break
/// }
/// ```
public final class TCPListener: Sendable {
    /// The outcome of a non-blocking accept.
    public enum AcceptResult: Sendable {
        /// A new connection, already non-blocking and close-on-exec.
        case accepted(TCPSocket, peer: SocketAddress)
        /// No pending connection; wait for readable readiness.
        case wouldBlock
    }

    /// The descriptor, or -1 once closed.
    private let storage: Atomic<Int32>

    /// The bound address, with the actual port when 0 was asked for.
    public let localAddress: SocketAddress

    /// Binds to `address` and listens.
    ///
    /// Sets `SO_REUSEADDR` so a restarted server can bind while old connections linger in
    /// TIME_WAIT. An IPv6 address is bound IPv6-only, so "[::]" and "0.0.0.0" can be bound
    /// side by side.
    /// - Parameter backlog: the queue of connections the kernel completes before `accept`.
    ///   511 by default (as nginx and Redis), which the kernel caps at `somaxconn`.
    /// - Throws: `Errno` (`.addressInUse`, `.addressNotAvailable` if IPv6 is off, …).
    public init(bindingTo address: SocketAddress, backlog: Int32 = 511) throws(Errno) {
        let descriptor = try SocketDescriptor.makeStreamSocket(family: address.cFamily)
        do {
            try descriptor.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if address.family == .ipv6 {
                try descriptor.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1)
            }
            _ = try address.withSockAddr { pointer, length throws(Errno) in
                try retryingOnInterrupt { system_bind(descriptor.rawValue, pointer, length) }
            }
            _ = try retryingOnInterrupt { system_listen(descriptor.rawValue, backlog) }
            localAddress = try SocketAddress.reading { system_getsockname(descriptor.rawValue, $0, $1) }
        } catch {
            descriptor.close()
            throw error
        }
        storage = Atomic(descriptor.rawValue)
    }

    deinit {
        close()
    }

    /// The listening descriptor, for `EventLoop.register`; `-1` once closed.
    public var descriptor: SocketDescriptor {
        SocketDescriptor(rawValue: storage.load(ordering: .relaxed))
    }

    /// Takes one pending connection, without blocking. The corresponding C function is
    /// `accept4` on Linux.
    ///
    /// Connections aborted by the peer before they were taken are skipped.
    /// - Throws: `Errno`. `error.isResourceExhaustion` (`EMFILE`, `ENFILE`, `ENOBUFS`,
    ///   `ENOMEM`) means back off and try again later; the listener stays usable.
    public func accept() throws(Errno) -> AcceptResult {
        let listening = descriptor.rawValue
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let raw: Int32
            do throws(Errno) {
                raw = try withUnsafeMutablePointer(to: &storage) { pointer throws(Errno) in
                    try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(Errno) in
                        try retryingOnInterrupt {
                            system_accept(listening, address, &length, SocketDescriptor.acceptFlags)
                        }
                    }
                }
            } catch where error == .wouldBlock {
                return .wouldBlock
            } catch where error == .connectionAborted {
                continue
            }
            let socket = TCPSocket(takingOwnershipOf: SocketDescriptor(rawValue: raw))
            try socket.descriptor.prepareNewSocket()
            let peer = SocketAddress(storage: storage) ?? localAddress
            return .accepted(socket, peer: peer)
        }
    }

    /// Stops listening and closes the descriptor; later calls do nothing.
    public func close() {
        let old = storage.exchange(-1, ordering: .acquiringAndReleasing)
        if old >= 0 { SocketDescriptor(rawValue: old).close() }
    }
}
