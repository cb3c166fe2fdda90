#!/usr/bin/env bash
# wss:// against ws:// echo throughput of our server, measured by one client (wssload).
#
#   Benchmarks/tls/run.sh [-r RUNS] [-d SECONDS]
#   CONFIGS="-c 64 -s 65536 -p 1" Benchmarks/tls/run.sh ...   # only these configurations (';'-separated)
#   RAW=results.txt Benchmarks/tls/run.sh ...                   # also keep every run's JSON line there
#   SERVER=wscat Benchmarks/tls/run.sh ...                      # serve with wscat --listen PORT --echo [--cert --key]
#
# The server is bench-echo (wscat --echo's loop; ws://, or wss:// with --cert/--key), pinned to
# CPU 0; the client is pinned to CPU 1. A throwaway CA and a localhost certificate are made with the
# openssl CLI in a temporary directory (removed at exit), and wssload verifies the server against
# that CA. For each configuration, every run starts a fresh server for each leg, alternating
#   ws     wssload ws://127.0.0.1:PORT/
#   wss    wssload --ca ca.pem wss://localhost:PORT/
#   wsload the neutral ../shared/tools/wsload on ws:// (the cross-check that wssload is not the limit)
# so drift on a noisy machine hits all legs alike. Printed per configuration: the median msgs/s, p50
# and p99 of each leg, CPU use of client and server during the measured period, the ratio of the
# medians wss/ws, and the median of the per-run ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=5; duration=5; warmup=1
while getopts "r:d:" opt; do
    case $opt in r) runs=$OPTARG ;; d) duration=$OPTARG ;; *) exit 2 ;; esac
done
shared=${SHARED:-../shared}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# A CA and a certificate for localhost and 127.0.0.1, valid for a day; the keys never leave $work.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=bench CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$work/key.pem" -out "$work/cert.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/ext.cnf"
openssl x509 -req -days 1 -in "$work/cert.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -extfile "$work/ext.cnf" -out "$work/cert.pem" 2>/dev/null

swift build -c release --package-path Benchmarks --product bench-echo >/dev/null
swift build -c release --package-path Benchmarks --product wssload >/dev/null
bin=$(swift build -c release --package-path Benchmarks --show-bin-path)
server_kind=${SERVER:-bench-echo}
case $server_kind in
bench-echo) serve() { echo "$bin/bench-echo" "$1"; } ;;
wscat) swift build -c release --product wscat >/dev/null
       wscat_bin=$(swift build -c release --show-bin-path)/wscat
       serve() { echo "$wscat_bin" --listen "$1" --echo; } ;;
*) echo "SERVER must be bench-echo or wscat" >&2; exit 2 ;;
esac
cc -O2 -o "$work/wsload" "$shared/tools/wsload/wsload.c" -lpthread

configs=("-c 64 -s 1024 -p 16" "-c 64 -s 65536 -p 1" "-c 1 -s 16 -p 1")
if [[ -n "${CONFIGS:-}" ]]; then IFS=';' read -ra configs <<<"$CONFIGS"; fi
legs=(ws wss wsload)
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

port=9600
results="$work/results.txt"
for config in "${configs[@]}"; do
    for ((run = 1; run <= runs; run++)); do
        for leg in "${legs[@]}"; do
            port=$((port + 1))
            case $leg in
            wss) read -ra server <<<"$(serve $port) --cert $work/cert.pem --key $work/key.pem"
                 client=("$bin/wssload" --ca "$work/ca.pem") url="wss://localhost:$port/" ;;
            ws) read -ra server <<<"$(serve $port)"; client=("$bin/wssload") url="ws://127.0.0.1:$port/" ;;
            wsload) read -ra server <<<"$(serve $port)"; client=("$work/wsload") url="ws://127.0.0.1:$port/" ;;
            esac
            taskset -c 0 "${server[@]}" >/dev/null 2>&1 &
            pid=$!
            for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
            # shellcheck disable=SC2086
            taskset -c 1 "${client[@]}" -j $config -d "$duration" -w "$warmup" "$url" >"$work/line" 2>"$work/err" &
            client_pid=$!
            sleep "$warmup"; before=$(cpu_ticks $pid)
            sleep "$duration"; after=$(cpu_ticks $pid)
            wait $client_pid || echo "$leg $config run $run: exit $? $(head -1 "$work/err")" >&2
            kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
            server_cpu=$(awk -v a="$before" -v b="$after" -v t="$ticks" -v d="$duration" 'BEGIN { printf "%.1f", 100 * (b - a) / t / d }')
            echo "$leg|$config|$run|$server_cpu|$(tail -1 "$work/line")" >>"$results"
        done
    done
done

if [[ -n "${RAW:-}" ]]; then cp "$results" "$RAW"; fi
python3 - "$results" "$runs" "$duration" "$server_kind" <<'PY'
import json, statistics, sys
rows = {}
for raw in open(sys.argv[1]):
    leg, config, run, server_cpu, line = raw.rstrip("\n").split("|", 4)
    try:
        d = json.loads(line)
    except ValueError:
        d = {"msgs_per_s": 0, "lat_us": {"p50": 0, "p99": 0}, "errors": -1}
    d["server_cpu"] = float(server_cpu)
    rows.setdefault(config, {}).setdefault(leg, {})[int(run)] = d
print(f"\nserver {sys.argv[4]}; {sys.argv[2]} runs of {sys.argv[3]} s each; medians. CPU % is of one core during the measured period "
      "(client: its own count; wsload does not report it).")
med = lambda ds, f: statistics.median(f(d) for d in ds)
for config, legs in rows.items():
    print(f"\n{config}")
    print(f"  {'leg':<8}{'msgs/s':>12}{'MB/s each way':>15}{'p50 us':>10}{'p99 us':>10}{'client CPU%':>13}{'server CPU%':>13}{'errors':>8}")
    for leg, runs in legs.items():
        ds = list(runs.values())
        client_cpu = f'{med(ds, lambda d: d["client_cpu_pct"]):.1f}' if all("client_cpu_pct" in d for d in ds) else "-"
        print(f"  {leg:<8}{med(ds, lambda d: d['msgs_per_s']):>12.0f}{med(ds, lambda d: d.get('mb_per_s_recv', 0)):>15.1f}"
              f"{med(ds, lambda d: d['lat_us']['p50']):>10.1f}{med(ds, lambda d: d['lat_us']['p99']):>10.1f}"
              f"{client_cpu:>13}{med(ds, lambda d: d['server_cpu']):>13.1f}{sum(d['errors'] for d in ds):>8}")
    def ratio(a, b):
        if a not in legs or b not in legs: return
        ma = statistics.median(d["msgs_per_s"] for d in legs[a].values())
        mb = statistics.median(d["msgs_per_s"] for d in legs[b].values())
        paired = [legs[a][r]["msgs_per_s"] / legs[b][r]["msgs_per_s"] for r in legs[a] if r in legs[b] and legs[b][r]["msgs_per_s"]]
        paired_text = f", median of per-run ratios {statistics.median(paired):.2f} (range {min(paired):.2f}-{max(paired):.2f})" if paired else ""
        print(f"  {a}/{b}: {ma / mb if mb else float('inf'):.2f}{paired_text}")
    ratio("wss", "ws")
    ratio("wsload", "ws")
PY
