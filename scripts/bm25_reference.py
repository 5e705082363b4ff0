"""A reference BM25 for the search evaluation: the same documents and terms
as Doctown's in-memory lexical index (common/query/src/lexical.rs and
text.rs), indexed and ranked by tantivy (the Rust search library, through
its Python package), so the ranking function and index are someone else's.

Usage: python bm25_reference.py LANG_DIR... (each with <lang>.docpack and
queries.jsonl, as scripts/search-eval.sh leaves them). Prints, per
language, MRR@10 / R@1 / R@10 and the on-disk index size.
"""

import json, os, re, sys, tarfile, tempfile

import tantivy

STOP = set("""a an and are as at be by for from if in into is it its of on or that the this to was
will with which when then than these those there their we you can do does not no all any def fn
func function pub self cls let const var return returns mut impl async await static export
use""".split())


def tokens(s):
    out, cur = [], ""
    chars = list(s)
    for i, c in enumerate(chars):
        if not c.isalnum():
            if cur:
                out.append(cur)
            cur = ""
            continue
        if i > 0 and cur:
            prev = chars[i - 1]
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if c.isupper() and (prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower())):
                out.append(cur)
                cur = ""
        cur += c.lower()
    if cur:
        out.append(cur)
    return out


def stem(w):
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith("sses"):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss") and not w.endswith("us"):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def terms(text):
    return " ".join(stem(t) for t in tokens(text or "") if len(t) >= 2 and t not in STOP)


def owner(q):
    cut = q.rfind("::")
    if cut < 0:
        cut = max(q.rfind("."), 0)
    return q[:cut]


FIELDS = ["name", "owner", "path", "signature", "doc", "summary", "words"]


def run(lang_dir):
    lang = os.path.basename(lang_dir.rstrip("/"))
    with tarfile.open(os.path.join(lang_dir, f"{lang}.docpack")) as t:
        symbols = json.load(t.extractfile("nodes.json"))["symbols"]
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("doc_id", stored=True, indexed=True)
    for f in FIELDS:
        sb.add_text_field(f, stored=False)
    schema = sb.build()
    tmp = tempfile.mkdtemp()
    index = tantivy.Index(schema, path=tmp)
    writer = index.writer()
    for i, s in enumerate(symbols):
        doc = s.get("documentation") or {}
        if doc.get("source") != "model":
            doc = {}  # summaries written from facts are not indexed (lexical.rs)
        writer.add_document(tantivy.Document(
            doc_id=i, name=terms(s["name"]), owner=terms(owner(s["qualified_name"])),
            path=terms(s["path"]), signature=terms(s["signature"]),
            doc=terms(s.get("doc_comment")), summary=terms(doc.get("summary")),
            words=terms(s.get("words"))))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    size = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp))
    mrr = r1 = r10 = n = 0
    for line in open(os.path.join(lang_dir, "queries.jsonl")):
        q = json.loads(line)
        n += 1
        text = terms(q["query"])
        words = [w for w in text.split() if re.fullmatch(r"[a-z0-9]+", w)]
        if not words:
            continue
        query = index.parse_query(" ".join(words), FIELDS, field_boosts={"name": 3.0})
        for rank, (_, addr) in enumerate(searcher.search(query, 10).hits, 1):
            s = symbols[searcher.doc(addr)["doc_id"][0]]
            if s["path"] == q["path"] and s["name"] == q["name"] and q["line"] - 3 <= s["range"]["start_line"] <= q["line"] + 1:
                mrr += 1 / rank
                r1 += rank == 1
                r10 += 1
                break
    print(f"| {lang} | tantivy BM25 | {n} | {mrr / n:.3f} | {r1 / n:.3f} | {r10 / n:.3f} | index {size / 1024:.0f} KiB on disk |")


if __name__ == "__main__":
    for d in sys.argv[1:]:
        run(d)
