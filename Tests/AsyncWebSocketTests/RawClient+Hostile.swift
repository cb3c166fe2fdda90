import WebSocketCore
import WebSocketIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a broken or hostile peer does to its socket.
extension RawClient {
    /// Vanishes: closes with `SO_LINGER` 0, so the kernel sends RST instead of FIN.
    func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(socket.descriptor.rawValue, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Reads events until `count` Pings have arrived (each answered by `nextEvent`), on this
    /// client's loop: the answers do not wait for a cooperative-pool thread, which the CPU-heavy
    /// suites running beside this one may hold for seconds.
    func answerPings(_ count: Int) async throws -> Int {
        var pings = 0
        while pings < count, let event = try await nextEvent() {
            if case .ping = event { pings += 1 }
        }
        return pings
    }

    /// Sends a text message and returns the first message that comes back.
    func echo(_ text: String) async throws -> Message? {
        try await sendFrame(.text, Array(text.utf8))
        while let event = try await nextEvent() {
            if case .message(let message) = event { return message }
        }
        return nil
    }

    /// Whether the server has closed (or reset) the connection, without waiting: reads and
    /// discards whatever is there.
    func peerHasClosed() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            do {
                switch try scratch.withUnsafeMutableBytes({ try socket.read(into: $0) }) {
                case .bytes: continue
                case .eof: return true
                case .wouldBlock: return false
                }
            } catch {
                return true
            }
        }
    }
}

/// The number of this process's descriptors that are TCP sockets whose local port is `port`,
/// listening sockets excluded: the server side of connections to a test's server.
///
/// Counts only sockets on the test's own port, so suites running in parallel in the same
/// process do not disturb it. Linux only (`/proc`); elsewhere returns 0.
func acceptedSocketCount(port: Int) -> Int {
    #if os(Linux)
    var inodes = Set<String>()
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in readLines(table).dropFirst() {
            let fields = line.split(separator: " ")
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":") else { continue }
            guard Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port, fields[3] != "0A" else { continue }
            inodes.insert(String(fields[9]))
        }
    }
    guard let directory = opendir("/proc/self/fd") else { return 0 }
    defer { closedir(directory) }
    var count = 0
    var target = [CChar](repeating: 0, count: 256)
    while let entry = readdir(directory) {
        // Read the name in place: copying `d_name` reads all 256 bytes, past the end of a short
        // record at the end of readdir's buffer (an ASan heap-buffer-overflow).
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
        }
        let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
        guard length > 0 else { continue }
        let link = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard link.hasPrefix("socket:["), link.hasSuffix("]") else { continue }
        if inodes.contains(String(link.dropFirst(8).dropLast())) { count += 1 }
    }
    return count
    #else
    return 0
    #endif
}

/// The lines of a (small) text file; empty if it cannot be read.
func readLines(_ path: String) -> [String] {
    guard let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 << 10)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// Event loops for the suites whose assertions involve deadlines of a second or so
/// (`KeepaliveTests`, `HostilePeerTests`), one group each, kept for the whole run.
///
/// On the shared loops, a test that masks 16 MiB in a debug build holds a loop for seconds and
/// every connection on it with it: a Pong could miss a 1 s deadline for reasons the test is not
/// about. Own loops still share the CPU, which the deadlines leave room for.
let keepaliveLoops = makeTestLoops()
let hostilePeerLoops = makeTestLoops()

private func makeTestLoops() -> EventLoopGroup {
    do {
        return try EventLoopGroup(loopCount: 2)
    } catch {
        fatalError("cannot start event loops for the tests: \(error)")
    }
}
