import Testing
import WebSocketCore

@Suite("HandshakeError")
struct HandshakeErrorTests {
    static let statuses: [(HandshakeError, Int)] = [
        (.headTooLarge(limit: 1), 431), (.tooManyHeaders(limit: 1), 431),
        (.invalidLineEnding, 400), (.malformedStartLine, 400), (.malformedHeaderField, 400),
        (.obsoleteLineFolding, 400), (.unsupportedHTTPVersion(.http1_0), 505),
        (.methodNotAllowed(method: "POST"), 405), (.invalidRequestTarget, 400),
        (.missingHeader(name: "Host"), 400), (.duplicateHeader(name: "Host"), 400),
        (.invalidHeaderValue(name: "Sec-WebSocket-Extensions"), 400), (.upgradeNotWebSocket, 400),
        (.connectionNotUpgrade, 400), (.invalidKey, 400), (.unsupportedWebSocketVersion("8"), 426),
        (.forbidden, 403), (.notFound, 404),
        (.unexpectedStatus(200), 502), (.invalidAccept, 502), (.subprotocolNotOffered("x"), 502),
        (.extensionNotOffered("x"), 502),
    ]

    @Test("maps every case to one HTTP status with a standard reason phrase", arguments: statuses)
    func httpStatus(error: HandshakeError, status: Int) {
        #expect(error.httpStatus == status)
        #expect(!HTTPResponseHead.standardReason(for: status).isEmpty)
        #expect(!error.description.isEmpty)
    }
}
