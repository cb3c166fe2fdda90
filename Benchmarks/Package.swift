// swift-tools-version:6.2
import PackageDescription

// Benchmarks live in their own package so the root stays free of anything but the library.
// No third-party packages: timing uses clock_gettime from the C library.
/// SwiftPM names a path dependency after its directory, so look it up rather than hard-code it
/// (a clone is `AsyncWebSocket/`, a worktree may be called anything).
let rootIdentity = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "asyncwebsocket"

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../")],
    targets: [
        // An AVX2 UTF-8 kernel measured next to the library's portable one; not part of the library.
        .target(name: "CUTF8Experiment"),
        .executableTarget(
            name: "ws-bench",
            dependencies: [
                .product(name: "WebSocketCore", package: rootIdentity),
                .product(name: "WebSocketCompression", package: rootIdentity), "CUTF8Experiment",
            ],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
        // The system OpenSSL 3 for wssload (a system library, not a package dependency).
        .systemLibrary(
            name: "CLoadOpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        // The ws:// and wss:// echo load client of tls/run.sh (C, one epoll thread).
        .executableTarget(name: "wssload", dependencies: ["CLoadOpenSSL"]),
        // The echo server of tls/run.sh: wscat --echo's loop, ws:// or wss://.
        .executableTarget(
            name: "bench-echo",
            dependencies: [
                .product(name: "AsyncWebSocket", package: rootIdentity),
                .product(name: "AsyncWebSocketTLS", package: rootIdentity),
            ],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
