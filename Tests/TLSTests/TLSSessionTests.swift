import TestPKI
import Foundation
import Testing
import WebSocketIO
import WebSocketTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parent of every suite in this target; serialized because tests count open descriptors.
@Suite(.serialized) struct TLSTests {}

/// A mutable box that only one loop thread touches at a time.
final class LoopBox<Value>: @unchecked Sendable {
    // @unchecked Sendable. Invariant: `value` is used only on one event loop's thread.
    var value: Value
    init(_ value: Value) { self.value = value }
}

extension EventLoop {
    /// Runs `body` on the loop thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            execute { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Open descriptors of this process (/proc/self/fd less the listing's own).
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = -3 // ".", "..", and the directory's own descriptor
    while readdir(directory) != nil { count += 1 }
    return count
}

/// Reads or writes `count` bytes through a session, waiting on the loop for readiness.
final class SessionPump: IOHandler, @unchecked Sendable {
    // @unchecked Sendable. Invariant: everything is used on `loop`'s thread only.
    let session: TLSSession
    let loop: EventLoop
    var registration: IORegistration?
    var wake: (() -> Void)?

    init(session: TLSSession, loop: EventLoop) {
        self.session = session
        self.loop = loop
    }

    func ioEvent(_ events: IOEvents) {
        let wake = self.wake
        self.wake = nil
        wake?()
    }

    func wait(_ interest: IOInterest, then body: @escaping () -> Void) throws {
        if registration == nil {
            registration = try loop.register(session.socket.descriptor, interest: interest, handler: self)
        } else {
            try loop.setInterest(interest, for: registration!)
        }
        wake = body
    }

    func stop() {
        if let registration { loop.deregister(registration) }
        registration = nil
    }
}

extension TLSTests {
    @Suite("TLSSession over loopback") struct SessionTests {
        func pair(
            server: TLSServerConfiguration, client: TLSClientConfiguration, serverName: String = "localhost"
        ) throws -> (TLSSession, TLSSession) {
            let (a, b) = try TCPSocket.makePair()
            let serverSession = try TLSSession(context: TLSContext(server: server), socket: a)
            let clientSession = try TLSSession(context: TLSContext(client: client), socket: b, serverName: serverName)
            return (serverSession, clientSession)
        }

        func configurations(_ pki: TestPKI, leaf: String = "server") -> (TLSServerConfiguration, TLSClientConfiguration) {
            var client = TLSClientConfiguration()
            client.trustRoots = .certificates(.file(pki.path("ca.pem")))
            return (TLSServerConfiguration(certificateChain: .file(pki.path("\(leaf).pem")),
                                           privateKey: .file(pki.path("\(leaf).key"))), client)
        }

        /// A server and a client session over a socket pair, with the handshake done on `loop`.
        func connectedPair(_ pki: TestPKI, on loop: EventLoop) async throws -> (server: TLSSession, client: TLSSession) {
            let (serverConfiguration, clientConfiguration) = configurations(pki)
            let (server, client) = try pair(server: serverConfiguration, client: clientConfiguration)
            async let serverDone: Void = server.handshake(on: loop)
            try await client.handshake(on: loop)
            try await serverDone
            return (server, client)
        }

        /// Sends `payload` one way and reads it back on the other side, driven by the loop.
        func transfer(_ payload: [UInt8], from writer: TLSSession, to reader: TLSSession, on loop: EventLoop) async throws -> [UInt8] {
            let writePump = SessionPump(session: writer, loop: loop)
            let readPump = SessionPump(session: reader, loop: loop)
            let received = LoopBox<[UInt8]>([])
            let written = LoopBox(0)
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                loop.execute {
                    var finished = false
                    func fail(_ error: any Error) {
                        guard !finished else { return }
                        finished = true
                        writePump.stop(); readPump.stop()
                        continuation.resume(throwing: error)
                    }
                    func write() {
                        do {
                            while written.value < payload.count {
                                let result = try payload.withUnsafeBytes {
                                    try writer.write(UnsafeRawBufferPointer(rebasing: $0[written.value...]))
                                }
                                switch result {
                                case .written(let count): written.value += count
                                case .wouldBlock: try writePump.wait(writer.blockedOn, then: write); return
                                }
                            }
                        } catch { fail(error) }
                    }
                    func read() {
                        var buffer = [UInt8](repeating: 0, count: 65536)
                        do {
                            while received.value.count < payload.count {
                                let result = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
                                switch result {
                                case .bytes(let count): received.value += buffer[..<count]
                                case .eof: throw TLSError(.transport, "early EOF")
                                case .wouldBlock: try readPump.wait(reader.blockedOn, then: read); return
                                }
                            }
                            guard !finished else { return }
                            finished = true
                            writePump.stop(); readPump.stop()
                            continuation.resume(returning: received.value)
                        } catch { fail(error) }
                    }
                    write()
                    read()
                }
            }
        }

