#!/usr/bin/env python3
"""How far two docpacks' vectors are apart: the cosine between the vectors
each gives the same chunk, and how often a chunk's nearest neighbours agree
(overlap of the top 10 by cosine, over chunks both embedded). Used to check
that the GPU server (scripts/gpu/run.sh) computes the same model as the
local int8 ONNX backend.

Usage: compare.py A.docpack B.docpack     (standard library only)
"""
import io
import math
import random
import struct
import sys
import tarfile


def embeddings(path):
    with tarfile.open(path, "r:gz") as tar:
        raw = tar.extractfile("embeddings.bin").read()
    magic, version, count, dims, width = struct.unpack_from("<4sIIII", raw)
    if magic != b"DPEV" or version != 1:
        sys.exit(f"{path}: not a docpack embeddings.bin (layout 1)")
    ids = [raw[20 + i * width : 20 + (i + 1) * width].rstrip(b"\0").decode() for i in range(count)]
    rows = 20 + count * width
    rows += -rows % 4
    vectors = struct.unpack_from(f"<{count * dims}f", raw, rows)
    return {ids[i]: vectors[i * dims : (i + 1) * dims] for i in range(count)}


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def top(query, table, k=10):
    return set(sorted(table, key=lambda i: -cosine(query, table[i]))[1 : k + 1])


def main(a_path, b_path):
    a, b = embeddings(a_path), embeddings(b_path)
    shared = sorted(set(a) & set(b))
    if not shared:
        sys.exit("no chunk is embedded in both")
    cos = sorted(cosine(a[i], b[i]) for i in shared)
    pick = lambda q: cos[min(len(cos) - 1, int(q * len(cos)))]
    print(f"chunks: {len(a)} and {len(b)}, {len(shared)} in both")
    print(f"cosine of the same chunk: mean {sum(cos) / len(cos):.5f}, min {cos[0]:.5f}, "
          f"p1 {pick(0.01):.5f}, median {pick(0.5):.5f}")
    random.seed(15)
    queries = random.sample(shared, min(100, len(shared)))
    sa = {i: a[i] for i in shared}
    sb = {i: b[i] for i in shared}
    overlap = [len(top(sa[q], sa) & top(sb[q], sb)) / 10 for q in queries]
    print(f"top-10 neighbours in common, {len(queries)} chunks: mean {sum(overlap) / len(overlap):.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compare.py A.docpack B.docpack")
    main(sys.argv[1], sys.argv[2])
