#!/usr/bin/env python3
"""Precision and recall of Doctown's dispatch edges and of the
implements/overrides relation they come from, against a compiler-grade
reference.

The reference relation "method A implements or overrides method B":
SCIP `SymbolInformation.relationships` with `is_implementation` between two
methods (scip-typescript: `implements` and overriding methods, every
ancestor; scip-python: overriding methods, the nearest base only);
rust-analyzer 0.0.349 writes no relationships, so for Rust the methods of
`impl Trait for Type` blocks as its symbol names and its resolution of the
trait name say (`rust_implementations`); for Go,
`scripts/go-calls -implements` (go/types: T or *T implements the
interface). It is closed transitively, as a call of a method may run an
override of an override. Symbols map onto Doctown's by definition, as in
`callgraph_eval.py`.

The reference dispatch edges: for each reference call edge caller → B
(`callgraph_eval.py`'s), caller → A for every A implementing B, unless the
reference has caller → A as a call of its own or A is the caller. Doctown's:
its graph.json `calls` edges with provenance `dispatch`; those the reference
has as direct calls are set aside (counted, in neither precision nor
recall). Both sides are restricted to files the index covers; overloads
are one method; Python's `__x__` methods other than `__init__` and
`__new__` are left out of both sides, as scip-python states no relationship
for any of them (`__call__`, `__str__` overrides are real, but unmeasured).

Usage: dispatch_eval.py SYMBOLS_JSONL INDEX GRAPH_JSON OVERRIDES_JSONL
       --root DIR [--implements GO_IMPLEMENTS_JSONL] [--label NAME]
       [--details FILE]
Prints one JSON object. Standard library only.
"""

import argparse
import json
import os
import re
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgraph_eval import (  # noqa: E402
    CALLABLE,
    Spans,
    fields,
    ratio,
    read_scip,
    read_symbols,
    reference_edges,
    scip_documents,
    reference_edges_from_uses,
)


def scip_implementations(path):
    """[(document path or None, symbol, implemented symbol)] of a SCIP index."""
    out = []
    for rel, doc in scip_documents(path):
        infos = [dv for dn, dw, dv in doc if dn == 3 and dw == 2]
        for info in infos:
            symbol, targets = None, []
            for sn, sw, sv in fields(info):
                if sn == 1 and sw == 2:
                    symbol = sv.decode("utf-8", "replace")
                elif sn == 4 and sw == 2:
                    target, implementation = None, False
                    for rn, rw, rv in fields(sv):
                        if rn == 1 and rw == 2:
                            target = rv.decode("utf-8", "replace")
                        elif rn == 3 and rw == 0:
                            implementation = bool(rv)
                    if target and implementation:
                        targets.append(target)
            for t in targets:
                out.append((rel, symbol, t))
    return out


RUST_IMPL = re.compile(r"impl#\[(?:`[^`]*`|[^\]]*)\]\[(`[^`]*`|[^\]]*)\]([^/#]+)\(\)\.$")


def rust_implementations(documents):
    """[(path, method, trait method)] from rust-analyzer's names, which has
    no relationships: a method of `impl Trait for Type` is named
    `impl#[Type][Trait]method().`, and the trait is the symbol the index
    resolves `Trait` to on the impl's line (the nearest reference above the
    method to a symbol named `Trait#`); its method is `<trait>method().`."""
    out = []
    for path, occurrences in documents.items():
        for line, _, symbol, roles in occurrences:
            if not roles & 1:
                continue
            m = RUST_IMPL.search(symbol)
            if m is None:
                continue
            trait = m.group(1).strip("`").split("<", 1)[0]
            method = m.group(2)
            best = None
            for l2, _, s2, r2 in occurrences:
                if r2 & 1 or l2 > line or s2.startswith("local "):
                    continue
                if s2.endswith(f"/{trait}#") or s2.endswith(f"#{trait}#"):
                    if best is None or l2 > best[0]:
                        best = (l2, s2)
            if best is not None:
                out.append((path, symbol, f"{best[1]}{method}()."))
    return out


