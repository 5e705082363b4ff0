#!/usr/bin/env python3
"""Reference PageRank values for the assemble stage's tests, from networkx.

Writes functions/assemble/tests/fixtures/pagerank_reference.json: a fixed
weighted directed graph (dangling nodes, an isolated node, a self-loop,
weights > 1) and networkx's PageRank of it (damping 0.85, uniform
teleport and dangling redistribution, tol 1e-14).

    python3 -m venv ~/.cache/doctown/venv-assemble
    ~/.cache/doctown/venv-assemble/bin/pip install networkx
    ~/.cache/doctown/venv-assemble/bin/python scripts/assemble_pagerank_reference.py
"""

import json
import pathlib

import networkx as nx

NODES = 14
EDGES = [
    # (from, to, weight): a call graph with hubs, a cycle and leaves
    (0, 1, 1.0), (0, 2, 2.0), (0, 3, 1.0),
    (1, 2, 1.0), (1, 4, 3.0),
    (2, 4, 1.0), (2, 5, 1.0),
    (3, 2, 1.0), (3, 6, 1.0),
    (4, 0, 1.0), (4, 7, 1.0),
    (5, 5, 1.0),  # recursion: a self-loop
    (6, 8, 1.0), (6, 9, 1.0),
    (7, 4, 2.0),
    (8, 10, 1.0),
    (9, 10, 1.0), (9, 11, 1.0),
    (12, 11, 5.0),
    # 10 and 11 are dangling (no out-edges); 13 is isolated
]


def main() -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(NODES))
    graph.add_weighted_edges_from(EDGES)
    try:
        ranks = nx.pagerank(graph, alpha=0.85, tol=1e-14, max_iter=100000, weight="weight")
        function = "networkx.pagerank"
    except (ImportError, ModuleNotFoundError):  # nx.pagerank needs scipy; this is its pure-Python twin
        from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

        ranks = _pagerank_python(graph, alpha=0.85, tol=1e-14, max_iter=100000, weight="weight")
        function = "networkx _pagerank_python"
    out = {
        "generator": f"networkx {nx.__version__} ({function})",
        "damping": 0.85,
        "nodes": NODES,
        "edges": [[u, v, w] for u, v, w in EDGES],
        "pagerank": [ranks[i] for i in range(NODES)],
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "functions/assemble/tests/fixtures/pagerank_reference.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
