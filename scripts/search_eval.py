#!/usr/bin/env python3
"""Search-quality evaluation, CodeSearchNet's way: a function's documentation
is the query, the function is the answer, and the documentation is removed
from the code that is indexed. Driven by scripts/search-eval.sh; Python 3
standard library only.

  prepare LANG WORKDIR REPO_DIR...   copy the repositories' source files to
      WORKDIR/src/<repo>/..., strip every function's documentation
      (scripts/search_eval_strip.py), write WORKDIR/candidates.jsonl
  tree-hash DIR                      a hash of the files under DIR
  select LANG WORKDIR DOCPACK        keep the candidates whose answer is a
      symbol of the docpack, drop duplicated queries, sample at most --max
      (fixed --seed), write WORKDIR/queries.jsonl and WORKDIR/select.json
  score LANG WORKDIR DOCPACK --mode M --search "BIN search"
      run `BIN search DOCPACK --batch queries.jsonl --mode M --limit 10
      --json`, write $DOCTOWN_CACHE/search-eval/details-LANG-M.txt and
      append one JSON result to --results
  table RESULTS                      the markdown tables, with each
      language's hybrid/semantic and hybrid/lexical ratios paired per query
      (95 % bootstrap interval) where both details files are there
  compare DETAILS_A DETAILS_B        two runs of the same queries (two modes,
      or two builds) paired per query: the difference and ratio of their
      MRR@10 with 95 % bootstrap intervals, and the queries each wins

The query is the documentation's first paragraph (Python stops it at reST
fields, `Args:`-style sections and doctests; JSDoc at the first `@tag`; Rust
and Go at a heading or a code fence), cut to its first sentence when it is
longer than 30 words, with markup reduced to text: `{@link X}`, `[text](url)`,
`[X]`, `:role:`X``, backticks and simple HTML tags. Documentation of fewer
than 3 words and test functions are skipped; queries that occur more than
once in a language are dropped, every copy (the answer would be ambiguous).

An answer is the symbol with the query's path and name whose first line is
within [line-3, line+1] of the definition's line in the stripped copy (for a
function declared more than once in a row, TypeScript overloads, any of
those declarations); queries.jsonl records their symbol ids. A hit is
correct when its `symbol_id` (or `id`) is one of them, or else when it has
the answer's path, simple name (the last segment of a qualified `name`) and
a line in that window.
"""

import argparse
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from search_eval_strip import STRIPPERS  # noqa: E402

EXTENSIONS = {
    "python": (".py",),
    "go": (".go",),
    "typescript": (".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs"),
    "rust": (".rs",),
}
SKIP_DIRS = {"tests", "test", "testing", "__tests__", "spec", "specs", "benches", "bench",
             "benchmarks", "examples", "example", "docs", "doc", "fixtures", "testdata",
             "vendor", "node_modules", "target", "__pycache__", ".git", "dist", "build"}


def is_test_file(lang, name):
    if lang == "python":
        return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    if lang == "go":
        return name.endswith("_test.go")
    if lang == "typescript":
        return name.endswith(".d.ts") or re.search(r"\.(spec|test)\.[mc]?[jt]sx?$", name) is not None
    return False


# ------------------------------------------------------------------ queries

PY_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Params|Returns?|Raises|Yields|Examples?|Notes?|"
    r"Attributes|See Also|Warnings?|Usage|Keyword Arguments)\s*:?\s*$")


def first_paragraph(doc, lang):
    para = []
    for raw in doc.split("\n"):
        s = raw.strip()
        if not s:
            if para:
                break
            continue
        if s.startswith("```") or s.startswith(">>>"):
            break
        if lang == "typescript" and s.startswith("@"):
            break
        if lang == "python" and (re.match(r"^:\w[^:]*:", s) or PY_SECTION.match(s)
                                 or s.startswith(".. ") or re.match(r"^[-=~^]{3,}$", s)):
            break
        if lang in ("rust", "go") and s.startswith("#"):
            break
        para.append(s)
    return " ".join(para)


