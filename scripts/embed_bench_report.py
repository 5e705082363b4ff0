#!/usr/bin/env python3
"""Renders scripts/bench-embed.sh's measurements as a markdown section."""

import argparse
import json
import os
import platform


def load(path):
    """Records by (impl, config); of repeated runs, the fastest."""
    best = {}
    with open(path) as f:
        for r in map(json.loads, filter(str.strip, f)):
            key = (r["impl"], r["config"])
            if key not in best or r["tokens_per_s"] > best[key]["tokens_per_s"]:
                best[key] = r
    return best


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rust", required=True)
    p.add_argument("--python", required=True)
    p.add_argument("--threads", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--rounds", default="2")
    a = p.parse_args()
    rows = {**load(a.rust), **load(a.python)}
    get = lambda impl, cfg: rows.get((impl, cfg))
    naive = get("rust-ort", "naive")
    chunks, tokens = naive["chunks"], naive["tokens"]
    out = []
    w = out.append
    w("## Embedding (functions/embed)\n")
    w(
        "%d real Rust functions from crate sources in the cargo registry (mean %.0f tokens after "
        "truncation to the stage's token cap, `DOCTOWN_EMBED_MAX_LENGTH`, default 128), embedded as chunk texts (`doctown_embed::text`), all-MiniLM-L6-v2 in int8 arithmetic "
        "(`all-minilm-l6-v2-qint8-fused`) on ONNX Runtime 1.31.1, CPU, %s threads on %d cores (%s); load average at the end %s. "
        "The batches of 32 and the uniform batches run padded on one session of every thread (the runtime's own figure); "
        "the stage's plan runs each text alone, one single-threaded session per core (no padding).\n"
        % (chunks, tokens / chunks, a.threads, os.cpu_count(), cpu_model(), " ".join("%.2f" % x for x in os.getloadavg()))
    )
    w("| configuration | Rust (ort) chunks/s | Rust tokens/s | Python ORT chunks/s | Python tokens/s | padded tokens |")
    w("|---|---:|---:|---:|---:|---:|")
    names = {
        "naive": "naive: batches of 32 in input order",
        "sorted": "sorted by length, batches of 32",
        "bucketed": "the stage's plan: each text alone on the lanes, batches of max_batch",
        "stage-cold": "embed stage, cold cache (the stage's plan, + reading chunks, cache writes, vectors.bin)",
        "stage-warm": "embed stage, warm rebuild (all cache hits)",
    }
    for cfg, label in names.items():
        r, py = get("rust-ort", cfg), get("python-ort", cfg)
        if not r:
            continue
        cell = lambda x, k: ("%.1f" % x[k]) if x else "—"
        pad = "%.2f×" % (r["padded_tokens"] / r["tokens"]) if r.get("tokens") else "—"
        w("| %s | %s | %s | %s | %s | %s |" % (label, cell(r, "chunks_per_s"), "%.0f" % r["tokens_per_s"],
                                            cell(py, "chunks_per_s"), ("%.0f" % py["tokens_per_s"]) if py else "—", pad))
    ru, pu = get("rust-ort", "uniform"), get("python-ort", "uniform")
    w("")
    if ru:
        w(
            "Kernels on uniform batches (32 × %d tokens, no padding at all): Rust %.0f tokens/s, Python %s tokens/s."
            % (ru["seq_len"], ru["tokens_per_s"], ("%.0f" % pu["tokens_per_s"]) if pu else "—")
        )
        for cfg, label in (("naive", "naive batches"), ("sorted", "sorted batches"), ("bucketed", "the stage's plan"), ("stage-cold", "the whole stage, cold")):
            r = get("rust-ort", cfg)
            if r:
                w("- %s: %.0f%% of the uniform tokens/s." % (label, 100 * r["tokens_per_s"] / ru["tokens_per_s"]))
        w("")
    warm = get("rust-ort", "stage-warm")
    if warm:
        w("Warm rebuild: %d cache hits, %d misses, %.2f s for %d chunks.\n" % (warm["cache_hits"], warm["cache_misses"], warm["seconds"], chunks))
    w("Padded tokens: tokens the model computes (batch × longest member) over real tokens. "
      "Chunks/s include tokenisation. Rust and Python alternate per configuration (%s round(s)); each side's better run "
      "is shown (other processes share this machine's cores).\n" % a.rounds)
    w("Reproduce (after `cargo fetch`): `%s`\n" % a.command)
    print("\n".join(out))


if __name__ == "__main__":
    main()
