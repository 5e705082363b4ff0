#!/usr/bin/env bash
# Ingest benchmark: `doctown ingest` and `doctown symbols` versus
# `ctags -R` (universal-ctags) and the tree-sitter parse-only floor (every
# file's syntax tree on every core, nothing extracted) on the same real
# corpus, in the same run.
# Reports wall time, files/s, MB/s and peak RSS.
# Usage: bash scripts/bench-ingest.sh [CORPUS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
CORPUS="${1:-$DOCTOWN_CACHE/corpus}"
[ -d "$CORPUS" ] || bash scripts/bench-corpus.sh
command -v ctags >/dev/null || { apt-get update -qq && apt-get install -y -qq universal-ctags >/dev/null; }
cargo build --release --locked -p doctown-cli >/dev/null
cargo build --release --locked -p doctown-extract --example bench >/dev/null
DOCTOWN="$CARGO_TARGET_DIR/release/doctown"
PARSE_ONLY_BENCH="$CARGO_TARGET_DIR/release/examples/bench"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

files=$(find "$CORPUS" -type f \( -name '*.rs' -o -name '*.py' -o -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.go' \) | wc -l)
bytes=$(find "$CORPUS" -type f \( -name '*.rs' -o -name '*.py' -o -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.go' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $CORPUS — $files source files, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}') MB, $(nproc) cores"

measure() { # name, command...
  local name="$1"; shift
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { echo "$name failed:"; cat "$WORK/err"; return 1; }
  read -r secs rss_kb < "$WORK/time"
  awk -v n="$name" -v s="$secs" -v r="$rss_kb" -v f="$files" -v b="$bytes" \
    'BEGIN{printf "| %-28s | %7.2f | %8.0f | %6.1f | %8.0f |\n", n, s, f/s, b/1048576/s, r/1024}'
}

echo
echo "| tool | wall s | files/s | MB/s | peak RSS MiB |"
echo "|---|---|---|---|---|"
for run in 1 2; do
  measure "tree-sitter parse only (run $run)" env PARSE_ONLY=1 "$PARSE_ONLY_BENCH" "$CORPUS"
  measure "ctags -R (run $run)" ctags -R --languages=Rust,Python,TypeScript,JavaScript,Go -f "$WORK/tags" "$CORPUS"
  measure "doctown symbols (run $run)" "$DOCTOWN" symbols "$CORPUS" --format jsonl --max-total-bytes 1000000000
  measure "doctown ingest (run $run)" "$DOCTOWN" ingest "$CORPUS" --store "$WORK/store$run" --max-total-bytes 1000000000
done
# Again into the second run's store: every file is unchanged since the
# previous ingest of this source, so none is parsed again.
measure "doctown ingest (unchanged)" "$DOCTOWN" ingest "$CORPUS" --store "$WORK/store2" --max-total-bytes 1000000000
echo
echo "ctags tags: $(grep -vc '^!' "$WORK/tags")"
"$DOCTOWN" symbols "$CORPUS" --format jsonl --max-total-bytes 1000000000 | wc -l | xargs echo "doctown symbols:"
