#!/bin/bash
# Back to back: SQLite and PostgreSQL, 3 runs each, alternating, same load generator.
cd "$(dirname "$0")/.."
for i in 1 2 3; do
  rm -rf /tmp/sq && mkdir /tmp/sq
  MADOGUCHI_DATA_DIR=/tmp/sq target/release/madoguchi serve --demo --listen 127.0.0.1:8083 > /tmp/sq/log 2>&1 &
  sleep 4
  echo -n "sqlite run $i: "; target/release/madoguchi-loadgen --addr 127.0.0.1:8083 --concurrency 32 --duration 10 --warmup 2 2>&1 | tail -1
  pkill -f "listen 127.0.0.1:8083"; sleep 2
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS bench" 2>/dev/null; psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE bench"
  target/release/madoguchi --database-url postgres://postgres@127.0.0.1:5432/bench serve --demo --listen 127.0.0.1:8082 > /tmp/pg-serve.log 2>&1 &
  sleep 4
  echo -n "postgres run $i: "; target/release/madoguchi-loadgen --addr 127.0.0.1:8082 --concurrency 32 --duration 10 --warmup 2 2>&1 | tail -1
  pkill -f "listen 127.0.0.1:8082"; sleep 2
done
