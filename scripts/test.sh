#!/usr/bin/env bash
# The project's test command (README.md).
#
#   scripts/test.sh          build with warnings as errors, then run every test
#   scripts/test.sh --tsan   run the concurrent suites (I/O layer, async API) under ThreadSanitizer,
#                            in their own build folder (.build-tsan)
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

# Zero warnings is a rule: fail the run on any compiler warning.
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
