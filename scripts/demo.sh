#!/usr/bin/env bash
# Builds doctown, fetches the model, runs `doctown build` with the embedded
# defaults on a real repository (default: this checkout), then verifies and
# inspects the docpack it wrote.
#
# The build is the `local` profile without the hosted service (serve,
# schedule, worker: the AWS SDK, sqlx, axum), which compiles in about half
# the time of the shipping build; the model is fetched while it compiles.
# The fastest way to a first docpack compiles nothing: a release archive
# (`scripts/install.sh`) or `npx doctown build DIR`.
# Usage: bash scripts/demo.sh [SOURCE] [doctown build flags…]
#   DOCTOWN_DEMO_OUT=file.docpack chooses the output (default: NAME.docpack here)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
FETCH_LOG="$(mktemp)"
trap 'rm -f "$FETCH_LOG"' EXIT
bash scripts/fetch-model.sh > "$FETCH_LOG" 2>&1 &
FETCH=$!
cargo build --profile local --locked -p doctown-cli --no-default-features
if ! wait "$FETCH"; then
  cat "$FETCH_LOG" >&2
  echo "demo: fetching the model failed" >&2
  exit 1
fi
DOCTOWN="$CARGO_TARGET_DIR/local/doctown"
SOURCE="${1:-$PWD}"
shift || true
OUT="${DOCTOWN_DEMO_OUT:-$(basename "$SOURCE" .git).docpack}"
"$DOCTOWN" build "$SOURCE" --store "$DOCTOWN_CACHE/store" -o "$OUT" "$@"
echo
"$DOCTOWN" verify "$OUT"
"$DOCTOWN" inspect "$OUT"
