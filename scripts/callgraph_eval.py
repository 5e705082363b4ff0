#!/usr/bin/env python3
"""Precision and recall of Doctown's call edges against a SCIP index.

The reference is a compiler-grade index written by a tool no one here
wrote (scip-python, scip-typescript, rust-analyzer scip). For every
reference occurrence of an in-repository function or method, the caller is
the innermost Doctown function or method whose span contains the
occurrence; the callee is the Doctown symbol whose name is the SCIP
descriptor's and whose span contains the SCIP definition. Doctown's edges
are its resolved call sites (calls and function references) whose callee
is a function or method. Both sides are restricted to files the index
covers; an edge is (caller id, callee id), call sites collapsed. A
Doctown caller in whose span the index defines nothing (not even the
caller's own name) is code the reference did not compile (Rust under a
`#[cfg]` the indexer's configuration leaves out, such as a feature that is
not default; rust-analyzer still resolves the type paths there, never a
definition or a method call): its
edges are left out of both sides and counted (`edges_outside_reference`),
since the reference can neither confirm nor refute them.

Usage: callgraph_eval.py SYMBOLS_JSONL INDEX_SCIP [--min-confidence X]
       [--label NAME] [--details FILE]
Prints one JSON object (counts, precision, recall, per-provenance
precision); --details writes false positives and negatives.
Standard library only.
"""

import argparse
import json
import sys
from collections import defaultdict


# ---------------------------------------------------------------- protobuf

def varint(buf, at):
    value, shift = 0, 0
    while True:
        if at >= len(buf):
            raise ValueError("truncated varint")
        b = buf[at]
        at += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, at
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf):
    """Yields (field number, wire type, value) of one message."""
    at = 0
    while at < len(buf):
        key, at = varint(buf, at)
        wire = key & 7
        if wire == 0:
            value, at = varint(buf, at)
        elif wire == 1:
            value, at = buf[at:at + 8], at + 8
        elif wire == 2:
            n, at = varint(buf, at)
            if at + n > len(buf):
                raise ValueError("truncated field")
            value, at = buf[at:at + n], at + n
        elif wire == 5:
            value, at = buf[at:at + 4], at + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield key >> 3, wire, value


def packed_ints(buf):
    out, at = [], 0
    while at < len(buf):
        v, at = varint(buf, at)
        out.append(v)
    return out


def scip_documents(path):
    """(relative path without "./", or None; the document's fields) for
    each document of a SCIP index."""
    for num, wire, value in fields(open(path, "rb").read()):
        if num != 2 or wire != 2:
            continue
        doc = list(fields(value))
        rel = next((dv.decode("utf-8", "replace") for dn, dw, dv in doc if dn == 1 and dw == 2), None)
        if rel is not None and rel.startswith("./"):
            rel = rel[2:]
        yield rel, doc


def read_scip(path):
    """{relative path: [(line0, symbol, roles)]} of a SCIP index."""
    documents = {}
    for rel, doc in scip_documents(path):
        occurrences = []
        for dn, dw, dv in doc:
            if dn == 2 and dw == 2:
                line, col, symbol, roles = None, 0, "", 0
                for on, ow, ov in fields(dv):
                    if on == 1 and ow == 2 and line is None:
                        r = packed_ints(ov)
                        line, col = r[0], r[1] if len(r) > 1 else 0
                    elif on == 1 and ow == 0 and line is None:
                        line = ov
                    elif on == 2 and ow == 2:
                        symbol = ov.decode("utf-8", "replace")
                    elif on == 3 and ow == 0:
                        roles = ov
                if line is not None and symbol:
                    occurrences.append((line, col, symbol, roles))
        if rel is not None:
            documents[rel] = occurrences
    return documents


def descriptor_name(symbol):
    """`… pkg/Store#get().` → `get`; None for locals."""
    if symbol.startswith("local "):
        return None
    parts = symbol.split(" ", 4)
    if len(parts) < 5:
        return None
    d = parts[4].rstrip(".")
    if d.endswith("()"):
        d = d[:-2]
    elif d.endswith(")") and "(" in d:
        d = d[: d.rindex("(")]
    d = d.rstrip("#./:!")
    if "]" in d and not d.endswith("`"):
        d = d[d.rindex("]") + 1:]  # rust-analyzer: impl#[`Type<'a>`]method
    if d.endswith("`"):
        inner = d[:-1]
        return inner[inner.rindex("`") + 1:] if "`" in inner else None
    for sep in "/#.:":
        d = d.rsplit(sep, 1)[-1]
    return d or None


def is_callable_symbol(symbol):
    return symbol.rstrip().endswith(").") and not symbol.startswith("local ")


def identifier_at(lines, line0, col):
    """The identifier starting at a 0-based line and column of a file."""
    if line0 >= len(lines):
        return None
    text = lines[line0]
    end = col
    while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
        end += 1
    return text[col:end] or None


