import AsyncWebSocket
import Testing

@Suite("Configuration samples")
struct ConfigurationSamples {
    @Test("a configuration for small chat messages")
    func configuration() async throws {
        // snippet: configuration
        var configuration = WebSocketConfiguration()
        configuration.maxMessageSize = 64 << 10        // 64 KiB is plenty for chat
        configuration.maxFrameSize = 64 << 10
        configuration.inboundBufferMessages = 32       // let bursts queue a little longer
        configuration.closeTimeout = .seconds(2)
        let server = try await WebSocketServer.bind(host: "0.0.0.0", port: 0, configuration: configuration)
        // end-snippet
        #expect(server.configuration.maxMessageSize == 65536)
        await server.shutdown(gracePeriod: .zero)
    }
}
