#!/usr/bin/env python3
"""Reference embeddings and throughput with Python ONNX Runtime.

The Rust embed stage (functions/embed) is checked against this script: same
model files (scripts/fetch-model.sh), same tokenizer settings (truncation to
--max-length tokens, LongestFirst, no padding per text), same pooling (mean
over the attention mask, then L2 normalisation).

  embed_reference.py reference --input SNIPPETS.json --output REFERENCE.json
      SNIPPETS.json is [{"id", "language", "text"}]; writes each snippet's
      token ids and vector, each text embedded alone (no padding).

  embed_reference.py bench --input TEXTS.jsonl --threads N [--batch 32] [--configs naive,sorted,uniform]
      TEXTS.jsonl has one {"id", "text"} per line; prints one JSON line per
      configuration (naive: padded batches of --batch in input order; sorted:
      the same batches after sorting by token length; uniform: the kernel's
      throughput on batches of one fixed length).

Dependencies (onnxruntime==1.31.1, tokenizers==0.23.2, numpy) come from a
virtual environment under ${DOCTOWN_CACHE:-~/.cache/doctown}/venv-embed,
created on first use; wheels in $DOCTOWN_CACHE/wheels are preferred.
"""

import argparse
import json
import os
import subprocess
import sys
import time

CACHE = os.environ.get("DOCTOWN_CACHE", os.path.expanduser("~/.cache/doctown"))
VENV = os.path.join(CACHE, "venv-embed")
REQUIREMENTS = ["onnxruntime==1.31.1", "tokenizers==0.23.2", "numpy"]
DEFAULT_MODEL_DIR = os.environ.get(
    "DOCTOWN_MODEL_DIR", os.path.join(CACHE, "models", "all-minilm-l6-v2-qint8-fused")
)


def ensure_environment(script=__file__):
    """Re-executes `script` inside the cached venv when the dependencies
    are missing."""
    try:
        import numpy  # noqa: F401
        import onnxruntime
        import tokenizers  # noqa: F401

        if onnxruntime.__version__.startswith("1.31."):
            return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        sys.exit("embed_reference: the venv at %s lacks %s" % (VENV, REQUIREMENTS))
    if not os.path.exists(python):
        print("embed_reference: creating %s" % VENV, file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        wheels = os.path.join(CACHE, "wheels")
        os.makedirs(wheels, exist_ok=True)
        subprocess.check_call(
            [python, "-m", "pip", "install", "--quiet", "--find-links", wheels]
            + REQUIREMENTS
        )
    os.execv(python, [python, os.path.abspath(script)] + sys.argv[1:])


def load(model_dir, max_length, threads):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    tokenizer.no_padding()
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    # The session options the embed stage uses on the CPU: the fused
    # SkipLayerNormalization off (it is slower there; see model.rs).
    session = ort.InferenceSession(
        os.path.join(model_dir, "model.onnx"),
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=["SkipLayerNormFusion"],
    )
    return tokenizer, session


def run_batch(session, encodings):
    """Pads a batch to its longest member, runs it, mean-pools, normalises."""
    import numpy as np

    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
    feeds = {"input_ids": ids, "attention_mask": mask}
    names = [i.name for i in session.get_inputs()]
    if "token_type_ids" in names:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = session.run(None, feeds)[0].astype(np.float64)
    weights = mask[:, :, None].astype(np.float64)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32)


def reference(args):
    import onnxruntime as ort

    tokenizer, session = load(args.model_dir, args.max_length, args.threads)
    with open(args.input) as f:
        snippets = json.load(f)
    out = []
    for s in snippets:
        enc = tokenizer.encode(s["text"])
        vector = run_batch(session, [enc])[0]
        out.append(
            {
                "id": s["id"],
                "language": s.get("language"),
                "text": s["text"],
                "token_ids": enc.ids,
                "vector": [round(float(x), 7) for x in vector],
            }
        )
    doc = {
        "generator": "scripts/embed_reference.py",
        "runtime": "onnxruntime " + ort.__version__,
        "max_length": args.max_length,
        "pooling": "mean over attention mask, L2-normalised",
        "snippets": out,
    }
    with open(args.output, "w") as f:
        # One snippet per line: diffable, and not one float per line.
        head = {k: v for k, v in doc.items() if k != "snippets"}
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "snippets": [\n')
        f.write(",\n".join(json.dumps(s, ensure_ascii=False) for s in out))
        f.write("\n]}\n")
    print("embed_reference: wrote %d vectors to %s" % (len(out), args.output), file=sys.stderr)


def timed(session, batches):
    start = time.perf_counter()
    for batch in batches:
        run_batch(session, batch)
    return time.perf_counter() - start


def bench(args):
    tokenizer, session = load(args.model_dir, args.max_length, args.threads)
    with open(args.input) as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    start = time.perf_counter()
    encodings = tokenizer.encode_batch(texts)
    tokenize_s = time.perf_counter() - start
    tokens = sum(len(e.ids) for e in encodings)
    run_batch(session, encodings[:4])  # warm-up
    b = args.batch
    naive = [encodings[i : i + b] for i in range(0, len(encodings), b)]
    ordered = sorted(encodings, key=lambda e: len(e.ids))
    sorted_batches = [ordered[i : i + b] for i in range(0, len(ordered), b)]
    configs = args.configs.split(",")
    for name, batches in (("naive", naive), ("sorted", sorted_batches)):
        if name not in configs:
            continue
        seconds = timed(session, batches) + tokenize_s
        padded = sum(len(x) * max(len(e.ids) for e in x) for x in batches)
        print(json.dumps({
            "impl": "python-ort", "config": name, "chunks": len(texts), "tokens": tokens,
            "padded_tokens": padded, "seconds": round(seconds, 3),
            "chunks_per_s": round(len(texts) / seconds, 2), "tokens_per_s": round(tokens / seconds, 1),
        }), flush=True)
    if "uniform" not in configs:
        return
    # The kernels on uniform batches: the mean length, no padding at all.
    width = max(8, tokens // max(len(texts), 1))
    uniform = tokenizer.encode_batch(["x " * 4096] * b)
    for e in uniform:
        e.truncate(width)
    reps = max(2, min(20, (tokens // (b * width)) // 4))
    seconds = timed(session, [uniform] * reps)
    print(json.dumps({
        "impl": "python-ort", "config": "uniform", "seq_len": width, "batch": b,
        "tokens_per_s": round(reps * b * width / seconds, 1),
    }), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["reference", "bench"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--output")
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--configs", default="naive,sorted,uniform", help="bench: which to run")
    args = parser.parse_args()
    ensure_environment()
    if args.command == "reference":
        if not args.output:
            parser.error("reference needs --output")
        reference(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