# ---------------------------------------------------------------- doctown

CALLABLE = {"function", "method"}


def read_symbols(path):
    symbols = []
    with open(path) as f:
        for line in f:
            if line.strip():
                symbols.append(json.loads(line))
    return symbols


class Spans:
    def __init__(self, symbols):
        self.by_path = defaultdict(list)
        for s in symbols:
            self.by_path[s["path"]].append(s)

    def innermost(self, path, line, keep):
        best = None
        for s in self.by_path.get(path, ()):
            a, b = s["span"]["start"]["line"], s["span"]["end"]["line"]
            if a <= line <= b and keep(s):
                if best is None or (b - a) < (best["span"]["end"]["line"] - best["span"]["start"]["line"]):
                    best = s
        return best


def reference_edges(symbols, documents, root):
    """(caller id, symbol key) → first (path, line) seen; symbol key → the
    Doctown ids defining it; and the count of references whose definition
    maps to no symbol. A definition counts when it is a function or method
    for SCIP (`().`) or is where Doctown has a function or method of the
    same name (class fields holding arrow functions, nested functions that
    SCIP names as locals). Local symbols are keyed by their document."""
    spans = Spans(symbols)
    text = {}

    def name_at(path, line0, col):
        if path not in text:
            try:
                text[path] = open(f"{root}/{path}", encoding="utf-8", errors="replace").read().split("\n")
            except OSError:
                text[path] = []
        return identifier_at(text[path], line0, col)

    def key(path, symbol):
        return (path, symbol) if symbol.startswith("local ") else symbol

    defined = defaultdict(set)
    for path, occurrences in documents.items():
        # Lines where a function is defined under a global name: a local
        # defined there is a parameter (`fn capture(capture: Capture)`).
        global_def_lines = {
            line for line, _, symbol, roles in occurrences
            if roles & 1 and not symbol.startswith("local ") and is_callable_symbol(symbol)
        }
        for line, col, symbol, roles in occurrences:
            if not roles & 1:
                continue
            local = symbol.startswith("local ")
            if local and line in global_def_lines:
                continue
            name = descriptor_name(symbol) or name_at(path, line, col)
            if name is None:
                continue
            s = spans.innermost(path, line + 1, lambda s, n=name: s["name"] == n)
            # A local is a function only where that function starts; else
            # it is a binding named like it (`let comparator = …`).
            starts = s is not None and (
                s["span"]["start"]["line"] == line + 1 if local
                else s["span"]["start"]["line"] <= line + 1
            )
            if starts and s["kind"] in CALLABLE:
                # Overloads (`@overload`, TS signatures) are one callee.
                for o in spans.by_path[path]:
                    if o["qualified_name"] == s["qualified_name"] and o["kind"] in CALLABLE:
                        defined[key(path, symbol)].add(o["id"])
    defined_keys = {
        key(path, symbol)
        for path, occurrences in documents.items()
        for _, _, symbol, roles in occurrences
        if roles & 1
    }
    edges, unmapped = {}, 0
    for path, occurrences in documents.items():
        for line, _, symbol, roles in occurrences:
            if roles & 1 or roles & 2:
                continue
            k = key(path, symbol)
            if k not in defined_keys:
                continue  # defined outside the repository
            if not defined.get(k):
                if is_callable_symbol(symbol):
                    unmapped += 1
                continue  # not a function or method
            caller = spans.innermost(path, line + 1, lambda s: s["kind"] in CALLABLE)
            if caller is None:
                continue  # module level
            edges.setdefault((caller["id"], k), (path, line + 1))
    return edges, defined, unmapped


def reference_edges_from_uses(symbols, uses):
    """The same edges from a JSON Lines list of uses (`scripts/go-calls`:
    path, line, def_path, def_line, def_name), for languages without a
    SCIP indexer here."""
    spans = Spans(symbols)
    defined = defaultdict(set)
    edges = {}
    for u in uses:
        k = (u["def_path"], u["def_line"], u["def_name"])
        if k not in defined:
            s = spans.innermost(u["def_path"], u["def_line"], lambda s, n=u["def_name"]: s["name"] == n)
            if s is not None and s["kind"] in CALLABLE:
                for o in spans.by_path[u["def_path"]]:
                    if o["qualified_name"] == s["qualified_name"] and o["kind"] in CALLABLE:
                        defined[k].add(o["id"])
        if not defined.get(k):
            continue
        caller = spans.innermost(u["path"], u["line"], lambda s: s["kind"] in CALLABLE)
        if caller is not None:
            edges.setdefault((caller["id"], k), (u["path"], u["line"]))
    return edges, defined, 0


