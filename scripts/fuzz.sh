#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each one for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: decoder, handshake, connection (default: all)
#
# Each run starts from a copy of the committed seed corpus (Fuzz/Corpus/<target>/) in a temporary
# folder, so the tree stays clean; inputs that reach new code are dropped with the folder. Any
# finding (crash, broken invariant, leak, timeout, out-of-memory) stops that run; its input is
# saved under Fuzz/.build/findings/ and the script exits non-zero after the remaining targets.
# Extra libFuzzer flags can be passed in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-runs=10000000").
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(decoder handshake connection)

# -sanitize=fuzzer adds libFuzzer and coverage instrumentation, `address` ASan and LeakSanitizer.
swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address
bin="$(swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address --show-bin-path)"

findings="Fuzz/.build/findings"
mkdir -p "$findings"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Swift's backtracer would symbolicate for minutes on a trap; ASan and libFuzzer report instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

failed=()
for target in "${targets[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    cp Fuzz/Corpus/"$target"/* "$corpus"/
    echo "== fuzz-$target for ${seconds}s"
    log="$work/$target.log"
    status=0
    # One process (no -jobs/-workers): the CI machine's cores are shared.
    # shellcheck disable=SC2086
    "$bin/fuzz-$target" "$corpus" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$findings/$target-" ${FUZZ_FLAGS:-} >"$log" 2>&1 || status=$?
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    if [[ $status -ne 0 ]]; then
        echo "fuzz-$target: FINDING (exit $status) after ${runs:-?} executions"
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written|Base64" "$log" | head -20 || true
        tail -40 "$log"
        failed+=("$target")
    else
        echo "fuzz-$target: ${runs:-?} executions (${rate:-?}/s), no finding"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "findings in: ${failed[*]} (inputs in $findings/)"
    exit 1
fi
