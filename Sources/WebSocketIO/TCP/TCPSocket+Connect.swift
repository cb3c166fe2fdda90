#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TCPSocket {
    /// How a non-blocking connect started.
    public enum ConnectStatus: Hashable, Sendable {
        /// The connection is established (common on loopback).
        case connected
        /// The handshake is under way: wait for writable readiness, then `finishConnect()`.
        case inProgress
    }

    /// Creates an unconnected, non-blocking TCP socket for `family`.
    public convenience init(family: SocketAddress.Family) throws(Errno) {
        let descriptor = try SocketDescriptor.makeStreamSocket(family: family == .ipv6 ? AF_INET6 : AF_INET)
        self.init(takingOwnershipOf: descriptor)
    }

    /// Starts connecting to `address` without blocking. The corresponding C function is
    /// `connect`.
    /// - Throws: `Errno` if the connect failed at once (for example `.connectionRefused`).
    public func beginConnect(to address: SocketAddress) throws(Errno) -> ConnectStatus {
        let raw = descriptor.rawValue
        let result = try address.withSockAddr { pointer, length throws(Errno) in
            // Not retried on EINTR: the kernel carries on with the handshake, and a second
            // connect would fail with EALREADY. EINTR is reported as in progress.
            if system_connect(raw, pointer, length) == 0 { return Int32(0) }
            let error = Errno.current
            if error == .inProgress || error == .interrupted { return Int32(1) }
            throw error
        }
        return result == 0 ? .connected : .inProgress
    }

    /// Completes a connect that was in progress, once the socket became writable.
    /// - Throws: the connect's error, read from `SO_ERROR` (for example `.connectionRefused`).
    public func finishConnect() throws(Errno) {
        let error = try descriptor.option(level: SOL_SOCKET, name: SO_ERROR)
        if error != 0 { throw Errno(rawValue: error) }
    }

    /// Connects to `address` without blocking any thread: the handshake completes through
    /// writable readiness on `loop`.
    ///
    /// The socket is not registered with the loop afterwards; register it where it will be read.
    /// - Parameters:
    ///   - timeout: how long to wait for the handshake. 30 seconds by default, a common
    ///     browser and proxy limit that is longer than the kernel's first SYN retries.
    /// - Throws: `Errno` (`.connectionRefused`, `.timedOut` after `timeout`, …), or
    ///   `CancellationError` when the task is cancelled.
    public static func connect(
        to address: SocketAddress, on loop: EventLoop, timeout: Duration = .seconds(30)
    ) async throws -> TCPSocket {
        let socket = try TCPSocket(family: address.family)
        if try socket.beginConnect(to: address) == .connected { return socket }
        try await loop.drive(socket.descriptor, timeout: timeout) { events in
            // Writable means the connect finished; SO_ERROR says how.
            guard let events else { return .write }
            try socket.finishConnect()
            return events.contains(.writable) ? nil : .write
        }
        return socket
    }
}
