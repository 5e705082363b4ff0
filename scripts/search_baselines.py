#!/usr/bin/env python3
"""The search evaluation's baselines (scripts/search-eval.sh): plain
retrieval over each function's code, computed in the same run as Doctown's
search and scored on the same queries, so the two can be paired per query.

  search_baselines.py LANG WORKDIR DOCPACK --results FILE [--variant plain|noname]

The documents are the docpack's functions and methods (the kinds every
query's answer has), each the lines of its range in the stripped copy
(WORKDIR/src): the code only, as CodeSearchNet's baselines index it.

* base-dense: the query and each function's code embedded with the model
  Doctown uses (DOCTOWN_MODEL_DIR, through ONNX Runtime as
  scripts/embed_reference.py runs it: mean pooling, L2 normalisation), up
  to 256 tokens (all-MiniLM-L6-v2's own limit), ranked by cosine.
* base-bm25: Okapi BM25 (k1 1.2, b 0.75) over the code's words:
  identifiers split at case changes, underscores and digits, lowercased,
  the whole identifier kept beside its parts.
* base-fused: the two fused by reciprocal rank (k = 60) over each's top 100.

Each writes $DOCTOWN_CACHE/search-eval/details-LANG-MODE[-noname].txt in
search_eval.py's format and appends a row to --results.
"""

import argparse
import json
import math
import os
import re
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import embed_reference  # noqa: E402
import search_eval  # noqa: E402

CALLABLE = {"function", "method"}
MAX_TOKENS = 256
RRF_K = 60
FUSE_DEPTH = 100


def words(text):
    """Lowercase words of code or prose: each identifier and its parts."""
    out = []
    for ident in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+", text):
        parts = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+", ident)
        low = ident.lower()
        out.append(low)
        out.extend(p.lower() for p in parts if p.lower() != low)
    return out


class Bm25:
    def __init__(self, docs, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = sum(self.len) / max(len(docs), 1)
        df = Counter(t for tf in self.tf for t in tf)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.postings = {}
        for i, tf in enumerate(self.tf):
            for t in tf:
                self.postings.setdefault(t, []).append(i)

    def scores(self, query):
        acc = {}
        for t in set(query):
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i in self.postings[t]:
                f = self.tf[i][t]
                norm = f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self.len[i] / self.avg))
                acc[i] = acc.get(i, 0.0) + idf * norm
        return acc


def documents(workdir, docpack):
    """(symbol, code) for every function and method of the docpack."""
    docs, files = [], {}
    for s in search_eval.load_symbols(docpack):
        if s["kind"] not in CALLABLE or s.get("role") == "test":
            continue
        path = os.path.join(workdir, "src", s["path"])
        if path not in files:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    files[path] = f.read().split("\n")
            except OSError:
                files[path] = None
        lines = files[path]
        if lines is None:
            continue
        r = s["range"]
        docs.append((s, "\n".join(lines[r["start_line"] - 1: r["end_line"]])))
    return docs


def embed_all(tokenizer, session, texts, batch=32):
    import numpy as np

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = [None] * len(texts)
    for start in range(0, len(order), batch):
        idx = order[start: start + batch]
        encs = tokenizer.encode_batch([texts[i] for i in idx])
        for i, v in zip(idx, embed_reference.run_batch(session, encs)):
            vectors[i] = v
    return np.stack(vectors)


def ranked(scores, depth):
    return sorted(scores, key=lambda i: (-scores[i], i))[:depth]


def write(args, mode, queries, rankings, docs, seconds):
    """The details file and the result row of one baseline."""
    as_hit = lambda i: {"id": docs[i][0]["id"], "path": docs[i][0]["path"],  # noqa: E731
                        "name": docs[i][0]["name"], "qualified_name": docs[i][0]["qualified_name"],
                        "line": docs[i][0]["range"]["start_line"]}
    hits = {q["id"]: [as_hit(i) for i in r[:10]] for q, r in zip(queries, rankings)}
    search_eval.record(args, mode, queries, hits, seconds)


def main():
    embed_reference.ensure_environment(__file__)
    import numpy as np

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("lang")
    p.add_argument("workdir")
    p.add_argument("docpack")
    p.add_argument("--results", required=True)
    p.add_argument("--variant", choices=["plain", "noname"], default="plain")
    p.add_argument("--model-dir", default=embed_reference.DEFAULT_MODEL_DIR)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args()
    args.details = None
    queries = search_eval.read_queries(args.workdir, args.variant)
    docs = documents(args.workdir, args.docpack)
    if not docs:
        sys.exit(f"{args.docpack}: no functions or methods to index")
    t0 = time.monotonic()
    bm25 = Bm25([words(code) for _, code in docs])
    lexical = [ranked(bm25.scores(words(q["query"])), FUSE_DEPTH) for q in queries]
    t_bm25 = time.monotonic() - t0
    t0 = time.monotonic()
    cache = os.path.join(args.workdir, f"baseline-vectors-{MAX_TOKENS}.npy")
    tokenizer, session = embed_reference.load(args.model_dir, MAX_TOKENS, args.threads)
    key = os.path.join(args.workdir, "baseline-vectors.key")
    stamp = f"{len(docs)} {args.model_dir} {os.path.getsize(args.docpack)} {docs[0][0]['id']} {docs[-1][0]['id']}"
    if os.path.exists(cache) and os.path.exists(key) and open(key).read() == stamp:
        code_vectors = np.load(cache)
    else:
        code_vectors = embed_all(tokenizer, session, [code for _, code in docs])
        np.save(cache, code_vectors)
        with open(key, "w") as f:
            f.write(stamp)
    query_vectors = embed_all(tokenizer, session, [q["query"] for q in queries])
    cosines = query_vectors @ code_vectors.T
    dense = [list(np.argsort(-row, kind="stable")[:FUSE_DEPTH]) for row in cosines]
    t_dense = time.monotonic() - t0
    fused = []
    for lex, sem in zip(lexical, dense):
        score = {}
        for ranking in (lex, sem):
            for rank, i in enumerate(ranking):
                score[int(i)] = score.get(int(i), 0.0) + 1 / (RRF_K + rank + 1)
        fused.append(ranked(score, FUSE_DEPTH))
    write(args, "base-dense", queries, [[int(i) for i in r] for r in dense], docs, t_dense)
    write(args, "base-bm25", queries, lexical, docs, t_bm25)
    write(args, "base-fused", queries, fused, docs, t_dense + t_bm25)


if __name__ == "__main__":
    main()
