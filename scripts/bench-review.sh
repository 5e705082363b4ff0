#!/usr/bin/env bash
# `doctown review` of a pull-request-sized change of the large benchmark
# repository: cold (an empty store, as in the Action), pull request (a
# store holding the base's build only, as the hosted App's or a
# developer's: the head is built with the base's caches, its new commit
# in its history) and again (the head built before, nothing changed: the
# floor of a rebuild):
#
#   scripts/bench-review.sh BIN [ROUNDS] [WORKDIR]
#
# The repository is a copy of $DOCTOWN_CACHE/bench-repos/large committed
# once; the change (4 files, about 25 lines: Django's `capfirst`,
# `Paginator.validate_number`, a new `title_html`, x/tools' `diff.Apply`
# and a new `ApplyAll`) is committed on top and checked out, as a pull
# request's head is in CI. Each round's cold review runs with its own
# empty store. Prints one line a run: seconds and peak memory; then where
# the time went: before the head's build, its stages, and after it.
set -euo pipefail
bin="$(realpath "${1:?usage: bench-review.sh BIN [ROUNDS] [WORKDIR]}")"
rounds="${2:-3}"
work="$(realpath -m "${3:-$(mktemp -d)}")"
mkdir -p "$work"
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/bench-repos.sh
large="$REPOS/large"

repo="$work/repo"
rm -rf "$repo"
cp -a "$large" "$repo"
cd "$repo"
git init -q -b main
git -c user.name=bench -c user.email=bench@localhost add -A
git -c user.name=bench -c user.email=bench@localhost commit -qm base
python3 - <<'EOF'
import pathlib, re
def edit(path, old, new):
    p = pathlib.Path(path)
    text = p.read_text()
    assert old in text, f"{path}: the text to change is not there"
    p.write_text(text.replace(old, new, 1))
edit("Django-5.1.4/django/utils/text.py",
     "    return x[0].upper() + x[1:]\n",
     "    return x[:1].upper() + x[1:]\n\n\ndef title_html(x):\n    \"\"\"Capitalize the first letter, HTML-escaped.\"\"\"\n    from django.utils.html import escape\n\n    return escape(capfirst(x))\n")
edit("Django-5.1.4/django/core/paginator.py",
     "            if isinstance(number, float) and not number.is_integer():\n",
     "            if isinstance(number, bool):\n                raise ValueError\n            if isinstance(number, float) and not number.is_integer():\n")
go = next(pathlib.Path(".").glob("golang-*/usr/share/gocode/src/golang.org/x/tools/internal/diff/diff.go"))
edit(str(go),
     "func Apply(src string, edits []Edit) (string, error) {\n",
     "func Apply(src string, edits []Edit) (string, error) {\n\tif len(edits) == 0 {\n\t\treturn src, nil\n\t}\n")
text = go.read_text()
go.write_text(text + "\n// ApplyAll applies each list of edits to its source.\nfunc ApplyAll(srcs []string, edits [][]Edit) ([]string, error) {\n\tout := make([]string, len(srcs))\n\tfor i := range srcs {\n\t\ts, err := Apply(srcs[i], edits[i])\n\t\tif err != nil {\n\t\t\treturn nil, err\n\t\t}\n\t\tout[i] = s\n\t}\n\treturn out, nil\n}\n")
EOF
git -c user.name=bench -c user.email=bench@localhost commit -qam change
git diff --shortstat HEAD~1 HEAD

measure() {
  local label="$1"
  shift
  local started ended
  started="$(date +%s.%N)"
  /usr/bin/time -o "$work/time" -f '%e %M' "$@" >"$work/review.md" 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    exit 1
  }
  ended="$(date +%s.%N)"
  read -r secs kib <"$work/time"
  printf '%-6s %6.2f s  %5d MiB  %s\n' "$label" "$secs" "$((kib / 1024))" "$(head -c 80 "$work/review.md" | head -1)"
  phases "$started" "$ended"
}

# Where a run's time went, from the newest job's state document (the
# head's build): before it (git, the store), its stages, and after it
# (reading the docpacks, the review).
phases() {
  python3 - "$DOCTOWN_STORE/jobs" "$1" "$2" <<'EOF'
import datetime, glob, json, os, sys
jobs, started, ended = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def at(t):
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
states = [json.load(open(f)) for f in glob.glob(os.path.join(jobs, "*", "state.json"))]
built = [s for s in states if started <= at(s["created_at"]) <= ended]
if not built:
    print("       no build: both docpacks came from the store")
    sys.exit()
head = max(built, key=lambda s: at(s["created_at"]))
stages = head["stages"]
first, last = at(head["created_at"]), at(stages["pack"]["finished_at"])
each = ", ".join(f"{k} {v['duration_ms'] / 1000:.2f}" for k, v in stages.items() if k != "embed")
print(f"       {len(built)} built; before the head's build {first - started:.2f} s, "
      f"its build {last - first:.2f} s ({each}), after it {ended - last:.2f} s")
EOF
}
for round in $(seq "$rounds"); do
  export DOCTOWN_STORE="$work/store-$round"
  rm -rf "$DOCTOWN_STORE"
  sync
  measure cold "$bin" review HEAD~1 HEAD --repo .
  # A base store left by an interrupted run may hold the head's build.
  rm -rf "$work/base"
  DOCTOWN_STORE="$work/base" "$bin" build . --ref HEAD~1 --embeddings off -o "$work/base.docpack" >/dev/null
  rm -rf "$DOCTOWN_STORE"
  cp -a "$work/base" "$DOCTOWN_STORE"
  rm -rf "$work/base"
  sync
  measure pr "$bin" review HEAD~1 HEAD --repo .
  measure again "$bin" review HEAD~1 HEAD --repo .
done
