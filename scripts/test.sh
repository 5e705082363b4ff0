#!/usr/bin/env bash
# The whole test suite: setup (model and runtime), formatting, lints, tests.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

if [ -x scripts/fetch-model.sh ]; then
  echo "== fetching the embedding model and ONNX Runtime (cached)"
  bash scripts/fetch-model.sh
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== architecture invariants"
bash scripts/check-invariants.sh

echo "all tests passed"
