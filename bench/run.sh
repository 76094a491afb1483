#!/usr/bin/env bash
# The benchmark suite (issue 8): builds the release binaries, fills (or reuses) a database,
# measures the server over loopback with wrk beside its references, and writes bench/RESULTS.md.
# See bench/README.md for what each figure means and the targets.
#
#   bash bench/run.sh [--scale N] [--pg | --pg-only] [--db-dir DIR] [--duration 10s] ...
#
# Not part of the test suite: nothing here runs under `cargo test`.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bash bench/run.sh [options]

  --scale N          data made by `stationhub demo --scale N --no-serve` (100: ~5,000 stations,
                     20,000 applications, 2,000,000 activities). Without it: the small demo city.
                     Generated once per scale and database; later runs reuse it.
  --pg               also run everything against PostgreSQL (reported beside SQLite)
  --pg-only          PostgreSQL only
  --pg-server URL    the PostgreSQL server (default postgres://postgres@127.0.0.1:5432); the
                     database stationhub_bench_<data> is created on it
  --db-dir DIR       where the SQLite databases, file folders and logs go
                     (default target/bench; never under bench/)
  --sqlite-db FILE   use this already generated SQLite database as it is (no generation)
  --regenerate       throw away the stored data of this scale and generate it again
  --today YYYY-MM-DD STATIONHUB_TODAY for generation and serving (default: the generation's day)
  --duration D       wrk run per endpoint (default 10s)
  --warmup D         wrk warm-up per endpoint, not reported (default 2s)
  --connections N    wrk connections (default 64)
  --threads N        wrk threads (default 2)
  --port P           the server's port (default 18080; the constant handler uses P+10)
  --out FILE         default bench/RESULTS.md
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SCALE=""
DB_DIR="$TARGET/bench"
RUN_SQLITE=1
RUN_PG=0
PG_SERVER=postgres://postgres@127.0.0.1:5432
SQLITE_DB=""
REGEN=0
TODAY=""
DURATION=10s
WARMUP=2s
CONNS=64
THREADS=2
PORT=18080
OUT="$ROOT/bench/RESULTS.md"
ARGS_GIVEN="$*"

while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --pg) RUN_PG=1; shift ;;
    --pg-only) RUN_PG=1; RUN_SQLITE=0; shift ;;
    --pg-server) PG_SERVER=$2; shift 2 ;;
    --db-dir) DB_DIR=$2; shift 2 ;;
    --sqlite-db) SQLITE_DB=$2; shift 2 ;;
    --regenerate) REGEN=1; shift ;;
    --today) TODAY=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$SCALE" ] && ! [[ "$SCALE" =~ ^[0-9]+$ ]]; then
  echo "run.sh: --scale takes a whole number" >&2; exit 2