        @Test("handshake, ALPN http/1.1, data both ways (1 B to 1 MiB), close_notify read as EOF")
        func roundTrip() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            let loop = try EventLoop()
            defer { loop.shutdown() }
            let (server, client) = try await connectedPair(pki, on: loop)
            #expect(client.negotiatedALPN == "http/1.1")
            #expect(server.negotiatedALPN == "http/1.1")
            #expect(client.protocolVersion == "TLSv1.3")
            // AES-128-GCM is preferred over OpenSSL's default AES-256-GCM (the cipher dominates
            // wss's cost).
            #expect(client.cipherSuite == "TLS_AES_128_GCM_SHA256")
            #expect(server.cipherSuite == "TLS_AES_128_GCM_SHA256")
            for size in [1, 125, 16_384, 65_536, 1 << 20] {
                let payload = (0 ..< size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                #expect(try await transfer(payload, from: client, to: server, on: loop) == payload)
                #expect(try await transfer(payload, from: server, to: client, on: loop) == payload)
            }
            try await loop.run {
                client.shutdown()
                var buffer = [UInt8](repeating: 0, count: 64)
                // The close_notify is on the wire (socketpair): the server reads EOF.
                let result = try buffer.withUnsafeMutableBytes { try server.read(into: $0) }
                #expect(result == .eof)
            }
        }

        @Test("data and close_notify that arrive together: the bytes, then EOF at once, announced by hasBufferedInput")
        func closeNotifyWithData() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            let loop = try EventLoop()
            defer { loop.shutdown() }
            let (server, client) = try await connectedPair(pki, on: loop)
            // Prime the client's read side past the TLS 1.3 session tickets.
            #expect(try await transfer(Array("ping".utf8), from: server, to: client, on: loop) == Array("ping".utf8))
            try await loop.run {
                // A record and the close_notify, both on the wire (socketpair) before the client
                // reads: one read meets both, as when a peer sends its Close frame and its TLS
                // close together.
                let payload = Array("last words".utf8)
                _ = try payload.withUnsafeBytes { try server.write($0) }
                server.shutdown()
                var buffer = [UInt8](repeating: 0, count: 4096)
                let first = try buffer.withUnsafeMutableBytes { try client.read(into: $0) }
                #expect(first == .bytes(payload.count))
                #expect(Array(buffer[..<payload.count]) == payload)
                // No readiness will come for what is already consumed: the session says so.
                #expect(client.hasBufferedInput)
                let second = try buffer.withUnsafeMutableBytes { try client.read(into: $0) }
                #expect(second == .eof)
                #expect(!client.hasBufferedInput)
            }
        }

        @Test("certificates and keys from memory; a client certificate the server requires")
        func memoryAndClientCertificate() async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            let loop = try EventLoop()
            defer { loop.shutdown() }
            func bytes(_ name: String) throws -> PEMSource {
                .bytes(Array(try String(contentsOfFile: pki.path(name), encoding: .utf8).utf8))
            }
            let server = TLSServerConfiguration(
                certificateChain: try bytes("server.pem"), privateKey: try bytes("server.key"),
                clientCertificateTrustRoots: try bytes("ca.pem"))
            var client = TLSClientConfiguration()
            client.trustRoots = .certificates(try bytes("ca.pem"))
            // Without a client certificate the server refuses.
            do {
                let (s, c) = try pair(server: server, client: client, serverName: "127.0.0.1")
                let serverTask = Task { try await s.handshake(on: loop) }
                // TLS 1.3: the client may finish before the server checks its (missing) certificate.
                _ = try? await c.handshake(on: loop)
                await #expect(throws: TLSError.self) { try await serverTask.value }
            }
            client.certificateChain = try bytes("client.pem")
            client.privateKey = try bytes("client.key")
            let (s, c) = try pair(server: server, client: client, serverName: "127.0.0.1")
            async let serverDone: Void = s.handshake(on: loop)
            try await c.handshake(on: loop)
            try await serverDone
            #expect(try await transfer(Array("hello".utf8), from: c, to: s, on: loop) == Array("hello".utf8))
        }

        @Test("verification failures name the reason", arguments: [
            ("untrusted", "localhost", TLSError.Kind.certificateVerificationFailed, "unable to get local issuer"),
            ("expired", "localhost", .certificateVerificationFailed, "certificate has expired"),
            ("other-host", "localhost", .hostnameMismatch, "hostname mismatch"),
            ("server", "10.1.2.3", .hostnameMismatch, "IP address mismatch"),
        ])
        func verificationFailure(leaf: String, name: String, kind: TLSError.Kind, reason: String) async throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            let loop = try EventLoop()
            defer { loop.shutdown() }
            let (serverConfiguration, clientConfiguration) = configurations(pki, leaf: leaf)
            let (server, client) = try pair(server: serverConfiguration, client: clientConfiguration, serverName: name)
            async let serverDone: Void = server.handshake(on: loop)
            do {
                try await client.handshake(on: loop)
                Issue.record("the handshake succeeded")
            } catch let error as TLSError {
                #expect(error.kind == kind, "\(error)")
                #expect(error.message.contains(reason), "\(error)")
            }
            _ = try? await serverDone
            // Verification off: the same certificate is accepted.
            let (server2, client2) = try pair(
                server: serverConfiguration, client: .insecureNoVerificationForTestingOnly, serverName: name)
            async let serverDone2: Void = server2.handshake(on: loop)
            try await client2.handshake(on: loop)
            try await serverDone2
        }

        @Test("a missing file or a key that does not match is a configuration error")
        func configurationErrors() throws {
            guard let pki = TestPKI.shared else { print(TestPKI.unavailableReason ?? ""); return }
            #expect(throws: TLSError.self) {
                _ = try TLSContext(server: TLSServerConfiguration(
                    certificateChain: .file(pki.path("missing.pem")), privateKey: .file(pki.path("server.key"))))
            }
            #expect(throws: TLSError.self) {
                _ = try TLSContext(server: TLSServerConfiguration(
                    certificateChain: .file(pki.path("server.pem")), privateKey: .file(pki.path("client.key"))))
            }
        }
    }
}
