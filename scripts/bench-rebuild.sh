#!/usr/bin/env bash
# One-file rebuilds of a repository, two builds of `doctown` side by side:
# each binary gets its own store (an ingest pointer written by another
# build is refused when their extractors differ) and a cold build, then
# ROUNDS rounds of RUNS rebuilds per binary, interleaved, each after a
# function is appended to FILE (a copy of the repository is changed, not
# REPO). Prints wall time, CPU time (user + system), peak RSS and seconds
# per stage of every run, then each binary's medians. RUNS=1 alternates
# the binaries every rebuild.
# Usage: bash scripts/bench-rebuild.sh BIN_A BIN_B REPO FILE [ROUNDS] [RUNS] [-- build flags...]
#   e.g. bash scripts/bench-rebuild.sh /tmp/doctown-main target/release/doctown \
#          ~/.cache/doctown/bench-repos/large Django-5.1.4/django/__init__.py 3 3 -- --embeddings off
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,10p "$0" >&2; exit 2; }
A="$1" B="$2" REPO="$3" FILE="$4"
shift 4
ROUNDS=3 RUNS=3
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then ROUNDS="$1"; shift; fi
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then RUNS="$1"; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "bench-rebuild: $bin is not an executable" >&2; exit 2; }; done
[ -f "$REPO/$FILE" ] || { echo "bench-rebuild: $REPO/$FILE is not a file" >&2; exit 2; }
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
cp -r "$REPO" "$WORK/repo"

# Wall seconds, peak RSS (KiB) and user and system CPU seconds of a
# command into $WORK/time: GNU time,
# or where it is missing (a lent GPU host) Python's clock and rusage.
timed() {
  if [ -x /usr/bin/time ]; then /usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$@"; return; fi
  python3 - "$WORK/time" "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
use = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{wall:.2f} {use.ru_maxrss} {use.ru_utime:.2f} {use.ru_stime:.2f}\n")
sys.exit(code)
PY
}

build() { # binary, store, label
  timed "$1" build "$WORK/repo" --store "$2" -o "$WORK/out.docpack" --json "${@:4}" \
    > "$WORK/summary.json" 2>"$WORK/err" || { echo "$3: failed: $(tail -1 "$WORK/err")" >&2; exit 1; }
  python3 - "$3" "$(cat "$WORK/time")" "$WORK/summary.json" <<'PY'
import json, sys
label, time, summary = sys.argv[1:]
wall, rss, user, system = time.split()
s = json.load(open(summary))["seconds"]
stages = " | ".join(f"{s.get(k, 0):.3f}" for k in ["ingest", "embed", "assemble", "generate", "pack"])
cpu = float(user) + float(system)
print(f"| {label} | {float(wall):.2f} | {cpu:.2f} | {int(rss) // 1024} | {stages} |")
PY
}

echo "| run | wall s | CPU s | peak RSS MiB | ingest s | embed s | assemble s | generate s | pack s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
build "$A" "$WORK/store-a" "A cold" "$@"
build "$B" "$WORK/store-b" "B cold" "$@"
n=0
for round in $(seq 1 "$ROUNDS"); do
  for side in a b; do
    bin="$A"; [ "$side" = b ] && bin="$B"
    for run in $(seq 1 "$RUNS"); do
      n=$((n + 1))
      printf '\ndef bench_rebuild_%s():\n    return %s\n' "$n" "$n" >> "$WORK/repo/$FILE"
      build "$bin" "$WORK/store-$side" "$(echo "$side" | tr ab AB) round $round" "$@"
    done
  done
done | tee "$WORK/rows"
python3 - "$WORK/rows" <<'PY'
import statistics, sys
rows = [line.split("|")[1:-1] for line in open(sys.argv[1]) if " round " in line]
print()
print("| binary | rebuilds | wall s, median (range) | CPU s, median (range) | pack s, median |")
print("|---|---:|---|---|---:|")
for side in "AB":
    mine = [[float(v) for v in r[1:]] for r in rows if r[0].strip().startswith(side)]
    wall, cpu, pack = ([r[i] for r in mine] for i in (0, 1, 7))
    print(f"| {side} | {len(mine)} | {statistics.median(wall):.2f} ({min(wall):.2f}–{max(wall):.2f}) "
          f"| {statistics.median(cpu):.2f} ({min(cpu):.2f}–{max(cpu):.2f}) | {statistics.median(pack):.3f} |")
PY
