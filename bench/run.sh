#!/usr/bin/env bash
# Tether's benchmark (not a test). For each database (SQLite, PostgreSQL) and each corpus size
# (1,000, 20,000 and 100,000 generated articles of 10 blocks, text from a Zipf-skewed 5,000-word
# vocabulary, 200 skewed tags; bench/gen_bundle.py), it measures:
#
#   1. `tether import` into a fresh database and `tether export`: wall time and peak RSS
#      (/usr/bin/time -v; the import ends by refreshing the planner's statistics);
#   2. uncached reads (TETHER_READ_CACHE_MB=0), wrk with random paths from a file: deep list pages
#      (?page=N over every page), tag filters (?tag=T over every tag), two-word searches
#      (?q=w1+w2, words of Zipf rank 200-1000), single articles, and a mix of the four;
#   3. with the read cache on: one article with plain wrk (no script), then nginx serving the same
#      bytes from a file with the same wrk settings, one after the other;
#   4. reads (the uncached mix with and without searches, and the cached article + list mix)
#      without, then with, an editor
#      saving an article once a second through the admin's forms (bench/editor_loop.py);
#   5. the uncached mix without searches, before, then during, `tether import` of IMPORT_DURING new articles into
#      the same database;
#   6. the server's peak RSS (VmHWM) under load, cache on and off;
#   7. the tracked-link redirect (/go/{slug}, every request a counted click), then a graceful stop
#      (SIGTERM) and the clicks stored compared with the redirects wrk saw; at the end
#      bench/clicks.sh (graceful stop and kill -9 loss) unless RUN_CLICKS=0.
#
# Markdown tables go to standard output, to bench/out/results-<backend>-<size>.md and, all
# together, to bench/out/results.md.
#
#   bash bench/run.sh                              # everything: ~40 min on 2 cores
#   SIZES=1000 DURATION=5s bash bench/run.sh       # a quick trial
#   BACKENDS=sqlite SIZES="1000 20000" bash bench/run.sh
#
# Knobs: SIZES, BACKENDS, DURATION (wrk, e.g. 15s), CONNECTIONS (32), THREADS (2),
# IMPORT_DURING (5000), RUN_CLICKS (1), REUSE_DB (0: 1 keeps the database of an earlier run of
# the same size, SQLite's $OUT/bench.db or PostgreSQL's tether_bench_SIZE, and its import/export
# figures in $OUT/logs, and keeps it at the end), PG_SERVER, CARGO_TARGET_DIR or BIN, SKIP_BUILD=1, OUT.
#
# Only localhost is contacted. Needs wrk and nginx (apt-get installs them when missing), python3,
# /usr/bin/time, and psql plus a PostgreSQL server at PG_SERVER for the postgres backend.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$REPO/bench/out}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
SIZES=${SIZES:-"1000 20000 100000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
IMPORT_DURING=${IMPORT_DURING:-5000}
RUN_CLICKS=${RUN_CLICKS:-1}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
BIN=${BIN:-$TARGET_DIR/release/tether}
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
EMAIL="bench-${TOKEN:0:8}@example.com"  # a new admin per run: a reused database may hold older ones
PASSWORD="bench-$TOKEN"
WRK="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
export PATH="$HOME/.cargo/bin:$PATH"

mkdir -p "$OUT/logs" "$OUT/wrk"
cd "$REPO"

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "building the release binary ($BIN)"
    CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --locked --bin tether 2>&1 | tail -1
fi
[[ -x "$BIN" ]] || { echo "no tether binary at $BIN" >&2; exit 2; }

LOAD_START=$(uptime)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "load at start: $LOAD_START"

pg_databases=()
cleanup() {
    # Only this script's own background jobs still running (servers, nginx, wrk, the editor).
    local running
    running=$(jobs -pr)
    [[ -n "$running" ]] && kill $running 2>/dev/null || true
    for db in "${pg_databases[@]}"; do
        psql -X -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
# Runs tether in $OUT (so that no .env of the caller's directory is read), with the benchmark's
# database and no sample content. Extra VAR=value words may come first.
tether() { (cd "$OUT" && env DATABASE_URL="$url" TETHER_SAMPLE_CONTENT=false RUST_LOG=warn NO_COLOR=1 "$@"); }

# /usr/bin/time -v's report in $1 → "wall_seconds peak_rss_mb"
time_figures() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", text).group(1)
seconds = 0.0
for part in wall.split(":"):
    seconds = seconds * 60 + float(part)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{seconds:.1f} {rss / 1024:.0f}")
PY
}

# Waits (up to 2 minutes) until the server answers a database read within 200 ms: a request
# that timed out (503 after 2 s) leaves its query running, and queries left over from one
# measurement would otherwise hold the connections during the next one. How long it waited is
# kept in $OUT/wrk/$1.settle.
settle() {
    local name=$1 base=$2 started=$SECONDS
    for _ in $(seq 240); do
        t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$base/api/v1/articles?per_page=1" 2>/dev/null || echo "0 9")
        [[ ${t%% *} == 200 ]] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.2 else 1)" "${t#* }" && break
        sleep 0.5
    done
    echo $(( SECONDS - started )) > "$OUT/wrk/$name.settle"
}

# wrk's report (saved in $OUT/wrk/$1.txt) → "req/s p50 p99 requests non2xx errors"
wrk_paths() {
    local name=$1 base=$2 paths=$3
    settle "$name" "$base"
    WRK_PATHS="$paths" $WRK -s bench/rotate.lua "$base" > "$OUT/wrk/$name.txt"
    python3 bench/wrkstat.py < "$OUT/wrk/$name.txt"
}
# The same at 8 connections: latency with less queueing behind the 2 cores (the issue's 100k table).
wrk_paths8() {
    local name=$1 base=$2 paths=$3
    WRK_PATHS="$paths" wrk -t2 -c8 -d"$DURATION" --latency -s bench/rotate.lua "$base" > "$OUT/wrk/$name.txt"
    python3 bench/wrkstat.py < "$OUT/wrk/$name.txt"
}
wrk_plain() {
    local name=$1 url=$2
    $WRK "$url" > "$OUT/wrk/$name.txt"
    python3 bench/wrkstat.py < "$OUT/wrk/$name.txt"
}
# A row of the read tables: label + wrk figures.
read_row() {
    local label=$1 rps p50 p99 total non2xx errors
    read -r rps p50 p99 total non2xx errors <<<"$2"
    echo "| $label | $rps | $p50 | $p99 | $non2xx | $errors | $total |"
}
pct() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{100 * a / b:.0f} %' if b else '-')" "$1" "$2"; }
vmhwm() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# Starts `tether serve` (extra VAR=value words as arguments); sets server_pid and base.
start_server() {
    local logname=$1; shift
    local port
    port=$(free_port)
    (cd "$OUT" && exec env DATABASE_URL="$url" TETHER_SAMPLE_CONTENT=false RUST_LOG=warn NO_COLOR=1 \
        TETHER_ADDR="127.0.0.1:$port" "$@" "$BIN" serve) > "$OUT/logs/$logname.log" 2>&1 &
    server_pid=$!
    base="http://127.0.0.1:$port"
    for _ in $(seq 600); do
        curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/logs/$logname.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "tether serve did not answer within 60 s" >&2; exit 1
}
stop_server() { kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }

# The editor loop in the background; its figures go to $OUT/logs/$1.txt when it is stopped.
start_editor() {
    TETHER_PASSWORD="$PASSWORD" python3 bench/editor_loop.py "${base##*:}" "$EMAIL" article-0 \
        > "$OUT/logs/$1.txt" 2> "$OUT/logs/$1.err" &
    editor_pid=$!
    sleep 1.5  # signed in and saving before the reads start
}
# Stops it (in this shell, not a subshell: only the shell that started it can wait for it).
stop_editor() { kill -TERM "$editor_pid" 2>/dev/null || true; wait "$editor_pid" || true; }

stored_clicks() {
    local sql="select coalesce(sum(clicks), 0) from promo_click_counts"
    case $backend in
        sqlite) python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$OUT/bench.db" "$sql" ;;
        postgres) psql -X -tAq "$url" -c "$sql" ;;
    esac
}

