#!/usr/bin/env bash
# Builds doctown, fetches the model, and runs `doctown build` with the
# embedded defaults on a real repository (default: this checkout).
# Usage: bash scripts/demo.sh [SOURCE] [doctown build flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x scripts/fetch-model.sh ] && bash scripts/fetch-model.sh
cargo build --release --locked -p doctown-cli
SOURCE="${1:-$PWD}"
shift || true
"$CARGO_TARGET_DIR/release/doctown" build "$SOURCE" --store "$DOCTOWN_CACHE/store" "$@"
