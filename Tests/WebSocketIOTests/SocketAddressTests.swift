import Testing
@testable import WebSocketIO

extension WebSocketIOTests {
    @Suite("SocketAddress")
    struct SocketAddressTests {
        @Test("Numeric addresses parse and print as host:port or [host]:port", arguments: [
            ("127.0.0.1", 8080, "127.0.0.1:8080"),
            ("::1", 8080, "[::1]:8080"),
            ("[::1]", 443, "[::1]:443"),
            ("0.0.0.0", 0, "0.0.0.0:0"),
            ("fe80::1:2", 65535, "[fe80::1:2]:65535"),
        ])
        func parsesAndDescribes(host: String, port: Int, description: String) throws {
            let address = try SocketAddress(ipAddress: host, port: port)
            #expect(address.description == description)
            #expect(address.port == port)
        }

        @Test("Names and malformed input are rejected", arguments: ["localhost", "1.2.3", "::g", "", "1.2.3.4.5"])
        func rejectsNonNumeric(host: String) {
            #expect(throws: Errno.invalidArgument) { try SocketAddress(ipAddress: host, port: 80) }
        }

        @Test("Ports outside 0...65535 are rejected")
        func rejectsBadPort() {
            #expect(throws: Errno.invalidArgument) { try SocketAddress(ipAddress: "127.0.0.1", port: 65536) }
        }

        @Test("Equal addresses are equal and hash alike")
        func hashable() throws {
            let a = try SocketAddress(ipAddress: "10.0.0.1", port: 1)
            let b = try SocketAddress(ipAddress: "10.0.0.1", port: 1)
            let c = try SocketAddress(ipAddress: "10.0.0.1", port: 2)
            #expect(a == b && a.hashValue == b.hashValue)
            #expect(a != c)
            #expect(Set([a, b, c]).count == 2)
        }

        @Test("getaddrinfo resolves localhost to loopback addresses, off the loops")
        func resolvesLocalhost() async throws {
            let addresses = try await SocketAddress.resolve(host: "localhost", port: 8080)
            #expect(!addresses.isEmpty)
            for address in addresses {
                #expect(address.port == 8080)
                #expect(address.ipAddress == "127.0.0.1" || address.ipAddress == "::1")
            }
        }

        @Test("An unknown name fails with a ResolutionError")
        func unknownName() async {
            await #expect(throws: ResolutionError.self) {
                _ = try await SocketAddress.resolve(host: "no-such-host.invalid", port: 80)
            }
        }
    }
}
