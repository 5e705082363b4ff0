#!/usr/bin/env bash
# Call-graph evaluation: Doctown's call edges against compiler-grade SCIP
# indexes of real third-party code (scip-python, scip-typescript,
# rust-analyzer scip) and, for Go, the Go type checker (go/types, through
# scripts/go-calls), precision and recall per repository. See
# scripts/callgraph_eval.py for how edges are matched.
#
# Usage: bash scripts/callgraph-eval.sh [--lang python,typescript,rust,go]
#          [--min-confidence X] [--ci] [--min-precision P] [--min-recall R]
#          [--out FILE]
#   --with-scip  give Doctown the same index (`doctown ingest --scip`): the
#          compiler-grade mode, measured against its own reference
#   --dispatch  measure instead the dispatch edges (graph.json `calls` edges
#          with provenance `dispatch`, from `doctown build`) and the
#          implements/overrides relation they come from, against SCIP's
#          is_implementation relationships (Go: go-calls -implements); see
#          scripts/dispatch_eval.py
#   --ci   one small Python repository (click), failing below the floors
#          (default --min-precision 0.9 in CI). A reference tool that cannot
#          be installed or fails is a failure, never a skip.
# Env: DOCTOWN_BIN (default: the release build), DOCTOWN_OVERRIDES_BIN (with
#   --dispatch; default: the release build of doctown-assemble's `overrides`
#   example), DOCTOWN_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
source scripts/env.sh

LANGS="python,typescript,rust,go"
MIN_CONF=0
CI=0
MIN_P=""
MIN_R=""
OUT=""
WITH_SCIP=0
DISPATCH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --lang) LANGS="$2"; shift 2 ;;
    --min-confidence) MIN_CONF="$2"; shift 2 ;;
    --ci) CI=1; shift ;;
    --min-precision) MIN_P="$2"; shift 2 ;;
    --min-recall) MIN_R="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --with-scip) WITH_SCIP=1; shift ;;
    --dispatch) DISPATCH=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$CI" = 1 ]; then LANGS="python"; MIN_P="${MIN_P:-0.9}"; fi

EVAL="$DOCTOWN_CACHE/eval"
DL="$EVAL/dl"
source scripts/eval-fetch.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$EVAL" "$DL" "$EVAL/repos" "$EVAL/index"

BIN="${DOCTOWN_BIN:-$CARGO_TARGET_DIR/release/doctown}"
if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --release --locked -q -p doctown-cli
fi
[ -x "$BIN" ] || { echo "no doctown binary at $BIN" >&2; exit 1; }
OVERRIDES="${DOCTOWN_OVERRIDES_BIN:-$CARGO_TARGET_DIR/release/examples/overrides}"
if [ "$DISPATCH" = 1 ] && [ -z "${DOCTOWN_OVERRIDES_BIN:-}" ]; then
  cargo build --release --locked -q -p doctown-assemble --example overrides
fi

# Reference tools, pinned, installed under the cache (never globally).
NPM="$EVAL/npm"
need_npm() {
  if [ ! -x "$NPM/node_modules/.bin/scip-python" ] || [ ! -x "$NPM/node_modules/.bin/scip-typescript" ]; then
    mkdir -p "$NPM"
    (cd "$NPM" && npm install --silent --no-audit --no-fund \
      @sourcegraph/scip-python@0.6.6 @sourcegraph/scip-typescript@0.4.0 typescript@5.6.3 >/dev/null)
  fi
}
RA="$EVAL/ra/bin/rust-analyzer"
need_ra() {
  if [ ! -x "$RA" ]; then
    echo "building rust-analyzer 0.0.349 (nightly; once, cached)" >&2
    CARGO_TARGET_DIR="$EVAL/ra-target" cargo +nightly install ra_ap_rust-analyzer \
      --version 0.0.349 --locked --root "$EVAL/ra" -q
  fi
}

