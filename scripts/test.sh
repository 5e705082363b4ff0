#!/usr/bin/env bash
# The whole test suite: setup (model, runtime, test servers), formatting,
# lints, Rust tests, the website's tests, and the browser end-to-end test
# against a real `doctown serve`.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

echo "== fetching the embedding model and ONNX Runtime (cached)"
bash scripts/fetch-model.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== local S3 + SQS (moto)"
export DOCTOWN_TEST_S3_ENDPOINT="$(bash scripts/start-moto.sh)"

echo "== cargo test"
cargo test --workspace --locked

echo "== architecture invariants"
bash scripts/check-invariants.sh

echo "== call graph against a compiler-grade index (click 8.1.7, scip-python)"
cargo build --locked -p doctown-cli
DOCTOWN_BIN="$CARGO_TARGET_DIR/debug/doctown" bash scripts/callgraph-eval.sh --ci \
  --min-confidence 0.8 --min-precision 0.95 --min-recall 0.7

if command -v terraform >/dev/null 2>&1; then
  echo "== terraform fmt (providers cannot be downloaded here, so no validate)"
  (cd infra && terraform fmt -check -recursive)
fi

echo "== website: install, check, build, unit tests"
SKIP_E2E=1 bash scripts/website-test.sh

echo "== website: end-to-end against doctown serve"
bash scripts/ensure-chromium.sh
cargo build --locked -p doctown-cli
E2E_STORE="$(mktemp -d)"
PORT="${DOCTOWN_E2E_PORT:-18080}"
"$CARGO_TARGET_DIR/debug/doctown" serve --allow-local --store "$E2E_STORE" --addr "127.0.0.1:$PORT" \
  --static-dir website/build > "$E2E_STORE/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$E2E_STORE"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
(cd website && DOCTOWN_E2E_URL="http://127.0.0.1:$PORT" DOCTOWN_E2E_REPO="$PWD/../functions/cli/tests/fixtures/multilang" \
  DOCTOWN_BIN="$CARGO_TARGET_DIR/debug/doctown" npm run test:e2e)

echo "all tests passed"
