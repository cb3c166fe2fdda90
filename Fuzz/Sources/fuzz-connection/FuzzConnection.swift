import FuzzSupport
import WebSocketCore

// fuzz-connection: two Connection state machines, one per role, wired to each other, driven by
// commands and raw bytes decoded from the input.
//
// Input: [config A] [config B] [key seed] then operations until the input ends, each one byte
// (low nibble: what; high nibble: a parameter) plus the bytes it reads:
//   0–1  deliver up to N in-flight bytes A → B          2–3  deliver B → A
//   4    send a message (text or binary)                 5    send one fragment (sendFrame)
//   6    ping or pong                                    7    close(code:reason:)
//   8    abort(code:reason:)                             9    inject raw bytes (a fault)
//   10   end of stream                                   11   partial write of pending output
//   12–15  deliver everything both ways
// Config bits: 0 role of A (B has the other), 1–2 maxFrameSize (16, 125, 1000, 16 MiB),
// 3–4 maxMessageSize (16, 300, 5000, 16 MiB), 5 deliversFragments, 6 answersPings.
//
// Oracle: nothing traps, no leak, and:
//   - everything a side writes decodes with a peer-role FrameDecoder without a violation; control
//     frames and close payloads are valid; fragments are in order; nothing follows a Close;
//   - every .failed(v) leaves closeFrameSent == Close(v.closeCode, v.description) unless a Close
//     had been sent before, and that Close is on the wire;
//   - once .closed, nextEvent returns nil; a command outside .open produces no output; the state
//     never goes back (open → closing → closed);
//   - bufferedInboundByteCount stays within the frame and message limits plus one read;
//   - while a side's input carries only what the other side wrote (no fault injected), it
//     receives exactly what was sent, in order (messages or fragments; pings, pongs and the
//     Close with its code and reason), and fails only on a size limit that the sent data exceeds.

/// What a side queued for its peer, in the order the peer must see it.
enum Control: Equatable {
    case ping([UInt8]), pong([UInt8]), close(CloseFrame)
}

struct DataFrame {
    var kind: Opcode
    var payload: [UInt8]
    var fin: Bool
}

/// Checks one side's output as its peer's decoder sees it.
struct Monitor {
    var decoder: FrameDecoder
    var messageOpen = false
    var closeSeen: CloseFrame?

    init(peerRole: Role) {
        decoder = FrameDecoder(role: peerRole, maxFrameSize: Int.max)
    }

    mutating func observe(_ bytes: [UInt8]) {
        decoder.append(bytes)
        do throws(ProtocolViolation) {
            while let frame = try decoder.nextFrame() {
                check(closeSeen == nil, "frame \(frame.opcode) written after a Close")
                switch frame.opcode {
                case .text, .binary:
                    check(!messageOpen, "new message while a fragmented one is open")
                    messageOpen = !frame.fin
                case .continuation:
                    check(messageOpen, "continuation without a message")
                    messageOpen = !frame.fin
                case .close:
                    check(frame.payload.count != 1, "1-byte close payload")
                    var close = CloseFrame(code: nil)
                    if frame.payload.count >= 2 {
                        let code = CloseCode(rawValue: UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]))
                        check(code.isValidOnWire, "close code \(code) not valid on the wire")
                        let reason = frame.payload[2...]
                        check(reason.count <= 123, "close reason of \(reason.count) bytes")
                        guard let text = String(validating: reason, as: UTF8.self) else {
                            check(false, "close reason not UTF-8")
                            return
                        }
                        close = CloseFrame(code: code, reason: text)
                    }
                    closeSeen = close
                default:
                    check(frame.opcode == .ping || frame.opcode == .pong, "undefined opcode written")
                }
            }
        } catch {
            check(false, "a side wrote bytes its peer rejects: \(error)")
        }
    }
}

