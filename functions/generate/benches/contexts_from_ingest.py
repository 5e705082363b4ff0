#!/usr/bin/env python3
"""Builds assemble-shaped contexts from a stored ingest job, for the generate
benchmark before the assemble stage can produce them: real symbols, doc
comments, signatures and resolved calls; PageRank over the call graph
(normalised to 0-1) for centrality; one cluster per directory, labelled by
its most common identifier words.

Usage: contexts_from_ingest.py STORE_DIR JOB_ID OUT_DIR
Writes OUT_DIR/{contexts.jsonl,modules.json,clusters.json}.
"""
import collections, json, os, re, sys

store, job, out = sys.argv[1:4]
base = os.path.join(store, "jobs", job, "ingest")
symbols = [json.loads(l) for l in open(os.path.join(base, "symbols.jsonl"))]
files = [json.loads(l) for l in open(os.path.join(base, "files.jsonl"))]
by_id = {s["id"]: s for s in symbols}
calls = {s["id"]: sorted({c["resolved"] for c in s.get("calls", []) if c.get("resolved") in by_id}) for s in symbols}
callers = collections.defaultdict(set)
for src, dsts in calls.items():
    for d in dsts:
        callers[d].add(src)
# PageRank over calls (caller -> callee) plus parent -> child containment.
ids = list(by_id)
out_edges = {i: list(calls[i]) for i in ids}
for s in symbols:
    if s.get("parent") in by_id:
        out_edges[s["parent"]].append(s["id"])
rank = {i: 1 / len(ids) for i in ids}
for _ in range(40):
    new = {i: 0.15 / len(ids) for i in ids}
    dangling = sum(rank[i] for i in ids if not out_edges[i])
    for i in ids:
        for d in out_edges[i]:
            new[d] += 0.85 * rank[i] / len(out_edges[i])
    for i in ids:
        new[i] += 0.85 * dangling / len(ids)
    rank = new
top = max(rank.values())
centrality = {i: round(rank[i] / top, 6) for i in ids}
module = lambda path: os.path.dirname(path) or "."
ref = lambda i: {"id": i, "qualified_name": by_id[i]["qualified_name"]}
best = lambda xs: sorted(xs, key=lambda i: (-centrality[i], i))
imports = {f["path"]: sorted({imp["module"] for imp in f.get("imports", [])}) for f in files}
words = collections.defaultdict(collections.Counter)
for s in symbols:
    for w in re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", s["name"]).lower()):
        if len(w) > 2 and w not in {"new", "get", "set", "the", "for", "with"}:
            words[module(s["path"])][w] += 1
mods = sorted({module(s["path"]) for s in symbols})
label = {m: " · ".join(w for w, _ in words[m].most_common(2)) or m for m in mods}
cluster_id = {m: f"cluster-{n:03}" for n, m in enumerate(mods)}
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "contexts.jsonl"), "w") as f:
    for s in sorted(symbols, key=lambda s: s["id"]):
        i, m = s["id"], module(s["path"])
        c = {
            "id": i, "name": s["name"], "kind": s["kind"], "qualified_name": s["qualified_name"],
            "language": s["language"], "path": s["path"], "module": m,
            "start_line": s["span"]["start"]["line"], "end_line": s["span"]["end"]["line"],
            "signature": s["signature"], "visibility": s["visibility"],
            "calls": [ref(x) for x in best(calls[i])[:10]], "calls_total": len(calls[i]),
            "called_by": [ref(x) for x in best(callers[i])[:10]], "called_by_total": len(callers[i]),
            "unresolved_calls": sorted({c["callee"] for c in s.get("calls", []) if not c.get("resolved")})[:10],
            "imports": imports.get(s["path"], []), "cluster": {"id": cluster_id[m], "label": label[m]},
            "centrality": centrality[i], "related": [],
            "loc": s["span"]["end"]["line"] - s["span"]["start"]["line"] + 1,
        }
        if s.get("doc"):
            c["doc"] = s["doc"]
        if s.get("parent") in by_id:
            c["parent"] = ref(s["parent"])
        f.write(json.dumps(c) + "\n")
deps = collections.defaultdict(set)
for i, dsts in calls.items():
    for d in dsts:
        a, b = module(by_id[i]["path"]), module(by_id[d]["path"])
        if a != b:
            deps[a].add(b)
modules = []
for m in mods:
    members = [s["id"] for s in symbols if module(s["path"]) == m]
    modules.append({
        "id": f"mod:{m}", "path": m, "files": sorted({by_id[i]["path"] for i in members}),
        "languages": sorted({by_id[i]["language"] for i in members}), "symbols": len(members),
        "top_symbols": [dict(ref(i), score=centrality[i]) for i in best(members)[:10]],
        "dependencies": sorted(deps[m]), "dependents": sorted(k for k in mods if m in deps[k]),
        "afferent": 0, "efferent": 0, "instability": 0.0,
    })
json.dump(modules, open(os.path.join(out, "modules.json"), "w"))
clusters = []
for m in sorted(mods, key=lambda m: -sum(1 for s in symbols if module(s["path"]) == m)):
    members = sorted(s["id"] for s in symbols if module(s["path"]) == m)
    clusters.append({"id": cluster_id[m], "label": label[m], "terms": [], "size": len(members), "members": members,
                     "top_members": [dict(ref(i), score=centrality[i]) for i in best(members)[:5]]})
json.dump({"method": "communities", "k": len(clusters), "seed": 0, "clusters": clusters}, open(os.path.join(out, "clusters.json"), "w"))
print(f"{len(symbols)} symbols, {len(mods)} modules, {sum(len(v) for v in calls.values())} resolved call edges")
