#!/usr/bin/env bash
# The workload Tuijin was compared with Redmine on (issue "Fast at any size"), on Tuijin alone:
# for each tree shape (10 → 10 → 20 = 2,110 items; 100 → 10 → 20 = 21,100 items) it
#   1. creates the tree (one `tuijin plan import`),
#   2. updates progress: UPDATES create → submit → accept flows on random leaves by CLIENTS
#      clients (`tuijin dev load`),
#   3. reads with CLIENTS clients (wrk): lists of 100 items, the top item with its children,
#      the timeline page (as the office, logged in),
#   4. checks every stored rollup against a full recompute (`tuijin check rollups`),
# and measures the machine's own ceilings in the same run: a trivial handler through the same
# server (the stylesheet), `/healthz` (one database round trip), and raw SQLite inserts per
# second (one transaction; one commit per row with WAL and synchronous=FULL, as the server).
# Prints one Markdown table. Needs a release build, wrk and python3.
# Usage: bench/workload.sh            (CLIENTS=4 UPDATES=1000 SECS=10 SHAPES="10,10,20 100,10,20")
set -euo pipefail
CLIENTS=${CLIENTS:-4}
UPDATES=${UPDATES:-1000}
SECS=${SECS:-10}
SHAPES=${SHAPES:-"10,10,20 100,10,20"}
UNITS=${UNITS:-20}
T=$(realpath "${TUIJIN:-$(dirname "$0")/../target/release/tuijin}")
PORT=${PORT:-18183}
DIR=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$DIR"' EXIT
export TUIJIN_LOG=warn
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }

# wrk's requests/s, p50 and p99 of one read, as "RPS|P50|P99".
read_phase() {
  local out code
  # wrk does not count redirects as failures: the page itself must answer 200.
  code=$(curl -s -o /dev/null -w '%{http_code}' "$@")
  if [ "$code" != 200 ]; then
    echo "$* answered $code" >&2
    exit 1
  fi
  out=$(wrk -t2 -c"$CLIENTS" -d"${SECS}s" --latency "$@")
  if echo "$out" | grep -q "Non-2xx"; then
    echo "$out" >&2
    echo "wrk: some answers were not 2xx" >&2
    exit 1
  fi
  printf '%s|%s|%s' \
    "$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f/s", $2}')" \
    "$(echo "$out" | awk '$1 == "50%" {print $2}')" \
    "$(echo "$out" | awk '$1 == "99%" {print $2}')"
}

add_read_row() {
  local phase=$1 shape=$2 r=$3
  IFS='|' read -r rps p50 p99 <<<"$r"
  row "$phase" "$shape" "$CLIENTS" "$rps" "p50 $p50, p99 $p99"
}