struct Side {
    var connection: Connection
    var monitor: Monitor
    /// Bytes written, not yet delivered to the peer.
    var inFlight: [UInt8] = []
    /// What the peer must receive, while its input is clean.
    var controlQueue: [Control] = []
    var dataQueue: [DataFrame] = []
    /// The kind of the fragmented message being sent, and valid UTF-8 still to send for text.
    var sendingKind: Opcode?
    var textCarry: [UInt8] = []
    /// Whether raw bytes were injected into this side's input, or its input ended.
    var inputFaulted = false
    var inputEnded = false
    /// Whether this side closed itself (abort) or failed on a limit.
    var closedItself = false
    var lastReceiveCount = 0

    init(role: Role, configuration: Connection.Configuration, keySeed: UInt64) {
        connection = Connection(role: role, configuration: configuration,
                                maskingKeys: role == .client ? SeededKeys(seed: keySeed) : nil)
        monitor = Monitor(peerRole: role == .client ? .server : .client)
    }
}

func configuration(_ byte: UInt8) -> Connection.Configuration {
    Connection.Configuration(
        maxFrameSize: [16, 125, 1000, 16 << 20][Int(byte >> 1 & 3)],
        maxMessageSize: [16, 300, 5000, 16 << 20][Int(byte >> 3 & 3)],
        deliversFragments: byte & 0x20 != 0,
        answersPings: byte & 0x40 != 0)
}

/// Whether `receive` keeps the bytes (afterwards the decoder keeps what it held, unread, and
/// ignores the rest): the bound on held bytes counts the last read that was kept.
func takesInput(_ connection: Connection) -> Bool {
    connection.state != .closed && connection.closeFrameReceived == nil && connection.violation == nil
}

func stateRank(_ state: Connection.State) -> Int {
    switch state {
    case .open: 0
    case .closing: 1
    case .closed: 2
    }
}

struct Pair {
    var sides: [Side]

    /// Moves everything side `index` wrote into its monitor and in-flight buffer.
    mutating func collect(_ index: Int, limit: Int = .max) {
        var written: [UInt8] = []
        sides[index].connection.withPendingOutput { bytes in
            let count = min(limit, bytes.count)
            written = Array(bytes.prefix(count))
            return count
        }
        guard !written.isEmpty else { return }
        sides[index].monitor.observe(written)
        sides[index].inFlight += written
    }

    mutating func collectAll() {
        collect(0)
        collect(1)
    }

    /// Records the Close that side `index` just queued, if it did.
    mutating func noteClose(_ index: Int, before: CloseFrame?) {
        let after = sides[index].connection.closeFrameSent
        if before == nil, let after {
            sides[index].controlQueue.append(.close(after))
        } else {
            check(after == before, "closeFrameSent changed once set")
        }
    }

    /// Runs a command on side `index`; checks that it writes nothing unless the side is open.
    mutating func command(_ index: Int, _ body: (inout Connection) -> Bool) {
        let wasOpen = sides[index].connection.state == .open
        let pending = sides[index].connection.pendingOutputCount
        let closeBefore = sides[index].connection.closeFrameSent
        let rank = stateRank(sides[index].connection.state)
        let succeeded = body(&sides[index].connection)
        check(stateRank(sides[index].connection.state) >= rank, "state went back")
        if !wasOpen || !succeeded {
            check(sides[index].connection.pendingOutputCount == pending, "a refused command or one outside .open wrote output")
        }
        noteClose(index, before: closeBefore)
        collect(index)
    }

    /// Gives side `to` up to `count` in-flight bytes from the other side, then takes its events.
    mutating func deliver(to: Int, count: Int, raw: Bool) {
        let from = 1 - to
        if !sides[to].inputEnded {
            let n = min(count, sides[from].inFlight.count)
            let chunk = sides[from].inFlight[..<n]
            if takesInput(sides[to].connection) { sides[to].lastReceiveCount = n }
            if raw {
                chunk.withUnsafeBytes { sides[to].connection.receive($0) }
            } else {
                sides[to].connection.receive(chunk)
            }
            sides[from].inFlight.removeFirst(n)
        }
        pump(to)
    }

