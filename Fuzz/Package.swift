// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets for WebSocketCore, in their own package so that the root package's build and
// `swift test` never see fuzzer flags. Build and run them with `scripts/fuzz.sh` (see README.md):
//
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address
//
// Each target exports `LLVMFuzzerTestOneInput` and its main.swift hands it to libFuzzer's
// `LLVMFuzzerRunDriver`: SwiftPM renames an executable's `main` and aliases `main` to it, so the
// usual `-parse-as-library` recipe (libFuzzer's own `main`) does not link.
/// SwiftPM names a path dependency after its directory, so look it up rather than hard-code it
/// (a clone is `AsyncWebSocket/`, a worktree may be called anything).
let rootIdentity = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "asyncwebsocket"

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]
let core = Target.Dependency.product(name: "WebSocketCore", package: rootIdentity)

let package = Package(
    name: "Fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../")],
    targets: [
        // Input cursor, chunking, deterministic masking keys and the check that reports a finding.
        .target(name: "FuzzSupport", dependencies: [core, "CFuzzerDriver"], swiftSettings: settings),
        // Declares libFuzzer's LLVMFuzzerRunDriver (SwiftPM gives executables their own `main`).
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "fuzz-decoder", dependencies: [core, "FuzzSupport"], swiftSettings: settings),
        .executableTarget(name: "fuzz-handshake", dependencies: [core, "FuzzSupport"], swiftSettings: settings),
        .executableTarget(name: "fuzz-connection", dependencies: [core, "FuzzSupport"], swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)
