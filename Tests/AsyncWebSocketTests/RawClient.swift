import AsyncWebSocket
import WebSocketCore
import WebSocketIO

/// A client with no policy of its own, for tests that must break the protocol or control
/// exactly what goes on the wire.
///
/// It speaks over a plain `TCPSocket` on an event loop. Bytes and frames go out exactly as
/// given (`send`, `sendFrame`); what comes back is decoded by a client-role `Connection`
/// (`nextEvent`), which also answers pings and echoes a Close. Every wait is bounded by
/// `timeout`.
actor RawClient: IOHandler {
    nonisolated let loop: EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }
    let socket: TCPSocket
    /// The protocol engine that encodes our well-formed frames and decodes the server's.
    var connection = Connection(role: .client, maskingKeys: SystemRandomNumberGenerator())
    /// The server's answer to the upgrade request, after `handshake`.
    private(set) var response: HTTPResponseHead?
    private(set) var sawEndOfStream = false

    private let timeout: Duration
    private var registration: IORegistration?
    private var waiter: UnsafeContinuation<Void, any Error>?
    private var timer: TimerID?
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)

    struct Failure: Error { let reason: String; init(_ reason: String) { self.reason = reason } }

    private init(socket: TCPSocket, loop: EventLoop, timeout: Duration) {
        self.socket = socket
        self.loop = loop
        self.timeout = timeout
    }

    /// Opens a TCP connection to 127.0.0.1:`port` (no handshake yet).
    static func open(port: Int, timeout: Duration = .seconds(20), group: EventLoopGroup = .shared) async throws -> RawClient {
        let loop = group.next()
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let socket = try await TCPSocket.connect(to: address, on: loop, timeout: timeout)
        let client = RawClient(socket: socket, loop: loop, timeout: timeout)
        try await client.register()
        return client
    }

    /// Opens a connection and completes the opening handshake; throws unless the answer is a
    /// valid 101.
    static func connect(
        port: Int, path: String = "/", subprotocols: [String] = [], timeout: Duration = .seconds(20),
        group: EventLoopGroup = .shared
    ) async throws -> RawClient {
        let client = try await open(port: port, timeout: timeout, group: group)
        try await client.handshake(path: path, subprotocols: subprotocols)
        return client
    }

    private func register() throws {
        registration = try loop.register(socket.descriptor, interest: [], handler: self)
    }

    func handshake(path: String, subprotocols: [String]) async throws {
        let handshake = ClientHandshake(
            host: "127.0.0.1", path: path, keyBytes: Array(repeating: 7, count: 16), subprotocols: subprotocols)
        try await send(handshake.request.serialized())
        let (head, remainder) = try await readHead()
        _ = try handshake.validate(head)
        response = head
        connection.receive(remainder)
    }

    /// Reads one HTTP response head; returns it with the bytes that followed it.
    func readHead() async throws -> (HTTPResponseHead, [UInt8]) {
        var parser = HTTPHeadParser<HTTPResponseHead>()
        while true {
            guard let bytes = try await readSome() else { throw Failure("connection closed") }
            if let head = try parser.append(bytes) { return (head, parser.remainder) }
        }
    }

    // MARK: Writing

    /// Writes all of `bytes`, waiting for writability as needed.
    func send(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let result = try bytes.withUnsafeBytes { try socket.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch result {
            case .written(let count): offset += count
            case .wouldBlock: try await waitFor(.write)
            }
        }
    }

    /// Sends one frame exactly as described: masked with a random key unless `masked` is
    /// false, with whatever opcode, payload and FIN bit, valid or not.
    func sendFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) async throws {
        let key = masked ? MaskingKey(networkOrder: UInt32.random(in: .min ... .max)) : nil
        try await send(FrameEncoder.encode(Frame(opcode: opcode, payload: payload, fin: fin), maskingKey: key))
    }

    /// Writes whatever the engine queued (pongs, the Close echo).
    func flush() async throws {
        let bytes = connection.takeOutput()
        if !bytes.isEmpty { try await send(bytes) }
    }

    // MARK: Reading

    /// The next bytes from the socket; `nil` at EOF (or after a reset).
    func readSome() async throws -> [UInt8]? {
        while true {
            let result: ReadResult
            do {
                result = try scratch.withUnsafeMutableBytes { try socket.read(into: $0) }
            } catch {
                sawEndOfStream = true
                return nil
            }
            switch result {
            case .bytes(let count): return Array(scratch[..<count])
            case .eof:
                sawEndOfStream = true
                return nil
            case .wouldBlock: try await waitFor(.read)
            }
        }
    }

    /// The next event from the server; `nil` once the stream ended. Answers pings and the
    /// server's Close as a client should.
    func nextEvent() async throws -> Connection.Event? {
        while true {
            if let event = connection.nextEvent() {
                try? await flush()
                return event
            }
            guard !sawEndOfStream, connection.state != .closed || connection.closeFrameReceived == nil else {
                return nil
            }
            if let bytes = try await readSome() {
                connection.receive(bytes)
            } else {
                connection.receiveEndOfStream()
            }
        }
    }

    /// Reads events until the server's Close frame; returns it (`nil` if the stream ended
    /// without one).
    func readCloseFrame() async throws -> CloseFrame? {
        while let event = try await nextEvent() {
            if case .closeReceived(let frame) = event { return frame }
        }
        return nil
    }

    /// Reads until EOF; returns everything read.
    func readToEnd() async throws -> [UInt8] {
        var all: [UInt8] = []
        while let bytes = try await readSome() { all += bytes }
        return all
    }

    func close() {
        if let timer { loop.cancelTimer(timer) }
        timer = nil
        if let registration { loop.deregister(registration) }
        registration = nil
        socket.close()
        wake(throwing: Failure("connection closed"))
    }

    // MARK: Readiness

    nonisolated func ioEvent(_ events: IOEvents) {
        assumeIsolated { $0.wake(throwing: nil) }
    }

    private func waitFor(_ interest: IOInterest) async throws {
        guard let registration else { throw Failure("connection closed") }
        try loop.setInterest(interest, for: registration)
        timer = loop.scheduleTimer(after: timeout) { [self] in
            assumeIsolated { client in
                client.timer = nil
                client.wake(throwing: Failure("timed out"))
            }
        }
        try await withUnsafeThrowingContinuation { waiter = $0 }
    }

    private func wake(throwing error: (any Error)?) {
        guard let waiter else { return }
        self.waiter = nil
        if let timer { loop.cancelTimer(timer) }
        timer = nil
        if let registration { try? loop.setInterest([], for: registration) }
        if let error { waiter.resume(throwing: error) } else { waiter.resume() }
    }
}
