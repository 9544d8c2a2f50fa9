#!/usr/bin/env bash
# Scaling benchmark of stream workers: 1, 2 and 4 `moderato worker`s on NATS JetStream and PostgreSQL.
# Usage: bash scripts/worker-bench.sh [N] [WORKER COUNTS...]   (default: 100000 items; 1 2 4 workers)
# Needs NATS with JetStream and PostgreSQL (MODERATO_BENCH_NATS_URL, MODERATO_BENCH_DATABASE_URL;
# defaults are the local services). See scripts/worker-bench.py for what is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p moderato-cli
exec python3 scripts/worker-bench.py "$@"
