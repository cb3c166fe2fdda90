#!/usr/bin/env bash
# The project's test command (README.md).
#
#   scripts/test.sh          build with warnings as errors, then run every test
#   scripts/test.sh --tsan   run the concurrent suites (I/O layer, async API) under ThreadSanitizer,
#                            in their own build folder (.build-tsan)
#   scripts/test.sh --asan   run every suite under AddressSanitizer and LeakSanitizer, in its
#                            own build folder (.build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--tsan" ]]; then
    # The I/O layer, the async API and TLS. The core (WebSocketCore) is single-threaded value
    # types; TSan adds nothing there. The interop suite drives Python peers and is covered by the
    # plain run.
    swift build --build-tests --sanitize=thread --scratch-path .build-tsan
    TSAN_OPTIONS="halt_on_error=1" swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
        --filter 'WebSocketIOTests|AsyncWebSocketTests|TLSTests'
    exit 0
fi

if [[ "${1:-}" == "--asan" ]]; then
    # Every suite runs under AddressSanitizer (about 2x slower, well inside the suites' limits).
    swift build --build-tests --sanitize=address --scratch-path .build-asan
    # Two runs, both with leak detection (LeakSanitizer). The suppressions cover leaks inside
    # toolchain libraries only (XCTest's runner, Foundation's Process); never our code.
    # 1. The core and the I/O layer.
    ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:suppressions=$PWD/scripts/asan-suppressions.txt" LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt" \
        swift test --skip-build --sanitize=address --scratch-path .build-asan --filter 'WebSocketCoreTests|WebSocketIOTests'
    # 2. The async API and interop. A loop shut down with sockets still registered ends those
    # registrations (EventLoop.shutdown), so no connection, acceptor or waiting task is left in
    # a cycle with it (docs/ARCHITECTURE.md, "Fuzzing and sanitizers"). DescriptorExhaustionTests
    # is skipped here: it runs an ASan-built wscat under a 64-descriptor limit, which measures
    # the sanitizer's own descriptor and start-up needs, not ours (the plain run covers it).
    ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:suppressions=$PWD/scripts/asan-suppressions.txt" LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt" \
        swift test --skip-build --sanitize=address --scratch-path .build-asan \
        --skip 'WebSocketCoreTests|WebSocketIOTests|DescriptorExhaustionTests'
    exit 0
fi

# Zero warnings is a rule: fail the run on any compiler warning.
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