    /// Takes every event of side `index` and checks it against what its peer sent.
    mutating func pump(_ index: Int) {
        let peer = 1 - index
        while true {
            let stateBefore = sides[index].connection.state
            let closeBefore = sides[index].connection.closeFrameSent
            guard let event = sides[index].connection.nextEvent() else { break }
            check(stateBefore != .closed, "an event after .closed: \(event)")
            let clean = !sides[index].inputFaulted
            switch event {
            case .message(let message):
                check(!sides[index].connection.configuration.deliversFragments, "message in fragment mode")
                if clean { expectMessage(message, at: index) }
            case .fragment(let fragment):
                check(sides[index].connection.configuration.deliversFragments, "fragment in message mode")
                if clean {
                    check(!sides[peer].dataQueue.isEmpty, "unexpected fragment")
                    let sent = sides[peer].dataQueue.removeFirst()
                    check(fragment == Connection.Fragment(opcode: sent.kind, payload: sent.payload, isFinal: sent.fin),
                          "fragment \(fragment) differs from what was sent")
                }
            case .ping(let payload):
                if sides[index].connection.configuration.answersPings && stateBefore == .open {
                    sides[index].controlQueue.append(.pong(payload))
                }
                if clean { expectControl(.ping(payload), at: index) }
            case .pong(let payload):
                if clean { expectControl(.pong(payload), at: index) }
            case .closeReceived(let frame):
                check(sides[index].connection.state == .closed, "not closed after the peer's Close")
                check(sides[index].connection.closeFrameReceived == frame, "closeFrameReceived differs")
                if stateBefore == .open {
                    check(sides[index].connection.closeFrameSent == CloseFrame(code: frame.code), "the Close reply does not echo the code")
                }
                if clean { expectControl(.close(frame), at: index) }
            case .failed(let violation):
                let connection = sides[index].connection
                check(connection.state == .closed && connection.violation == violation, "not closed after failing")
                if closeBefore == nil {
                    check(connection.closeFrameSent == CloseFrame(code: violation.closeCode, reason: violation.description),
                          "failing with \(violation) queued \(String(describing: connection.closeFrameSent))")
                }
                if clean { expectLimit(violation, at: index) }
                sides[index].closedItself = true
            }
            noteClose(index, before: closeBefore)
        }
        let connection = sides[index].connection
        if connection.state == .closed {
            check(sides[index].connection.nextEvent() == nil, "an event after .closed")
        }
        // Memory: the partial message, the partial frame, and what is left of the last read.
        let configuration = connection.configuration
        let bound = (configuration.deliversFragments ? 0 : configuration.maxMessageSize)
            + max(configuration.maxFrameSize, 125) + FrameHeader.maximumSize + sides[index].lastReceiveCount
        check(connection.bufferedInboundByteCount <= bound, "holding \(connection.bufferedInboundByteCount) bytes, bound \(bound)")
        collect(index)
        if let violation = connection.violation, sides[index].monitor.closeSeen == nil {
            check(false, "failed with \(violation) but no Close on the wire")
        }
    }

    mutating func expectMessage(_ message: Message, at index: Int) {
        let peer = 1 - index
        var payload: [UInt8] = []
        var kind: Opcode?
        while true {
            check(!sides[peer].dataQueue.isEmpty, "message \(message) was never sent")
            let frame = sides[peer].dataQueue.removeFirst()
            kind = kind ?? frame.kind
            payload += frame.payload
            if frame.fin { break }
        }
        switch message {
        case .text(let text): check(kind == .text && Array(text.utf8) == payload, "text message differs from what was sent")
        case .binary(let bytes): check(kind == .binary && bytes == payload, "binary message differs from what was sent")
        }
    }

