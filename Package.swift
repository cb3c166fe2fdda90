// swift-tools-version:6.2
import PackageDescription

/// Settings every target shares: Swift 6 mode, explicit imports, explicit existentials.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "AsyncWebSocket",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AsyncWebSocket", targets: ["AsyncWebSocket"]),
        .library(name: "WebSocketCore", targets: ["WebSocketCore"]),
        .library(name: "WebSocketCompression", targets: ["WebSocketCompression"]),
        // wss:// on the system OpenSSL 3: a separate product so ws://-only users need no OpenSSL headers.
        .library(name: "AsyncWebSocketTLS", targets: ["AsyncWebSocketTLS"]),
        .library(name: "WebSocketTLS", targets: ["WebSocketTLS"]),
        .executable(name: "wscat", targets: ["wscat"]),
        .executable(name: "echo-server", targets: ["EchoServer"]),
        .executable(name: "chat-server", targets: ["ChatServer"]),
        .executable(name: "chat-client", targets: ["ChatClient"]),
    ],
    targets: [
        // Sans-I/O protocol engine: standard library only.
        .target(name: "WebSocketCore", swiftSettings: strictSettings),
        // epoll/eventfd declarations and GNU functions that the Swift Glibc module lacks.
        .target(name: "CWebSocketIO"),
        // Event loops, selector, non-blocking TCP. Knows nothing about WebSocket.
        .target(name: "WebSocketIO", dependencies: ["CWebSocketIO"], swiftSettings: strictSettings),
        // The system zlib (a system library, not a package dependency; in the SDK on Darwin).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // permessage-deflate (RFC 7692): an ExtensionNegotiator/ExtensionCodec pair on zlib.
        .target(name: "WebSocketCompression", dependencies: ["WebSocketCore", "CZlib"], swiftSettings: strictSettings),
        // The system OpenSSL 3 (libssl/libcrypto; a system library, not a package dependency).
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        // TLS sessions over WebSocketIO sockets, driven by the event loop (SecureStream on OpenSSL).
        .target(name: "WebSocketTLS", dependencies: ["WebSocketIO", "COpenSSL"], swiftSettings: strictSettings),
        // The public async API.
        .target(
            name: "AsyncWebSocket", dependencies: ["WebSocketCore", "WebSocketIO", "WebSocketCompression"],
            swiftSettings: strictSettings),
        // wss:// for the async API: connect(to:tls:), bind(…, tls:). Re-exports WebSocketTLS.
        .target(
            name: "AsyncWebSocketTLS", dependencies: ["AsyncWebSocket", "WebSocketTLS", "WebSocketIO"],
            swiftSettings: strictSettings),
        // wscat's logic, a library so tests run it in-process (WSCatCommand.main); the executable
        // only wires it to standard input, signals and the exit status.
        .target(
            name: "WSCatCore", dependencies: ["AsyncWebSocket", "AsyncWebSocketTLS", "WebSocketCore"],
            swiftSettings: strictSettings),
        .executableTarget(name: "wscat", dependencies: ["WSCatCore"], swiftSettings: strictSettings),

        // Examples (README.md): `swift run echo-server`, `swift run chat-server`, `swift run chat-client`.
        // The chat room and its page are a library so the browser test can run them in-process.
        .target(name: "ChatExample", dependencies: ["AsyncWebSocket", "WebSocketCore"], path: "Examples/ChatExample",
                swiftSettings: strictSettings),
        .executableTarget(name: "EchoServer", dependencies: ["AsyncWebSocket"], path: "Examples/EchoServer",
                          swiftSettings: strictSettings),
        .executableTarget(name: "ChatServer", dependencies: ["ChatExample", "AsyncWebSocket"], path: "Examples/ChatServer",
                          swiftSettings: strictSettings),
        .executableTarget(name: "ChatClient", dependencies: ["AsyncWebSocket"], path: "Examples/ChatClient",
                          swiftSettings: strictSettings),

        .testTarget(name: "WebSocketCoreTests", dependencies: ["WebSocketCore"], swiftSettings: strictSettings),
        .testTarget(name: "WebSocketIOTests", dependencies: ["WebSocketIO"], swiftSettings: strictSettings),
        // A throwaway CA and certificates made by the openssl CLI at test time (no key committed),
        // for every suite that speaks TLS.
        .target(name: "TestPKI", path: "Tests/TestPKI", swiftSettings: strictSettings),
        // TLS over loopback (skipped without the openssl CLI).
        .testTarget(
            name: "TLSTests", dependencies: ["WebSocketTLS", "WebSocketIO", "AsyncWebSocketTLS", "AsyncWebSocket", "TestPKI"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "WebSocketCompressionTests", dependencies: ["WebSocketCompression", "WebSocketCore"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "AsyncWebSocketTests", dependencies: ["AsyncWebSocket", "WebSocketCompression"],
            swiftSettings: strictSettings),
        // The chat example's page in headless Chromium, over http:// and https:// (skipped when
        // chromium is not installed).
        .testTarget(
            name: "BrowserTests", dependencies: ["ChatExample", "AsyncWebSocket", "WebSocketCore", "AsyncWebSocketTLS", "TestPKI"],
            swiftSettings: strictSettings),
        // Every ```swift block in README.md and docs/ is a snippet compiled (and mostly run) here.
        .testTarget(
            name: "DocSamplesTests", dependencies: ["AsyncWebSocket", "AsyncWebSocketTLS", "WebSocketCore", "TestPKI"],
            swiftSettings: strictSettings),
        // wscat in-process and as a process; its wss:// tests use TestPKI (skipped without the openssl CLI).
        .testTarget(
            name: "WSCatTests", dependencies: ["WSCatCore", "AsyncWebSocket", "AsyncWebSocketTLS", "TestPKI"],
            swiftSettings: strictSettings),
        // Interoperability with Python's `websockets` as a peer, over ws:// and wss:// (scripts in
        // Tests/InteropTests/Peers; skipped when python3 or the package is missing).
        .testTarget(
            name: "InteropTests", dependencies: ["AsyncWebSocket", "AsyncWebSocketTLS", "TestPKI"], exclude: ["Peers"],
            swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
