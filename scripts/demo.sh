#!/usr/bin/env bash
# Builds doctown, fetches the model, runs `doctown build` with the embedded
# defaults on a real repository (default: this checkout), then verifies and
# inspects the docpack it wrote.
# Usage: bash scripts/demo.sh [SOURCE] [doctown build flags…]
#   DOCTOWN_DEMO_OUT=file.docpack chooses the output (default: NAME.docpack here)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/fetch-model.sh
cargo build --release --locked -p doctown-cli
DOCTOWN="$CARGO_TARGET_DIR/release/doctown"
SOURCE="${1:-$PWD}"
shift || true
OUT="${DOCTOWN_DEMO_OUT:-$(basename "$SOURCE" .git).docpack}"
"$DOCTOWN" build "$SOURCE" --store "$DOCTOWN_CACHE/store" -o "$OUT" "$@"
echo
"$DOCTOWN" verify "$OUT"
"$DOCTOWN" inspect "$OUT"
