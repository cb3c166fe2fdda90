#!/usr/bin/env bash
# Soak: the release wscat echo server under many idle connections, then many busy ones.
#
#   Benchmarks/soak/run.sh [-i IDLE] [-c CONNECTIONS] [-d SECONDS]
#
# 1. IDLE connections (default 10,000) open, handshake and stay idle (Benchmarks/soak/
#    idle_clients.py, which answers keepalive Pings): the server's RSS growth / IDLE is its memory
#    per idle connection. They are then closed.
# 2. CONNECTIONS (default 1,000) run mixed echo traffic for SECONDS (default 120) with the neutral
#    wsload (../shared/tools/wsload): 90% of them 64 B text, 10% 16 KiB binary, 4 in flight each.
#    The server's VmRSS is sampled every 5 s; it should be flat after the warm-up, and wsload must
#    report 0 errors. The server stays below its default maxConnections (10,000) in each phase.
# The server is pinned to CPU 0 and the load to CPU 1 when there are two.
set -euo pipefail
cd "$(dirname "$0")/../.."
idle=10000; conns=1000; duration=120
while getopts "i:c:d:" opt; do
    case $opt in i) idle=$OPTARG ;; c) conns=$OPTARG ;; d) duration=$OPTARG ;; *) exit 2 ;; esac
done
shared=${SHARED:-../shared}
work=$(mktemp -d)
ulimit -n "$(ulimit -Hn)"
server_pid=""; idle_pid=""
cleanup() {
    [[ -n "$idle_pid" ]] && kill "$idle_pid" 2>/dev/null || true
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -o "$work/wsload" "$shared/tools/wsload/wsload.c" -lpthread
swift build -c release --product wscat >/dev/null
wscat=$(swift build -c release --show-bin-path)/wscat
pin_server=(); pin_load=()
if [[ $(nproc) -ge 2 ]]; then pin_server=(taskset -c 0); pin_load=(taskset -c 1); fi

rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }   # KiB
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }       # clock ticks

"${pin_server[@]}" "$wscat" --listen 0 --echo >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.out")
echo "server pid $server_pid port $port"
base=$(rss); echo "RSS at start: $base KiB"

# Phase 1: idle connections.
mkfifo "$work/idle.in"
"${pin_load[@]}" python3 Benchmarks/soak/idle_clients.py "$port" -n "$idle" <"$work/idle.in" >"$work/idle.out" &
idle_pid=$!
exec 3>"$work/idle.in"
for _ in $(seq 600); do grep -q ready "$work/idle.out" 2>/dev/null && break; sleep 0.5; done
cat "$work/idle.out"
sleep 2
with_idle=$(rss)
echo "RSS with $idle idle connections: $with_idle KiB; per idle connection: $(( (with_idle - base) * 1024 / idle )) B"
exec 3>&-
wait "$idle_pid" || true; idle_pid=""
for _ in $(seq 100); do [[ $(ls "/proc/$server_pid/fd" | wc -l) -lt 50 ]] && break; sleep 0.2; done
echo "RSS after the idle connections closed: $(rss) KiB"

# Phase 2: mixed echo traffic.
small=$(( conns * 9 / 10 )); large=$(( conns - small ))
echo "echo: $small × 64 B text + $large × 16 KiB binary, depth 4, ${duration} s (+5 s warm-up)"
"${pin_load[@]}" "$work/wsload" -j -c "$small" -s 64 -p 4 -d "$duration" -w 5 "ws://127.0.0.1:$port/" >"$work/small.json" 2>"$work/small.err" &
load1=$!
"${pin_load[@]}" "$work/wsload" -j -b -c "$large" -s 16384 -p 4 -d "$duration" -w 5 "ws://127.0.0.1:$port/" >"$work/large.json" 2>"$work/large.err" &
load2=$!
start=$(date +%s)
echo "t_s rss_kib cpu_ticks"
while kill -0 "$load1" 2>/dev/null || kill -0 "$load2" 2>/dev/null; do
    echo "$(( $(date +%s) - start )) $(rss) $(cpu)"
    sleep 5
done
status=0
wait "$load1" || status=1
wait "$load2" || status=1
echo "small: $(cat "$work/small.json")"; cat "$work/small.err"
echo "large: $(cat "$work/large.json")"; cat "$work/large.err"
echo "RSS at the end: $(rss) KiB; wsload exit status: $status"
exit $status
