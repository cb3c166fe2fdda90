import Testing
import AsyncWebSocket
import WebSocketCore

/// A raw client breaks the protocol; the server fails the connection with the matching code
/// (RFC 6455 §7.1.7, §7.4.1) and closes the TCP connection.
@Suite("Protocol errors from a raw client", .timeLimit(.minutes(2)))
struct ProtocolErrorTests {
    struct Violation: Sendable, CustomTestStringConvertible {
        let name: String
        let send: @Sendable (RawClient) async throws -> Void
        let expected: CloseCode
        var testDescription: String { name }
    }

    static let violations: [Violation] = [
        Violation(name: "unmasked frame → 1002", send: { client in
            try await client.sendFrame(.text, Array("hi".utf8), masked: false)
        }, expected: .protocolError),
        Violation(name: "invalid UTF-8 text → 1007", send: { client in
            try await client.sendFrame(.text, [0x48, 0xC3, 0x28])
        }, expected: .invalidPayloadData),
        Violation(name: "invalid UTF-8 across fragments → 1007", send: { client in
            try await client.sendFrame(.text, [0x48, 0xE2, 0x82], fin: false)
            try await client.sendFrame(.continuation, [0x41], fin: true)
        }, expected: .invalidPayloadData),
        Violation(name: "frame over maxFrameSize → 1009", send: { client in
            try await client.sendFrame(.binary, patternBytes(4096))
        }, expected: .messageTooBig),
        Violation(name: "fragments over maxMessageSize → 1009", send: { client in
            try await client.sendFrame(.binary, patternBytes(1024), fin: false)
            try await client.sendFrame(.continuation, patternBytes(1024), fin: false)
            try await client.sendFrame(.continuation, patternBytes(1024), fin: true)
        }, expected: .messageTooBig),
        Violation(name: "continuation without a start → 1002", send: { client in
            try await client.sendFrame(.continuation, [1], fin: true)
        }, expected: .protocolError),
        Violation(name: "fragmented ping → 1002", send: { client in
            try await client.sendFrame(.ping, [1], fin: false)
        }, expected: .protocolError),
        Violation(name: "reserved bits set → 1002", send: { client in
            // FIN + RSV1 + text, masked, empty payload.
            try await client.send([0xC1, 0x80, 1, 2, 3, 4])
        }, expected: .protocolError),
    ]

    @Test("The server closes with the code that names the violation", arguments: violations)
    func serverFailsConnection(_ violation: Violation) async throws {
        var configuration = WebSocketConfiguration()
        configuration.maxFrameSize = 2048
        configuration.maxMessageSize = 2560
        let seen = Mailbox<CloseCode?>()
        try await withTestServer(configuration: configuration, handler: { ws in
            for await _ in ws.messages {}
            seen.post(ws.closeCode)
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await violation.send(client)
            let close = try await client.readCloseFrame()
            #expect(close?.code == violation.expected)
            // Then the server closes the TCP connection.
            _ = try await client.readToEnd()
            #expect(await client.sawEndOfStream)
            #expect(await seen.next() == violation.expected)
            await client.close()
        }
    }
}
