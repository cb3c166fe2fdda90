import Foundation
import Testing
import AsyncWebSocket
import WebSocketCore
#if canImport(Glibc)
import Glibc
#endif

/// The accept loop against EMFILE: the built `wscat --listen 0 --echo` runs in a child process
/// under `prlimit --nofile=64:64` (the test process's own limit is never touched), and gets
/// twice that many connections.
@Suite(
    "Descriptor exhaustion",
    .enabled(if: wscatExecutable != nil, "no wscat binary next to the test bundle (build it with swift build): skipped"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "prlimit is not installed: skipped"),
    .timeLimit(.minutes(1)))
struct DescriptorExhaustionTests {
    static let limit = 64

    @Test("Out of descriptors, the server backs off without spinning and serves normally once they free up")
    func acceptSurvivesEMFILE() async throws {
        let wscatPath = try #require(wscatExecutable).path
        let server = try PeerProcess(
            name: "wscat", executable: URL(fileURLWithPath: "/usr/bin/prlimit"),
            arguments: ["--nofile=\(Self.limit):\(Self.limit)", wscatPath, "--listen", "0", "--echo"])
        defer { server.terminate() }
        let banner = try await server.line(startingWith: "listening on ws://127.0.0.1:")
        let port = try #require(Int(banner.prefix(while: \.isNumber)), "banner: \(banner)")
        let pid = server.pid   // prlimit execs wscat: same process

        // 2 × the limit: every connection completes in the kernel (the backlog is 511) and
        // sends an upgrade request; the server runs out of descriptors part way through.
        let request = Array((
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        for _ in 0 ..< 2 * Self.limit {
            let socket = try #require(connectBlocking(port: port))
            sockets.append(socket)
            _ = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        let exhausted = try await poll { descriptorCount(pid: pid) >= Self.limit - 1 }
        #expect(exhausted, "the server holds \(descriptorCount(pid: pid)) descriptors")

        // A one-second window with connections waiting that cannot be accepted: a spinning
        // accept loop would burn most of it; back-off costs a few wake-ups.
        let before = cpuSeconds(pid: pid)
        try await Task.sleep(for: .seconds(1))
        let used = cpuSeconds(pid: pid) - before
        #expect(used < 0.25, "the server used \(used) s of CPU in a 1 s back-off window")

        for socket in sockets { close(socket) }
        sockets = []
        let reply = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws -> Message? in
            try await ws.send(text: "after the storm")
            for await message in ws.messages { return message }
            return nil
        }
        #expect(reply == .text("after the storm"))
        #expect(server.stderrText.isEmpty, "stderr: \(server.stderrText)")
    }
}

/// A blocking TCP connection to 127.0.0.1:`port`.
private func connectBlocking(port: Int) -> Int32? {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard result == 0 else {
        close(socket)
        return nil
    }
    return socket
}

/// The number of open descriptors of process `pid`.
private func descriptorCount(pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
}

/// User plus system CPU time of process `pid`, from `/proc/PID/stat`.
private func cpuSeconds(pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let end = stat.lastIndex(of: ")")
    else { return 0 }
    // After "pid (comm)": state is field 3, utime 14, stime 15.
    let fields = stat[stat.index(after: end)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Polls `condition` until it holds or `timeout` passes.
private func poll(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