    mutating func expectControl(_ control: Control, at index: Int) {
        let peer = 1 - index
        check(sides[peer].controlQueue.first == control, "received \(control), expected \(String(describing: sides[peer].controlQueue.first))")
        sides[peer].controlQueue.removeFirst()
    }

    /// With clean input, the only failures are size limits that the sent data really exceeds.
    func expectLimit(_ violation: ProtocolViolation, at index: Int) {
        let configuration = sides[index].connection.configuration
        // The frames of the message being received: up to the first final one.
        var message: [DataFrame] = []
        for frame in sides[1 - index].dataQueue {
            message.append(frame)
            if frame.fin || configuration.deliversFragments { break }
        }
        switch violation {
        case .frameTooLarge(let length, let limit):
            check(limit == configuration.maxFrameSize && length > UInt64(limit)
                  && message.contains { UInt64($0.payload.count) == length }, "\(violation) for frames \(message.map(\.payload.count))")
        case .messageTooLarge(let limit):
            check(!configuration.deliversFragments && limit == configuration.maxMessageSize
                  && message.reduce(0) { $0 + $1.payload.count } > limit, "\(violation) for frames \(message.map(\.payload.count))")
        default:
            check(false, "failed with \(violation) on input that only the peer wrote")
        }
    }

    /// Delivers and collects until nothing moves, then checks that everything sent arrived.
    mutating func settle() {
        for _ in 0 ..< 8 {
            collectAll()
            if sides[0].inFlight.isEmpty && sides[1].inFlight.isEmpty { break }
            deliver(to: 1, count: .max, raw: true)
            deliver(to: 0, count: .max, raw: false)
        }
        for index in 0 ..< 2 {
            let peer = 1 - index
            let side = sides[index]
            guard !side.inputFaulted, !side.inputEnded, !side.closedItself, sides[peer].inFlight.isEmpty else { continue }
            // Everything the peer queued has arrived, except the fragments of an unfinished message.
            check(sides[peer].controlQueue.isEmpty, "control frames never arrived: \(sides[peer].controlQueue)")
            let finished = side.connection.configuration.deliversFragments ? !sides[peer].dataQueue.isEmpty
                : sides[peer].dataQueue.contains { $0.fin }
            check(!finished, "data never arrived: \(sides[peer].dataQueue.count) frames")
        }
    }
}

