public import WebSocketCore
public import WebSocketIO

/// One WebSocket connection, client or server, as an actor on its event loop.
///
/// Inbound messages arrive through `messages`, an async sequence that ends when the connection
/// closes; `send` queues a message and suspends only while the outbound queue is above its
/// high-water mark. Any task may send; sends are serialised by the actor and keep their order.
///
/// ```swift
/// try await server.run { ws in                      // ws is isolated here: no hops
///     for await message in ws.messages {
///         try await ws.send(message)
///     }
/// }
/// ```
///
/// The actor runs on an `EventLoop` thread, the same one that watches its socket: reading,
/// decoding, the protocol state and writing happen there without locks. Handlers given to
/// `WebSocketServer.run` and `WebSocket.connect` are isolated to the connection, so iterating
/// `messages` and calling `send` inside them costs no executor switch.
///
/// A connection's life ends in one of three ways, after which `messages` finishes and
/// `closeCode`/`closeReason` are set: a closing handshake (either side starts it), a failure
/// (protocol violation, timeout, transport error), or `terminate()`.
public actor WebSocket {
    /// The event loop this connection runs on.
    public nonisolated let eventLoop: EventLoop
    /// The loop's executor: the actor runs on its event-loop thread, where its socket is watched.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.asUnownedSerialExecutor() }

    /// Whether this side is the client or the server.
    public nonisolated let role: Role
    /// The limits and timeouts in force.
    public nonisolated let configuration: WebSocketConfiguration
    /// The subprotocol both sides agreed on in the handshake, if any.
    public nonisolated let subprotocol: String?
    /// The upgrade request: what the client sent, as the server parsed it (or as the client
    /// sent it, on the client side).
    public nonisolated let request: HTTPRequestHead
    /// The server's 101 response.
    public nonisolated let response: HTTPResponseHead
    /// The peer's address.
    public nonisolated let remoteAddress: SocketAddress?

    /// The status code the connection closed with; `nil` while it is open.
    ///
    /// This is the code of the peer's Close frame (1005 if it had none); if the peer sent no
    /// Close frame, the code we closed with after a protocol violation or a timeout; otherwise
    /// 1006 (abnormal closure: the transport ended without a closing handshake).
    public internal(set) var closeCode: CloseCode?
    /// The reason that came with `closeCode`; empty when there was none.
    public internal(set) var closeReason: String = ""
    /// Why the connection failed, once it has; `nil` while it is open and after a clean closing
    /// handshake, `terminate()` or a server shutdown.
    ///
    /// The kind tells a dead peer (`.keepaliveTimeout`) from an idle one (`.idleTimeout`), a
    /// peer that broke the protocol (`.protocolViolation`), one that never finished the closing
    /// handshake (`.timedOut`) and a transport that ended without one (`.transport`).
    public internal(set) var closeError: WebSocketError?

    var connection: Connection
    let socket: TCPSocket
    /// The TLS layer for `wss://`; `nil` for `ws://` (bytes go straight to `socket`).
    let secure: (any SecureStream)?
    var registration: IORegistration?
    /// The loop's handle on this connection, which holds it strongly: `finish` lets go of it,
    /// else the two would keep each other alive. Created on first use because it refers to
    /// `self`; costs what a `lazy var` does.
    var callbacks: LoopCallbacks {
        if let loopCallbacks { return loopCallbacks }
        let created = LoopCallbacks(self)
        loopCallbacks = created
        return created
    }
    var loopCallbacks: LoopCallbacks?
    var interest: IOInterest = .read

    // Inbound
    var inbox = Inbox()
    var reader: UnsafeContinuation<Message?, Never>?
    var readingPaused = false

    // Outbound
    var flushScheduled = false
    /// The last write returned EAGAIN; we wait for writability.
    var writeBlocked = false
    var writers: [UnsafeContinuation<Void, any Error>] = []

    // Ping
    var pingCounter: UInt64 = 0
    var pings: [(payload: [UInt8], sent: ContinuousClock.Instant, continuation: UnsafeContinuation<Duration, any Error>)] = []

    // Observing (see WebSocket+ControlFrames.swift)
    var controlFrameObserver: (@Sendable (WebSocketControlFrame) -> Void)?

    // Keepalive and idle timeout (WebSocket+Keepalive.swift)
    var keepaliveTimer: TimerID?
    /// When bytes last arrived; a keepalive Ping goes out `pingInterval` after it.
    var lastReceived = ContinuousClock.now
    /// When a message last went either way (tracked only with an `idleTimeout`).
    var lastMessage = ContinuousClock.now
    /// When the unanswered keepalive Ping was sent.
    var keepalivePingSent: ContinuousClock.Instant?

    // Closing
    var transportClosed = false
    var closeTimer: TimerID?
    var closeWaiters: [UnsafeContinuation<Void, Never>] = []

    init(
        socket: TCPSocket, eventLoop: EventLoop, role: Role, configuration: WebSocketConfiguration,
        request: HTTPRequestHead, response: HTTPResponseHead, subprotocol: String?,
        remoteAddress: SocketAddress?, maskingKeys: (any RandomNumberGenerator & Sendable)?,
        extensions: [any ExtensionCodec] = [], secure: (any SecureStream)? = nil
    ) {
        self.socket = socket
        self.secure = secure
        self.eventLoop = eventLoop
        self.role = role
        self.configuration = configuration
        self.request = request
        self.response = response
        self.subprotocol = subprotocol
        self.remoteAddress = remoteAddress
        let protocolConfiguration = Connection.Configuration(
            maxFrameSize: configuration.maxFrameSize,
            maxMessageSize: configuration.maxMessageSize
        )
        self.connection = Connection(
            role: role, configuration: protocolConfiguration, maskingKeys: maskingKeys, extensions: extensions)
    }

    /// The messages received on this connection, in order; ends when the connection closes.
    public nonisolated var messages: WebSocketMessages { WebSocketMessages(socket: self) }

    /// Whether the connection still accepts `send` (it is open: no Close frame sent or received).
    public var isOpen: Bool { connection.state == .open && !transportClosed }

    /// Bytes received and held for the application: messages waiting in `messages` plus what
    /// the protocol engine holds (unparsed input, a partial frame, a partial message).
    ///
    /// Bounded by `inboundBufferBytes + maxMessageSize` plus one socket read.
    public var bufferedInboundBytes: Int { inbox.byteCount + connection.bufferedInboundByteCount }

    /// Bytes queued for the socket and not yet written.
    public var bufferedOutboundBytes: Int { connection.pendingOutputCount }
}
