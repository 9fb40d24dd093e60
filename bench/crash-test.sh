#!/usr/bin/env bash
# Crash test: submit applications under load, kill -9 the server in the middle, then check
# that every submission that was acknowledged (201) is in the database and that the audit
# chain is intact. Usage: bench/crash-test.sh [sqlite|postgres] [seconds-before-kill]
# Needs the binaries: cargo build --release -p madoguchi -p madoguchi-loadgen
# (MADOGUCHI_BIN_DIR=target/debug to use a debug build, as CI does).
set -euo pipefail
backend=${1:-sqlite}
kill_after=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${MADOGUCHI_BIN_DIR:-$root/target/release}"
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
case "$backend" in
  sqlite) url="sqlite://$work/crash.db?mode=rwc" ;;
  postgres)
    pg=${MADOGUCHI_CRASH_PG:-postgres://postgres@127.0.0.1:5432/test}
    db="crash_$$"
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    url="${pg%/*}/$db" ;;
  *) echo "usage: $0 [sqlite|postgres] [seconds]"; exit 2 ;;
esac
cleanup() { [ -n "${server:-}" ] && kill -9 "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

MADOGUCHI_LOG=warn "$bin/madoguchi" --database-url "$url" serve --demo --listen "127.0.0.1:$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q "listening" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q "listening" "$work/server.log" || { cat "$work/server.log"; exit 1; }

"$bin/madoguchi-loadgen" --addr "127.0.0.1:$port" --concurrency 32 --warmup 0 --duration $((kill_after + 2)) --tolerate-errors --ack-file "$work/acks.txt" > "$work/load.txt" &
load=$!
sleep "$kill_after"
kill -9 "$server"
echo "killed the server (kill -9) after ${kill_after}s"
server=""
wait "$load"
cat "$work/load.txt"
acked=$(wc -l < "$work/acks.txt")
[ "$acked" -gt 0 ] || { echo "no submission was acknowledged before the kill"; exit 1; }
# Opening the database after the crash recovers it (SQLite WAL / PostgreSQL redo).
"$bin/madoguchi" --database-url "$url" applications verify "$work/acks.txt"
"$bin/madoguchi" --database-url "$url" audit verify
stored=$("$bin/madoguchi" --database-url "$url" applications count)
echo "crash test ($backend): $acked acknowledged, $stored stored, none lost"
if [ "$backend" = postgres ]; then psql "$pg" -qc "DROP DATABASE IF EXISTS $db" >/dev/null || true; fi
