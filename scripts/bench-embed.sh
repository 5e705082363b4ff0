#!/usr/bin/env bash
# Embedding throughput: the Rust embed stage against Python ONNX Runtime on
# the same model files, the same texts and the same thread count.
#
#   scripts/bench-embed.sh [COUNT=2000] [THREADS=all cores]
#
# 1. scripts/fetch-model.sh (model + runtime, idempotent)
# 2. scripts/embed_corpus.py: COUNT real Rust functions from the crate
#    sources in ~/.cargo/registry/src (run `cargo fetch` first on a fresh machine)
# 3. embed-bench (release) and scripts/embed_reference.py bench (Python ORT),
#    alternating, on the same texts: naive batches of 32 in input order and
#    length-sorted batches of 32 (twice each), the kernels on uniform batches;
#    then Rust alone: the stage's bucketed plan, the embed stage cold (cache
#    writes) and warm (all hits)
# 5. scripts/embed_bench_report.py: functions/embed/BENCHMARKS.md
#
# Environment: DOCTOWN_CACHE, BENCH_ROUNDS (2), CARGO_TARGET_DIR (default $DOCTOWN_CACHE/target-embed),
# BENCH_OUT (default functions/embed/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${1:-2000}"
THREADS="${2:-$(nproc)}"
CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target-embed}"
OUT="${BENCH_OUT:-functions/embed/BENCHMARKS.md}"
WORK="$CACHE/bench-embed"
mkdir -p "$WORK"

eval "$(scripts/fetch-model.sh | sed 's/^/export /')"
python3 scripts/embed_corpus.py --out "$WORK/chunks.jsonl" --count "$COUNT"
cargo build --release -p doctown-embed --bin embed-bench
BIN="$CARGO_TARGET_DIR/release/embed-bench"

# Rust and Python alternate, each configuration BENCH_ROUNDS times (default
# 2), so that both see the same machine load; the report keeps each side's
# better run.
: > "$WORK/rust.jsonl"
: > "$WORK/python.jsonl"
rust() { "$BIN" --chunks "$WORK/chunks.jsonl" --texts-out "$WORK/texts.jsonl" --threads "$THREADS" --batch 32 --configs "$1" | tee -a "$WORK/rust.jsonl"; }
python() { python3 scripts/embed_reference.py bench --input "$WORK/texts.jsonl" --threads "$THREADS" --batch 32 --configs "$1" | tee -a "$WORK/python.jsonl"; }
rust uniform  # also writes texts.jsonl
for round in $(seq "${BENCH_ROUNDS:-2}"); do
    for config in naive sorted; do
        echo "bench-embed: round $round, $config (threads=$THREADS)" >&2
        rust "$config"
        python "$config"
    done
done
python uniform
rust bucketed
rust stage
rust uniform

python3 scripts/embed_bench_report.py --rust "$WORK/rust.jsonl" --python "$WORK/python.jsonl" \
    --threads "$THREADS" --rounds "${BENCH_ROUNDS:-2}" \
    --command "BENCH_ROUNDS=${BENCH_ROUNDS:-2} scripts/bench-embed.sh $COUNT $THREADS" > "$OUT"
echo "bench-embed: wrote $OUT" >&2