# Median `meta.total` of a sample of list paths: how many articles a tag or a search matches.
median_total() {
    python3 - "$1" "$2" <<'PY'
import json, random, statistics, sys, urllib.request
base, paths = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]
totals, failed = [], 0
for p in random.Random(1).sample(paths, min(30, len(paths))):
    try:
        totals.append(json.load(urllib.request.urlopen(base + p, timeout=60))["meta"]["total"])
    except Exception:
        failed += 1
if totals:
    print(f"{statistics.median(totals):.0f} {min(totals)} {max(totals)} {failed}")
else:
    print(f"- - - {failed}")
PY
}

nginx_start() {
    local file=$1 type=$2 dir="$OUT/nginx"
    mkdir -p "$dir"
    nginx_port=$(free_port)
    cat > "$dir/nginx.conf" <<NGINX
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir;
    proxy_temp_path $dir;
    fastcgi_temp_path $dir;
    uwsgi_temp_path $dir;
    scgi_temp_path $dir;
    types { }
    server {
        listen 127.0.0.1:$nginx_port;
        root $(dirname "$file");
        location = /$(basename "$file") { default_type "$type"; }
    }
}
NGINX
    nginx -c "$dir/nginx.conf" -p "$dir" &
    nginx_pid=$!
    for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/$(basename "$file")" 2>/dev/null && return 0; sleep 0.1; done
    echo "nginx did not start: $(cat "$dir/error.log")" >&2; exit 1
}