def closure(pairs):
    """base → every method implementing it, directly or through others."""
    direct = defaultdict(set)
    for a, b in pairs:
        if a != b:
            direct[b].add(a)
    out = {}
    for b in list(direct):
        seen, stack = set(), list(direct[b])
        while stack:
            a = stack.pop()
            if a in seen or a == b:
                continue
            seen.add(a)
            stack.extend(direct.get(a, ()))
        out[b] = seen
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("symbols")
    ap.add_argument("index")
    ap.add_argument("graph")
    ap.add_argument("overrides")
    ap.add_argument("--root", required=True)
    ap.add_argument("--implements", help="go-calls -implements output (Go)")
    ap.add_argument("--label", default="")
    ap.add_argument("--details")
    args = ap.parse_args()
    symbols = read_symbols(args.symbols)
    by_id = {s["id"]: s for s in symbols}
    paths = {s["path"] for s in symbols}

    # The reference call edges and the symbol → Doctown ids map.
    if args.index.endswith(".jsonl"):
        uses = [json.loads(l) for l in open(args.index) if l.strip()]
        covered = {p for p in paths if p.endswith(".go")}
        reference, defined, _ = reference_edges_from_uses(symbols, uses)
        spans = Spans(symbols)

        def ids_at(path, line, name):
            s = spans.innermost(path, line, lambda s, n=name: s["name"] == n)
            return {s["id"]} if s is not None and s["kind"] in CALLABLE else set()

        ref_pairs = set()
        for r in (json.loads(l) for l in open(args.implements) if l.strip()):
            for a in ids_at(r["path"], r["line"], r["name"]):
                for b in ids_at(r["def_path"], r["def_line"], r["def_name"]):
                    ref_pairs.add((a, b))
    else:
        documents = read_scip(args.index)
        covered = {p for p in documents if p in paths}
        reference, defined, _ = reference_edges(
            symbols, {p: documents[p] for p in covered}, args.root
        )

        def ids_of(path, symbol):
            return defined.get((path, symbol) if symbol.startswith("local ") else symbol, set())

        ref_pairs = set()
        for path, a, b in scip_implementations(args.index) + rust_implementations(
            {p: documents[p] for p in covered}
        ):
            if path not in covered:
                continue
            for x in ids_of(path, a):
                for y in ids_of(path, b):
                    ref_pairs.add((x, y))
    ref_pairs = {(a, b) for a, b in ref_pairs if a != b}

    # Overloads (`@overload`, TS signatures) are one method: its first id.
    first = {}
    for s in sorted(symbols, key=lambda s: s["id"]):
        if s["kind"] in CALLABLE:
            first.setdefault((s["path"], s["qualified_name"]), s["id"])

    def one(i):
        s = by_id.get(i)
        return first.get((s["path"], s["qualified_name"]), i) if s else i

    def dunder(i):
        # scip-python states no relationship for any `__x__` method.
        s = by_id[i]
        n = s["name"]
        return s["language"] == "python" and n.startswith("__") and n.endswith("__") \
            and n not in ("__init__", "__new__")

    def covered_id(i):
        return i in by_id and by_id[i]["path"] in covered

    def inside(i):
        return covered_id(i) and not dunder(i)

    # The relation: (implementation, base), both sides in covered files.
    ref_rel = {(one(a), one(b)) for a, b in ref_pairs if inside(a) and inside(b)}
    ours_rel = set()
    for row in (json.loads(l) for l in open(args.overrides) if l.strip()):
        a, b = row["implementation"], row["base"]
        if inside(a) and inside(b):
            ours_rel.add((one(a), one(b)))
    impls = closure(ref_rel)
    ref_rel_closed = {(a, b) for b, s in impls.items() for a in s}

    # Dispatch edges.
    direct = {(one(c), one(i)) for (c, k) in reference for i in defined[k]}
    ref_dispatch = {}
    bases_of = defaultdict(set)
    for (c, k), where in reference.items():
        c = one(c)
        for b in defined[k]:
            for a in impls.get(one(b), ()):
                if a != c and (c, a) not in direct:
                    ref_dispatch.setdefault((c, a), (where, b))
                    bases_of[(c, a)].add(one(b))
    graph = json.load(open(args.graph))
    ours_dispatch, set_aside = set(), 0
    ours_calls = {
        (one(e["from"]), one(e["to"])) for e in graph["edges"]
        if e.get("kind") == "calls" and e.get("provenance") != "dispatch"
    }
    for e in graph["edges"]:
        if e.get("kind") != "calls" or e.get("provenance") != "dispatch":
            continue
        c, a = one(e["from"]), one(e["to"])
        if not (covered_id(c) and inside(a)):
            continue
        if (c, a) in direct:
            set_aside += 1
            continue
        ours_dispatch.add((c, a))
    tp = ours_dispatch & set(ref_dispatch)
    # The reference edges whose call of the base method Doctown has: what
    # the relation alone decides.
    reachable = {k for k in ref_dispatch if any((k[0], b) in ours_calls for b in bases_of[k])}
    rel_tp = ours_rel & ref_rel_closed
    result = {
        "label": args.label,
        "files_covered": len(covered),
        "relation": {
            "doctown": len(ours_rel),
            "reference": len(ref_rel_closed),
            "reference_direct": len(ref_rel),
            "true_positives": len(rel_tp),
            "precision": ratio(len(rel_tp), len(ours_rel)),
            "recall": ratio(len(rel_tp), len(ref_rel_closed)),
        },
        "dispatch": {
            "doctown": len(ours_dispatch),
            "reference": len(ref_dispatch),
            "true_positives": len(tp),
            "precision": ratio(len(tp), len(ours_dispatch)),
            "recall": ratio(len(tp), len(ref_dispatch)),
            "direct_in_reference": set_aside,
            "reference_with_base_call": len(reachable),
            "recall_with_base_call": ratio(len(tp & reachable), len(reachable)),
        },
    }
    if args.details:
        def n(i):
            return by_id[i]["qualified_name"] if i in by_id else i

        def loc(i):
            s = by_id[i]
            return f"{s['path']}:{s['span']['start']['line']}"

        with open(args.details, "w") as f:
            f.write(f"# {args.label}: relation, Doctown pairs the reference lacks\n")
            for a, b in sorted(ours_rel - rel_tp, key=lambda p: (n(p[1]), n(p[0]))):
                f.write(f"FP {n(a)} ({loc(a)}) overrides {n(b)} ({loc(b)})\n")
            f.write("# relation, reference pairs Doctown lacks\n")
            for a, b in sorted(ref_rel_closed - rel_tp, key=lambda p: (n(p[1]), n(p[0]))):
                f.write(f"FN {n(a)} ({loc(a)}) overrides {n(b)} ({loc(b)})\n")
            f.write("# dispatch edges Doctown has and the reference lacks\n")
            for c, a in sorted(ours_dispatch - tp, key=lambda p: (n(p[0]), n(p[1])))[:300]:
                f.write(f"FP {n(c)} -> {n(a)}\n")
            f.write("# reference dispatch edges Doctown lacks\n")
            for (c, a) in sorted(set(ref_dispatch) - tp, key=lambda p: (n(p[0]), n(p[1])))[:300]:
                (path, line), b = ref_dispatch[(c, a)]
                found = ", base call found" if (c, a) in reachable else ""
                f.write(f"FN {n(c)} -> {n(a)}  [calls {n(b)} at {path}:{line}{found}]\n")
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
