#!/usr/bin/env bash
# Search-quality evaluation, CodeSearchNet's way: a function's documentation
# is the query, the function is the answer, and the documentation is removed
# from the code that is indexed. For each language the third-party
# repositories of the call-graph evaluation are copied (tests left out) to
# $DOCTOWN_CACHE/search-eval/<lang>/src, their functions' docs stripped, one
# docpack built (embeddings on), and `doctown search --batch` scored for each
# mode: MRR@10, Recall@1 and Recall@10 over at most 300 queries a language.
# See scripts/search_eval.py for how queries and answers are made.
# Two variants of each query: as written (plain), and with the answer's
# name and the words of its name removed (noname), which asks by meaning
# alone. Beside Doctown, in the same run and on the same queries, the
# baselines of scripts/search_baselines.py: dense retrieval with the same
# model over each function's code, BM25 over it, and the two fused.
#
# Usage: bash scripts/search-eval.sh [--lang python,go,typescript,rust]
#          [--modes hybrid,lexical,semantic,legacy] [--variants plain,noname]
#          [--no-baselines] [--max N] [--out FILE] [--reference]
#   --max  queries a language (default 300; fixed seed)
#   --out  also write the result rows as JSON
# Docpacks are cached under $DOCTOWN_CACHE/search-eval/<lang>/, keyed by a
# hash of the stripped source, of the binary, of the model directory and of
# the DOCTOWN_EMBED_* and DOCTOWN_MODEL_* settings.
# Per-query details: $DOCTOWN_CACHE/search-eval/details-<lang>-<mode>.txt;
# two of them (two modes, or two builds' runs kept aside) compared query by
# query, with 95 % bootstrap intervals: python3 scripts/search_eval.py compare A B.
# Env: DOCTOWN_BIN (default: the release build), DOCTOWN_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export PYTHONDONTWRITEBYTECODE=1

LANGS="python,go,typescript,rust"
MODES="hybrid,lexical,semantic,legacy"
VARIANTS="plain,noname"
BASELINES=1
MAX=300
OUT=""
REFERENCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --lang) LANGS="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --variants) VARIANTS="$2"; shift 2 ;;
    --no-baselines) BASELINES=0; shift ;;
    --max) MAX="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --reference) REFERENCE=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

EVAL="$DOCTOWN_CACHE/eval"
DL="$EVAL/dl"
SE="$DOCTOWN_CACHE/search-eval"
source scripts/eval-fetch.sh
mkdir -p "$EVAL" "$DL" "$EVAL/repos" "$SE"

BIN="${DOCTOWN_BIN:-$CARGO_TARGET_DIR/release/doctown}"
if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --release --locked -q -p doctown-cli
fi
[ -x "$BIN" ] || { echo "no doctown binary at $BIN" >&2; exit 1; }
# The batch search: `doctown search` (or `doctown docpack search`) --batch.
SEARCH=""
for sub in "docpack search" search; do
  # shellcheck disable=SC2086
  help="$("$BIN" $sub --help 2>/dev/null || true)"
  if grep -q -- '--batch' <<< "$help"; then SEARCH="$(printf '%q' "$BIN") $sub"; break; fi
done
[ -n "$SEARCH" ] || { echo "$BIN has no \`search --batch\` (batch search with --mode); build a doctown that has it" >&2; exit 1; }
bash scripts/fetch-model.sh >/dev/null

# The repositories, as scripts/callgraph-eval.sh obtains them (same cache):
# python_repo, npm_repo, rust_repo (scripts/eval-fetch.sh).
go_repo() { # Debian golang-*-dev package → the Go package directory inside it
  fetch_go_deb "$1" "$2" "$EVAL/repos/$1"
  echo "$EVAL/repos/$1"
}
repos_of() { # lang → repository directories, one a line
  case "$1" in
    python) for spec in click==8.1.7 requests==2.32.3 attrs==24.3.0; do python_repo "$spec"; done ;;
    go)
      go_repo golang-github-spf13-cobra-dev github.com/spf13/cobra
      go_repo golang-github-spf13-pflag-dev github.com/spf13/pflag
      go_repo golang-github-gorilla-mux-dev github.com/gorilla/mux
      go_repo golang-github-google-uuid-dev github.com/google/uuid ;;
    typescript) for spec in rxjs@7.8.1 immer@10.1.1; do npm_repo "$spec"; done ;;
    rust) for crate in regex-syntax-0.8.11 semver-1.0.28; do rust_repo "$crate"; done ;;
    *) echo "unknown language $1" >&2; exit 2 ;;
  esac
}

