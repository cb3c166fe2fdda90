import Testing
import Synchronization
@testable import WebSocketIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parent of every suite in this target. Serialized because the descriptor-leak test
/// counts the process's open descriptors, which tests running beside it would change.
@Suite(.serialized) struct WebSocketIOTests {}

/// Runs `body` with a fresh event loop and shuts it down afterwards.
func withLoop<T>(_ body: (EventLoop) async throws -> T) async throws -> T {
    let loop = try EventLoop()
    defer { loop.shutdown() }
    return try await body(loop)
}

extension EventLoop {
    /// Runs `body` on the loop thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            execute { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A mutable box for state that only the loop thread touches in a test.
final class LoopLocal<Value>: @unchecked Sendable {
    // @unchecked Sendable. Invariant: `value` is read and written only on one event loop's
    // thread, or after that loop has handed it back through a continuation.
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// The number of open descriptors of this process (entries of /proc/self/fd, less the one
/// the listing itself uses).
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        // Read the name in place: copying `d_name` reads all 256 bytes, past the end of a short
        // record at the end of readdir's buffer (an ASan heap-buffer-overflow).
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
        }
        if name != "." && name != ".." { count += 1 }
    }
    return count - 1
}

/// Whether this machine can bind an IPv6 loopback socket.
let ipv6Available: Bool = {
    guard let address = try? SocketAddress(ipAddress: "::1", port: 0) else { return false }
    return (try? TCPListener(bindingTo: address)) != nil
}()

/// The calling thread's name, from /proc/thread-self/comm.
func currentThreadName() -> String {
    guard let file = fopen("/proc/thread-self/comm", "r") else { return "?" }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 64)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "?" }
    let bytes = buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// A counter any thread may bump.
final class AtomicCounter: Sendable {
    private let storage = Atomic<Int>(0)
    func increment() { storage.add(1, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}

/// The local and peer ports of this process's open TCP/IP socket descriptors (the peer port is
/// `nil` for a listener), from getsockname/getpeername on each entry of /proc/self/fd.
func openSocketPorts() -> [(descriptor: Int32, local: Int, peer: Int?)] {
    func port(_ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32, _ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
    guard let directory = opendir("/proc/self/fd") else { return [] }
    defer { closedir(directory) }
    var sockets: [(descriptor: Int32, local: Int, peer: Int?)] = []
    while let entry = readdir(directory) {
        // Read the name in place: copying `d_name` reads all 256 bytes, past the end of a short
        // record at the end of readdir's buffer (an ASan heap-buffer-overflow).
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
        }
        guard let fd = Int32(name), let local = port(getsockname, fd) else { continue }
        sockets.append((fd, local, port(getpeername, fd)))
    }
    return sockets
}
