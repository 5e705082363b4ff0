#!/usr/bin/env bash
# History (#17): `doctown history` on a real repository against
# `git log --numstat` on the same repository in the same run, the same
# commit limit, first-parent and all: wall time, CPU time (user + sys),
# commits/s and the ratio to git's floor; then the per-symbol pass
# (`--symbols`, run once) with its peak RSS. Each file-level timing is the
# best of REPEAT runs (default 2; the machine may be shared).
# Usage: bash scripts/bench-history.sh REPO [N]
#        REPO: a git repository (work tree or bare git directory) with its
#        full history; N: the commit limit (default: the whole history).
#        DOCTOWN_BIN=path picks the binary (default: this checkout's release build);
#        THREADS=n passes --threads n; SYMBOLS=0 skips the symbol pass.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
REPO="${1:?usage: bash scripts/bench-history.sh REPO [N]}"
N="${2:-}"
REPEAT="${REPEAT:-2}"
if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --release --locked -p doctown-cli >/dev/null
  DOCTOWN_BIN="$CARGO_TARGET_DIR/release/doctown"
fi
WORK="$(mktemp -d "${BENCH_WORK_DIR:-/tmp}/history-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

git_limit=(); doctown_limit=()
if [ -n "$N" ]; then git_limit=(-n "$N"); doctown_limit=(--max-commits "$N"); fi
threads=()
if [ -n "${THREADS:-}" ]; then threads=(--threads "$THREADS"); fi

# best NAME CMD...: runs CMD REPEAT times (stdout to $WORK/NAME.out) and keeps
# the fastest run's "wall user sys maxrss_kb" in $WORK/NAME.time.
best() {
  local name="$1"; shift
  local i
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.try" "$@" > "$WORK/$name.out"
    if [ ! -f "$WORK/$name.time" ] ||
       awk -v a="$(cut -d' ' -f1 "$WORK/$name.try")" -v b="$(cut -d' ' -f1 "$WORK/$name.time")" 'BEGIN {exit !(a < b)}'; then
      cp "$WORK/$name.try" "$WORK/$name.time"
    fi
  done
}

echo "repository: $REPO ($(git -C "$REPO" rev-parse --short HEAD), $(git -C "$REPO" rev-list --count HEAD) commits," \
  "$(git -C "$REPO" rev-list --count --first-parent HEAD) first-parent); limit: ${N:-none}; $(nproc) cores;" \
  "git $(git --version | cut -d' ' -f3)"
for mode in all first-parent; do
  git_mode=(); doctown_mode=(--all)
  if [ "$mode" = first-parent ]; then git_mode=(--first-parent); doctown_mode=(--first-parent); fi
  best "git-$mode" git -C "$REPO" log --numstat --format='commit %H' "${git_mode[@]}" "${git_limit[@]}" HEAD
  best "doctown-$mode" "$DOCTOWN_BIN" history "$REPO" --json "${doctown_mode[@]}" "${doctown_limit[@]}" "${threads[@]}"
done
if [ "${SYMBOLS:-1}" != 0 ]; then
  REPEAT=1 best symbols "$DOCTOWN_BIN" history "$REPO" --json --symbols --all "${doctown_limit[@]}" "${threads[@]}"
fi

python3 - "$WORK" "${SYMBOLS:-1}" <<'PY'
import json, os, sys
work, symbols = sys.argv[1], sys.argv[2] != "0"

def timing(name):
    wall, user, sys_, rss = open(os.path.join(work, name + ".time")).read().split()
    return float(wall), float(user) + float(sys_), int(rss) // 1024

def git_counts(name):
    commits = added = 0
    for line in open(os.path.join(work, name + ".out"), errors="replace"):
        if line.startswith("commit "):
            commits += 1
        else:
            parts = line.split("\t")
            if len(parts) == 3 and parts[0].isdigit():
                added += int(parts[0])
    return commits, added

print("| pass | commits | added lines | wall s | CPU s | commits/s (wall) | × git wall | × git CPU | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for mode in ["all", "first-parent"]:
    g_commits, g_added = git_counts("git-" + mode)
    g_wall, g_cpu, g_rss = timing("git-" + mode)
    doc = json.load(open(os.path.join(work, f"doctown-{mode}.out")))
    d_commits = doc["summary"]["commits"]
    d_added = sum(f["added"] for f in doc["files"])
    d_wall, d_cpu, d_rss = timing("doctown-" + mode)
    print(f"| git log --numstat ({mode}) | {g_commits} | {g_added} | {g_wall:.2f} | {g_cpu:.2f} | "
          f"{g_commits / max(g_wall, 1e-9):.0f} | 1.00 | 1.00 | {g_rss} |")
    print(f"| doctown history ({mode}) | {d_commits} | {d_added} | {d_wall:.2f} | {d_cpu:.2f} | "
          f"{d_commits / max(d_wall, 1e-9):.0f} | {d_wall / g_wall:.2f} | {d_cpu / g_cpu:.2f} | {d_rss} |")
if symbols:
    doc = json.load(open(os.path.join(work, "symbols.out")))
    s_wall, s_cpu, s_rss = timing("symbols")
    commits = doc["summary"]["commits"]
    print(f"| doctown history --symbols (all) | {commits} | {sum(f['added'] for f in doc['files'])} | "
          f"{s_wall:.2f} | {s_cpu:.2f} | {commits / max(s_wall, 1e-9):.0f} | | | {s_rss} |")
    print(f"\nsymbols with a history: {len(doc['symbols'])}; "
          f"file pairs coupled: {len(doc['coupling']['files'])}; symbol pairs: {len(doc['coupling']['symbols'])}")
PY
