#!/usr/bin/env bash
# The words Doctown writes about a repository, checked on real code (#60):
# builds structural docpacks (`--embeddings off`) of this checkout and of
# third-party packages (click 8.1.7 and attrs 24.3.0 from PyPI, cached
# under $DOCTOWN_CACHE/eval/repos; petgraph at Cargo.lock's version, from
# cargo's registry), then fails when a cluster label is shared by
# two clusters or holds a word that none of its members' names has (a
# label made of path segments, as `common` or `functions` were).
#
#   bash scripts/check-labels.sh [DOCTOWN_BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

BIN="${1:-$CARGO_TARGET_DIR/debug/doctown}"
[ -x "$BIN" ] || { echo "check-labels: no doctown binary at $BIN (cargo build -p doctown-cli)" >&2; exit 2; }
REPOS="$DOCTOWN_CACHE/eval/repos"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$REPOS"

pypi() { # name==version → directory
  local name="${1%%==*}" version="${1##*==}" dir="$REPOS/${1%%==*}-${1##*==}"
  if [ ! -d "$dir" ]; then
    pip download -q --no-deps --no-binary :all: -d "$WORK/dl" "$1" >/dev/null
    tar -xzf "$(ls "$WORK"/dl/"$name"-"$version".tar.gz "$WORK"/dl/"${name//-/_}"-"$version".tar.gz 2>/dev/null | head -1)" -C "$REPOS"
    [ -d "$dir" ] || mv "$REPOS/${name//-/_}-$version" "$dir"
  fi
  echo "$dir"
}
crate() { # name → its directory in cargo's registry, at Cargo.lock's version
  local version dir
  version="$(awk -v n="name = \"$1\"" '$0 == n {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)"
  dir="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$1-$version" 2>/dev/null | head -1)"
  [ -n "$dir" ] || { echo "check-labels: $1 $version is not in cargo's registry (cargo fetch)" >&2; exit 2; }
  echo "$dir"
}

status=0
for repo in "$PWD" "$(pypi click==8.1.7)" "$(pypi attrs==24.3.0)" "$(crate petgraph)"; do
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