# ---------------------------------------------------------------------------------------------
# Corpora: one per size, shared by both databases, plus the bundle imported during reads.

corpus() {
    local size=$1 dir="$OUT/corpus-$1"
    if [[ ! -s "$dir/bundle.json" || ! -s "$dir/queries.txt" ]]; then
        mkdir -p "$dir"
        log "generating $size articles"
        python3 bench/gen_bundle.py "$dir/bundle.json" "$dir/slugs.txt" "$size" \
            --tags "$dir/tags.txt" --queries "$dir/queries.txt"
    fi
    sed 's|^|/api/v1/articles/|' "$dir/slugs.txt" > "$dir/article-paths.txt"
    seq 1 $(( (size + 19) / 20 )) | sed 's|^|/api/v1/articles?page=|' > "$dir/list-paths.txt"
    sed 's|^|/api/v1/articles?tag=|' "$dir/tags.txt" > "$dir/tag-paths.txt"
    sed 's|^|/api/v1/articles?q=|' "$dir/queries.txt" > "$dir/search-paths.txt"
    # The mix: as many of each kind (drawn with repetition), shuffled.
    for kind in list tag search article; do shuf -r -n 2500 "$dir/$kind-paths.txt"; done | shuf > "$dir/mix-paths.txt"
    # Without searches too: a search slow enough to hold a database connection for seconds makes
    # the four-way mix measure searches only, and hides what saves or an import do to the rest.
    for kind in list tag article; do shuf -r -n 2500 "$dir/$kind-paths.txt"; done | shuf > "$dir/mix3-paths.txt"
    for kind in list article; do shuf -r -n 5000 "$dir/$kind-paths.txt"; done | shuf > "$dir/cached-mix-paths.txt"
}

BULK="$OUT/corpus-bulk-$IMPORT_DURING"
if [[ ! -s "$BULK/bundle.json" ]]; then
    mkdir -p "$BULK"
    log "generating the $IMPORT_DURING-article bundle imported during reads (new slugs bulk-article-N)"
    python3 bench/gen_bundle.py "$BULK/bundle.json" "$BULK/slugs.txt" "$IMPORT_DURING" --slug-prefix bulk-
fi
seq 0 19 | sed 's|^|/go/promo-|' > "$OUT/redirect-paths.txt"

summary=()
details=()

