#!/usr/bin/env bash
# The project's test command (README.md): build with warnings as errors, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Zero warnings is a rule: fail the run on any compiler warning.
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
