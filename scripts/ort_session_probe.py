"""ONNX Runtime session options on this CPU, for the embedding model.

Creates sessions of the int8 all-MiniLM-L6-v2 with each graph optimisation
level, with and without intra-op spinning, memory patterns, one thread, and
from a pre-optimised model file; prints session creation time and tokens/s
on uniform batches (no padding) of 32 x 128, 32 x 64 and 64 x 32 tokens.

usage: python3 scripts/ort_session_probe.py [THREADS]
(runs in the cached venv of scripts/embed_reference.py)
"""
import os
import subprocess
import sys
import tempfile
import time


def ensure_environment():
    """Re-executes inside embed_reference.py's cached venv (made if missing)."""
    try:
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401

        return
    except ImportError:
        pass
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import embed_reference

    python = os.path.join(embed_reference.VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(embed_reference.VENV):
        sys.exit("ort_session_probe: the venv lacks onnxruntime")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", embed_reference.VENV])
        subprocess.check_call([python, "-m", "pip", "install", "--quiet"] + embed_reference.REQUIREMENTS)
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


ensure_environment()

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

CACHE = os.environ.get("DOCTOWN_CACHE", os.path.expanduser("~/.cache/doctown"))
MODEL = os.environ.get("DOCTOWN_MODEL_DIR", os.path.join(CACHE, "models/all-minilm-l6-v2-qint8-fused"))
THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count()
LEVELS = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all (default)": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def session(level="all (default)", threads=THREADS, spin=True, pattern=False, path=None, save=None):
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.graph_optimization_level = LEVELS[level]
    o.enable_mem_pattern = pattern
    if not spin:
        o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if save:
        o.optimized_model_filepath = save
    started = time.time()
    s = ort.InferenceSession(path or os.path.join(MODEL, "model.onnx"), o, providers=["CPUExecutionProvider"])
    return s, time.time() - started


def tokens_per_s(s, batch, length, reps=6):
    rng = np.random.default_rng(7)
    feed = {
        "input_ids": rng.integers(1000, 20000, (batch, length)).astype(np.int64),
        "attention_mask": np.ones((batch, length), np.int64),
    }
    if "token_type_ids" in [i.name for i in s.get_inputs()]:
        feed["token_type_ids"] = np.zeros((batch, length), np.int64)
    s.run(None, feed)
    started = time.time()
    for _ in range(reps):
        s.run(None, feed)
    return batch * length * reps / (time.time() - started)


def row(name, s, created):
    rates = [tokens_per_s(s, b, n) for b, n in ((32, 128), (32, 64), (64, 32))]
    print(f"| {name} | {created * 1000:.0f} | " + " | ".join(f"{r:.0f}" for r in rates) + " |")


print(f"ONNX Runtime {ort.__version__}, {THREADS} intra-op threads")
print("| session | creation ms | tokens/s 32x128 | 32x64 | 64x32 |")
print("|---|---:|---:|---:|---:|")
for level in LEVELS:
    row(f"graph optimisation {level}", *session(level))
row("no intra-op spinning", *session(spin=False))
row("memory pattern on", *session(pattern=True))
row("1 intra-op thread", *session(threads=1))
with tempfile.TemporaryDirectory() as tmp:
    saved = os.path.join(tmp, "optimised.onnx")
    session(save=saved)
    row("pre-optimised file, optimisation off", *session("disable", path=saved))
