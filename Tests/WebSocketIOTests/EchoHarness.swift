@testable import WebSocketIO

/// Accepts connections and echoes every byte back, through readiness callbacks only.
/// Loop thread only.
final class EchoServer: IOHandler {
    let loop: EventLoop
    let listener: TCPListener
    var registration: IORegistration?
    var connections: [ObjectIdentifier: EchoConnection] = [:]

    init(loop: EventLoop, listener: TCPListener) throws {
        self.loop = loop
        self.listener = listener
        registration = try loop.register(listener.descriptor, interest: .read, handler: self)
    }

    func ioEvent(_ events: IOEvents) {
        while case .accepted(let socket, _)? = try? listener.accept() {
            guard let connection = try? EchoConnection(loop: loop, socket: socket, server: self) else { continue }
            connections[ObjectIdentifier(connection)] = connection
        }
    }

    func stop() {
        if let registration { loop.deregister(registration) }
        registration = nil
        for connection in connections.values { connection.close() }
        connections.removeAll()
        listener.close()
    }
}

/// One echoed connection: reads, writes back what it read, stops reading while a write is
/// pending (backpressure), and closes after the peer's EOF once everything is echoed.
final class EchoConnection: IOHandler {
    let loop: EventLoop
    let socket: TCPSocket
    weak var server: EchoServer?
    var registration: IORegistration?
    var pending: [UInt8] = []
    var peerClosed = false
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    init(loop: EventLoop, socket: TCPSocket, server: EchoServer) throws {
        self.loop = loop
        self.socket = socket
        self.server = server
        registration = try loop.register(socket.descriptor, interest: .read, handler: self)
    }

    func ioEvent(_ events: IOEvents) {
        do {
            if !pending.isEmpty { try flush() }
            while pending.isEmpty, !peerClosed {
                let result = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
                switch result {
                case .bytes(let count):
                    pending.append(contentsOf: buffer[..<count])
                    try flush()
                case .eof:
                    peerClosed = true
                case .wouldBlock:
                    return
                }
            }
            if peerClosed, pending.isEmpty { close() }
        } catch {
            close()
        }
    }

    private func flush() throws {
        let result = try pending.withUnsafeBytes { try socket.write($0) }
        if case .written(let count) = result { pending.removeFirst(count) }
        try loop.setInterest(pending.isEmpty ? .read : .write, for: registration!)
    }

    func close() {
        if let registration { loop.deregister(registration) }
        registration = nil
        socket.close()
        server?.connections[ObjectIdentifier(self)] = nil
    }
}

/// Sends `payload`, shuts down writing, and collects everything until EOF. Loop thread only.
final class EchoClient: IOHandler {
    let loop: EventLoop
    let socket: TCPSocket
    let payload: [UInt8]
    var sent = 0
    var received: [UInt8] = []
    var registration: IORegistration?
    let done: CheckedContinuation<[UInt8], any Error>
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(loop: EventLoop, socket: TCPSocket, payload: [UInt8], done: CheckedContinuation<[UInt8], any Error>) throws {
        self.loop = loop
        self.socket = socket
        self.payload = payload
        self.done = done
        received.reserveCapacity(payload.count)
        registration = try loop.register(socket.descriptor, interest: [.read, .write], handler: self)
    }

    func ioEvent(_ events: IOEvents) {
        do {
            if events.contains(.writable) { try send() }
            while true {
                let result = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
                switch result {
                case .bytes(let count):
                    received.append(contentsOf: buffer[..<count])
                case .eof:
                    finish(.success(received))
                    return
                case .wouldBlock:
                    return
                }
            }
        } catch {
            finish(.failure(error))
        }
    }

    private func send() throws {
        while sent < payload.count {
            let result = try payload.withUnsafeBytes { raw in
                // Two slices in one vectored write, to exercise sendmsg.
                let rest = UnsafeRawBufferPointer(rebasing: raw[sent...])
                let half = rest.count / 2
                return try socket.write(vectored: [
                    UnsafeRawBufferPointer(rebasing: rest[..<half]),
                    UnsafeRawBufferPointer(rebasing: rest[half...]),
                ])
            }
            guard case .written(let count) = result else { return }
            sent += count
        }
        try socket.shutdownWrite()
        try loop.setInterest(.read, for: registration!)
    }

    private func finish(_ result: Result<[UInt8], any Error>) {
        if let registration { loop.deregister(registration) }
        registration = nil
        socket.close()
        done.resume(with: result)
    }
}

/// Echoes `payload` through a fresh server on `address` and returns what came back.
/// `listening` is told the address the server got (its real port when `address` has port 0).
func echo(
    _ payload: [UInt8], via address: SocketAddress, on loop: EventLoop, listening: (SocketAddress) -> Void = { _ in }
) async throws -> [UInt8] {
    let listener = try TCPListener(bindingTo: address)
    listening(listener.localAddress)
    let server = LoopLocal<EchoServer?>(nil)
    try await loop.run { server.value = try EchoServer(loop: loop, listener: listener) }
    defer { loop.execute { server.value?.stop() } }
    let socket = try await TCPSocket.connect(to: listener.localAddress, on: loop, timeout: .seconds(5))
    try socket.setNoDelay()
    return try await withCheckedThrowingContinuation { done in
        loop.execute {
            do {
                _ = try EchoClient(loop: loop, socket: socket, payload: payload, done: done)
            } catch {
                done.resume(throwing: error)
            }
        }
    }
}
