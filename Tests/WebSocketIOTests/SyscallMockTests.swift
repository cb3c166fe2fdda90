#if DEBUG
import Testing
@testable import WebSocketIO

extension WebSocketIOTests {
    @Suite("The system call seam under forced errors")
    struct SyscallMockTests {
        /// What a read or write should do after the forced errnos.
        enum Outcome: Sendable, CustomStringConvertible {
            case succeeds, wouldBlock, fails(Errno)
            var description: String {
                switch self {
                case .succeeds: "succeeds"
                case .wouldBlock: "would block"
                case .fails(let error): "throws \(error)"
                }
            }
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var call: Syscall
            var forced: [Errno]
            var outcome: Outcome
            var testDescription: String { "\(call) forced \(forced.map(\.rawValue)) \(outcome)" }
        }

        static let cases: [Case] = [
            Case(call: .read, forced: [.interrupted, .interrupted], outcome: .succeeds),
            Case(call: .read, forced: [.wouldBlock], outcome: .wouldBlock),
            Case(call: .read, forced: [.connectionReset], outcome: .fails(.connectionReset)),
            Case(call: .send, forced: [.interrupted], outcome: .succeeds),
            Case(call: .send, forced: [.wouldBlock], outcome: .wouldBlock),
            Case(call: .send, forced: [.connectionReset], outcome: .fails(.connectionReset)),
            Case(call: .sendmsg, forced: [.interrupted, .interrupted, .interrupted], outcome: .succeeds),
            Case(call: .sendmsg, forced: [.wouldBlock], outcome: .wouldBlock),
            Case(call: .sendmsg, forced: [.brokenPipe], outcome: .fails(.brokenPipe)),
        ]

        @Test("EINTR is retried, EAGAIN would block, other errnos throw", arguments: cases)
        func forcedErrors(_ testCase: Case) throws {
            let (a, b) = try TCPSocket.makePair()
            let hello: [UInt8] = Array("hello".utf8)
            _ = try hello.withUnsafeBytes { try b.write($0) }
            let target = testCase.call == .read ? a : b
            SyscallMock.force(testCase.forced, on: testCase.call, descriptor: target.descriptor.rawValue)
            defer { SyscallMock.reset(descriptor: target.descriptor.rawValue) }

            var buffer = [UInt8](repeating: 0, count: 16)
            let perform: () throws -> Bool = {
                switch testCase.call {
                case .read:
                    let result = try buffer.withUnsafeMutableBytes { raw in try a.read(into: raw) }
                    return result == .bytes(5)
                case .send:
                    return try hello.withUnsafeBytes { raw in try b.write(raw) } == .written(5)
                default:
                    let result = try hello.withUnsafeBytes { raw in
                        try b.write(vectored: [UnsafeRawBufferPointer(rebasing: raw[..<2]),
                                               UnsafeRawBufferPointer(rebasing: raw[2...])])
                    }
                    return result == .written(5)
                }
            }
            switch testCase.outcome {
            case .succeeds:
                #expect(try perform())
            case .wouldBlock:
                #expect(try !perform())
                #expect(try perform())   // the forced EAGAIN is used up; the real call works
            case .fails(let error):
                #expect(throws: error) { _ = try perform() }
            }
            #expect(SyscallMock.remaining(testCase.call, descriptor: target.descriptor.rawValue) == 0)
        }

        @Test("accept reports EMFILE as resource exhaustion and keeps listening")
        func acceptExhaustion() async throws {
            let listener = try TCPListener(bindingTo: SocketAddress(ipAddress: "127.0.0.1", port: 0))
            try await withLoop { loop in
                let client = try await TCPSocket.connect(to: listener.localAddress, on: loop)
                SyscallMock.force([.tooManyOpenFiles, .interrupted], on: .accept, descriptor: listener.descriptor.rawValue)
                defer { SyscallMock.reset(descriptor: listener.descriptor.rawValue) }
                do {
                    _ = try listener.accept()
                    Issue.record("accept should have failed")
                } catch let error as Errno {
                    #expect(error == .tooManyOpenFiles)
                    #expect(error.isResourceExhaustion)
                }
                var accepted = false
                while !accepted {   // EINTR retried, then the queued connection
                    if case .accepted = try listener.accept() { accepted = true }
                }
                client.close()
            }
        }

        /// Reads from a readiness callback and records each result.
        final class Reader: IOHandler {
            let loop: EventLoop
            let socket: TCPSocket
            var registration: IORegistration?
            var results: [ReadResult] = []
            let done: CheckedContinuation<[ReadResult], Never>

            init(loop: EventLoop, socket: TCPSocket, done: CheckedContinuation<[ReadResult], Never>) throws {
                self.loop = loop
                self.socket = socket
                self.done = done
                registration = try loop.register(socket.descriptor, interest: .read, handler: self)
            }

            func ioEvent(_ events: IOEvents) {
                var buffer = [UInt8](repeating: 0, count: 16)
                let result = (try? buffer.withUnsafeMutableBytes { try socket.read(into: $0) }) ?? .eof
                results.append(result)
                if case .bytes = result {
                    loop.deregister(registration!)
                    done.resume(returning: results)
                }
            }
        }

        @Test("A reader that gets EAGAIN stays registered and reads on the next readiness")
        func eagainParks() async throws {
            try await withLoop { loop in
                let (a, b) = try TCPSocket.makePair()
                SyscallMock.force([.wouldBlock], on: .read, descriptor: a.descriptor.rawValue)
                defer { SyscallMock.reset(descriptor: a.descriptor.rawValue) }
                let hello: [UInt8] = Array("hello".utf8)
                _ = try hello.withUnsafeBytes { try b.write($0) }
                let results: [ReadResult] = await withCheckedContinuation { done in
                    loop.execute { _ = try? Reader(loop: loop, socket: a, done: done) }
                }
                #expect(results == [.wouldBlock, .bytes(5)])
            }
        }
    }
}
#endif
