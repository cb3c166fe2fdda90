public import WebSocketCore

/// The messages a `WebSocket` receives, in order, as an async sequence.
///
/// The sequence ends (returns `nil`) when the connection closes, cleanly or not; read
/// `closeCode` and `closeReason` on the socket afterwards. It has one consumer: iterate it from
/// one task at a time. Messages that wait in it are bounded by the configuration's inbound
/// buffer; while it is full the connection stops reading its socket.
///
/// ```swift
/// for await message in ws.messages {
///     try await ws.send(message)        // echo
/// }
/// print("closed with", await ws.closeCode ?? .abnormalClosure)
/// ```
///
/// Cancelling the task that iterates ends the iteration and closes the connection with 1001.
public struct WebSocketMessages: AsyncSequence, Sendable {
    /// Each element is one complete text or binary message.
    public typealias Element = Message
    /// Iteration never throws: the sequence just ends when the connection closes.
    public typealias Failure = Never

    let socket: WebSocket

    /// An iterator; only one may be in use at a time.
    public func makeAsyncIterator() -> Iterator { Iterator(socket: socket) }

    /// Takes messages from the connection one by one.
    public struct Iterator: AsyncIteratorProtocol {
        /// One complete message.
        public typealias Element = Message
        /// Never throws.
        public typealias Failure = Never

        let socket: WebSocket

        /// The next message, or `nil` once the connection has closed.
        ///
        /// When the caller is already isolated to the socket (a server or client handler
        /// is), this runs without any executor hop.
        public mutating func next(isolation actor: isolated (any Actor)?) async -> Message? {
            await socket.nextMessage()
        }

        /// The next message, or `nil` once the connection has closed.
        public mutating func next() async -> Message? {
            await socket.nextMessage()
        }
    }
}

/// The messages received and not yet taken by the application, oldest first.
struct Inbox {
    private var items: [Message] = []
    private var head = 0
    /// The payload bytes of the messages held.
    private(set) var byteCount = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func append(_ message: Message) {
        items.append(message)
        byteCount += message.payloadCount
    }

    mutating func popFirst() -> Message? {
        guard head < items.count else { return nil }
        let message = items[head]
        head += 1
        byteCount -= message.payloadCount
        if head == items.count {
            items.removeAll(keepingCapacity: items.capacity <= 64)
            head = 0
        } else if head >= 32 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return message
    }

    mutating func removeAll() {
        items = []
        head = 0
        byteCount = 0
    }
}

extension Message {
    /// The size of the message's payload in bytes.
    var payloadCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}
