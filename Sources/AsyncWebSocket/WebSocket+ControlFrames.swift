/// A Ping or Pong frame a connection received, as seen by an observer.
///
/// Pings are answered automatically and Pongs settle `ping()`; observe them only to log or
/// display them, as `wscat --show-ping-pong` does.
///
/// ```swift
/// ws.observeControlFrames { frame in print("received", frame) }
/// ```
public enum WebSocketControlFrame: Hashable, Sendable {
    /// A Ping with its payload (at most 125 bytes); the Pong reply is already queued.
    case ping([UInt8])
    /// A Pong with its payload.
    case pong([UInt8])
}

extension WebSocket {
    /// Calls `observer` for every Ping and Pong this connection receives from now on.
    ///
    /// The observer runs on the connection's event loop while the frame is processed, so it must
    /// return quickly (hand the frame to another task for slow work). A later call replaces the
    /// observer; `nil` removes it. Replies are not affected: Pings are answered either way.
    ///
    /// ```swift
    /// ws.observeControlFrames { frame in
    ///     if case .ping = frame { print("< ping") }
    /// }
    /// ```
    public func observeControlFrames(_ observer: (@Sendable (WebSocketControlFrame) -> Void)?) {
        controlFrameObserver = observer
    }
}