BIN_HASH="$(sha256sum "$BIN" | cut -c1-16)"
RESULTS="$SE/results.jsonl"
: > "$RESULTS"
BUILDS=()
IFS=',' read -ra WANT <<< "$LANGS"
IFS=',' read -ra WANT_MODES <<< "$MODES"
IFS=',' read -ra WANT_VARIANTS <<< "$VARIANTS"
for lang in "${WANT[@]}"; do
  work="$SE/$lang"
  mkdir -p "$work"
  mapfile -t repos < <(repos_of "$lang")
  python3 scripts/search_eval.py prepare "$lang" "$work" "${repos[@]}"
  key="$( (python3 scripts/search_eval.py tree-hash "$work/src"; echo "$BIN_HASH $DOCTOWN_MODEL_DIR"
    env | grep -E '^DOCTOWN_(EMBED|MODEL)_' | sort) | sha256sum | cut -c1-16)"
  docpack="$work/$lang.docpack"
  if [ -s "$docpack" ] && [ "$(cat "$work/docpack.key" 2>/dev/null)" = "$key" ]; then
    BUILDS+=("$lang: docpack cached ($(cat "$work/build.txt" 2>/dev/null || echo '?'))")
  else
    rm -rf "$work/store" "$docpack" "$work/docpack.key"
    start=$(date +%s.%N)
    "$BIN" build "$work/src" --store "$work/store" --embeddings on -o "$docpack" --json > "$work/build.json"
    secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
    python3 - "$work/build.json" "$secs" > "$work/build.txt" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["stages"]
i, e = s["ingest"]["summary"], s["embed"].get("summary", {})
print(f"built in {sys.argv[2]} s: {i.get('files_parsed')} files, {i.get('symbols')} symbols, "
      f"{i.get('chunks')} chunks, embed {s['embed'].get('duration_ms', 0) / 1000:.1f} s")
EOF
    rm -rf "$work/store"
    echo "$key" > "$work/docpack.key"
    BUILDS+=("$lang: $(cat "$work/build.txt")")
  fi
  python3 scripts/search_eval.py select "$lang" "$work" "$docpack" --max "$MAX"
  for variant in "${WANT_VARIANTS[@]}"; do
    for mode in "${WANT_MODES[@]}"; do
      python3 scripts/search_eval.py score "$lang" "$work" "$docpack" --mode "$mode" \
        --variant "$variant" --search "$SEARCH" --results "$RESULTS"
    done
    if [ "$BASELINES" = 1 ]; then
      python3 scripts/search_baselines.py "$lang" "$work" "$docpack" --variant "$variant" \
        --model-dir "$DOCTOWN_MODEL_DIR" --results "$RESULTS"
    fi
  done
done

echo
for b in "${BUILDS[@]}"; do echo "- $b"; done
echo
python3 scripts/search_eval.py table "$RESULTS"
if [ -n "$OUT" ]; then python3 -c "import json,sys; json.dump([json.loads(l) for l in open(sys.argv[1])], open(sys.argv[2], 'w'), indent=1)" "$RESULTS" "$OUT"; fi
# --reference: the same documents and terms ranked by tantivy's BM25, to
# compare the in-memory lexical index with a search library's.
if [ "$REFERENCE" = 1 ]; then
  VENV="$DOCTOWN_CACHE/venv-bm25"
  [ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q tantivy==0.27.0; }
  echo
  echo "| language | ranking | queries | MRR@10 | R@1 | R@10 | size |"
  echo "|---|---|---|---|---|---|---|"
  IFS=, read -ra REF_LANGS <<< "$LANGS"
  for lang in "${REF_LANGS[@]}"; do "$VENV/bin/python" scripts/bm25_reference.py "$SE/$lang"; done
fi
