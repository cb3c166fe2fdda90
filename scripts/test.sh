#!/usr/bin/env bash
# The project's test command (README.md).
#
#   scripts/test.sh          build with warnings as errors, then run every test
#   scripts/test.sh --tsan   run the concurrent suites (I/O layer, async API) under ThreadSanitizer,
#                            in their own build folder (.build-tsan)
#   scripts/test.sh --asan   run every suite under AddressSanitizer (with LeakSanitizer), in its own
#                            build folder (.build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--tsan" ]]; then
    # The core (WebSocketCore) is single-threaded value types; TSan adds nothing there. The
    # interop suite drives Python peers and is covered by the plain run.
    swift build --build-tests --sanitize=thread --scratch-path .build-tsan
    TSAN_OPTIONS="halt_on_error=1" swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
        --filter 'WebSocketIOTests|AsyncWebSocketTests'
    exit 0
fi

if [[ "${1:-}" == "--asan" ]]; then
    # Every suite, the interop one included: ASan slows Swift code about 2x, well inside the
    # suites' time limits. detect_leaks is on by default on Linux; a leak fails the run.
    swift build --build-tests --sanitize=address --scratch-path .build-asan
    ASAN_OPTIONS="halt_on_error=1:detect_leaks=1" swift test --skip-build --sanitize=address --scratch-path .build-asan
    exit 0
fi

# Zero warnings is a rule: fail the run on any compiler warning.
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
