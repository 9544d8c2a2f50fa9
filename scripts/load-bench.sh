#!/usr/bin/env bash
# Load benchmark of POST /v1/content with wrk, on the embedded SQLite default and on PostgreSQL.
# Usage: bash scripts/load-bench.sh [DURATION] [CONNECTIONS]
# PostgreSQL: set MODERATO_BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); its
# `moderato_bench` schema is dropped and recreated. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
connections="${2:-48}"
cargo build --release -p moderato-cli
bin=./target/release/moderato
port=18181
run() {
  local label="$1"; shift
  local work; work="$(mktemp -d)"
  local token; token="$($bin token create --role ingest --name bench "$@" 2>/dev/null)"
  $bin serve "$@" --bind "127.0.0.1:$port" 2>"$work/serve.log" &
  local pid=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  echo "== $label: wrk -t2 -c$connections -d$duration"
  MODERATO_TOKEN="$token" RUN_ID="$label-$$" wrk -t2 -c"$connections" -d"$duration" --latency -s scripts/post-content.lua "http://127.0.0.1:$port/v1/content" | tail -n 4
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
data="$(mktemp -d)"
run sqlite --data-dir "$data"
rm -rf "$data"
if [ -n "${MODERATO_BENCH_DATABASE_URL:-}" ]; then
  psql "$MODERATO_BENCH_DATABASE_URL" -qc "DROP SCHEMA IF EXISTS moderato_bench CASCADE; CREATE SCHEMA moderato_bench" >/dev/null
  run postgres --database-url "${MODERATO_BENCH_DATABASE_URL}?options=-c%20search_path%3Dmoderato_bench"
fi