def clean(text):
    text = re.sub(r"\{@link(?:code|plain)?\s+([^}\s|]+)(?:[\s|]+([^}]*))?\}",
                  lambda m: (m.group(2) or m.group(1)).strip(), text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # [text](url)
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # [text][ref]
    text = re.sub(r"\[([^\]]+)\]", r"\1", text)  # [X]
    text = re.sub(r":(?:[\w-]+:)+`~?!?([^`]+)`", r"\1", text)  # :func:`x`
    text = re.sub(r"</?(?:code|p|b|i|em|strong|br|pre|tt|kbd|sup|sub|ul|ol|li|span|a)\b[^>]*>",
                  "", text)
    text = text.replace("`", "").replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|approx|resp)\.|\b[A-Z]\.)$")


def first_sentence(text):
    for m in re.finditer(r"[.!?](?=\s+\S)", text):
        head = text[: m.end()]
        if not ABBREV.search(head):
            return head
    return text


def make_query(doc, lang):
    q = clean(first_paragraph(doc, lang))
    if len(q.split()) > 30:
        q = first_sentence(q)
    return q


def name_words(name):
    """The words of an identifier: `parse_args` -> parse, args;
    `NewHTTPRouter` -> new, http, router."""
    return [w.lower() for w in re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+", name)]


def without_name(query, name):
    """The query with the answer's name and each word of its name removed
    (whole words, any case; a token such as `h.ServeHTTP(w)` that holds
    one goes whole): what is left says what the code does, not what it is
    called."""
    gone = {name.lower(), *name_words(name)}
    kept = [w for w in query.split()
            if not any(piece.lower() in gone for piece in re.findall(r"[\w$]+", w))]
    return " ".join(kept)


def read_queries(workdir, variant="plain"):
    name = "queries.jsonl" if variant == "plain" else f"queries-{variant}.jsonl"
    return [json.loads(l) for l in open(os.path.join(workdir, name))]


def names_in(query, name):
    return re.search(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])", query) is not None


# ------------------------------------------------------------------ prepare

