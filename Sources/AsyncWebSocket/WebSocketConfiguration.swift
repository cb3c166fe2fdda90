/// Every limit and timeout of a WebSocket connection, with defaults chosen for a public server.
///
/// ```swift
/// var configuration = WebSocketConfiguration()
/// configuration.maxMessageSize = 1 << 20           // 1 MiB messages are plenty for chat
/// configuration.closeTimeout = .seconds(2)
/// let server = try await WebSocketServer.bind(host: "0.0.0.0", port: 8080, configuration: configuration)
/// ```
public struct WebSocketConfiguration: Hashable, Sendable {
    /// The largest frame payload accepted. Default 16 MiB.
    ///
    /// A larger frame fails the connection with 1009 as soon as its header arrives.
    public var maxFrameSize: Int = 16 << 20
    /// The largest message accepted, fragments together. Default 16 MiB.
    ///
    /// Reassembly stops with 1009 once the fragments so far plus the next frame's length would
    /// exceed it, so each connection holds at most this much of a partial message.
    public var maxMessageSize: Int = 16 << 20

    /// How many received messages may wait for the application before the connection stops
    /// reading its socket. Default 16.
    ///
    /// When either this or `inboundBufferBytes` is reached, the connection stops reading and
    /// TCP's window pushes back on the peer; it reads again when the application has taken
    /// messages. One message is always accepted, however large, so the total held is at most
    /// `inboundBufferBytes` + `maxMessageSize` + one socket read.
    public var inboundBufferMessages: Int = 16
    /// How many bytes of received messages may wait for the application before the connection
    /// stops reading its socket. Default 1 MiB.
    public var inboundBufferBytes: Int = 1 << 20

    /// `send` suspends while more than this many bytes wait to be written. Default 1 MiB.
    public var outboundHighWaterMark: Int = 1 << 20
    /// Suspended senders resume when the queue falls to this many bytes. Default 256 KiB.
    public var outboundLowWaterMark: Int = 256 << 10

    /// How long the opening handshake may take, from TCP accept (or connect) to the 101.
    /// Default 10 s; it also bounds a slow-loris client that dribbles its request.
    public var handshakeTimeout: Duration = .seconds(10)
    /// How long `close` waits for the peer's Close frame (and a client for the server's TCP
    /// close) before closing the transport anyway. Default 10 s.
    public var closeTimeout: Duration = .seconds(10)
    /// How long a client waits for the TCP connection. Default 10 s.
    public var connectTimeout: Duration = .seconds(10)

    /// How long a connection may go without receiving anything before it sends a keepalive
    /// Ping; `nil` turns keepalive off. Default 30 s, for both roles.
    ///
    /// Detects a peer that vanished without closing TCP (pulled cable, crashed host, a NAT that
    /// dropped the mapping): such a connection would otherwise stay open forever. The Ping is
    /// sent only after `pingInterval` of inbound silence, so busy connections never send one.
    /// 30 s is below the idle timeouts of common NATs and load balancers (60 s and more).
    public var pingInterval: Duration? = .seconds(30)
    /// How long the peer has to answer a keepalive Ping with a Pong. Default 20 s.
    ///
    /// Without a Pong in time the connection is presumed dead: a Close 1011 "keepalive ping
    /// timeout" is written if the socket takes it, the transport is closed at once (no closing
    /// handshake with a dead peer), `closeCode` becomes 1006 and `closeError.kind` is
    /// `.keepaliveTimeout`. A dead peer is detected within `pingInterval + pongTimeout`.
    public var pongTimeout: Duration = .seconds(20)
    /// How long a connection may carry no message (no data frame received or sent) before it is
    /// closed with 1001 "idle timeout"; `nil` (the default) never closes idle connections.
    ///
    /// Pings and Pongs do not count as activity, so keepalive does not keep an idle connection
    /// open. `closeError.kind` is `.idleTimeout` afterwards.
    public var idleTimeout: Duration? = nil

    /// The most connections a server serves at once, handshakes in progress included. Default
    /// 10,000.
    ///
    /// A connection accepted over the limit is answered with 503 Service Unavailable and closed;
    /// the server keeps serving the others. Each connection costs a descriptor and, idle, some
    /// kilobytes of memory: raise the limit together with `RLIMIT_NOFILE`.
    public var maxConnections: Int = 10_000

    /// The largest HTTP request or response head accepted during the handshake. Default 16 KiB
    /// (a larger request gets 431).
    public var maxHandshakeHeadSize: Int = 16 << 10
    /// The most header lines accepted in a handshake head. Default 100 (more gets 431).
    public var maxHandshakeHeaderCount: Int = 100

    /// permessage-deflate (RFC 7692): off on a server, offered by a client. See ``Compression``.
    public var compression: Compression = .automatic

    /// Creates the default configuration.
    public init() {}
}
