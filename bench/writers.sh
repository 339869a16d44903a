#!/usr/bin/env bash
# Writers at once: CLIENTS clients each doing create → submit → accept through the HTTP API
# (a unit files a report and submits it, the office accepts it), on a generated plan.
# Usage: bench/writers.sh [CLIENTS] [SECONDS] [DATABASE_URL]
#   DATABASE_URL empty: SQLite in a fresh data folder; postgres://… : that (empty) database.
# Needs a release build. Prints the load client's JSON summary (flows/s, p50/p99 of a whole
# flow and of one request, statuses) and the rollup check.
set -euo pipefail
CLIENTS=${1:-8}
SECS=${2:-20}
URL=${3:-}
ITEMS=${ITEMS:-100000}
UNITS=${UNITS:-200}
T=${TUIJIN:-$(dirname "$0")/../target/release/tuijin}
PORT=${PORT:-18182}
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
export TUIJIN_LOG=warn
if [ -n "$URL" ]; then export TUIJIN_DATABASE_URL="$URL"; else export TUIJIN_DATA="$DIR/d"; fi
"$T" plan generate --items "$ITEMS" --depth 6 --units "$UNITS" --code gen -o "$DIR/plan.toml"
"$T" plan import "$DIR/plan.toml" --init >/dev/null
"$T" dev leaves --plan gen -o "$DIR/leaves.txt"
ARGS=()
for ((u = 0; u < UNITS; u++)); do ARGS+=(--unit "U$u"); done
"$T" user add clerk --role unit "${ARGS[@]}" >/dev/null
"$T" user add office --role office >/dev/null
UNIT_TOKEN=$("$T" token create clerk 2>/dev/null)
OFFICE_TOKEN=$("$T" token create office 2>/dev/null)
TUIJIN_LOG=info "$T" serve --bind "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1 &
SERVER=$!
until curl -sf "127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.5; done
# The start-up warning refresh is measured on its own (its time is printed), not inside the run.
START=$(date +%s.%N)
until grep -q "warnings refreshed" "$DIR/serve.log"; do sleep 0.2; done
echo "start-up warning refresh: $(echo "$(date +%s.%N) - $START" | bc) s after /healthz answered"
"$T" dev load --server "127.0.0.1:$PORT" --plan gen --leaves "$DIR/leaves.txt" \
  --unit-token "$UNIT_TOKEN" --office-token "$OFFICE_TOKEN" \
  --clients "$CLIENTS" --millis $((SECS * 1000))
kill $SERVER; wait $SERVER 2>/dev/null || true
echo "check: $("$T" check rollups 2>&1 | tail -1)"
