extension Connection {
    /// The limits and behaviours of one connection's protocol engine.
    public struct Configuration: Hashable, Sendable {
        /// The largest frame payload accepted, in bytes. Default 16 MiB.
        ///
        /// A frame that declares a larger length fails the connection with 1009 as soon as its
        /// header arrives, before any of its payload is buffered.
        public var maxFrameSize: Int
        /// The largest message accepted, all fragments together, in bytes. Default 16 MiB.
        ///
        /// Reassembly stops with 1009 as soon as the fragments received so far plus the next
        /// frame's declared length would exceed it, so memory per connection stays bounded by
        /// this value however many fragments a peer sends. Not applied when
        /// `deliversFragments` is on: the application then sees each frame as it arrives.
        public var maxMessageSize: Int
        /// Whether data frames are delivered one by one as `.fragment` events instead of
        /// being reassembled into `.message` events. Default `false`.
        public var deliversFragments: Bool
        /// Whether a Ping is answered with a Pong automatically (RFC 6455 §5.5.2). Default `true`.
        public var answersPings: Bool

        /// Creates a configuration; every parameter has the documented default.
        public init(
            maxFrameSize: Int = 16 << 20,
            maxMessageSize: Int = 16 << 20,
            deliversFragments: Bool = false,
            answersPings: Bool = true
        ) {
            self.maxFrameSize = maxFrameSize
            self.maxMessageSize = maxMessageSize
            self.deliversFragments = deliversFragments
            self.answersPings = answersPings
        }
    }

    /// Where the connection is in its life (RFC 6455 §7).
    public enum State: Hashable, Sendable {
        /// Messages flow both ways.
        case open
        /// We sent a Close frame and wait for the peer's; we still deliver what the peer sends.
        case closing
        /// The closing handshake is complete, failed, or the transport ended. Nothing more is
        /// sent or delivered; the owner closes the transport once the pending output is written.
        case closed
    }

    /// Something the peer did, as `nextEvent()` reports it.
    public enum Event: Hashable, Sendable {
        /// A complete text or binary message.
        case message(Message)
        /// One data frame of a message, when `deliversFragments` is on.
        case fragment(Fragment)
        /// A Ping with its payload. When `answersPings` is on the Pong is already queued.
        case ping([UInt8])
        /// A Pong with its payload.
        case pong([UInt8])
        /// The peer's Close frame. Our reply (if we had not sent a Close yet) is queued and the
        /// connection is now `.closed`.
        case closeReceived(CloseFrame)
        /// The peer broke the protocol or a limit. A Close frame with `violation.closeCode` is
        /// queued (unless we had already sent one) and the connection is now `.closed`.
        case failed(ProtocolViolation)
    }

    /// One data frame of a message, delivered when `deliversFragments` is on.
    public struct Fragment: Hashable, Sendable {
        /// `.text` or `.binary`: the kind of the message this frame belongs to.
        public var opcode: Opcode
        /// The frame's payload. Text fragments are validated, but may end mid-character.
        public var payload: [UInt8]
        /// Whether this frame ends the message.
        public var isFinal: Bool

        /// Creates a fragment.
        public init(opcode: Opcode, payload: [UInt8], isFinal: Bool) {
            self.opcode = opcode
            self.payload = payload
            self.isFinal = isFinal
        }
    }

    /// Why a command was refused. These are mistakes of the caller, not of the peer.
    public enum CommandError: Error, Hashable, Sendable {
        /// The connection is closing or closed, so no more data or pings may be sent.
        case notOpen
        /// A control frame payload (ping, pong) longer than 125 bytes.
        case controlPayloadTooLong(Int)
        /// A close reason longer than 123 UTF-8 bytes.
        case closeReasonTooLong(Int)
        /// A close code that may not be sent (1005, 1006, 1015, or outside the valid ranges).
        case invalidCloseCode(CloseCode)
        /// A continuation frame without a fragmented message started, or a new message started
        /// before the previous fragmented one finished.
        case fragmentOutOfOrder
    }
}
