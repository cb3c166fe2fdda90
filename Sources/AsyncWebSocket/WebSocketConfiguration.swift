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
