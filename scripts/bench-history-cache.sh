#!/usr/bin/env bash
# The history cache (issue #17): `doctown build` of a repository from
# scratch, rebuilt with no new commit, and rebuilt after the commits
# between REF_OLD and HEAD — at file level (the default) and per symbol —
# and whether each rebuild's docpack is the cold build's, byte for byte.
#
#   bash scripts/bench-history-cache.sh /path/to/repo.git [OLD_REF]
#
# OLD_REF defaults to HEAD~30 (95 new commits on rust-lang/cargo at
# af373f761). Env: DOCTOWN (the binary; default the release build),
# WORK (scratch directory, removed at the end unless KEEP=1),
# EXTRA (more `doctown build` flags; default `--history-max-commits 0`,
# the whole history; EXTRA= gives the default limit).
set -euo pipefail
REPO=${1:?usage: bench-history-cache.sh REPO [OLD_REF]}
OLD=${2:-HEAD~30}
source "$(dirname "$0")/env.sh"
DOCTOWN=${DOCTOWN:-$CARGO_TARGET_DIR/release/doctown}
WORK=${WORK:-$(mktemp -d)}
EXTRA=${EXTRA---history-max-commits 0}
echo "repository $REPO, $(git -C "$REPO" rev-list --count HEAD) commits; $OLD..HEAD: $(git -C "$REPO" rev-list --count "$OLD"..HEAD) new"
printf '%-12s %8s %8s %8s %9s %9s %8s %8s\n' run wall_s user_s rss_mib ingest_s history_s commits cached
run() {
  local label=$1 store=$2
  shift 2
  /usr/bin/time -f "%e %U %M" -o "$WORK/$label.time" "$DOCTOWN" build "$REPO" --embeddings off \
    --store "$WORK/$store" -o "$WORK/$label.docpack" --json $EXTRA "$@" >"$WORK/$label.json" 2>"$WORK/$label.err"
  python3 - "$WORK" "$label" <<'PY'
import json, sys
work, label = sys.argv[1:]
d = json.load(open(f"{work}/{label}.json"))
ingest = d["stages"]["ingest"]
h = ingest["summary"].get("history") or {}
wall, user, rss = open(f"{work}/{label}.time").read().split()
print(f"{label:<12} {float(wall):8.2f} {float(user):8.2f} {int(rss)//1024:8d} "
      f"{ingest['duration_ms']/1000:9.2f} {h.get('duration_ms', 0)/1000:9.2f} "
      f"{h.get('commits', 0):8d} {h.get('cached_commits', 0):8d}")
PY
}
run off s0 --ref HEAD --history off
run files-cold s1 --ref HEAD
run files-again s1 --ref HEAD
run files-old s2 --ref "$OLD"
run files-new s2 --ref HEAD
run sym-old s3 --ref "$OLD" --history symbols
run sym-new s3 --ref HEAD --history symbols
run sym-again s3 --ref HEAD --history symbols
run sym-cold s4 --ref HEAD --history symbols
same() { cmp -s "$WORK/$1.docpack" "$WORK/$2.docpack" && echo "$2 == $1 (byte-identical docpacks)" || echo "$2 != $1: DIFFERENT"; }
same files-cold files-again
same files-cold files-new
same sym-cold sym-again
same sym-cold sym-new
du -b "$WORK"/s1/cache/ingest/*.history-* "$WORK"/s3/cache/ingest/*.history-* | sed 's/^/cache bytes /'
[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
