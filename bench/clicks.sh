#!/usr/bin/env bash
# Clicks on tracked links under full load (not a test). For each database, with wrk at 32
# connections on /go/promo-0..19 (half the requests with a Referer naming one of 50 articles):
#
#   1. graceful run: redirects per second for DURATION seconds, the click writer's backlog over
#      time (from its debug log: how many clicks were waiting each time it took them), then
#      SIGTERM and the stored clicks compared with the redirects wrk counted;
#   2. kill run: the same load, the server killed with SIGKILL after KILL_AFTER seconds, and the
#      clicks stored compared with the redirects wrk had been answered: what a crash loses.
#
#   bash bench/clicks.sh                  # both databases
#   BACKENDS=sqlite DURATION=10 KILL_AFTER=5 bash bench/clicks.sh
#
# Prints a Markdown summary and writes it to bench/out/clicks/results.md. Only localhost is
# contacted. Needs wrk (installed with apt-get when missing) and, for PostgreSQL, psql and a
# server at PG_SERVER. Uses the release binary of CARGO_TARGET_DIR (built when missing).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$REPO/bench/out/clicks"
DURATION=${DURATION:-10}
KILL_AFTER=${KILL_AFTER:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=2
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
BIN=${BIN:-$TARGET_DIR/release/tether}
export PATH="$HOME/.cargo/bin:$PATH"

mkdir -p "$OUT"
cd "$REPO"

if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [[ ! -x "$BIN" ]]; then
    echo "building the release binary"
    cargo build --release --locked --bin tether 2>&1 | tail -1
fi

python3 bench/gen_bundle.py "$OUT/bundle.json" "$OUT/slugs.txt" 50
seq 0 19 | sed 's|^|/go/promo-|' > "$OUT/redirect-paths.txt"

pid=""
cleanup() {
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
    psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS tether_clicks_bench WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

fresh_database() {
    case $1 in
        sqlite)
            rm -f "$OUT"/bench.db*
            url="sqlite://$OUT/bench.db?mode=rwc" ;;
        postgres)
            psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS tether_clicks_bench WITH (FORCE)" >/dev/null
            psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE tether_clicks_bench" >/dev/null
            url="$PG_SERVER/tether_clicks_bench" ;;
        *) echo "unknown backend $1" >&2; exit 2 ;;
    esac
    DATABASE_URL="$url" RUST_LOG=warn "$BIN" import "$OUT/bundle.json" >/dev/null
}

stored_clicks() {
    local sql="select coalesce(sum(clicks), 0) from promo_click_counts"
    case $1 in
        sqlite) python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$OUT/bench.db" "$sql" ;;
        postgres) psql -tAq "$PG_SERVER/tether_clicks_bench" -c "$sql" ;;
    esac
}

# Starts the server with the click writer's debug log (JSON) in $1; sets pid and base.
start_server() {
    local log=$1 port
    port=$(free_port)
    DATABASE_URL="$url" TETHER_ADDR="127.0.0.1:$port" TETHER_SAMPLE_CONTENT=false \
        TETHER_LOG_FORMAT=json RUST_LOG="warn,tether::click_recorder=debug" "$BIN" serve > "$log" 2>&1 &
    pid=$!
    base="http://127.0.0.1:$port"
    for _ in $(seq 100); do curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break; sleep 0.1; done
}

run_wrk() {
    WRK_PATHS="$OUT/redirect-paths.txt" WRK_REFERERS="$OUT/slugs.txt" \
        wrk -t$THREADS -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/clicks.lua "$base"
}