fi
case "$DB_DIR" in
  "$ROOT"/bench|"$ROOT"/bench/*) echo "run.sh: keep databases out of bench/ (--db-dir)" >&2; exit 2 ;;
esac

REF_PORT=$((PORT + 10))
BASE="http://127.0.0.1:$PORT"
PY="python3 $ROOT/bench/results.py"
PASSWORD='Demo#2023yy'
NAME=${SCALE:+scale-$SCALE}
NAME=${NAME:-demo}
STAMP=$(date +%Y%m%d-%H%M%S)
LOGS="$DB_DIR/logs/$STAMP"
mkdir -p "$DB_DIR" "$LOGS"
DB_DIR=$(cd "$DB_DIR" && pwd)
LOGS="$DB_DIR/logs/$STAMP"
META="$LOGS/meta.txt"
T_START=$(date +%s)

say() { printf '\n== %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
APT_UPDATED=0
need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  say "installing $2 (for $1)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if [ $APT_UPDATED -eq 0 ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
need curl curl
need python3 python3
need wrk wrk
need sqlite3 sqlite3
[ $RUN_PG -eq 1 ] && need psql postgresql-client

for p in "$PORT" "$REF_PORT"; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/" 2>/dev/null; then
    echo "run.sh: port $p is in use (--port)" >&2; exit 2
  fi
done

# --- build -------------------------------------------------------------------------------------
say "building release binaries"
(cd "$ROOT" && cargo build --release --quiet -p stationhub -p stationhub-bench)
BIN="$TARGET/release/stationhub"
CONST_BIN="$TARGET/release/constant-server"

# --- servers we start are stopped on exit ------------------------------------------------------
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_up() { # wait_up URL PID
  for _ in $(seq 1 6000); do
    curl -s -o /dev/null -f "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "run.sh: the server died, see $LOGS" >&2; exit 1; }
    sleep 0.02
  done
  echo "run.sh: $1 did not answer" >&2; exit 1
}

stop() { # stop PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# wrk_run KEY URL [HEADER] → KEY.rps/p50/p99/non2xx/errors into $RES
wrk_run() {
  local key=$1 url=$2 hdr=${3:-}
  local h=()
  [ -n "$hdr" ] && h=(-H "$hdr")
  # Non-2xx answers would make any figure meaningless: check one request first.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "${h[@]}" "$url")
  [ "$code" = 200 ] || { echo "run.sh: $url answers $code" >&2; exit 1; }
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${h[@]}" "$url" >"$LOGS/$key.$BACKEND.warmup.txt" 2>&1
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency "${h[@]}" "$url" >"$LOGS/$key.$BACKEND.txt" 2>&1
  local r
  read -r rps p50 p99 non2xx errors < <($PY wrk "$LOGS/$key.$BACKEND.txt")
  r="$key.rps=$rps"$'\n'"$key.p50=$p50"$'\n'"$key.p99=$p99"$'\n'"$key.non2xx=$non2xx"$'\n'"$key.errors=$errors"
  echo "$r" >>"$RES"
  printf '   %-9s %10s req/s  p50 %8s ms  p99 %8s ms  non-2xx %s\n' "$key" "$rps" "$p50" "$p99" "$non2xx" >&2
}

# curl_time URL HEADER → "CODE SECONDS BYTES"
curl_time() {
  curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' -H "$2" "$1"
}

# --- machine -----------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=0
[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] && DIRTY=1
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
  echo "command=bash bench/run.sh${ARGS_GIVEN:+ $ARGS_GIVEN}"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$COMMIT"
  echo "dirty=$DIRTY"
  echo "cpu=${CPU:-unknown}"
  echo "cores=$(nproc)"
  echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "tools=$(wrk -v 2>&1 | head -1 | awk '{print "wrk", $2}'), sqlite3 $(sqlite3 --version | awk '{print $1}')$([ $RUN_PG -eq 1 ] && echo ", $(psql --version | awk '{print "psql", $3}')")"
  echo "scale=${SCALE:-demo}"
  echo "scale_note=$([ -n "$SCALE" ] && echo "scale $SCALE (\`demo --scale $SCALE\`)" || echo "the small demo city (\`demo\`, no --scale)")"
  echo "threads=$THREADS"
  echo "connections=$CONNS"
  echo "duration=$DURATION"
  echo "warmup=$WARMUP"
  echo "logs=$LOGS"
} >"$META"

# --- the reference: a plain axum handler returning a constant ----------------------------------
say "reference: constant handler"
"$CONST_BIN" "127.0.0.1:$REF_PORT" >"$LOGS/constant-server.log" 2>&1 &
CPID=$!
PIDS+=("$CPID")
wait_up "http://127.0.0.1:$REF_PORT/" "$CPID"
BACKEND=reference
RES="$LOGS/constant.txt"
: >"$RES"
wrk_run constant "http://127.0.0.1:$REF_PORT/"
cat "$RES" >>"$META"
echo "constant.url=http://127.0.0.1:$REF_PORT/" >>"$META"
echo "constant.rss.kb=$(awk '/VmHWM/ {print $2}' /proc/$CPID/status)" >>"$META"
stop "$CPID"

# --- data --------------------------------------------------------------------------------------
# A marker beside the data records that generation finished, and the day it was made for.
generate() { # generate URL DATA-DIR
  local args=(demo --no-serve)
  [ -n "$SCALE" ] && args=(demo --scale "$SCALE" --no-serve)
  say "generating data: stationhub --database $1 ${args[*]} (today $TODAY)"
  local t0 t1
  t0=$(date +%s.%N)
  STATIONHUB_TODAY=$TODAY "$BIN" --database "$1" --data-dir "$2" "${args[@]}" \
    >"$LOGS/generate.$BACKEND.log" 2>&1 \
    || { echo "run.sh: generation failed, see $LOGS/generate.$BACKEND.log" >&2; tail -5 "$LOGS/generate.$BACKEND.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "   generated in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", b - a}') s" >&2
}

marker_today() { sed -n 's/^today=//p' "$1" 2>/dev/null || true; }

# --- one backend -------------------------------------------------------------------------------
count_rows() { # count_rows → "stations N · applications N · activities N · audit entries N"
  local q="SELECT (SELECT count(*) FROM stations), (SELECT count(*) FROM applications), (SELECT count(*) FROM activities), (SELECT count(*) FROM audit_log);"
  local r
  if [ "$BACKEND" = sqlite ]; then r=$(sqlite3 -separator ' ' "$DB_FILE" "$q"); else r=$(psql -X -qAt -F ' ' "$URL" -c "$q"); fi
  read -r a b c d <<<"$r"
  printf "stations %'d · applications %'d · activities %'d · audit entries %'d" "$a" "$b" "$c" "$d"
}

raw_query() { # the indicator aggregate in the database's own shell: one run's wall time (s)
  local years min_att sql t0 t1
  years=$(sed -n 's/^term_years *= *\([0-9]*\).*/\1/p' "$ROOT/policy/yiyang-2023.toml" | head -1)
  min_att=$(sed -n 's/^training_min_attendance *= *\([0-9]*\).*/\1/p' "$ROOT/policy/yiyang-2023.toml" | head -1)
  sql=$(sed -e "s/@TODAY@/$TODAY/g" -e "s/@YEARS@/${years:-2}/g" -e "s/@MIN_ATT@/${min_att:-50}/g" \
    "$ROOT/bench/indicators.$BACKEND.sql")
  t0=$(date +%s.%N)
  if [ "$BACKEND" = sqlite ]; then
    sqlite3 "$DB_FILE" <<<"$sql" >"$LOGS/table_ref.$BACKEND.out"
  else
    psql -X -qAt "$URL" <<<"$sql" >"$LOGS/table_ref.$BACKEND.out"
  fi
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}

