#!/usr/bin/env bash
# Two builds of `doctown` side by side as readers of the benchmark
# repositories' docpacks (small, medium; embeddings on): for each repository
# and binary, a cold build (wall, peak RSS, docpack size), then `doctown mcp`
# on the docpack it built (start-up, resident, p95 per tool over ROUNDS calls,
# scripts/mcp_latency.py). What #64's "no regression for small docpacks" is
# measured by, before and after a change to the format or the readers.
# Usage: bash scripts/bench-readers.sh BIN_A BIN_B [ROUNDS] [small medium large ...]
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,9p "$0" >&2; exit 2; }
A="$(realpath -m "$1")" B="$(realpath -m "$2")"
shift 2
ROUNDS=30
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then ROUNDS="$1"; shift; fi
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "bench-readers: $bin is not an executable" >&2; exit 2; }; done
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/fetch-model.sh >/dev/null
source scripts/bench-repos.sh
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

REPO_NAMES=("$@"); [ ${#REPO_NAMES[@]} -gt 0 ] || REPO_NAMES=(small medium)
for repo in "${REPO_NAMES[@]}"; do
  for side in A B; do
    bin="$A"; [ "$side" = B ] && bin="$B"
    out="$WORK/$repo-$side.docpack"
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$bin" build "$REPOS/$repo" --store "$WORK/store-$side" \
      -o "$out" --embeddings on >/dev/null 2>"$WORK/err" \
      || { echo "bench-readers: $repo with $bin failed: $(tail -1 "$WORK/err")" >&2; exit 1; }
    read -r wall peak < "$WORK/time"
    echo "$repo $side ($bin): build ${wall} s, peak $((peak / 1024)) MiB, docpack $(stat -c %s "$out") B"
    python3 scripts/mcp_latency.py "$bin" "$out" "$ROUNDS" | sed "s/^/  /"
  done
done
