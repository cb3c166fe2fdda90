import Testing
import WebSocketCore

/// Autobahn|Testsuite case group 6: UTF-8 handling. Valid text is echoed; invalid text fails the
/// connection with 1007, and fails it as soon as the bad byte arrives (6.4.x).
@Suite("Autobahn 6: UTF-8")
struct AutobahnUTF8Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        var bytes: [UInt8]
        var valid: Bool
        var testDescription: String { "\(id) (\(valid ? "valid" : "invalid"))" }
    }

    static let kosme = hex("cebae1bdb9cf83cebcceb5")

    static let cases: [Case] = {
        var rows: [Case] = []
        func add(_ id: String, _ hexBytes: String, _ valid: Bool) { rows.append(Case(id: id, bytes: hex(hexBytes), valid: valid)) }
        add("6.5.1", "cebae1bdb9cf83cebcceb5", true)
        // 6.6.x: growing prefixes of κόσμε, valid exactly at character boundaries.
        for length in 1 ... 11 {
            rows.append(Case(id: "6.6.\(length)", bytes: Array(kosme.prefix(length)), valid: [2, 5, 7, 9, 11].contains(length)))
        }
        add("6.7.1", "00", true); add("6.7.2", "c280", true); add("6.7.3", "e0a080", true); add("6.7.4", "f0908080", true)
        add("6.8.1", "f888808080", false); add("6.8.2", "fc8480808080", false)
        add("6.9.1", "7f", true); add("6.9.2", "dfbf", true); add("6.9.3", "efbfbf", true); add("6.9.4", "f48fbfbf", true)
        add("6.10.1", "f7bfbfbf", false); add("6.10.2", "fbbfbfbfbf", false); add("6.10.3", "fdbfbfbfbfbf", false)
        add("6.11.1", "ed9fbf", true); add("6.11.2", "ee8080", true); add("6.11.3", "efbfbd", true)
        add("6.11.4", "f48fbfbf", true); add("6.11.5", "f4908080", false)
        for (index, text) in ["80", "bf", "80bf", "80bf80", "80bf80bf", "80bf80bf80", "80bf80bf80bf"].enumerated() {
            add("6.12.\(index + 1)", text, false)
        }
        rows.append(Case(id: "6.12.8", bytes: Array(0x80 ... 0xBF), valid: false))
        rows.append(Case(id: "6.13.1", bytes: (0xC0 ... 0xDF).flatMap { [UInt8($0), 0x20] }, valid: false))
        rows.append(Case(id: "6.13.2", bytes: (0xE0 ... 0xEF).flatMap { [UInt8($0), 0x20] }, valid: false))
        rows.append(Case(id: "6.13.3", bytes: (0xF0 ... 0xF7).flatMap { [UInt8($0), 0x20] }, valid: false))
        rows.append(Case(id: "6.13.4", bytes: (0xF8 ... 0xFB).flatMap { [UInt8($0), 0x20] }, valid: false))
        rows.append(Case(id: "6.13.5", bytes: (0xFC ... 0xFD).flatMap { [UInt8($0), 0x20] }, valid: false))
        for (index, text) in ["c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf"].enumerated() {
            add("6.14.\(index + 1)", text, false)
        }
        add("6.15.1", "c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf", false)
        add("6.16.1", "fe", false); add("6.16.2", "ff", false); add("6.16.3", "fefeffff", false)
        for (index, text) in ["c0af", "e080af", "f08080af", "f8808080af", "fc80808080af"].enumerated() { add("6.17.\(index + 1)", text, false) }
        for (index, text) in ["c1bf", "e09fbf", "f08fbfbf", "f887bfbfbf", "fc83bfbfbfbf"].enumerated() { add("6.18.\(index + 1)", text, false) }
        for (index, text) in ["c080", "e08080", "f0808080", "f880808080", "fc8080808080"].enumerated() { add("6.19.\(index + 1)", text, false) }
        for (index, text) in ["eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf"].enumerated() { add("6.20.\(index + 1)", text, false) }
        for (index, text) in ["eda080edb080", "eda080edbfbf", "edadbfedb080", "edadbfedbfbf",
                              "edae80edb080", "edae80edbfbf", "edafbfedb080", "edafbfedbfbf"].enumerated() {
            add("6.21.\(index + 1)", text, false)
        }
        // 6.22.x: the noncharacters U+pFFFE and U+pFFFF of every plane are valid UTF-8.
        for plane in UInt32(0) ... 16 {
            for (offset, low) in [UInt32(0xFFFE), 0xFFFF].enumerated() {
                let scalar = Unicode.Scalar(plane << 16 | low)!
                rows.append(Case(id: "6.22.\(Int(plane) * 2 + offset + 1)", bytes: Array(String(scalar).utf8), valid: true))
            }
        }
        add("6.23.1", "efbfbd", true)
        return rows
    }()

    @Test("6.5.1–6.23.1: valid text frames are echoed, invalid ones fail with 1007", arguments: Role.both, cases)
    func singleFrame(role: Role, row: Case) {
        #expect(stdlibAccepts(row.bytes) == row.valid, "the table agrees with the standard library")
        let peer = role.peer
        let result = transcript(role, wire(.text, row.bytes, from: peer) + wire(.close, closePayload(1000), from: peer))
        if row.valid {
            #expect(result.events == [.message(.text(String(decoding: row.bytes, as: UTF8.self))), .closeReceived(CloseFrame(code: .normalClosure))])
            #expect(messagesSent(result).count == 1)
            expectClosedWith(result, code: 1000)
        } else {
            #expect(result.events == [.failed(.invalidUTF8)])
            expectFailed(result, with: .invalidUTF8)
        }
    }

    @Test("6.5.1–6.23.1: the same texts sent one byte per frame give the same outcome", arguments: Role.both, cases)
    func bytePerFrame(role: Role, row: Case) {
        let peer = role.peer
        var bytes: [UInt8] = []
        for (index, byte) in row.bytes.enumerated() {
            bytes += wire(index == 0 ? .text : .continuation, [byte], fin: index == row.bytes.count - 1, from: peer)
        }
        let result = EchoHarness.run(role, [bytes[...]], echoes: false)
        #expect(result.events == (row.valid ? [.message(.text(String(decoding: row.bytes, as: UTF8.self)))] : [.failed(.invalidUTF8)]))
    }

    @Test("6.1.1–6.1.3: empty text and empty fragments are echoed", arguments: Role.both)
    func emptyText(role: Role) {
        let peer = role.peer
        let bytes = wire(.text, [], from: peer)
            + wire(.text, [], fin: false, from: peer) + wire(.continuation, [], fin: false, from: peer) + wire(.continuation, [], from: peer)
            + wire(.text, [], fin: false, from: peer) + wire(.continuation, utf8("middle frame payload"), fin: false, from: peer)
            + wire(.continuation, [], from: peer)
        let result = transcript(role, bytes)
        #expect(result.events == [.message(.text("")), .message(.text("")), .message(.text("middle frame payload"))])
        #expect(messagesSent(result) == [.text(""), .text(""), .text("middle frame payload")])
    }

    @Test("6.2.1–6.2.4: valid text in one frame, split at a code point, and one byte per frame is echoed", arguments: Role.both)
    func validFragmented(role: Role) {
        let peer = role.peer
        for text in ["Hello-µ@ßöäüàá-UTF-8!!", "κόσμε"] {
            let bytes = utf8(text)
            let whole = wire(.text, bytes, from: peer)
            let split = wire(.text, Array(bytes.prefix(7)), fin: false, from: peer) + wire(.continuation, Array(bytes.dropFirst(7)), from: peer)
            var octets: [UInt8] = []
            for (index, byte) in bytes.enumerated() {
                octets += wire(index == 0 ? .text : .continuation, [byte], fin: index == bytes.count - 1, from: peer)
            }
            for input in [whole, split, octets] {
                let result = transcript(role, input)
                #expect(result.events == [.message(.text(text))])
                #expect(messagesSent(result) == [.text(text)])
            }
        }
    }

    @Test("6.3.1, 6.3.2: invalid text in one frame or one byte per frame fails with 1007", arguments: Role.both)
    func invalidText(role: Role) {
        let peer = role.peer
        let bytes = hex("cebae1bdb9cf83cebcceb5eda080656469746564")
        var octets: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            octets += wire(index == 0 ? .text : .continuation, [byte], fin: index == bytes.count - 1, from: peer)
        }
        for input in [wire(.text, bytes, from: peer), octets] {
            let result = transcript(role, input + wire(.close, closePayload(1000), from: peer))
            #expect(result.events == [.failed(.invalidUTF8)])
            expectFailed(result, with: .invalidUTF8)
        }
    }

    // MARK: 6.4.x fail-fast: only the prefix up to the bad byte is fed.

    @Test("6.4.1, 6.4.2: the fragment with the bad byte fails the connection before the rest arrives",
          arguments: Role.both, [(hex("cebae1bdb9cf83cebcceb5"), hex("f4908080")), (hex("cebae1bdb9cf83cebcceb5f4"), hex("90"))])
    func failFastFragments(role: Role, parts: (first: [UInt8], second: [UInt8])) {
        let peer = role.peer
        let prefix = wire(.text, parts.first, fin: false, from: peer) + wire(.continuation, parts.second, fin: false, from: peer)
        // The first fragment alone is fine.
        let first = transcript(role, wire(.text, parts.first, fin: false, from: peer))
        #expect(first.events.isEmpty && first.state == .open)
        let result = transcript(role, prefix)
        #expect(result.events == [.failed(.invalidUTF8)])
        expectFailed(result, with: .invalidUTF8)
    }

    @Test("6.4.3, 6.4.4: a frame fails at its bad byte before the rest of its payload arrives",
          arguments: Role.both, [hex("f4908080"), hex("f490")])
    func failFastWithinFrame(role: Role, bad: [UInt8]) {
        let peer = role.peer
        let payload = Self.kosme + hex("f4908080") + utf8("edited")
        let frame = wire(.text, payload, from: peer)
        let headerSize = frame.count - payload.count
        let good = Array(frame.prefix(headerSize + Self.kosme.count))
        let goodOnly = transcript(role, good)
        #expect(goodOnly.events.isEmpty && goodOnly.state == .open)
        let prefix = Array(frame.prefix(headerSize + Self.kosme.count + bad.count))
        let result = transcript(role, prefix)
        #expect(result.events == [.failed(.invalidUTF8)])
        expectFailed(result, with: .invalidUTF8)
    }
}