def doctown_edges(symbols, covered, min_confidence):
    by_id = {s["id"]: s for s in symbols}
    edges = {}
    constructor_edges = 0
    for s in symbols:
        if s["path"] not in covered or s["kind"] not in CALLABLE:
            continue
        for c in s.get("calls", []):
            target = c.get("resolved")
            if not target or target not in by_id:
                continue
            if c.get("confidence", 1.0) < min_confidence:
                continue
            callee = by_id[target]
            if callee["path"] not in covered:
                continue
            if callee["kind"] not in CALLABLE:
                constructor_edges += 1
                continue
            key = (s["id"], target)
            prov = c.get("provenance", "unknown")
            conf = c.get("confidence", 1.0)
            old = edges.get(key)
            if old is None or conf > old[2]:
                edges[key] = (s["path"], c["line"], conf, prov, c["callee"])
    return edges, constructor_edges


def reference_lines(documents, covered):
    """Per covered document, the sorted 1-based lines where the index
    defines something."""
    return {
        p: sorted({line + 1 for line, _, _, roles in documents[p] if roles & 1})
        for p in covered
    }


def seen_by_reference(symbol, read):
    """Whether the index defines anything within the symbol's span."""
    import bisect
    lines = read.get(symbol["path"], [])
    a, b = symbol["span"]["start"]["line"], symbol["span"]["end"]["line"]
    i = bisect.bisect_left(lines, a)
    return i < len(lines) and lines[i] <= b


def ratio(a, b):
    return round(a / b, 4) if b else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("symbols")
    ap.add_argument("index")
    ap.add_argument("--min-confidence", type=float, default=0.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--details")
    ap.add_argument("--root", required=True, help="the repository the index was made of")
    args = ap.parse_args()
    symbols = read_symbols(args.symbols)
    paths = {s["path"] for s in symbols}
    if args.index.endswith(".jsonl"):
        uses = [json.loads(l) for l in open(args.index) if l.strip()]
        documents = {p for p in paths if p.endswith(".go")}
        covered = documents
        reference, defined, unmapped = reference_edges_from_uses(symbols, uses)
    else:
        documents = read_scip(args.index)
        covered = {p for p in documents if p in paths}
        reference, defined, unmapped = reference_edges(
            symbols, {p: documents[p] for p in covered}, args.root
        )
    ours, constructor_edges = doctown_edges(symbols, covered, args.min_confidence)
    outside = {}
    if not args.index.endswith(".jsonl"):
        read = reference_lines(documents, covered)
        by_id = {s["id"]: s for s in symbols}
        outside = {k: v for k, v in ours.items() if not seen_by_reference(by_id[k[0]], read)}
        ours = {k: v for k, v in ours.items() if k not in outside}
        reference = {k: v for k, v in reference.items() if seen_by_reference(by_id[k[0]], read)}
    symbols_of = defaultdict(set)
    for symbol, ids in defined.items():
        for i in ids:
            symbols_of[i].add(symbol)
    ours_tp = {k for k in ours if any((k[0], sym) in reference for sym in symbols_of.get(k[1], ()))}
    ref_tp = {k for k in reference if any((k[0], i) in ours for i in defined[k[1]])}
    by_prov = defaultdict(lambda: [0, 0])
    for key, (_, _, _, prov, _) in ours.items():
        by_prov[prov][1] += 1
        by_prov[prov][0] += key in ours_tp
    result = {
        "label": args.label,
        "files_indexed": len(documents),
        "files_covered": len(covered),
        "doctown_edges": len(ours),
        "reference_edges": len(reference),
        "true_positives": len(ours_tp),
        "precision": ratio(len(ours_tp), len(ours)),
        "recall": ratio(len(ref_tp), len(reference)),
        "unmapped_reference_occurrences": unmapped,
        "constructor_edges_excluded": constructor_edges,
        "edges_outside_reference": len(outside),
        "min_confidence": args.min_confidence,
        "precision_by_provenance": {
            p: {"edges": n, "precision": ratio(ok, n)} for p, (ok, n) in sorted(by_prov.items())
        },
    }
    if args.details:
        names = {s["id"]: s["qualified_name"] for s in symbols}
        with open(args.details, "w") as f:
            f.write(f"# {args.label}: false positives (Doctown edges the index does not have)\n")
            for key in sorted(set(ours) - ours_tp)[:3000]:
                path, line, conf, prov, callee = ours[key]
                f.write(f"FP {names[key[0]]} -> {names[key[1]]}  [{callee} at {path}:{line}, {prov} {conf}]\n")
            f.write("# false negatives (index edges Doctown lacks)\n")
            for key in sorted(set(reference) - ref_tp, key=str)[:3000]:
                path, line = reference[key]
                callee = names[min(defined[key[1]])]
                f.write(f"FN {names[key[0]]} -> {callee}  [{path}:{line}]\n")
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