def prepare(args):
    strip = STRIPPERS[args.lang]
    src = os.path.join(args.workdir, "src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    candidates, files, stripped = [], 0, 0
    for repo in args.repos:
        repo = repo.rstrip("/")
        base = os.path.basename(repo)
        for root, dirs, names in os.walk(repo):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(names):
                if not name.endswith(EXTENSIONS[args.lang]) or is_test_file(args.lang, name):
                    continue
                full = os.path.join(root, name)
                if os.path.islink(full):
                    continue
                rel = os.path.join(base, os.path.relpath(full, repo)).replace(os.sep, "/")
                with open(full, "rb") as f:
                    data = f.read()
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text, docs = None, []
                if text is not None:
                    text, docs = strip(text)
                    data = text.encode("utf-8")
                dest = os.path.join(src, rel)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(data)
                files += 1
                stripped += len(docs)
                for d in docs:
                    candidates.append({
                        "id": f"{args.lang}:{rel}:{d.line}:{d.name}", "lang": args.lang,
                        "query": make_query(d.doc, args.lang), "path": rel, "name": d.name,
                        "line": d.line, "test": d.test,
                    })
    with open(os.path.join(args.workdir, "candidates.jsonl"), "w") as f:
        for c in candidates:
            f.write(json.dumps(c) + "\n")
    print(f"{args.lang}: {files} files copied, {stripped} function docs stripped", file=sys.stderr)


def tree_hash(args):
    h = hashlib.sha256()
    for root, dirs, names in os.walk(args.dir):
        dirs.sort()
        for name in sorted(names):
            full = os.path.join(root, name)
            h.update(os.path.relpath(full, args.dir).encode() + b"\0")
            with open(full, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    print(h.hexdigest())


# ------------------------------------------------------------------ select

def load_symbols(docpack):
    with tarfile.open(docpack, "r:gz") as t:
        nodes = json.load(t.extractfile("nodes.json"))
    return nodes["symbols"] if isinstance(nodes, dict) else nodes


def accepted_lines(symbol, same):
    """Start lines and ids of the run of same-named declarations `symbol`
    belongs to (TypeScript overloads, Python @overload): `same` is every
    symbol of the file with its qualified name."""
    runs = sorted(same, key=lambda s: s["range"]["start_line"])
    i = next(k for k, s in enumerate(runs) if s["id"] == symbol["id"])
    lo = hi = i
    while lo > 0 and runs[lo]["range"]["start_line"] <= runs[lo - 1]["range"]["end_line"] + 3:
        lo -= 1
    while hi + 1 < len(runs) and runs[hi + 1]["range"]["start_line"] <= runs[hi]["range"]["end_line"] + 3:
        hi += 1
    return [s["range"]["start_line"] for s in runs[lo:hi + 1]], [s["id"] for s in runs[lo:hi + 1]]


def simple_name(hit):
    """The hit's simple name: `name`, or its last segment when the search
    gives a qualified name there."""
    name = hit.get("name") or ""
    if hit.get("qualified_name"):
        return name
    return re.split(r"::|\.|/", name)[-1]


def is_answer(answer, hit):
    """The hit is the answer: one of its symbol ids, or else the same path,
    simple name and a first line within [line-3, line+1]."""
    sid = hit.get("symbol_id") or hit.get("id")
    if sid and sid in answer.get("symbol_ids", ()):
        return True
    return matches(answer, hit.get("path"), simple_name(hit), hit.get("line", -99))


def matches(answer, path, name, line):
    if path != answer["path"] or name != answer["name"]:
        return False
    lines = answer.get("lines") or [answer["line"]]
    return any(l - 3 <= line <= l + 1 for l in lines)


def select(args):
    cands = [json.loads(l) for l in open(os.path.join(args.workdir, "candidates.jsonl"))]
    symbols = load_symbols(args.docpack)
    by_path = {}
    for s in symbols:
        by_path.setdefault(s["path"], []).append(s)
    stats = {"stripped": len(cands), "short_doc": 0, "test": 0, "duplicate_query": 0,
             "no_symbol": 0}
    counts = {}
    for c in cands:
        key = c["query"].casefold()
        counts[key] = counts.get(key, 0) + 1
    kept = []
    for c in cands:
        if len(c["query"].split()) < 3:
            stats["short_doc"] += 1
            continue
        if c["test"]:
            stats["test"] += 1
            continue
        if counts[c["query"].casefold()] > 1:
            stats["duplicate_query"] += 1
            continue
        found = [s for s in by_path.get(c["path"], [])
                 if s["name"] == c["name"] and c["line"] - 3 <= s["range"]["start_line"] <= c["line"] + 1]
        if not found:
            stats["no_symbol"] += 1
            if args.verbose:
                print(f"no symbol for {c['id']}", file=sys.stderr)
            continue
        sym = min(found, key=lambda s: abs(s["range"]["start_line"] - c["line"]))
        if sym.get("role") == "test":
            stats["test"] += 1
            continue
        same = [s for s in by_path[c["path"]] if s["qualified_name"] == sym["qualified_name"]]
        lines, ids = accepted_lines(sym, same)
        q = {k: c[k] for k in ("id", "lang", "query", "path", "name", "line")}
        if lines != [c["line"]]:
            q["lines"] = sorted(set(lines) | {c["line"]})
        q["kind"] = sym["kind"]
        q["symbol_ids"] = ids
        kept.append(q)
    stats["answerable"] = len(kept)
    kept.sort(key=lambda q: q["id"])
    sample = random.Random(args.seed).sample(kept, min(args.max, len(kept)))
    sample.sort(key=lambda q: q["id"])
    stats["queries"] = len(sample)
    stats["name_in_query"] = sum(names_in(q["query"], q["name"]) for q in sample)
    stats["symbols"] = len(symbols)
    with open(os.path.join(args.workdir, "queries.jsonl"), "w") as f:
        for q in sample:
            f.write(json.dumps(q) + "\n")
    # The variant that asks by meaning only: no name, no word of the name
    # (queries left with fewer than 3 words are dropped).
    noname = [dict(q, query=without_name(q["query"], q["name"])) for q in sample]
    noname = [q for q in noname if len(q["query"].split()) >= 3]
    stats["noname_queries"] = len(noname)
    with open(os.path.join(args.workdir, "queries-noname.jsonl"), "w") as f:
        for q in noname:
            f.write(json.dumps(q) + "\n")
    with open(os.path.join(args.workdir, "select.json"), "w") as f:
        json.dump(stats, f, indent=1)
    share = stats["name_in_query"] / len(sample) if sample else 0
    print(f"{args.lang}: {stats['stripped']} stripped, {stats['short_doc']} under 3 words, "
          f"{stats['test']} tests, {stats['duplicate_query']} duplicated queries, "
          f"{stats['no_symbol']} without a matching symbol -> {stats['answerable']} answerable, "
          f"{len(sample)} sampled; {share:.0%} name the function", file=sys.stderr)


# ------------------------------------------------------------------ score

def score(args):
    qpath = os.path.join(args.workdir, "queries.jsonl" if args.variant == "plain"
                         else f"queries-{args.variant}.jsonl")
    queries = read_queries(args.workdir, args.variant)
    cmd = shlex.split(args.search) + [args.docpack, "--batch", qpath, "--mode", args.mode,
                                      "--limit", "10", "--json"]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    results = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            results[str(r["id"])] = r.get("hits") or []
    missing = sum(q["id"] not in results for q in queries)
    if missing:
        print(f"warning: {missing} queries got no answer line from {args.mode}", file=sys.stderr)
    record(args, args.mode, queries, results, seconds)


def record(args, mode, queries, results, seconds):
    """Scores one ranking's hits (query id -> hits, best first): writes
    its details file and appends its row to args.results."""
    variant = getattr(args, "variant", "plain")
    suffix = "" if variant == "plain" else f"-{variant}"
    cache = os.environ.get("DOCTOWN_CACHE", os.path.expanduser("~/.cache/doctown"))
    details = args.details or os.path.join(cache, "search-eval", f"details-{args.lang}-{mode}{suffix}.txt")
    os.makedirs(os.path.dirname(details), exist_ok=True)
    rr, r1, r10 = [], 0, 0
    by_name = {True: [], False: []}
    with open(details, "w") as out:
        out.write(f"# {args.lang} {mode} {variant}: rank of the answer in the top 10 (0: absent)\n")
        for q in queries:
            hits = results.get(q["id"], [])[:10]
            rank = next((i + 1 for i, h in enumerate(hits) if is_answer(q, h)), 0)
            rr.append(1 / rank if rank else 0.0)
            r1 += rank == 1
            r10 += rank > 0
            by_name[names_in(q["query"], q["name"])].append(rr[-1])
            out.write(f"\n[{rank}] {q['query']}\n    answer: {q['name']}  {q['path']}:{q['line']}\n")
            for i, h in enumerate(hits[:3]):
                out.write(f"    {i + 1}. {h.get('score', 0):.3f} {h.get('qualified_name') or h.get('name')}"
                          f"  {h.get('path')}:{h.get('line')}\n")
    n = len(queries)
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    row = {"lang": args.lang, "mode": mode, "variant": variant, "queries": n, "mrr10": mean(rr),
           "r1": round(r1 / n, 4) if n else None, "r10": round(r10 / n, 4) if n else None,
           "mrr_name_in_query": mean(by_name[True]), "mrr_name_absent": mean(by_name[False]),
           "name_in_query": len(by_name[True]), "seconds": round(seconds, 2), "details": details}
    with open(args.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"{args.lang} {mode} ({variant}): MRR@10 {row['mrr10']}, R@1 {row['r1']}, R@10 {row['r10']} "
          f"({n} queries, {seconds:.1f} s)", file=sys.stderr)


# ------------------------------------------------------------------ paired

DETAIL = re.compile(r"^\[(\d+)\] (.*?)\n    answer: ([^\n]*)$", re.M | re.S)


def read_details(path):
    """A details file's queries, in order: ((query, answer), rank), rank 0
    when the answer is not in the top 10."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        sys.exit(f"{path}: cannot read it: {e}")
    if not text.startswith("# "):
        sys.exit(f"{path}: not a search-eval details file (no '# LANG MODE' header)")
    return [((m.group(2), m.group(3)), int(m.group(1))) for m in DETAIL.finditer(text)]


def paired(a, b, resamples=10000, seed=20240601):
    """Two runs' reciprocal ranks over the same queries, paired: MRR of
    each, the difference and the ratio with 95 % percentile intervals from
    resampling the queries (the same resample for both runs), and the
    queries each run ranks better."""
    ranks_a, ranks_b = dict(a), dict(b)
    if len(ranks_a) != len(a) or len(ranks_b) != len(b):
        raise ValueError("a query appears twice in one run")
    if ranks_a.keys() != ranks_b.keys():
        only_a, only_b = len(ranks_a.keys() - ranks_b.keys()), len(ranks_b.keys() - ranks_a.keys())
        raise ValueError(f"the runs' queries differ ({only_a} only in the first, {only_b} only in the second)")
    if not a:
        raise ValueError("no queries")
    rr = lambda rank: 1 / rank if rank else 0.0  # noqa: E731
    pairs = [(rr(rank), rr(ranks_b[q])) for q, rank in a]
    n = len(pairs)
    rng = random.Random(seed)
    diffs, ratios = [], []
    for _ in range(resamples):
        sa = sb = 0.0
        for _ in range(n):
            x, y = pairs[rng.randrange(n)]
            sa += x
            sb += y
        diffs.append((sa - sb) / n)
        if sb:
            ratios.append(sa / sb)
    diffs.sort()
    ratios.sort()
    interval = lambda xs: (xs[int(0.025 * (len(xs) - 1))], xs[int(0.975 * (len(xs) - 1))]) if xs else None  # noqa: E731
    mrr_a = sum(x for x, _ in pairs) / n
    mrr_b = sum(y for _, y in pairs) / n
    return {
        "queries": n, "mrr_a": mrr_a, "mrr_b": mrr_b,
        "diff": mrr_a - mrr_b, "diff_ci": interval(diffs),
        "ratio": mrr_a / mrr_b if mrr_b else None, "ratio_ci": interval(ratios),
        "a_better": sum(x > y for x, y in pairs), "b_better": sum(y > x for x, y in pairs),
        "tied": sum(x == y for x, y in pairs),
    }


def compare(args):
    try:
        r = paired(read_details(args.a), read_details(args.b), args.resamples, args.seed)
    except ValueError as e:
        sys.exit(f"compare: {e}")
    ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3f}"
    ratio_ci = "" if not r["ratio_ci"] else f" [{r['ratio_ci'][0]:.3f}, {r['ratio_ci'][1]:.3f}]"
    print(f"MRR@10 {r['mrr_a']:.3f} (A) against {r['mrr_b']:.3f} (B), {r['queries']} queries paired")
    print(f"difference A - B {r['diff']:+.3f} [95 % CI {r['diff_ci'][0]:+.3f}, {r['diff_ci'][1]:+.3f}]")
    print(f"ratio A / B {ratio}{ratio_ci}")
    print(f"A ranks the answer higher on {r['a_better']}, B on {r['b_better']}, tied {r['tied']}")
    if args.json:
        print(json.dumps(r))


def details_of(rows, lang, mode, variant):
    """The details file of one row, when it is there."""
    for r in rows:
        if (r["lang"], r["mode"], r.get("variant", "plain")) == (lang, mode, variant):
            path = r.get("details")
            return path if path and os.path.exists(path) else None
    return None


def paired_ratio(rows, langs, a, b, variant="plain"):
    """`a`/`b` MRR ratio over the queries of `langs` pooled, with its 95 %
    interval, from the rows' details files; "-" when any is missing."""
    pooled_a, pooled_b = [], []
    for lang in langs:
        pa, pb = details_of(rows, lang, a, variant), details_of(rows, lang, b, variant)
        if not pa or not pb:
            return "-"
        tag = lambda run: [((lang,) + q, rank) for q, rank in run]  # noqa: E731
        pooled_a += tag(read_details(pa))
        pooled_b += tag(read_details(pb))
    try:
        r = paired(pooled_a, pooled_b, resamples=2000)
    except ValueError:
        return "-"
    if r["ratio"] is None or not r["ratio_ci"]:
        return "-"
    return f"{r['ratio']:.2f} [{r['ratio_ci'][0]:.2f}, {r['ratio_ci'][1]:.2f}]"


def table(args):
    rows = [json.loads(l) for l in open(args.results) if l.strip()]
    fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    print("| language | variant | mode | queries | MRR@10 | R@1 | R@10 | MRR@10 name in query / not (n) | search s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['lang']} | {r.get('variant', 'plain')} | {r['mode']} | {r['queries']} | "
              f"{fmt(r['mrr10'])} | {fmt(r['r1'])} | {fmt(r['r10'])} | "
              f"{fmt(r['mrr_name_in_query'])} / {fmt(r['mrr_name_absent'])} "
              f"({r['name_in_query']}) | {r['seconds']} |")
    langs = list(dict.fromkeys(r["lang"] for r in rows))
    variants = list(dict.fromkeys(r.get("variant", "plain") for r in rows))
    modes = set(r["mode"] for r in rows)
    print()
    print("Paired per query (95 % bootstrap interval); `all` pools every language's queries.")
    print()
    against = [m for m in ("base-dense", "base-fused", "semantic", "lexical") if m in modes]
    print("| variant | language | " + " | ".join(f"hybrid / {m}" for m in against) + " |")
    print("|---|---|" + "---|" * len(against))
    for variant in variants:
        for group in [[l] for l in langs] + ([langs] if len(langs) > 1 else []):
            name = group[0] if len(group) == 1 else "all"
            cells = [paired_ratio(rows, group, "hybrid", m, variant) for m in against]
            print(f"| {variant} | {name} | " + " | ".join(cells) + " |")
    print()
    print("| variant | mode | MRR@10 over all queries |")
    print("|---|---|---|")
    for variant in variants:
        for mode in sorted(modes):
            rs = [r for r in rows if r["mode"] == mode and r.get("variant", "plain") == variant]
            n = sum(r["queries"] for r in rs)
            if rs and len(rs) == len(langs) and n:
                print(f"| {variant} | {mode} | {sum(r['mrr10'] * r['queries'] for r in rs) / n:.3f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("prepare")
    a.add_argument("lang", choices=sorted(EXTENSIONS))
    a.add_argument("workdir")
    a.add_argument("repos", nargs="+")
    a.set_defaults(func=prepare)
    a = sub.add_parser("tree-hash")
    a.add_argument("dir")
    a.set_defaults(func=tree_hash)
    a = sub.add_parser("select")
    a.add_argument("lang")
    a.add_argument("workdir")
    a.add_argument("docpack")
    a.add_argument("--max", type=int, default=300)
    a.add_argument("--seed", type=int, default=20240601)
    a.add_argument("--verbose", action="store_true")
    a.set_defaults(func=select)
    a = sub.add_parser("score")
    a.add_argument("lang")
    a.add_argument("workdir")
    a.add_argument("docpack")
    a.add_argument("--mode", required=True)
    a.add_argument("--search", required=True, help='the search command, e.g. "doctown search"')
    a.add_argument("--results", required=True)
    a.add_argument("--details")
    a.add_argument("--variant", choices=["plain", "noname"], default="plain")
    a.set_defaults(func=score)
    a = sub.add_parser("table")
    a.add_argument("results")
    a.set_defaults(func=table)
    a = sub.add_parser("compare")
    a.add_argument("a", help="a details file (details-LANG-MODE.txt)")
    a.add_argument("b", help="another run's details file of the same queries")
    a.add_argument("--resamples", type=int, default=10000)
    a.add_argument("--seed", type=int, default=20240601)
    a.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    a.set_defaults(func=compare)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
