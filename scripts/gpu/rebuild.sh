#!/usr/bin/env bash
# One-file rebuilds of the large benchmark repository with `--embeddings
# off` (the #15 target: under 2 s on two cores) on the first N cores of a
# lent host (taskset; its GPU unused): a quiet machine beside the shared
# 2-core one the other figures come from. Runs scripts/bench-rebuild.sh
# with the same binary on both sides (two stores, twice the samples).
#
#   here:  bash scripts/gpu/prepare.sh rebuild   (fills .gpu/rebuild/, ignored)
#   there: bash scripts/gpu/rebuild.sh           (from the repository root)
#
# Needs there: python3 and taskset. Writes rebuild-<N>-cores.md under $OUT
# (default ./gpu-out). Environment: REBUILD_CORES (default "2 4"),
# REBUILD_ROUNDS and REBUILD_RUNS (default 2 and 3: twelve rebuilds a count).
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/gpu/common.sh
source scripts/gpu/common.sh rebuild rebuild doctown.xz repos.tar.xz
log "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for n in ${REBUILD_CORES:-2 4}; do
    [ "$n" -le "$(nproc)" ] || continue
    log "$n cores"
    taskset -c "0-$((n - 1))" bash scripts/bench-rebuild.sh "$W/doctown" "$W/doctown" "$W/large" \
        Django-5.1.4/django/__init__.py "${REBUILD_ROUNDS:-2}" "${REBUILD_RUNS:-3}" -- --embeddings off \
        | tee "$OUT/rebuild-$n-cores.md" || status=1
done
log "done"
exit $status