# Corpora from the registries: python_repo, npm_repo, rust_repo (scripts/eval-fetch.sh).
go_repo() { # Debian golang-*-dev package → the Go package directory inside it
  local import_path="$2" dir="$EVAL/repos/$1"
  fetch_go_deb "$1" "$import_path" "$dir"
  # The reference type-checks with GOPATH: the package at its import path.
  mkdir -p "$EVAL/gopath/src/$(dirname "$import_path")"
  ln -sfn "$dir" "$EVAL/gopath/src/$import_path"
  echo "$dir"
}
need_go() {
  if ! command -v go >/dev/null 2>&1; then
    (apt-get install -y -qq golang-go >/dev/null 2>&1 \
      || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq golang-go >/dev/null))
  fi
  mkdir -p "$EVAL/go-calls"
  (cd scripts/go-calls && GOFLAGS=-mod=mod GOPROXY=off go build -o "$EVAL/go-calls/go-calls" .)
}

index_of() { # lang name dir → index path (cached)
  local lang="$1" name="$2" dir="$3" out="$EVAL/index/$2.scip"
  [ "$lang" = go ] && out="$EVAL/index/$2.jsonl"
  if [ ! -s "$out" ]; then
    case "$lang" in
      # A clean virtual environment: the system Python may have the same
      # package installed, and pyright would resolve imports to it.
      python)
        [ -x "$EVAL/venv/bin/python" ] || python3 -m venv "$EVAL/venv"
        (cd "$dir" && PATH="$EVAL/venv/bin:$PATH" VIRTUAL_ENV="$EVAL/venv" \
          "$NPM/node_modules/.bin/scip-python" index . --quiet \
          --project-name "$name" --project-version 0 --output "$out" >/dev/null) ;;
      typescript) (cd "$dir" && "$NPM/node_modules/.bin/scip-typescript" index --output "$out" >/dev/null) ;;
      go) GOPATH="$EVAL/gopath" GO111MODULE=off "$EVAL/go-calls/go-calls" "$dir" > "$out" ;;
      rust) (cd "$dir" && RA_LOG=error "$RA" scip . --output "$out" \
                --config-path "$ROOT/scripts/rust-analyzer-eval.json" >/dev/null 2>&1 \
             || (cd "$dir" && RA_LOG=error "$RA" scip . >/dev/null 2>&1 && mv index.scip "$out")) ;;
    esac
  fi
  [ -s "$out" ] || { echo "the $lang reference indexer wrote no index for $name" >&2; exit 1; }
  echo "$out"
}

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
# Dispatch: `doctown build` (the docpack's graph.json), the relation
# assemble computes, and the reference relation.
run_dispatch() { # lang name dir index
  local lang="$1" name="$2" dir="$3" index="$4" store="$WORK/store-$2"
  DOCTOWN_EMBEDDINGS=off "$BIN" build "$dir" --store "$store" --embeddings off \
    --output "$WORK/$name.docpack" >/dev/null
  mkdir -p "$WORK/pack-$name"
  tar -xzf "$WORK/$name.docpack" -C "$WORK/pack-$name" graph.json
  local symbols implements=()
  symbols="$(ls "$store"/jobs/*/ingest/symbols.jsonl | head -1)"
  "$OVERRIDES" "$symbols" "${symbols%/symbols.jsonl}/files.jsonl" > "$WORK/overrides-$name.jsonl"
  if [ "$lang" = go ]; then
    local impl="$EVAL/index/$name.implements.jsonl"
    [ -s "$impl" ] || GOPATH="$EVAL/gopath" GO111MODULE=off "$EVAL/go-calls/go-calls" -implements "$dir" > "$impl"
    implements=(--implements "$impl")
  fi
  python3 scripts/dispatch_eval.py "$symbols" "$index" "$WORK/pack-$name/graph.json" \
    "$WORK/overrides-$name.jsonl" "${implements[@]}" --label "$lang/$name" --root "$dir" \
    --details "$EVAL/dispatch-details-$name.txt" >> "$RESULTS"
}
run_one() { # lang name dir
  local lang="$1" name="$2" dir="$3" index store
  index="$(index_of "$lang" "$name" "$dir")"
  if [ "$DISPATCH" = 1 ]; then run_dispatch "$lang" "$name" "$dir" "$index"; return; fi
  store="$WORK/store-$name"
  local scip_args=()
  if [ "$WITH_SCIP" = 1 ]; then scip_args=(--scip "$index"); fi
  DOCTOWN_EMBEDDINGS=off "$BIN" ingest "$dir" --store "$store" "${scip_args[@]}" >/dev/null
  local symbols
  symbols="$(ls "$store"/jobs/*/ingest/symbols.jsonl | head -1)"
  python3 scripts/callgraph_eval.py "$symbols" "$index" --label "$lang/$name" --root "$dir" \
    --min-confidence "$MIN_CONF" --details "$EVAL/details-$name.txt" >> "$RESULTS"
}

