#!/usr/bin/env bash
# The words Doctown writes about a repository, checked on real code (#60):
# builds structural docpacks (`--embeddings off`) of this checkout and of
# third-party packages (click 8.1.7 and attrs 24.3.0 from PyPI, petgraph
# at Cargo.lock's version from cargo's registry; fetched as the evaluations
# fetch them, scripts/eval-fetch.sh, into $DOCTOWN_CACHE/eval/repos), then
# fails on
# - a cluster label shared by two clusters, or holding a word that none of
#   its members' names has (a label made of path segments, as `common` or
#   `functions` were);
# - an entry point of the architecture summary in a test file, or in a
#   program whose file name says it serves tests (`doctown-test-worker`);
# - a "most central symbols" list made only of an error type's helpers
#   (`ApiError::new`) when the repository has other symbols;
# - a summary whose first sentence splices a doc comment that is a
#   sentence of its own (`x is a docpack embedded … is searched …`), or
#   leaves a quotation or a code span open;
# - a module said to depend on a package its manifest (Cargo, go.mod,
#   package.json) does not declare, or a module summary whose "depends on"
#   differs from its dependency list (scripts/check_module_claims.py).
#
#   bash scripts/check-words.sh [DOCTOWN_BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

BIN="${1:-$CARGO_TARGET_DIR/debug/doctown}"
[ -x "$BIN" ] || { echo "check-words: no doctown binary at $BIN (cargo build -p doctown-cli)" >&2; exit 2; }
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
    { cat "$WORK/build.log" >&2; echo "check-words: cannot build $repo" >&2; exit 2; }
  python3 - "$out" "$(basename "$repo")" <<'PY' || status=1
import collections, json, re, sys, tarfile
path, name = sys.argv[1], sys.argv[2]
with tarfile.open(path) as tar:
    part = lambda n: json.load(tar.extractfile(n))
    clusters, nodes, docs = part("clusters.json")["clusters"], part("nodes.json"), part("docs.json")
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

# The architecture summary: its entry points and most central symbols.
arch = docs["architecture"]["documentation"]["summary"]
roles = {n["path"]: n.get("role", "source") for n in nodes}
starts = re.search(r"It starts at (.*?)\.(?: |$)", arch)
for path in re.findall(r"in `([^`]+)`", starts.group(1) if starts else ""):
    stem = re.split(r"[-_.]", path.rsplit("/", 1)[-1])
    if roles.get(path) == "test" or {"test", "tests", "bench", "fake", "mock"} & set(stem):
        problems.append(f"entry point in a test or a test helper: {path}")
central = re.search(r"The most central symbols? (?:are|is) (.*?)\.(?: |$)", arch)
named = re.findall(r"`([^`]+)`", central.group(1) if central else "")
def error_helper(display):
    owner = re.split(r"::|\.", display)[-2:-1]
    return bool(owner) and re.sub(r"<.*", "", owner[0]).endswith(("Error", "Exception"))
others = [n for n in nodes if not error_helper(n["qualified_name"].replace(".", "::"))]
if named and all(map(error_helper, named)) and others:
    problems.append(f"the most central symbols are only error helpers: {named}")

# Summaries: the first sentence, with code spans and quotations blanked.
COPULA = r"\b(?:is|are|was|were|may|can|must|has)\b"
CLAUSE = r"\b(?:that|which|what|who|whose|where|when|whether|if|unless|because|while|once|until|since|as|so|it|they|nobody|and|or)\b"
for n in nodes:
    summary = n["documentation"]["summary"]
    # (A run of backticks pairs with a run as long: a lone ``` is text.)
    if summary.count("\u201c") != summary.count("\u201d") or len(re.findall(r"(?<!`)`(?!`)", summary)) % 2:
        problems.append(f"unclosed quotation or code span: {n['qualified_name']}: {summary[:120]!r}")
        continue
    plain = re.sub(r"`[^`]*`|\u201c[^\u201d]*\u201d|\([^)]*\)", "X", summary)
    first = re.split(r"\. (?=[A-Z`])", plain, maxsplit=1)[0]
    m = re.match(r"X is (?:a|an|the) ([^,;:]*?)" + COPULA, first)
    if m and not re.search(CLAUSE, m.group(1)) and not re.search(r"\b(?:a|an|the|its|this|these|those|every|each|some|any)\b", m.group(1)):
        problems.append(f"spliced doc sentence: {n['qualified_name']}: {summary[:120]!r}")
print(f"check-words: {name}: {len(clusters)} clusters, {len(nodes)} summaries, {len(problems)} problems")
for p in problems[:20]:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
  # What each module is said to depend on, against the manifests (#62).
  python3 scripts/check_module_claims.py "$out" "$repo" || status=1
done
exit "$status"
