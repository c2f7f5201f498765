#!/usr/bin/env bash
# Tether's benchmark (not a test): 1,000 generated articles of about 10 blocks each, served from
# SQLite and from PostgreSQL, measured with wrk at 32 connections, next to nginx serving the same
# article JSON bytes from a file; then the tracked-link redirect (/go/{slug}, every request a
# counted click), after which the server is stopped gracefully and the stored clicks are compared
# with the redirects wrk saw. Prints a Markdown table and writes it to bench/out/results.md.
#
#   bash bench/run.sh            # both databases
#   BACKENDS=sqlite bash bench/run.sh
#
# Only localhost is contacted. Needs wrk and nginx (installed with apt-get when missing).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$REPO/bench/out"
DURATION=${DURATION:-15s}
CONNECTIONS=32
THREADS=2
ARTICLES=${ARTICLES:-1000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
export PATH="$HOME/.cargo/bin:$PATH"

mkdir -p "$OUT"
cd "$REPO"

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi

echo "building the release binary"
cargo build --release --locked --bin tether 2>&1 | tail -1
BIN="$REPO/target/release/tether"

python3 bench/gen_bundle.py "$OUT/bundle.json" "$OUT/slugs.txt" "$ARTICLES"
sed 's|^|/api/v1/articles/|' "$OUT/slugs.txt" > "$OUT/article-paths.txt"
pages=$(( (ARTICLES + 19) / 20 ))
seq 1 "$pages" | sed 's|^|/api/v1/articles?page=|' > "$OUT/list-paths.txt"
seq 0 19 | sed 's|^|/go/promo-|' > "$OUT/redirect-paths.txt"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS tether_bench WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk --latency output → "req/s p50 p99 requests"
measure() {
    local base=$1 paths=$2
    local report
    report=$(WRK_PATHS="$paths" wrk -t$THREADS -c$CONNECTIONS -d"$DURATION" --latency -s bench/rotate.lua "$base")
    local rps p50 p99 total
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$report")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
    total=$(awk '/requests in/ {print $1}' <<<"$report")
    if grep -q "Non-2xx" <<<"$report"; then
        echo "warning: answers other than 2xx/3xx: $(grep Non-2xx <<<"$report")" >&2
    fi
    echo "$rps $p50 $p99 $total"
}

# Stored clicks in the benchmark database.
count_clicks() {
    case $1 in
        sqlite) python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select coalesce(sum(clicks), 0) from promo_click_counts").fetchone()[0])' "$OUT/bench.db" ;;
        postgres) psql -tAq "$PG_SERVER/tether_bench" -c "select coalesce(sum(clicks), 0) from promo_click_counts" ;;
    esac
}

rows=()
clicks=()
baseline_rps=""

for backend in $BACKENDS; do
    case $backend in
        sqlite)
            rm -f "$OUT"/bench.db*
            url="sqlite://$OUT/bench.db?mode=rwc" ;;
        postgres)
            psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS tether_bench WITH (FORCE)" >/dev/null
            psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE tether_bench" >/dev/null
            url="$PG_SERVER/tether_bench" ;;
        *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
    echo "== $backend: importing $ARTICLES articles"
    DATABASE_URL="$url" RUST_LOG=warn "$BIN" import "$OUT/bundle.json"
    port=$(free_port)
    DATABASE_URL="$url" TETHER_ADDR="127.0.0.1:$port" TETHER_SAMPLE_CONTENT=false RUST_LOG=warn "$BIN" serve &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
    base="http://127.0.0.1:$port"
    # Warm up: every article and page once.
    WRK_PATHS="$OUT/article-paths.txt" wrk -t1 -c4 -d3s -s bench/rotate.lua "$base" >/dev/null

    if [[ -z "$baseline_rps" ]]; then
        # The static baseline: nginx serving one article's exact bytes from a file.
        curl -fsS "$base/api/v1/articles/article-0" > "$OUT/article.json"
        nport=$(free_port)
        mkdir -p "$OUT/nginx"
        cat > "$OUT/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $OUT/nginx;
    proxy_temp_path $OUT/nginx;
    fastcgi_temp_path $OUT/nginx;
    uwsgi_temp_path $OUT/nginx;
    scgi_temp_path $OUT/nginx;
    server {
        listen 127.0.0.1:$nport;
        root $OUT;
        location = /article.json { default_type application/json; }
    }
}
NGINX
        nginx -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx" &
        npid=$!
        pids+=("$npid")
        sleep 0.5
        echo "/article.json" > "$OUT/static-paths.txt"
        read -r rps p50 p99 _ <<<"$(measure "http://127.0.0.1:$nport" "$OUT/static-paths.txt")"
        baseline_rps=$rps
        rows+=("| static baseline (nginx, same bytes) | - | $rps | $p50 | $p99 | - |")
        kill "$npid" 2>/dev/null || true
    fi

    read -r a_rps a_p50 a_p99 _ <<<"$(measure "$base" "$OUT/article-paths.txt")"
    read -r l_rps l_p50 l_p99 _ <<<"$(measure "$base" "$OUT/list-paths.txt")"
    clicks_before=$(count_clicks "$backend")
    read -r r_rps r_p50 r_p99 r_total <<<"$(measure "$base" "$OUT/redirect-paths.txt")"
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    rss="$((rss_kb / 1024)) MB"
    ratio=$(python3 -c "print(f'{100 * $a_rps / $baseline_rps:.0f}%')")
    rows+=("| GET /api/v1/articles/{slug} | $backend | $a_rps | $a_p50 | $a_p99 | $rss |")
    rows+=("| GET /api/v1/articles?page=N | $backend | $l_rps | $l_p50 | $l_p99 | $rss |")
    rows+=("| GET /go/{slug} (302, click counted) | $backend | $r_rps | $r_p50 | $r_p99 | $rss |")
    rows+=("| single article vs static baseline | $backend | $ratio | | | |")
    # A graceful stop (SIGTERM) must store every click the server answered.
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    stored=$(( $(count_clicks "$backend") - clicks_before ))
    clicks+=("$backend: $stored clicks stored after a graceful stop; wrk counted $r_total redirects (it does not count the answers still in flight when its time is up, at most one per connection)")
done

{
    echo "Tether benchmark, $(date -u +%Y-%m-%d), $ARTICLES articles × ~10 blocks, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
    echo
    echo "| scenario | database | req/s | p50 | p99 | server peak RSS |"
    echo "| --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
    echo
    printf '%s\n' "${clicks[@]}"
    echo
    echo "Goals: single article ≥ 50% of the static baseline's req/s, p99 < 10 ms, server memory < 100 MB."
} | tee "$OUT/results.md"