for SHAPE in $SHAPES; do
  D="$DIR/$SHAPE"
  mkdir -p "$D"
  export TUIJIN_DATA="$D/data"
  "$T" plan generate --fanout "$SHAPE" --units "$UNITS" --code work -o "$D/plan.toml"
  N=$(echo "$SHAPE" | awk -F, '{n = 1; s = 0; for (i = 1; i <= NF; i++) {n *= $i; s += n}; print s}')
  START=$(date +%s.%N)
  "$T" plan import "$D/plan.toml" --init >/dev/null
  SECONDS_IMPORT=$(echo "$(date +%s.%N) - $START" | bc)
  row "create the tree (one import)" "$N items" 1 \
    "$(echo "$N / $SECONDS_IMPORT" | bc) items/s" "$(printf '%.2f' "$SECONDS_IMPORT") s"
  "$T" dev leaves --plan work -o "$D/leaves.txt"
  ARGS=()
  for ((u = 0; u < UNITS; u++)); do ARGS+=(--unit "U$u"); done
  "$T" user add clerk --role unit "${ARGS[@]}" >/dev/null
  echo "workload-office-1" | "$T" user add office --role office --password-stdin >/dev/null
  UNIT_TOKEN=$("$T" token create clerk 2>/dev/null)
  OFFICE_TOKEN=$("$T" token create office 2>/dev/null)
  TUIJIN_LOG=info "$T" serve --bind "127.0.0.1:$PORT" >"$D/serve.log" 2>&1 &
  SERVER=$!
  until curl -sf "127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.2; done
  until grep -q "warnings refreshed" "$D/serve.log"; do sleep 0.2; done
  RSS_START=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)

  # 2. Progress updates: a unit files and submits, the office accepts.
  LOAD=$("$T" dev load --server "127.0.0.1:$PORT" --plan work --leaves "$D/leaves.txt" \
    --unit-token "$UNIT_TOKEN" --office-token "$OFFICE_TOKEN" \
    --clients "$CLIENTS" --flows "$UPDATES" --millis 600000)
  read -r ACC RATE FP50 FP99 ERR < <(echo "$LOAD" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["accepted"], round(s["accepted_per_second"]), round(s["flow_p50_ms"], 1),
      round(s["flow_p99_ms"], 1), s["server_errors"] + s["connection_errors"])')
  row "update progress (create → submit → accept)" "$N items" "$CLIENTS" \
    "$RATE flows/s ($ACC accepted, $ERR errors)" "flow p50 ${FP50} ms, p99 ${FP99} ms"

  # 3. Reads, as the office.
  AUTH="Authorization: Bearer $OFFICE_TOKEN"
  add_read_row "list 100 items" "$N items" \
    "$(read_phase -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/items?plan=work&limit=100")"
  add_read_row "top item + children" "$N items" \
    "$(read_phase -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/plans/work/items/G0")"
  JAR="$D/cookies"
  CSRF=$(curl -s -c "$JAR" "127.0.0.1:$PORT/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf=$CSRF" \
    --data-urlencode "name=office" --data-urlencode "password=workload-office-1" "127.0.0.1:$PORT/login"
  COOKIE=$(awk '(/^#HttpOnly_/ || !/^#/) && NF >= 7 {printf "%s=%s; ", $6, $7}' "$JAR")
  add_read_row "timeline page (first 120 projects and milestones)" "$N items" \
    "$(read_phase -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/plans/work/timeline")"
  RSS_END=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)
  row "server memory (RSS)" "$N items" - "$((RSS_END / 1024)) MiB after the run" \
    "$((RSS_START / 1024)) MiB when started"

  # The machine's ceilings, through the same server.
  add_read_row "ceiling: trivial handler (the stylesheet)" "$N items" \
    "$(read_phase "http://127.0.0.1:$PORT/assets/tuijin.css")"
  add_read_row "ceiling: /healthz (one database round trip)" "$N items" \
    "$(read_phase "http://127.0.0.1:$PORT/healthz")"
  kill $SERVER
  wait $SERVER 2>/dev/null || true
  SERVER=
  # 4. Every rollup equals the full recompute.
  CHECK=$("$T" check rollups 2>&1 | tail -1)
  row "rollup check after the run" "$N items" - "$CHECK" -
done

SQLITE=$(python3 - "$DIR/raw.db" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL)")
n = 100_000
t = time.perf_counter()
db.execute("BEGIN")
db.executemany("INSERT INTO t (a, b) VALUES (?, ?)", ((f"item {i}", i / 7) for i in range(n)))
db.execute("COMMIT")
bulk = n / (time.perf_counter() - t)
m = 1_000
t = time.perf_counter()
for i in range(m):
    db.execute("INSERT INTO t (a, b) VALUES (?, ?)", (f"one {i}", i))
commits = m / (time.perf_counter() - t)
print(f"{bulk:.0f}|{commits:.0f}")
EOF
)
row "ceiling: raw SQLite inserts, one transaction" - 1 "${SQLITE%%|*} rows/s" "python3 sqlite3, 100,000 rows"
row "ceiling: raw SQLite commits (WAL, synchronous=FULL)" - 1 "${SQLITE##*|} commits/s" "one row per commit, 1,000 rows"

echo
echo "| phase | plan | clients | result | latency / note |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
