import WebSocketCore
import WebSocketIO

/// Keepalive Pings and the idle timeout, driven by one timer per connection.
///
/// Reads and messages only store a timestamp (`lastReceived`, `lastMessage`); the timer is
/// re-armed when it fires, for the earliest of: the Pong deadline of an unanswered keepalive
/// Ping, `pingInterval` after the last bytes arrived, `idleTimeout` after the last message. So
/// traffic costs no timer operations, and a busy connection never sends a keepalive Ping.
extension WebSocket {
    /// Starts the timer if keepalive or the idle timeout is on. Called once, from `start`.
    func startKeepalive() {
        let now = ContinuousClock.now
        lastReceived = now
        lastMessage = now
        armKeepaliveTimer(now: now)
    }

    /// The next moment something may be due, or `nil` when neither feature is on.
    private var nextKeepaliveDeadline: ContinuousClock.Instant? {
        var deadline: ContinuousClock.Instant?
        if let sent = keepalivePingSent {
            deadline = sent + configuration.pongTimeout
        } else if let interval = configuration.pingInterval {
            deadline = lastReceived + interval
        }
        if let idle = configuration.idleTimeout {
            deadline = min(deadline ?? lastMessage + idle, lastMessage + idle)
        }
        return deadline
    }

    private func armKeepaliveTimer(now: ContinuousClock.Instant) {
        guard keepaliveTimer == nil, !transportClosed, connection.state == .open,
            let deadline = nextKeepaliveDeadline
        else { return }
        let delay = deadline > now ? deadline - now : .zero
        keepaliveTimer = eventLoop.scheduleTimer(after: delay) { [self] in
            assumeIsolated { $0.keepaliveTimerFired() }
        }
    }

    private func keepaliveTimerFired() {
        keepaliveTimer = nil
        guard !transportClosed, connection.state == .open else { return }
        let now = ContinuousClock.now
        if readingPaused {
            // The application is not taking messages, so we are not reading: a Pong may wait
            // unread in the socket, and the peer is not idle. Judge again once reading resumes.
            lastReceived = now
            lastMessage = now
            keepalivePingSent = nil
        }
        if let sent = keepalivePingSent, now >= sent + configuration.pongTimeout {
            keepaliveTimedOut()
            return
        }
        if let idle = configuration.idleTimeout, now >= lastMessage + idle {
            closeError = WebSocketError(.idleTimeout, "no message for \(idle)")
            beginClose(code: .goingAway, reason: "idle timeout")
            return
        }
        if keepalivePingSent == nil, let interval = configuration.pingInterval, now >= lastReceived + interval {
            sendKeepalivePing(now: now)
        }
        armKeepaliveTimer(now: now)
    }

    private func sendKeepalivePing(now: ContinuousClock.Instant) {
        pingCounter &+= 1
        let payload = withUnsafeBytes(of: pingCounter.bigEndian) { Array($0) }
        do {
            try connection.ping(payload)
        } catch {
            return
        }
        keepalivePingSent = now
        scheduleFlush()
    }

    /// The peer did not answer in time: presumed dead, so no closing handshake. A Close 1011
    /// goes out if the socket takes it at once (a peer that is only slow learns why).
    private func keepaliveTimedOut() {
        closeError = WebSocketError(.keepaliveTimeout, "no Pong within \(configuration.pongTimeout)")
        closeCode = .abnormalClosure
        closeReason = "keepalive ping timeout"
        connection.abort(code: .internalError, reason: "keepalive ping timeout")
        flush()
        finish(code: .abnormalClosure, reason: "keepalive ping timeout")
    }

    /// A Pong arrived: the peer is alive and reading.
    ///
    /// The timer was armed for the Pong deadline; re-arm it for the next Ping (once per
    /// keepalive Ping, so at most one timer operation per `pingInterval`).
    func keepalivePongReceived() {
        guard keepalivePingSent != nil else { return }
        keepalivePingSent = nil
        stopKeepalive()
        armKeepaliveTimer(now: ContinuousClock.now)
    }

    /// A message was received or sent.
    func noteMessageActivity() {
        if configuration.idleTimeout != nil { lastMessage = ContinuousClock.now }
    }

    func stopKeepalive() {
        if let keepaliveTimer {
            eventLoop.cancelTimer(keepaliveTimer)
            self.keepaliveTimer = nil
        }
    }
}