IFS=',' read -ra WANT <<< "$LANGS"
for lang in "${WANT[@]}"; do
  case "$lang" in
    python)
      need_npm
      if [ "$CI" = 1 ]; then
        run_one python click "$(python_repo click==8.1.7)"
      else
        for spec in click==8.1.7 attrs==24.3.0 requests==2.32.3; do
          run_one python "${spec%%==*}" "$(python_repo "$spec")"
        done
      fi ;;
    typescript)
      need_npm
      for spec in immer@10.1.1 rxjs@7.8.1; do
        run_one typescript "${spec%@*}" "$(npm_repo "$spec")"
      done ;;
    rust)
      need_ra
      # Generic impls (`impl<N, E, Ty, Ix> Graph<…>`), trait-bounded
      # generics (`G: IntoNeighbors + Visitable`), inline modules and type
      # aliases: petgraph and indexmap (held out when first measured, then
      # read for misses), smallvec and itertools (held out: measured, never
      # read for tuning).
      for crate in semver-1.0.28 regex-syntax-0.8.11 once_cell-1.21.4 petgraph-0.8.3 \
          indexmap-2.14.2 smallvec-1.16.5 itertools-0.14.0; do
        run_one rust "$crate" "$(rust_repo "$crate")"
      done ;;
    go)
      need_go
      run_one go gorilla-mux "$(go_repo golang-github-gorilla-mux-dev github.com/gorilla/mux)"
      run_one go google-uuid "$(go_repo golang-github-google-uuid-dev github.com/google/uuid)"
      # cobra's own dependency, so that its sub-packages type-check.
      go_repo golang-github-spf13-pflag-dev github.com/spf13/pflag >/dev/null
      run_one go spf13-cobra "$(go_repo golang-github-spf13-cobra-dev github.com/spf13/cobra)" ;;
    *) echo "unknown language $lang" >&2; exit 2 ;;
  esac
done

if [ "$DISPATCH" = 1 ]; then
  python3 - "$RESULTS" "${OUT:-}" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| repository | relation: Doctown / reference pairs | relation P / R | dispatch: Doctown / reference edges | dispatch P / R | R where Doctown has the base call (edges) | set aside: called directly |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    a, d = r["relation"], r["dispatch"]
    print(f"| {r['label']} | {a['doctown']} / {a['reference']} | {a['precision']} / {a['recall']} | "
          f"{d['doctown']} / {d['reference']} | {d['precision']} / {d['recall']} | "
          f"{d['recall_with_base_call']} ({d['reference_with_base_call']}) | {d['direct_in_reference']} |")
if sys.argv[2]:
    json.dump(rows, open(sys.argv[2], "w"), indent=1)
EOF
  exit 0
fi

python3 - "$RESULTS" "$MIN_P" "$MIN_R" "${OUT:-}" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
min_p = float(sys.argv[2]) if sys.argv[2] else None
min_r = float(sys.argv[3]) if sys.argv[3] else None
print("| repository | files | Doctown edges | reference edges | true positives | precision | recall | by provenance (edges, precision) |")
print("|---|---|---|---|---|---|---|---|")
failed = []
for r in rows:
    prov = ", ".join(f"{p} {v['edges']} {v['precision']}" for p, v in r["precision_by_provenance"].items())
    print(f"| {r['label']} | {r['files_covered']} | {r['doctown_edges']} | {r['reference_edges']} | "
          f"{r['true_positives']} | {r['precision']} | {r['recall']} | {prov} |")
    if min_p is not None and (r["precision"] or 0) < min_p:
        failed.append(f"{r['label']}: precision {r['precision']} < {min_p}")
    if min_r is not None and (r["recall"] or 0) < min_r:
        failed.append(f"{r['label']}: recall {r['recall']} < {min_r}")
if sys.argv[4]:
    json.dump(rows, open(sys.argv[4], "w"), indent=1)
for f in failed:
    print("FAIL", f, file=sys.stderr)
sys.exit(1 if failed else 0)
EOF
