#!/usr/bin/env bash
# How cold builds with the shipped ONNX backend scale with CPU cores: cold
# `doctown build`s with embeddings, pinned to the first N cores (taskset),
# on a lent host with many cores (its GPU unused).
#
#   here:  bash scripts/gpu/prepare.sh cpu      (fills .gpu/cpu/, ignored)
#   there: bash scripts/gpu/cpu_cores.sh        (from the repository root)
#
# Needs there: python3 and taskset. Writes table.md, rows.jsonl, each
# build's docpack checksum (sums.txt) and each repository's docpack under
# $OUT (default ./gpu-out). Environment: CPU_CORES (default "2 4 8 16"),
# CPU_BUILDS (default "small medium").
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/gpu/common.sh
source scripts/gpu/common.sh cpu cpu-cores doctown.xz libonnxruntime.so.xz model.onnx.xz tokenizer.json repos.tar.xz
mkdir -p "$W/model" && mv "$W/model.onnx" "$W/model/" && cp "$G/tokenizer.json" "$W/model/"
export DOCTOWN_MODEL_DIR="$W/model" DOCTOWN_ORT_LIB="$W/libonnxruntime.so" DOCTOWN_EMBED_BACKEND=onnx
log "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
log "$(grep -o -m1 -w 'amx_int8\|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
{
    echo "| run | files | chunks | texts embedded | server texts | tokens | ingest + embed s | texts/s | tokens/s | ingest s | embed s | wall s | peak RSS MiB |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} | tee "$OUT/table.md"
for size in ${CPU_BUILDS:-small medium}; do
    for n in ${CPU_CORES:-2 4 8 16}; do
        [ "$n" -le "$(nproc)" ] || continue
        taskset -c "0-$((n - 1))" python3 scripts/gpu/build_row.py "$size, $n cores, cold" "$W/doctown" "$W/$size" \
            "$W/store-$size-$n" "$W/$size.docpack" "$OUT/rows.jsonl" - | tee -a "$OUT/table.md"
        # Each text runs alone: the docpack is the same bytes on any number of cores.
        [ -f "$W/$size.docpack" ] && echo "$(sha256sum < "$W/$size.docpack" | cut -c1-64)  $size, $n cores" >> "$OUT/sums.txt"
    done
    # Its vectors, for scripts/gpu/compare.py against a build on another CPU.
    [ -f "$W/$size.docpack" ] && cp "$W/$size.docpack" "$OUT/$size.docpack"
done
log "done"
