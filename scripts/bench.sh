#!/usr/bin/env bash
# Benchmarks recorded in BENCHMARKS.md: one decision (criterion) and `moderato run` over
# 100,000 generated posts. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p moderato-cli
cargo bench -p moderato-engine --bench decision -- --warm-up-time 2 --measurement-time 5
corpus="${TMPDIR:-/tmp}/moderato-corpus-100k.jsonl"
./target/release/moderato generate --count 100000 --seed 1 -o "$corpus"
for threads in 1 2; do
  echo "== moderato run, $threads thread(s)"
  ./target/release/moderato run "$corpus" -o "${TMPDIR:-/tmp}/moderato-out.jsonl" --threads "$threads" 2>&1 | head -n 1
done
