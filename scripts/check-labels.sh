#!/usr/bin/env bash
# The words Doctown writes about a repository, checked on real code (#60):
# builds structural docpacks (`--embeddings off`) of this checkout and of
# third-party packages (click 8.1.7 and attrs 24.3.0 from PyPI, petgraph
# at Cargo.lock's version from cargo's registry; fetched as the evaluations
# fetch them, scripts/eval-fetch.sh, into $DOCTOWN_CACHE/eval/repos), then fails when a cluster label is shared by
# two clusters or holds a word that none of its members' names has (a
# label made of path segments, as `common` or `functions` were).
#
#   bash scripts/check-labels.sh [DOCTOWN_BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

BIN="${1:-$CARGO_TARGET_DIR/debug/doctown}"
[ -x "$BIN" ] || { echo "check-labels: no doctown binary at $BIN (cargo build -p doctown-cli)" >&2; exit 2; }
EVAL="$DOCTOWN_CACHE/eval"
DL="$EVAL/dl"
source scripts/eval-fetch.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$EVAL/repos" "$DL"

# petgraph at the version Cargo.lock pins (cargo's registry has it).
petgraph="petgraph-$(awk '$0 == "name = \"petgraph\"" {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)"

status=0
for repo in "$PWD" "$(python_repo click==8.1.7)" "$(python_repo attrs==24.3.0)" "$(rust_repo "$petgraph")"; do
  out="$WORK/$(basename "$repo").docpack"
  "$BIN" build "$repo" --embeddings off -o "$out" > "$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; echo "check-labels: cannot build $repo" >&2; exit 2; }
  python3 - "$out" "$(basename "$repo")" <<'PY' || status=1
import collections, json, re, sys, tarfile
path, name = sys.argv[1], sys.argv[2]
with tarfile.open(path) as tar:
    part = lambda n: json.load(tar.extractfile(n))
    clusters, nodes = part("clusters.json")["clusters"], part("nodes.json")
nodes = nodes["symbols"]
def words(identifier):
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", identifier))
    return {w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w}
names = {n["id"]: words(n["name"]) for n in nodes}
counts = collections.Counter(c["label"] for c in clusters)
problems = [f"label shared by {n} clusters: {l!r}" for l, n in counts.items() if n > 1]
for c in clusters:
    said = set(c["label"].split(" (around")[0].replace("#", " ").split()) - {"no", "distinctive", "terms"}
    member_words = set().union(*(names.get(m, set()) for m in c["members"])) if c["members"] else set()
    stray = {w for w in said if not w.isdigit() and w not in member_words}
    if stray:
        problems.append(f"{c['id']} {c['label']!r}: {sorted(stray)} in no member's name")
print(f"check-labels: {name}: {len(clusters)} clusters, {len(problems)} problems")
for p in problems[:20]:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
done
exit "$status"
