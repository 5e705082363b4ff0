#!/usr/bin/env bash
# Distributed-runtime benchmark: jobs per minute and per-stage latency with
# 1, 2 and 4 workers per stage on S3 + SQS (moto on loopback), and the
# overhead of the distributed path against the in-process runner.
#
#   scripts/bench-distributed.sh [COPIES=4] [JOBS=12]
#
# The repository is functions/cli/tests/fixtures/multilang copied COPIES
# times. Stage handlers: the real ingest, deterministic fakes for the rest
# (doctown_worker::fakes), so the numbers are the runtime's own cost.
# Prints Markdown tables (functions/worker/BENCHMARKS.md quotes them).
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES="${1:-4}"
JOBS="${2:-12}"
CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target-dist}"
WORK="$CACHE/bench-distributed"
REPO="$WORK/repo-$COPIES"

if [ ! -d "$REPO" ]; then
  mkdir -p "$REPO"
  for i in $(seq 1 "$COPIES"); do
    cp -r functions/cli/tests/fixtures/multilang "$REPO/copy$i"
  done
fi
ENDPOINT="$(scripts/start-moto.sh "${MOTO_PORT:-5055}")"
cargo build --release --quiet -p doctown-worker --features testing --bin doctown-bench-distributed
echo "repository: multilang x $COPIES ($(find "$REPO" -type f | wc -l) files), $JOBS jobs, moto at $ENDPOINT, $(nproc) cores" >&2
"$CARGO_TARGET_DIR/release/doctown-bench-distributed" \
  --endpoint "$ENDPOINT" --repo "$REPO" --jobs "$JOBS" --workers 1,2,4
