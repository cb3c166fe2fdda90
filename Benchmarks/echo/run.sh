#!/usr/bin/env bash
# Echo throughput and latency of our server against peer servers, with the neutral wsload.
#
#   Benchmarks/echo/run.sh [-r RUNS] [-d SECONDS] [PEER ...]
#   CONFIGS="-c 64 -s 65536 -p 1" Benchmarks/echo/run.sh ...   # only these wsload configurations (';'-separated)
#
# PEER is a name from ../shared/peers/swift (echo-nio, echo-hummingbird, echo-vapor,
# echo-flyingfox), already built with its build.sh into $PEERS_BUILD (default
# ${TMPDIR:-/tmp}/asyncws-peers). The server is pinned to CPU 0 and wsload to CPU 1. For each of
# the four wsload README configurations, every server is run RUNS times, alternating servers so
# drift on a noisy machine hits all of them alike; the medians and the ratio ours/peer are printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=5; duration=5
while getopts "r:d:" opt; do
    case $opt in r) runs=$OPTARG ;; d) duration=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
peers=("${@:-echo-nio}")
shared=${SHARED:-../shared}
peers_build=${PEERS_BUILD:-${TMPDIR:-/tmp}/asyncws-peers}
work=$(mktemp -d)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 -o "$work/wsload" "$shared/tools/wsload/wsload.c" -lpthread
swift build -c release --product wscat >/dev/null
ours_bin=$(swift build -c release --show-bin-path)/wscat

declare -A cmd
cmd[ours]="$ours_bin --listen PORT --echo"
for p in "${peers[@]}"; do cmd[$p]="$peers_build/$p/release/$p PORT"; done
servers=(ours "${peers[@]}")

configs=("-c 1 -s 16 -p 1" "-c 64 -s 1024 -p 16" "-c 64 -s 65536 -p 1" "-c 1000 -s 16 -p 1 -t 1")
if [[ -n "${CONFIGS:-}" ]]; then IFS=';' read -ra configs <<<"$CONFIGS"; fi
port=9500
results="$work/results.txt"
for config in "${configs[@]}"; do
    for ((run = 1; run <= runs; run++)); do
        for server in "${servers[@]}"; do
            port=$((port + 1))
            taskset -c 0 ${cmd[$server]//PORT/$port} >/dev/null 2>&1 &
            pid=$!
            for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
            line=$(taskset -c 1 "$work/wsload" -j $config -d "$duration" -w 1 "ws://127.0.0.1:$port/" 2>/dev/null | tail -1 || true)
            kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
            echo "$server|$config|$line" >>"$results"
        done
    done
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for raw in open(sys.argv[1]):
    server, config, line = raw.rstrip("\n").split("|", 2)
    try:
        d = json.loads(line)
    except ValueError:
        d = {"msgs_per_s": 0, "lat_us": {"p50": 0, "p99": 0}, "errors": -1}
    rows.setdefault(config, {}).setdefault(server, []).append(d)
for config, servers in rows.items():
    print(f"\n{config}")
    print(f"  {'server':<18}{'msgs/s (median)':>16}{'p50 us':>10}{'p99 us':>10}{'errors':>8}{'ours/this':>11}")
    ours = statistics.median(d["msgs_per_s"] for d in servers["ours"])
    for server, ds in servers.items():
        med = statistics.median(d["msgs_per_s"] for d in ds)
        p50 = statistics.median(d["lat_us"]["p50"] for d in ds)
        p99 = statistics.median(d["lat_us"]["p99"] for d in ds)
        errors = sum(d["errors"] for d in ds)
        ratio = ours / med if med else float("inf")
        print(f"  {server:<18}{med:>16.0f}{p50:>10.1f}{p99:>10.1f}{errors:>8}{ratio:>11.2f}")
PY