for size in $SIZES; do
  corpus "$size"
  C="$OUT/corpus-$size"
  pages=$(( (size + 19) / 20 ))
  for backend in $BACKENDS; do
    log "== $backend, $size articles"
    case $backend in
        sqlite)
            url="sqlite://$OUT/bench.db?mode=rwc"
            if [[ "${REUSE_DB:-${REUSE_SQLITE:-0}}" == 1 && -s "$OUT/bench.db" && -s "$OUT/logs/export-sqlite-$size.time" ]]; then
                reuse=1
            else
                reuse=0
                rm -f "$OUT"/bench.db*
            fi ;;
        postgres)
            db="tether_bench_$size"
            [[ "${REUSE_DB:-0}" == 1 ]] || pg_databases+=("$db")  # dropped at the end unless reused
            url="$PG_SERVER/$db"
            if [[ "${REUSE_DB:-0}" == 1 && -s "$OUT/logs/export-postgres-$size.time" ]] \
                && psql -X -tAq "$PG_SERVER/postgres" -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
                reuse=1
            else
                reuse=0
                psql -X -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
                psql -X -q "$PG_SERVER/postgres" -c "CREATE DATABASE $db" >/dev/null
            fi ;;
        *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
    file="$OUT/results-$backend-$size.md"
    notes=()

    # 1. Import and export.
    if [[ $reuse == 1 ]]; then
    # REUSE_DB=1: the database and the import/export figures of an earlier run of this size.
    log "reusing the $backend database and the import/export figures in $OUT/logs"
    notes+=("The import and export figures, and the database, are those of an earlier run of this size (REUSE_DB=1); the database was migrated by this build when it started.")
    read -r import_s import_mb <<<"$(time_figures "$OUT/logs/import-$backend-$size.time")"
    read -r export_s export_mb <<<"$(time_figures "$OUT/logs/export-$backend-$size.time")"
    bundle_mb=$(( $(stat -c %s "$C/bundle.json") / 1048576 ))
    export_size="?"
    analyze="-"
    else
    log "import"
    tether /usr/bin/time -v -o "$OUT/logs/import-$backend-$size.time" "$BIN" import "$C/bundle.json" \
        > "$OUT/logs/import-$backend-$size.log" 2>&1 \
        || { cat "$OUT/logs/import-$backend-$size.log" >&2; exit 1; }
    read -r import_s import_mb <<<"$(time_figures "$OUT/logs/import-$backend-$size.time")"
    bundle_mb=$(( $(stat -c %s "$C/bundle.json") / 1048576 ))
    log "export"
    tether /usr/bin/time -v -o "$OUT/logs/export-$backend-$size.time" "$BIN" export --out "$OUT/export.json" \
        > "$OUT/logs/export-$backend-$size.log" 2>&1 \
        || { cat "$OUT/logs/export-$backend-$size.log" >&2; exit 1; }
    read -r export_s export_mb <<<"$(time_figures "$OUT/logs/export-$backend-$size.time")"
    export_size=$(( $(stat -c %s "$OUT/export.json") / 1048576 ))
    rm -f "$OUT/export.json"
    fi
    tether TETHER_PASSWORD="$PASSWORD" "$BIN" user create --email "$EMAIL" --role admin \
        > "$OUT/logs/user-$backend-$size.log" 2>&1 || { cat "$OUT/logs/user-$backend-$size.log" >&2; exit 1; }

    # 2. Uncached reads, then 4a: the uncached mix while an editor saves.
    log "uncached reads"
    start_server "serve-uncached-$backend-$size" TETHER_READ_CACHE_MB=0
    WRK_PATHS="$C/mix-paths.txt" wrk -t1 -c4 -d2s -s bench/rotate.lua "$base" >/dev/null  # warm-up
    read -r tag_median tag_min tag_max tag_failed <<<"$(median_total "$base" "$C/tag-paths.txt")"
    read -r q_median q_min q_max q_failed <<<"$(median_total "$base" "$C/search-paths.txt")"
    list=$(wrk_paths "list-$backend-$size" "$base" "$C/list-paths.txt")
    tagr=$(wrk_paths "tag-$backend-$size" "$base" "$C/tag-paths.txt")
    search=$(wrk_paths "search-$backend-$size" "$base" "$C/search-paths.txt")
    articler=$(wrk_paths "article-$backend-$size" "$base" "$C/article-paths.txt")
    mix=$(wrk_paths "mix-$backend-$size" "$base" "$C/mix-paths.txt")
    mix3=$(wrk_paths "mix3-$backend-$size" "$base" "$C/mix3-paths.txt")
    list8=$(wrk_paths8 "list8-$backend-$size" "$base" "$C/list-paths.txt")
    tag8=$(wrk_paths8 "tag8-$backend-$size" "$base" "$C/tag-paths.txt")
    search8=$(wrk_paths8 "search8-$backend-$size" "$base" "$C/search-paths.txt")
    log "uncached mixes while an editor saves"
    start_editor "editor-uncached-$backend-$size"
    mix_saves=$(wrk_paths "mix-saves-$backend-$size" "$base" "$C/mix-paths.txt")
    mix3_saves=$(wrk_paths "mix3-saves-$backend-$size" "$base" "$C/mix3-paths.txt")
    stop_editor
    read -r u_ok u_total u_p50 u_max < "$OUT/logs/editor-uncached-$backend-$size.txt" || true
    uncached_mb=$(vmhwm "$server_pid")
    stop_server

    # 3. Cached article vs nginx; 4b: cached reads while an editor saves; 7: /go and clicks.
    log "cached reads"
    start_server "serve-cached-$backend-$size"
    sample="/api/v1/articles/article-$(( size / 2 ))"
    curl -fsS -D "$OUT/article.headers" -o "$OUT/article.json" "$base$sample"
    ctype=$(awk -F': *' 'tolower($1) == "content-type" {gsub("\r", "", $2); print $2}' "$OUT/article.headers")
    WRK_PATHS="$C/cached-mix-paths.txt" wrk -t1 -c4 -d2s -s bench/rotate.lua "$base" >/dev/null  # warm-up
    cached=$(wrk_plain "cached-article-$backend-$size" "$base$sample")
    nginx_start "$OUT/article.json" "$ctype"
    static=$(wrk_plain "nginx-$backend-$size" "http://127.0.0.1:$nginx_port/article.json")
    kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true
    article_kb=$(( $(stat -c %s "$OUT/article.json") / 1024 ))
    cmix=$(wrk_paths "cached-mix-$backend-$size" "$base" "$C/cached-mix-paths.txt")
    log "cached mix while an editor saves"
    start_editor "editor-cached-$backend-$size"
    cmix_saves=$(wrk_paths "cached-mix-saves-$backend-$size" "$base" "$C/cached-mix-paths.txt")
    stop_editor
    read -r c_ok c_total c_p50 c_max < "$OUT/logs/editor-cached-$backend-$size.txt" || true
    cached_mb=$(vmhwm "$server_pid")
    log "tracked-link redirects"
    clicks_before=$(stored_clicks)
    redirects=$(wrk_paths "go-$backend-$size" "$base" "$OUT/redirect-paths.txt")
    go_mb=$(vmhwm "$server_pid")
    stop_server
    read -r _ _ _ go_total _ _ <<<"$redirects"
    go_stored=$(( $(stored_clicks) - clicks_before ))

    # 5. Reads during an import into the same database.
    log "uncached mix without searches during an import of $IMPORT_DURING articles"
    start_server "serve-import-$backend-$size" TETHER_READ_CACHE_MB=0
    WRK_PATHS="$C/mix-paths.txt" wrk -t1 -c4 -d2s -s bench/rotate.lua "$base" >/dev/null  # warm-up
    mix_before=$(wrk_paths "mix-before-import-$backend-$size" "$base" "$C/mix3-paths.txt")
    # wrk runs until the import is over: it stops on SIGINT and reports what it measured.
    WRK_PATHS="$C/mix3-paths.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d3600s --latency -s bench/rotate.lua "$base" \
        > "$OUT/wrk/mix-during-import-$backend-$size.txt" &
    wrk_pid=$!
    sleep 1
    import_rc=0
    tether /usr/bin/time -v -o "$OUT/logs/import-during-$backend-$size.time" "$BIN" import "$BULK/bundle.json" \
        > "$OUT/logs/import-during-$backend-$size.log" 2>&1 || import_rc=$?
    sleep 1
    kill -INT "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" || true
    during=$(python3 bench/wrkstat.py < "$OUT/wrk/mix-during-import-$backend-$size.txt")
    read -r during_import_s during_import_mb <<<"$(time_figures "$OUT/logs/import-during-$backend-$size.time")"
    import_mem_mb=$(vmhwm "$server_pid")
    stop_server
    if [[ $backend == postgres && $reuse == 0 && "${REUSE_DB:-0}" != 1 ]]; then
        # Dropped as soon as it is measured (disk), unless it is kept for another run.
        psql -X -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    fi

    # Tables.
    r() { read -r -a f <<<"$1"; echo "${f[$2]}"; }
    {
        echo "## $backend, $size articles"
        echo
        echo "Corpus: $size articles × 10 blocks (bundle $bundle_mb MB), $(wc -l < "$C/tags.txt") tags, $(wc -l < "$C/queries.txt") two-word queries."
        echo "A tag filter matches a median of $tag_median articles (min $tag_min, max $tag_max, 30 tags sampled, $tag_failed failed);"
        echo "a search a median of $q_median (min $q_min, max $q_max, 30 queries sampled, one at a time, $q_failed failed)."
        echo
        echo "| step | wall | peak RSS | notes |"
        echo "| --- | --- | --- | --- |"
        echo "| \`tether import\` (fresh database) | $import_s s | $import_mb MB | bundle $bundle_mb MB |"
        echo "| \`tether export\` | $export_s s | $export_mb MB | $export_size MB written |"
        echo
        echo "Uncached reads (TETHER_READ_CACHE_MB=0), \`$WRK -s bench/rotate.lua\`, random paths:"
        echo
        echo "| request | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests |"
        echo "| --- | --- | --- | --- | --- | --- | --- |"
        read_row "\`?page=N\`, N random in 1..$pages" "$list"
        read_row "\`?tag=T\`, T random of $(wc -l < "$C/tags.txt")" "$tagr"
        read_row "\`?q=w1+w2\`, random of $(wc -l < "$C/queries.txt")" "$search"
        read_row "\`/articles/{slug}\`, random of $size" "$articler"
        read_row "mix of the four (equal shares)" "$mix"
        read_row "mix without searches (list, tag, article)" "$mix3"
        echo
        echo "The same uncached list, tag and search reads at 8 connections (\`wrk -t2 -c8 -d$DURATION --latency\`), where less of the latency is queueing:"
        echo
        echo "| request | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests |"
        echo "| --- | --- | --- | --- | --- | --- | --- |"
        read_row "\`?page=N\`, 8 connections" "$list8"
        read_row "\`?tag=T\`, 8 connections" "$tag8"
        read_row "\`?q=w1+w2\`, 8 connections" "$search8"
        echo
        echo "Cached single article (plain \`$WRK\`, no script, $sample, $article_kb KB) and nginx serving the same bytes, one after the other:"
        echo
        echo "| server | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests |"
        echo "| --- | --- | --- | --- | --- | --- | --- |"
        read_row "Tether, read cache on" "$cached"
        read_row "nginx, same bytes from a file ($ctype)" "$static"
        echo "| **Tether / nginx** | **$(python3 -c "import sys; print(f'{float(sys.argv[1]) / max(float(sys.argv[2]), 1):.2f}×')" "$(r "$cached" 0)" "$(r "$static" 0)")** | | | | | |"
        echo
        echo "Reads while one editor saves article-0 once a second (sign in, open the editor, post the form):"
        echo
        echo "| reads | req/s without | req/s with saves | with / without | p99 ms without | p99 ms with | non-2xx with | saves ok / total | save p50 / max ms |"
        echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        echo "| uncached mix without searches | $(r "$mix3" 0) | $(r "$mix3_saves" 0) | $(pct "$(r "$mix3_saves" 0)" "$(r "$mix3" 0)") | $(r "$mix3" 2) | $(r "$mix3_saves" 2) | $(r "$mix3_saves" 4) | (same editor) | |"
        echo "| uncached mix of the four | $(r "$mix" 0) | $(r "$mix_saves" 0) | $(pct "$(r "$mix_saves" 0)" "$(r "$mix" 0)") | $(r "$mix" 2) | $(r "$mix_saves" 2) | $(r "$mix_saves" 4) | $u_ok / $u_total | $u_p50 / $u_max |"
        echo "| cached article + list mix | $(r "$cmix" 0) | $(r "$cmix_saves" 0) | $(pct "$(r "$cmix_saves" 0)" "$(r "$cmix" 0)") | $(r "$cmix" 2) | $(r "$cmix_saves" 2) | $(r "$cmix_saves" 4) | $c_ok / $c_total | $c_p50 / $c_max |"
        echo
        echo "Reads during \`tether import\` of $IMPORT_DURING new articles into the same database (uncached mix without searches; wrk runs from 1 s before the import to 1 s after):"
        echo
        echo "| reads | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests |"
        echo "| --- | --- | --- | --- | --- | --- | --- |"
        read_row "uncached mix without searches, before the import" "$mix_before"
        read_row "uncached mix without searches, during the import ($(pct "$(r "$during" 0)" "$(r "$mix_before" 0)") of before)" "$during"
        echo
        echo "The import: exit $import_rc, $during_import_s s, peak RSS $during_import_mb MB: $(grep -v '^\s*$' "$OUT/logs/import-during-$backend-$size.log" | tail -1 | cut -c1-200)"
        echo
        echo "| server peak RSS (VmHWM) | MB |"
        echo "| --- | --- |"
        echo "| read cache off, after the uncached reads and saves | $uncached_mb |"
        echo "| read cache on (default), after the cached reads and saves | $cached_mb |"
        echo "| read cache on, after the /go redirects too | $go_mb |"
        echo "| read cache off, after the import during reads | $import_mem_mb |"
        echo
        echo "| tracked-link redirect \`/go/promo-0..19\` | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests |"
        echo "| --- | --- | --- | --- | --- | --- | --- |"
        read_row "302, click counted" "$redirects"
        echo
        echo "After a graceful stop (SIGTERM): $go_stored clicks stored for the $go_total redirects wrk counted (wrk does not count answers still in flight when its time is up, at most one per connection: up to $CONNECTIONS more stored than counted is exact)."
        echo
        if ((${#notes[@]})); then printf -- '- %s\n' "${notes[@]}"; fi
        echo
    } > "$file"
    cat "$file"
    details+=("$file")
    summary+=("| $backend | $size | $import_s s / $import_mb MB | $export_s s / $export_mb MB | $(r "$list" 2) | $(r "$tagr" 2) | $(r "$search" 2) | $(r "$articler" 2) | $(python3 -c "import sys; print(f'{float(sys.argv[1]) / max(float(sys.argv[2]), 1):.2f}×')" "$(r "$cached" 0)" "$(r "$static" 0)") | $(pct "$(r "$mix3_saves" 0)" "$(r "$mix3" 0)") / $(pct "$(r "$mix_saves" 0)" "$(r "$mix" 0)") / $(pct "$(r "$cmix_saves" 0)" "$(r "$cmix" 0)") | $(pct "$(r "$during" 0)" "$(r "$mix_before" 0)") | $uncached_mb / $cached_mb MB |")
  done
done

clicks_file=""
if [[ "$RUN_CLICKS" == 1 ]]; then
    log "bench/clicks.sh (graceful stop and kill -9)"
    BIN="$BIN" BACKENDS="$BACKENDS" DURATION="${DURATION%s}" bash bench/clicks.sh > "$OUT/logs/clicks.log" 2>&1 \
        && clicks_file="$OUT/clicks/results.md" || echo "bench/clicks.sh failed: see $OUT/logs/clicks.log" >&2
fi

LOAD_END=$(uptime)
{
    echo "# Tether benchmark, $STARTED"
    echo
    echo "Command: \`SIZES=\"$SIZES\" BACKENDS=\"$BACKENDS\" DURATION=$DURATION bash bench/run.sh\` (commit $(git -C "$REPO" rev-parse --short HEAD)); $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GB RAM."
    echo
    echo "Machine load at start: \`$(sed 's/^ *//' <<<"$LOAD_START")\`; at end: \`$(sed 's/^ *//' <<<"$LOAD_END")\`."
    echo
    echo "What limits these figures: wrk (2 threads), Tether, PostgreSQL and the editor loop all share"
    echo "the same $(nproc) cores, so req/s is what the server gets from the cores the client leaves it,"
    echo "not its ceiling; the nginx row, measured the same way right after, is the yardstick."
    echo "Other builds may run on this machine (see the load); compare runs made under the same load."
    echo "Uncached reads are bound by the database's queries (and by SQLite's or PostgreSQL's CPU);"
    echo "cached reads by HTTP and the per-request content-version check; import/export by one core."
    echo
    echo "| database | articles | import wall / RSS | export wall / RSS | uncached p99 ms: list | tag | search | article | cached article / nginx | reads with saves (uncached no search / uncached all / cached) | reads during import | server RSS (cache off / on) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${summary[@]}"
    echo
    echo "Goals: p99 under 50 ms at 100k uncached for list, tag and search; cached article ≥ 0.8× nginx;"
    echo "reads during saves ≥ 70 % of reads without; server memory under 150 MB at 100k."
    echo
    for f in "${details[@]}"; do cat "$f"; done
    if [[ -n "$clicks_file" ]]; then
        echo "## Clicks (bench/clicks.sh)"
        echo
        cat "$clicks_file"
    fi
} > "$OUT/results.md"
echo
cat "$OUT/results.md"
