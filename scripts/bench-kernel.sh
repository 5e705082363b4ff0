#!/usr/bin/env bash
# The Linux kernel as the scale test (#16): `doctown build --embeddings off`
# on Debian's linux-source (downloaded once into the cache), with wall time
# and peak RSS per stage (RSS sampled every half second and split at the
# stage boundaries the build reports), files, symbols, edges, docpack size,
# and `ctags -R` on the same tree in the same run.
# Usage: bash scripts/bench-kernel.sh [TREE]   (TREE: a kernel source tree or
#        a part of one; default: the whole linux-source-6.1 tree)
#        DOCTOWN_BIN=path picks the binary (default: this checkout's release build),
#        DOCTOWN_ACCESS_BENCH=path the random-access bench; KEEP_KERNEL_DOCPACK=FILE
#        keeps the docpack.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
TREE="${1:-}"
if [ -z "$TREE" ]; then
  TREE="$DOCTOWN_CACHE/corpus-kernel/linux-source-6.1"
  if [ ! -d "$TREE" ]; then
    mkdir -p "$DOCTOWN_CACHE/downloads/kernel" "$DOCTOWN_CACHE/corpus-kernel"
    deb="$(ls "$DOCTOWN_CACHE"/downloads/kernel/linux-source-6.1_*.deb 2>/dev/null | head -1 || true)"
    if [ -z "$deb" ]; then
      (cd "$DOCTOWN_CACHE/downloads/kernel" && { apt-get download linux-source-6.1 >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get download linux-source-6.1 >/dev/null; }; })
      deb="$(ls "$DOCTOWN_CACHE"/downloads/kernel/linux-source-6.1_*.deb | head -1)"
    fi
    tmp="$(mktemp -d)"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/linux-source-*.tar.xz'
    tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$DOCTOWN_CACHE/corpus-kernel"
    rm -rf "$tmp"
  fi
fi
command -v ctags >/dev/null || { apt-get update -qq && apt-get install -y -qq universal-ctags >/dev/null; }
if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --release --locked -p doctown-cli >/dev/null
  DOCTOWN_BIN="$CARGO_TARGET_DIR/release/doctown"
fi
WORK="$(mktemp -d "${BENCH_WORK_DIR:-/tmp}/kernel-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "tree: $TREE ($(du -sh "$TREE" | cut -f1))"
/usr/bin/time -f '%e %M' -o "$WORK/ctags.time" ctags -R -f "$WORK/tags" "$TREE" 2>/dev/null || true
read -r ctags_wall ctags_rss < "$WORK/ctags.time"
echo "ctags -R: ${ctags_wall} s, peak RSS $((ctags_rss / 1024)) MiB, $(grep -vc '^!_' "$WORK/tags") tags"

# The build, with its resident memory sampled (seconds since start, KiB).
start="$(date +%s.%N)"
/usr/bin/time -f '%e %M' -o "$WORK/build.time" "$DOCTOWN_BIN" build "$TREE" --no-gitignore \
  --embeddings off --max-total-bytes 4000000000 --store "$WORK/store" -o "$WORK/kernel.docpack" --json \
  > "$WORK/summary.json" 2> "$WORK/build.err" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  for child in $(pgrep -P "$pid" || true); do
    rss="$(awk '/VmRSS/ {print $2}' "/proc/$child/status" 2>/dev/null || true)"
    [ -n "$rss" ] && awk -v s="$start" -v n="$(date +%s.%N)" -v k="$rss" 'BEGIN {print n - s, k}' >> "$WORK/rss"
  done
  sleep 0.5
done
wait "$pid" || { echo "build failed: $(tail -3 "$WORK/build.err")"; exit 1; }
python3 - "$WORK/summary.json" "$WORK/build.time" "$WORK/rss" "$WORK/kernel.docpack" "$WORK/store" <<'PY'
import json, os, sys
summary, timing, rss, docpack, store = sys.argv[1:]
s = json.load(open(summary))
wall, peak = open(timing).read().split()
samples = [tuple(map(float, l.split())) for l in open(rss) if l.strip()]
stages = ["ingest", "embed", "assemble", "generate", "pack"]
sec = s["seconds"]
ingest = s["stages"]["ingest"]["summary"]
assemble = s["stages"]["assemble"]["summary"]
print(f"files parsed {ingest.get('files_parsed')}, symbols {ingest.get('symbols')}, chunks {ingest.get('chunks')}, "
      f"nodes {assemble.get('nodes')}, edges {assemble.get('edges')}")
print("| stage | wall s | peak RSS MiB |")
print("|---|---:|---:|")
t = 0.0
for st in stages:
    d = sec.get(st, 0.0)
    inside = [k for (x, k) in samples if t <= x < t + d + 0.5]
    print(f"| {st} | {d:.1f} | {int(max(inside, default=0)) // 1024} |")
    t += d
print(f"| **total** | **{float(wall):.1f}** | **{int(peak) // 1024}** |")
size = os.path.getsize(docpack)
store_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(store) for f in fs)
print(f"docpack {size / 1048576:.1f} MiB; store {store_bytes / 1048576:.0f} MiB")
PY
# Reading what was built (#64): the streaming verify, and an in-memory
# reader's refusal at the manifest.
for cmd in verify inspect; do
  /usr/bin/time -f '%e %M' -o "$WORK/$cmd.time" "$DOCTOWN_BIN" "$cmd" "$WORK/kernel.docpack" \
    > "$WORK/$cmd.out" 2>&1 && status=ok || status="refused: $(tail -1 "$WORK/$cmd.out" | cut -c1-160)"
  read -r wall rss < <(tail -1 "$WORK/$cmd.time")
  echo "doctown $cmd: ${wall} s, peak RSS $((rss / 1024)) MiB, $status"
done
# Opening it in place (1.6, access.bin): the time to open, the memory
# held, and per-symbol questions (examples/access_bench.rs).
if [ -z "${DOCTOWN_ACCESS_BENCH:-}" ]; then
  cargo build --release --locked -p doctown-docpack --example access_bench >/dev/null
  DOCTOWN_ACCESS_BENCH="$CARGO_TARGET_DIR/release/examples/access_bench"
fi
/usr/bin/time -f '%e %M' -o "$WORK/access.time" "$DOCTOWN_ACCESS_BENCH" "$WORK/kernel.docpack" 500
read -r wall rss < <(tail -1 "$WORK/access.time")
echo "access_bench: ${wall} s in all, peak RSS $((rss / 1024)) MiB"
if [ -n "${KEEP_KERNEL_DOCPACK:-}" ]; then cp "$WORK/kernel.docpack" "$KEEP_KERNEL_DOCPACK"; fi
