import Testing
@testable import WebSocketIO

extension WebSocketIOTests {
    @Suite("TCPListener and TCPSocket over loopback")
    struct TCPTests {
        static let mebibyte: [UInt8] = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

        @Test("1 MiB echoes through readiness callbacks over 127.0.0.1, and EOF is seen")
        func echoIPv4() async throws {
            try await withLoop { loop in
                let address = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
                let received = try await echo(Self.mebibyte, via: address, on: loop)
                #expect(received.count == Self.mebibyte.count)
                #expect(received == Self.mebibyte)
            }
        }

        @Test("1 MiB echoes over [::1]", .enabled(if: ipv6Available, "IPv6 loopback is unavailable"))
        func echoIPv6() async throws {
            try await withLoop { loop in
                let address = try SocketAddress(ipAddress: "::1", port: 0)
                let received = try await echo(Self.mebibyte, via: address, on: loop)
                #expect(received == Self.mebibyte)
            }
        }

        @Test("A listener on port 0 reports the ephemeral port it got")
        func ephemeralPort() throws {
            let listener = try TCPListener(bindingTo: SocketAddress(ipAddress: "127.0.0.1", port: 0))
            #expect(listener.localAddress.port != 0)
            #expect(listener.localAddress.ipAddress == "127.0.0.1")
            #expect(try listener.accept().isWouldBlock)
        }

        @Test("Accepted and connected sockets agree on their addresses")
        func addresses() async throws {
            try await withLoop { loop in
                let listener = try TCPListener(bindingTo: SocketAddress(ipAddress: "127.0.0.1", port: 0))
                let client = try await TCPSocket.connect(to: listener.localAddress, on: loop)
                var accepted: (TCPSocket, SocketAddress)?
                while accepted == nil {   // loopback: the connection is queued already
                    if case .accepted(let socket, let peer) = try listener.accept() { accepted = (socket, peer) }
                }
                let (server, peer) = accepted!
                #expect(try client.peerAddress() == listener.localAddress)
                #expect(try client.localAddress() == peer)
                #expect(try server.peerAddress() == peer)
            }
        }

        @Test("Connecting to a closed port fails with ECONNREFUSED")
        func connectionRefused() async throws {
            try await withLoop { loop in
                let listener = try TCPListener(bindingTo: SocketAddress(ipAddress: "127.0.0.1", port: 0))
                let address = listener.localAddress
                listener.close()
                let start = ContinuousClock.now
                await #expect(throws: Errno.connectionRefused) {
                    _ = try await TCPSocket.connect(to: address, on: loop, timeout: .seconds(60))
                }
                // Reported, not timed out: far inside the 60 s timeout (loose, so load cannot fail it).
                #expect(ContinuousClock.now - start < .seconds(30))
            }
        }

        @Test("Writing to a socket whose peer closed fails with EPIPE, not SIGPIPE")
        func noSigpipe() throws {
            let (a, b) = try TCPSocket.makePair()
            b.close()
            let bytes = [UInt8](repeating: 1, count: 16)
            #expect(throws: Errno.brokenPipe) { _ = try bytes.withUnsafeBytes { try a.write($0) } }
        }

        @Test("A read after the peer shut down writing reports EOF; close is idempotent")
        func eofAndClose() throws {
            let (a, b) = try TCPSocket.makePair()
            try b.shutdownWrite()
            var buffer = [UInt8](repeating: 0, count: 8)
            #expect(try buffer.withUnsafeMutableBytes { try a.read(into: $0) } == .eof)
            a.close()
            a.close()
            #expect(a.isClosed)
            #expect(throws: Errno.badFileDescriptor) { _ = try buffer.withUnsafeMutableBytes { try a.read(into: $0) } }
        }

        @Test("100 connections opened and closed leak no descriptors")
        func noDescriptorLeak() async throws {
            try await withLoop { loop in
                // Sockets open before the test are not its leaks, even if an ephemeral port repeats.
                let before = Set(openSocketPorts().map { "\($0.descriptor) \($0.local) \($0.peer ?? 0)" })
                var ports = Set<Int>()
                for _ in 0..<100 {
                    let payload: [UInt8] = [1, 2, 3, 4]
                    let address = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
                    #expect(try await echo(payload, via: address, on: loop, listening: { ports.insert($0.port) }) == payload)
                }
                // The server's stop runs on the loop after `echo` returns; let it finish.
                _ = try await loop.run { 0 }
                // Only this test's sockets: a listener or accepted socket on one of its ports, or a
                // client connected to one. (Not the process's descriptor count: other test targets
                // run in the same process at the same time and open and close descriptors.)
                let leaked = openSocketPorts().filter { socket in
                    !before.contains("\(socket.descriptor) \(socket.local) \(socket.peer ?? 0)")
                        && (ports.contains(socket.local) || socket.peer.map(ports.contains) == true)
                }
                #expect(leaked.isEmpty, "still open: \(leaked)")
            }
        }
    }
}

extension TCPListener.AcceptResult {
    var isWouldBlock: Bool {
        if case .wouldBlock = self { true } else { false }
    }
}
