#!/usr/bin/env bash
# Accept throughput through the HTTP API on a 100,000-item plan (SQLite, fsync on commit).
# Usage: bench/accept.sh [CONNECTIONS] [SECONDS]   (needs wrk and a release build)
set -euo pipefail
CONNS=${1:-16}
SECS=${2:-20}
T=${TUIJIN:-$(dirname "$0")/../target/release/tuijin}
PORT=${PORT:-18181}
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$T" plan generate --items 100000 --depth 6 -o "$DIR/plan.toml"
"$T" plan import "$DIR/plan.toml" --data "$DIR/d" --init >/dev/null
"$T" dev submitted-reports --plan generated --count 200000 -o "$DIR/ids.txt" --data "$DIR/d" >/dev/null
"$T" user add office --role office --data "$DIR/d" >/dev/null
TOKEN=$("$T" token create office --label bench --data "$DIR/d" 2>/dev/null)
export TOKEN
TUIJIN_LOG=info "$T" serve --data "$DIR/d" --bind "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1 &
SERVER=$!
# Wait for the start-up warning refresh to finish, so it does not share the measurement.
until curl -sf "127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.5; done
until grep -q "warnings refreshed" "$DIR/serve.log"; do sleep 1; done
IDS="$DIR/ids.txt" THREADS=2 wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$(dirname "$0")/accept.lua" "http://127.0.0.1:$PORT"
echo "check: $("$T" check rollups --data "$DIR/d" 2>&1 | tail -1)"
