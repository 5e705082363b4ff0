#!/usr/bin/env python3
"""Packs all-MiniLM-L6-v2 (the float32 safetensors of the HF model, the
same model the shipped int8 ONNX file was quantised from) small enough to
travel to a lent GPU machine, whose working-tree limit is 64 MiB.

Every matrix travels as int8 with one float16 scale per row (symmetric,
scale = max |row| / 127); vectors (biases, LayerNorm) as float16. That is
23 MB instead of 91 MB. The server (embed_server.py) widens them back to
float16 on the GPU. The rounding is per row and finer than the shipped
int8 ONNX model's per-tensor scales; run.sh measures how far the GPU's
vectors land from the CPU's.

Usage: pack_model.py MODEL_SAFETENSORS OUT_FILE
Standard library only. Output: safetensors (I8 `<name>.q` + F16
`<name>.scale` for matrices, F16 `<name>` for vectors).
"""
import json
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        tensors[name] = (meta["dtype"], meta["shape"], data[start:end])
    return tensors


def quantise_rows(shape, raw):
    rows, cols = shape
    values = struct.unpack(f"<{rows * cols}f", raw)
    q = bytearray(rows * cols)
    scales = []
    for r in range(rows):
        row = values[r * cols:(r + 1) * cols]
        scale = max(abs(v) for v in row) / 127.0 or 1.0
        # The scale travels as float16: quantise against that rounding.
        scale = struct.unpack("<e", struct.pack("<e", scale))[0]
        q[r * cols:(r + 1) * cols] = bytes(
            (max(-127, min(127, round(v / scale))) & 0xFF) for v in row
        )
        scales.append(scale)
    return bytes(q), struct.pack(f"<{rows}e", *scales)


def main(src, dst):
    out = []  # (name, dtype, shape, bytes)
    for name, (dtype, shape, raw) in sorted(read_safetensors(src).items()):
        if dtype != "F32":
            continue  # position_ids: rebuilt by the server
        if len(shape) == 2:
            q, scales = quantise_rows(shape, raw)
            out.append((name + ".q", "I8", shape, q))
            out.append((name + ".scale", "F16", [shape[0]], scales))
        else:
            n = len(raw) // 4
            half = struct.pack(f"<{n}e", *struct.unpack(f"<{n}f", raw))
            out.append((name, "F16", shape, half))
    header, offset = {}, 0
    for name, dtype, shape, data in out:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for _, _, _, data in out:
            f.write(data)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: pack_model.py MODEL_SAFETENSORS OUT_FILE")
    main(sys.argv[1], sys.argv[2])