measure() { # measure (BACKEND, URL, FILES set)
  RES="$LOGS/$BACKEND.txt"
  : >"$RES"
  echo "database=$URL" >>"$RES"
  echo "rows=$(count_rows)" >>"$RES"
  local serve=(env STATIONHUB_TODAY="$TODAY" "$BIN" --database "$URL" --data-dir "$FILES" serve --bind "127.0.0.1:$PORT")

  say "$BACKEND: start-up (3 times)"
  local st
  st=$($PY startup 3 "$BASE/healthz" "$LOGS/startup.$BACKEND.log" "${serve[@]}")
  echo "   $st s" >&2
  echo "startup.s=${st%% *}" >>"$RES"

  say "$BACKEND: serving for the load"
  "${serve[@]}" >"$LOGS/server.$BACKEND.log" 2>&1 &
  SPID=$!
  PIDS+=("$SPID")
  wait_up "$BASE/healthz" "$SPID"

  local token auth
  token=$(curl -s -f -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"city-cast\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session" | $PY json token)
  auth="Authorization: Bearer $token"

  # (b): the (state, level) filter with the most rows, a page beyond the first where there is one.
  local pick q total page
  pick=$($PY pick-filter "$BASE" "$token")
  q=${pick% *}
  total=${pick##* }
  page=$(( (total + 19) / 20 ))
  [ "$page" -gt 3 ] && page=3
  [ "$page" -lt 1 ] && page=1
  local apps_url="$BASE/api/v1/applications?$q&page=$page&per_page=20"
  # (d): the public list, page 2 where there is one.
  local st_total st_page st_id
  st_total=$(curl -s -f "$BASE/api/v1/stations?per_page=1" | $PY json total)
  st_page=2
  [ "$st_total" -le 20 ] && st_page=1
  local stations_url="$BASE/api/v1/stations?page=$st_page&per_page=20"
  # (c): the station in the middle of the public list.
  st_id=$(curl -s -f "$BASE/api/v1/stations?per_page=1&page=$(( (st_total + 1) / 2 ))" | $PY json items.0.id)
  local station_url="$BASE/api/v1/stations/$st_id/indicators"
  {
    echo "healthz.url=/healthz"
    echo "apps.url=${apps_url#"$BASE"}"
    echo "apps.as=city-cast"
    echo "apps.note=the (state, level) with the most rows: $total, page $page"
    echo "station.url=${station_url#"$BASE"}"
    echo "station.as=city-cast"
    echo "stations.url=${stations_url#"$BASE"}"
    echo "stations.note=no token ($st_total public stations)"
  } >>"$RES"

  say "$BACKEND: HTTP load (wrk -t$THREADS -c$CONNS -d$DURATION)"
  wrk_run healthz "$BASE/healthz"
  wrk_run apps "$apps_url" "$auth"
  wrk_run station "$station_url" "$auth"
  wrk_run stations "$stations_url"

  say "$BACKEND: the all-stations indicator table"
  local times=() r code t bytes i
  curl_time "$BASE/api/v1/indicators" "$auth" >/dev/null
  for i in 1 2 3; do
    read -r code t bytes < <(curl_time "$BASE/api/v1/indicators" "$auth")
    [ "$code" = 200 ] || { echo "run.sh: /api/v1/indicators answers $code" >&2; exit 1; }
    times+=("$t")
  done
  r=$(printf '%s\n' "${times[@]}" | $PY median)
  echo "   GET /api/v1/indicators: ${times[*]} s (median $r)" >&2
  echo "table.s=$r" >>"$RES"
  echo "table.url=/api/v1/indicators" >>"$RES"
  echo "table.as=city-cast" >>"$RES"
  echo "table.rows=$(curl -s -f -H "$auth" "$BASE/api/v1/indicators" | $PY json total)" >>"$RES"
  times=()
  raw_query >/dev/null
  for i in 1 2 3; do times+=("$(raw_query)"); done
  r=$(printf '%s\n' "${times[@]}" | $PY median)
  echo "   raw aggregate in the shell: ${times[*]} s (median $r, $(wc -l <"$LOGS/table_ref.$BACKEND.out") rows)" >&2
  echo "table_ref.s=$r" >>"$RES"
  echo "table_ref.tool=$([ "$BACKEND" = sqlite ] && echo sqlite3 || echo psql)" >>"$RES"

  say "$BACKEND: the applications export"
  times=()
  for i in 1 2 3; do
    read -r code t bytes < <(curl_time "$BASE/api/v1/applications.xlsx" "$auth")
    times+=("$t")
  done
  r=$(printf '%s\n' "${times[@]}" | $PY median)
  echo "   GET /api/v1/applications.xlsx: HTTP $code, $bytes bytes, ${times[*]} s (median $r)" >&2
  {
    echo "xlsx.s=$r"
    echo "xlsx.status=$code"
    echo "xlsx.bytes=$bytes"
    echo "xlsx.rows=$(curl -s -f -H "$auth" "$BASE/api/v1/applications?per_page=1" | $PY json total)"
    echo "xlsx.url=/api/v1/applications.xlsx"
    echo "xlsx.as=city-cast"
    echo "xlsx.note=every application city-cast sees"
  } >>"$RES"

  say "$BACKEND: one application PDF"
  local app_id
  app_id=$(curl -s -f -H "$auth" "$BASE/api/v1/applications?state=awarded&per_page=1" | $PY json items.0.id 2>/dev/null \
    || curl -s -f -H "$auth" "$BASE/api/v1/applications?per_page=1" | $PY json items.0.id)
  local pdf_url="$BASE/api/v1/applications/$app_id/form.pdf"
  read -r code t bytes < <(curl_time "$pdf_url" "$auth")
  echo "pdf_cold.s=$t" >>"$RES"
  times=()
  for i in $(seq 1 10); do
    read -r code t bytes < <(curl_time "$pdf_url" "$auth")
    times+=("$t")
  done
  r=$(printf '%s\n' "${times[@]}" | $PY median)
  echo "   $pdf_url: HTTP $code, $bytes bytes, median of 10 warm $r s" >&2
  {
    echo "pdf.s=$r"
    echo "pdf.status=$code"
    echo "pdf.url=${pdf_url#"$BASE"}"
    echo "pdf.as=city-cast"
  } >>"$RES"

  local hwm
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SPID/status")
  echo "   peak RSS (VmHWM) $((hwm / 1024)) MB" >&2
  echo "rss.kb=$hwm" >>"$RES"
  stop "$SPID"

  # The same list requests with the memo turned off: every request reads the database and
  # serialises its answer (what a request costs right after a change).
  say "$BACKEND: HTTP load without the memo (STATIONHUB_MEMO_MB=0)"
  env STATIONHUB_MEMO_MB=0 "${serve[@]}" >"$LOGS/server.$BACKEND.nomemo.log" 2>&1 &
  SPID=$!
  PIDS+=("$SPID")
  wait_up "$BASE/healthz" "$SPID"
  token=$(curl -s -f -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"city-cast\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session" | $PY json token)
  auth="Authorization: Bearer $token"
  wrk_run apps_nomemo "$apps_url" "$auth"
  wrk_run station_nomemo "$station_url" "$auth"
  wrk_run stations_nomemo "$stations_url"
  stop "$SPID"
}

SQLITE_RES=""
PG_RES=""

if [ $RUN_SQLITE -eq 1 ]; then
  BACKEND=sqlite
  if [ -n "$SQLITE_DB" ]; then
    DB_FILE=$(cd "$(dirname "$SQLITE_DB")" && pwd)/$(basename "$SQLITE_DB")
    [ -f "$DB_FILE" ] || { echo "run.sh: no such database $SQLITE_DB" >&2; exit 2; }
    FILES="$DB_FILE-files"
    MARK="$DB_FILE.bench-done"
  else
    DB_FILE="$DB_DIR/$NAME.db"
    FILES="$DB_DIR/$NAME-files"
    MARK="$DB_DIR/$NAME.sqlite.done"
  fi
  URL="sqlite://$DB_FILE"
  if [ -n "$SQLITE_DB" ] || { [ -f "$MARK" ] && [ $REGEN -eq 0 ]; }; then
    TODAY=${TODAY:-$(marker_today "$MARK")}
    say "sqlite: reusing $DB_FILE"
  else
    rm -rf "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm" "$FILES" "$MARK"
    TODAY=${TODAY:-$(TZ=Asia/Shanghai date +%F)}
    generate "$URL" "$FILES"
    echo "today=$TODAY" >"$MARK"
  fi
  TODAY=${TODAY:-$(TZ=Asia/Shanghai date +%F)}
  measure
  SQLITE_RES=$RES
fi

if [ $RUN_PG -eq 1 ]; then
  BACKEND=postgres
  PGDB="stationhub_bench_${NAME//-/_}"
  URL="${PG_SERVER%/}/$PGDB"
  ADMIN_URL="${PG_SERVER%/}/postgres"
  FILES="$DB_DIR/$NAME-pg-files"
  MARK="$DB_DIR/$NAME.pg.done"
  if [ -f "$MARK" ] && [ $REGEN -eq 0 ] \
    && [ "$(psql -X -qAt "$ADMIN_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$PGDB'")" = 1 ]; then
    TODAY=$(marker_today "$MARK")
    say "postgres: reusing database $PGDB"
  else
    rm -rf "$FILES" "$MARK"
    psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" -c "CREATE DATABASE $PGDB"
    # The same day as the SQLite data, so both answer the same question.
    TODAY=${TODAY:-$(TZ=Asia/Shanghai date +%F)}
    generate "$URL" "$FILES"
    echo "today=$TODAY" >"$MARK"
  fi
  measure
  PG_RES=$RES
fi

echo "today=$TODAY" >>"$META"
$PY render "$OUT" "$META" "$SQLITE_RES" "$PG_RES"
say "wrote ${OUT#"$ROOT"/} in $(( $(date +%s) - T_START )) s (logs: $LOGS)"
