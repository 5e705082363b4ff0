#!/usr/bin/env bash
# End-to-end `doctown build` benchmark on real repositories from the
# registries: small (~50 files), medium (~300), large (~4,000).
# Reports seconds per stage, total wall time, peak RSS and docpack size,
# with embeddings and with `--embeddings off`, and a rebuild after a one-file
# change. Usage: bash scripts/bench-build.sh [small|medium|large ...]
# The large repository is built with embeddings only when BENCH_LARGE_EMBED=1
# (about six and a half minutes on two cores). BENCH_BIN=PATH measures that
# binary (e.g. the one scripts/build-release.sh prints) instead of building.
set -euo pipefail
BENCH_BIN="${BENCH_BIN:+$(realpath -m "$BENCH_BIN")}"
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/fetch-model.sh >/dev/null
if [ -n "${BENCH_BIN:-}" ]; then
  [ -x "$BENCH_BIN" ] || { echo "bench-build: $BENCH_BIN is not an executable" >&2; exit 2; }
  DOCTOWN="$BENCH_BIN"
else
  cargo build --release --locked -p doctown-cli >/dev/null
  DOCTOWN="$CARGO_TARGET_DIR/release/doctown"
fi
source scripts/bench-repos.sh
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

row() { # label, repo, store, extra flags...
  local label="$1" repo="$2" store="$3"; shift 3
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$DOCTOWN" build "$repo" --store "$store" -o "$WORK/out.docpack" --json "$@" \
    > "$WORK/summary.json" 2>"$WORK/err" || { echo "| $label | failed: $(tail -1 "$WORK/err") |"; return; }
  read -r wall rss < "$WORK/time"
  python3 - "$label" "$wall" "$rss" "$WORK/summary.json" "$WORK/out.docpack" <<'PY'
import json, os, sys
label, wall, rss, summary, docpack = sys.argv[1:]
s = json.load(open(summary))
sec = s["seconds"]
files = s["stages"]["ingest"]["summary"].get("files_parsed", 0)
chunks = s["stages"]["ingest"]["summary"].get("chunks", 0)
embed = s["stages"].get("embed", {}).get("summary") or {}
# Texts embedded by the model in this build (the rest came from the cache),
# and their tokens, whether the prefetcher or the stage embedded them.
embedded = embed.get("cache_misses", 0) + min(embed.get("prefetched", 0), embed.get("cache_hits", 0))
tokens = embed.get("tokens", 0) + embed.get("prefetched_tokens", 0)
cells = " | ".join(f'{sec.get(st, 0):.2f}' for st in ["ingest", "embed", "assemble", "generate", "pack"])
print(f"| {label} | {files} | {chunks} | {embedded} | {tokens} | {cells} | {float(wall):.2f} | {int(rss)//1024} | {os.path.getsize(docpack)/1048576:.2f} |")
PY
}

echo "| run | files | chunks | texts embedded | tokens embedded | ingest s | embed s | assemble s | generate s | pack s | wall s | peak RSS MiB | docpack MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for name in "${@:-small medium large}"; do
  for size in $name; do
    repo="$REPOS/$size"
    if [ "$size" = large ] && [ "${BENCH_LARGE_EMBED:-0}" = 1 ]; then
      row "$size, embeddings, cold" "$repo" "$WORK/store-$size"
    fi
    if [ "$size" != large ]; then
      row "$size, embeddings, cold" "$repo" "$WORK/store-$size"
      # One-file change: append a function to one source file, rebuild with the warm store.
      f="$(find "$repo" -name '*.rs' -o -name '*.py' | sort | sed -n 1p)"
      cp "$f" "$WORK/orig"
      case "$f" in *.rs) printf '\npub fn bench_extra() -> u32 { 42 }\n' >> "$f" ;; *) printf '\ndef bench_extra():\n    return 42\n' >> "$f" ;; esac
      row "$size, embeddings, one-file change" "$repo" "$WORK/store-$size"
      cp "$WORK/orig" "$f"
    fi
    row "$size, --embeddings off" "$repo" "$WORK/store-off-$size" --embeddings off
    if [ "$size" = large ]; then
      f="$(find "$repo" -name '*.py' | sort | sed -n 1p)"
      cp "$f" "$WORK/orig"
      printf '\ndef bench_extra():\n    return 42\n' >> "$f"
      row "$size, --embeddings off, one-file change" "$repo" "$WORK/store-off-$size" --embeddings off
      cp "$WORK/orig" "$f"
    fi
  done
done