# The writer's log → "max p50 p99 writes max_rows max_write_ms" of the clicks waiting each time
# it took them, plus a per-second timeline in $2.
backlog() {
    python3 - "$1" "$2" <<'PY'
import json, sys, collections
batches = []
for line in open(sys.argv[1], errors="replace"):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    fields = event.get("fields", {})
    if fields.get("message") == "stored clicks":
        batches.append((event.get("timestamp", "")[:19], int(fields["stored"]), int(fields["rows"]),
                        float(fields["write_ms"])))
if not batches:
    print("0 0 0 0 0 0")
    sys.exit()
sizes = sorted(b[1] for b in batches)
pick = lambda q: sizes[min(len(sizes) - 1, int(q * len(sizes)))]
print(sizes[-1], pick(0.5), pick(0.99), len(batches), max(b[2] for b in batches),
      round(max(b[3] for b in batches), 1))
per_second = collections.OrderedDict()
for ts, stored, rows, ms in batches:
    s = per_second.setdefault(ts, [0, 0, 0, 0.0])
    s[0] += stored; s[1] = max(s[1], stored); s[2] += 1; s[3] = max(s[3], ms)
with open(sys.argv[2], "w") as out:
    out.write("second (UTC)        stored  max_waiting  writes  max_write_ms\n")
    for ts, (stored, biggest, writes, ms) in per_second.items():
        out.write(f"{ts}  {stored:7d}  {biggest:11d}  {writes:6d}  {ms:12.1f}\n")
PY
}

summary=()
for backend in $BACKENDS; do
    echo "== $backend: graceful run"
    fresh_database "$backend"
    start_server "$OUT/$backend-graceful.log"
    before=$(stored_clicks "$backend")
    report=$(run_wrk)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
    answered=$(awk '/requests in/ {print $1}' <<<"$report")
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    stored=$(( $(stored_clicks "$backend") - before ))
    read -r b_max b_p50 b_p99 writes rows write_ms <<<"$(backlog "$OUT/$backend-graceful.log" "$OUT/$backend-graceful-backlog.txt")"
    summary+=("| $backend | graceful (SIGTERM) | $rps | $p99 | $answered | $stored | $(( answered - stored )) | $b_max / $b_p50 / $b_p99 | $writes | $rows | $write_ms | $((rss_kb / 1024)) MB |")

    echo "== $backend: kill -9 after ${KILL_AFTER}s"
    fresh_database "$backend"
    start_server "$OUT/$backend-kill.log"
    before=$(stored_clicks "$backend")
    run_wrk > "$OUT/$backend-kill-wrk.txt" &
    wrk_pid=$!
    sleep "$KILL_AFTER"
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    wait "$wrk_pid" || true
    report=$(cat "$OUT/$backend-kill-wrk.txt")
    answered=$(awk '/requests in/ {print $1}' <<<"$report")
    rps=$(python3 -c "print(round($answered / $KILL_AFTER, 1))")
    stored=$(( $(stored_clicks "$backend") - before ))
    read -r b_max b_p50 b_p99 writes rows write_ms <<<"$(backlog "$OUT/$backend-kill.log" "$OUT/$backend-kill-backlog.txt")"
    lost=$(( answered - stored ))
    summary+=("| $backend | kill -9 at ${KILL_AFTER}s | ~$rps | - | $answered | $stored | $lost ($(python3 -c "print(f'{100 * max($lost, 0) / max($answered, 1):.2f}')") %) | $b_max / $b_p50 / $b_p99 | $writes | $rows | $write_ms | $((rss_kb / 1024)) MB |")
done

{
    echo "Tether clicks benchmark, $(date -u +%Y-%m-%d), wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on /go/promo-0..19 (half with a Referer of 50 articles), $(nproc) cores"
    echo
    echo "| database | run | redirects/s | p99 | answered (wrk) | stored | lost | backlog max / p50 / p99 | writes | max rows/write | max write ms | server peak RSS |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${summary[@]}"
    echo
    echo "backlog: clicks waiting each time the writer took them (its debug log); per second in bench/out/clicks/*-backlog.txt."
    echo "answered: responses wrk received. Under kill -9 a redirect can be counted by the server and not yet received by wrk, so 'lost' may come out negative by up to one per connection."
} | tee "$OUT/results.md"
