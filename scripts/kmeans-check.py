"""k-means of the assemble stage against scikit-learn on real vectors.

Reads a docpack's embeddings.bin, normalises the rows, and fits k clusters
(k = round(sqrt(n/2)) clamped to [2, 64], as assemble does) with Doctown's
k-means (examples/kmeans_fit) and with scikit-learn's KMeans (k-means++,
Lloyd), one and ten initialisations each. Prints inertia and time.

usage: python3 scripts/kmeans-check.py DOCPACK KMEANS_FIT_BINARY
"""
import json, math, struct, subprocess, sys, tarfile, tempfile, time

import numpy as np
from sklearn.cluster import KMeans


def vectors(docpack):
    with tarfile.open(docpack) as tar:
        raw = tar.extractfile("embeddings.bin").read()
    count, dims, width = struct.unpack_from("<III", raw, 8)
    start = (20 + count * width + 3) // 4 * 4
    rows = np.frombuffer(raw, dtype="<f4", count=count * dims, offset=start).reshape(count, dims)
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return rows.astype("<f4")


def main():
    docpack, binary = sys.argv[1:3]
    rows = vectors(docpack)
    n, dims = rows.shape
    k = min(max(round(math.sqrt(n / 2)), 2), 64)
    with tempfile.NamedTemporaryFile(suffix=".f32") as f:
        rows.tofile(f.name)
        print(f"rows {n} dims {dims} k {k}")
        print("| implementation | initialisations | inertia | ms |")
        print("|---|---|---|---|")
        for runs in (1, 10):
            out = json.loads(subprocess.check_output([binary, f.name, str(dims), str(k), str(runs)]))
            print(f"| doctown | {runs} | {out['inertia']:.2f} | {out['ms']} |")
            for seed in (0,):
                started = time.time()
                model = KMeans(n_clusters=k, init="k-means++", n_init=runs, algorithm="lloyd",
                               random_state=seed, max_iter=100).fit(rows)
                print(f"| scikit-learn {__import__('sklearn').__version__} | {runs} | {model.inertia_:.2f} | {int((time.time()-started)*1000)} |")


main()