let closeCodes: [CloseCode?] = [nil, .normalClosure, .goingAway, .protocolError, .noStatusReceived, .abnormalClosure,
                                .tlsHandshakeFailure, CloseCode(rawValue: 3000), CloseCode(rawValue: 4999),
                                CloseCode(rawValue: 999), CloseCode(rawValue: 5000), .serviceRestart, .messageTooBig,
                                CloseCode(rawValue: 1004), .internalError, .policyViolation]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let configA = input.byte()
    let configB = input.byte()
    let keySeed = UInt64(input.byte())
    let roleA: Role = configA & 1 == 0 ? .server : .client
    let roleB: Role = roleA == .server ? .client : .server
    var pair = Pair(sides: [
        Side(role: roleA, configuration: configuration(configA), keySeed: keySeed),
        Side(role: roleB, configuration: configuration(configB), keySeed: keySeed &+ 1),
    ])

    var operations = 0
    while !input.isAtEnd && operations < 256 {
        operations += 1
        let op = input.byte()
        let side = Int(op >> 4 & 1)
        let parameter = op >> 5
        switch op & 0xF {
        case 0, 1:
            pair.deliver(to: 1, count: Int(input.byte()), raw: op & 0x10 != 0)
        case 2, 3:
            pair.deliver(to: 0, count: Int(input.byte()), raw: op & 0x10 != 0)
        case 4:
            let length = Int(input.byte()) * (parameter & 2 != 0 ? 8 : 1)
            let raw = input.bytes(length)
            let message: Message = parameter & 1 == 0 ? .binary(raw) : .text(String(decoding: raw, as: UTF8.self))
            var succeeded = false
            pair.command(side) { connection in
                do throws(Connection.CommandError) {
                    try connection.send(message)
                } catch {
                    return false
                }
                succeeded = true
                return true
            }
            if succeeded {
                switch message {
                case .text(let text): pair.sides[side].dataQueue.append(DataFrame(kind: .text, payload: Array(text.utf8), fin: true))
                case .binary(let bytes): pair.sides[side].dataQueue.append(DataFrame(kind: .binary, payload: bytes, fin: true))
                }
            }
        case 5:
            // parameter: bits 0–1 opcode (text, binary, continuation, ping: refused), bit 2 fin.
            let opcode = [Opcode.text, .binary, .continuation, .ping][Int(parameter & 3)]
            let fin = parameter & 4 != 0
            let raw = input.bytes(Int(input.byte()))
            let cut = Int(input.byte())
            let kind = opcode == .continuation ? pair.sides[side].sendingKind : opcode
            var payload = raw
            var carry: [UInt8] = []
            if kind == .text {
                // Valid UTF-8 over the whole message, cut anywhere (even inside a character).
                let text = (opcode == .continuation ? pair.sides[side].textCarry : []) + Array(String(decoding: raw, as: UTF8.self).utf8)
                let end = fin ? text.count : min(cut, text.count)
                payload = Array(text[..<end])
                carry = Array(text[end...])
            }
            var succeeded = false
            pair.command(side) { connection in
                let result = payload.withUnsafeBytes { bytes in
                    Result { () throws(Connection.CommandError) in try connection.sendFrame(opcode: opcode, payload: bytes, fin: fin) }
                }
                guard case .success = result else { return false }
                succeeded = true
                return true
            }
            if succeeded, let kind {
                pair.sides[side].dataQueue.append(DataFrame(kind: kind, payload: payload, fin: fin))
                pair.sides[side].sendingKind = fin ? nil : kind
                pair.sides[side].textCarry = carry
            }
        case 6:
            let payload = input.bytes(Int(input.byte()) % 140)
            let isPing = parameter & 1 == 0
            var succeeded = false
            pair.command(side) { connection in
                do throws(Connection.CommandError) {
                    if isPing { try connection.ping(payload) } else { try connection.pong(payload) }
                } catch {
                    return false
                }
                succeeded = true
                return true
            }
            if succeeded { pair.sides[side].controlQueue.append(isPing ? .ping(payload) : .pong(payload)) }
        case 7, 8:
            let code = closeCodes[Int(input.byte()) % closeCodes.count]
            let reason = String(decoding: input.bytes(Int(input.byte()) % 140), as: UTF8.self)
            if op & 0xF == 7 {
                pair.command(side) { connection in
                    do throws(Connection.CommandError) {
                        try connection.close(code: code, reason: reason)
                    } catch {
                        return false
                    }
                    return true
                }
            } else {
                pair.command(side) { connection in
                    connection.abort(code: code ?? .normalClosure, reason: reason)
                    return true
                }
                check(pair.sides[side].connection.state == .closed, "not closed after abort")
                pair.sides[side].closedItself = true
            }
        case 9:
            let raw = input.bytes(Int(input.byte()))
            if takesInput(pair.sides[side].connection) { pair.sides[side].lastReceiveCount = raw.count }
            pair.sides[side].connection.receive(raw)
            pair.sides[side].inputFaulted = true
            pair.pump(side)
        case 10:
            pair.sides[side].connection.receiveEndOfStream()
            pair.sides[side].inputEnded = true
            pair.pump(side)
            check(pair.sides[side].connection.state == .closed, "not closed after end of stream")
        case 11:
            pair.collect(side, limit: Int(input.byte()))
        default:
            pair.deliver(to: 1, count: .max, raw: true)
            pair.deliver(to: 0, count: .max, raw: false)
        }
    }
    pair.settle()
    return 0
}
