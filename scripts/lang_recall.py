"""Symbol recall of `doctown symbols` against universal-ctags, per language.

Usage: python3 lang_recall.py DOCTOWN_JSONL CTAGS_JSON LANGUAGE...

A ctags tag counts as found when Doctown reports a symbol of the same name in
the same file whose span holds the tag's line, or starts at most two lines
after it (ctags puts a C function on its name's line, Doctown's span starts
at the return type; an annotated Java method starts at the annotation). Only the ctags
kinds that Doctown also extracts are compared (KINDS below: what each
language's query file defines); kinds neither side has (locals, labels,
parameters, prototypes, externs) and ctags' made-up names of anonymous
types (`__anon…`) are left out; names compare without whitespace. Prints one Markdown row per
language: files, ctags tags compared, found, recall, Doctown symbols.
"""
import collections
import json
import os
import re
import sys

# ctags language → (doctown language, ctags kinds compared).
KINDS = {
    "Java": ("java", {"class", "interface", "enum", "enumConstant", "method", "field", "annotation"}),
    "C": ("c", {"function", "struct", "union", "enum", "enumerator", "member", "typedef", "macro", "variable"}),
    "C++": ("cpp", {"function", "class", "struct", "union", "enum", "enumerator", "member", "typedef", "macro", "namespace", "variable"}),
    "C#": ("csharp", {"class", "interface", "struct", "enum", "enumerator", "method", "field", "property", "namespace"}),
    "Ruby": ("ruby", {"class", "module", "method", "singletonMethod", "constant"}),
    "PHP": ("php", {"class", "interface", "trait", "function", "namespace", "enum"}),
    "Kotlin": ("kotlin", {"class", "interface", "object", "method", "typealias", "constant", "variable"}),
    "Scala": ("scala", {"class", "trait", "object", "method", "type", "val", "var"}),
    "Sh": ("bash", {"function"}),
    "Lua": ("lua", {"function"}),
    "Elixir": ("elixir", {"module", "function", "macro", "protocol", "implementation"}),
    "Haskell": ("haskell", {"module", "type", "constructor", "function"}),
    "OCaml": ("ocaml", {"module", "type", "function", "val", "exception"}),
    "Protobuf": ("proto", {"message", "field", "enum", "enumerator", "service", "rpc"}),
    "SQL": ("sql", {"table", "view", "function", "procedure"}),
    "ObjectiveC": ("objc", {"interface", "implementation", "method", "property", "function", "category"}),
}


def main():
    doctown_path, ctags_path, *languages = sys.argv[1:]
    wanted = {ct: dt for ct, (dt, _) in KINDS.items() if dt in languages}
    ours = collections.defaultdict(list)  # (path, name) -> [start lines]
    counts = collections.Counter()
    for line in open(doctown_path, encoding="utf-8"):
        s = json.loads(line)
        # `operator ->` and `operator->` are one name.
        ours[(s["path"], "".join(s["name"].split()))].append((s["start_line"], s["end_line"]))
        counts[s["language"]] += 1
    compared = collections.Counter()
    found = collections.Counter()
    files = collections.defaultdict(set)
    missed = collections.defaultdict(collections.Counter)
    samples = collections.defaultdict(list)
    for line in open(ctags_path, encoding="utf-8", errors="replace"):
        try:
            t = json.loads(line)
        except json.JSONDecodeError:
            continue
        lang = t.get("language")
        if t.get("_type") != "tag" or lang not in wanted:
            continue
        if t.get("kind") not in KINDS[lang][1]:
            continue
        # ctags names anonymous types and namespaces `__anon…`; they have
        # no name to find.
        if t["name"].startswith("__anon"):
            continue
        dt = wanted[lang]
        path = t["path"]
        files[dt].add(path)
        compared[dt] += 1
        # `Date:_init` (Lua), `A::B` (C++), `a.b` (qualified names).
        name = re.split(r"[.:]+", t["name"].strip(".:"))[-1] or t["name"]
        lines = ours.get((path, "".join(name.split())), [])
        if any(start - 2 <= t["line"] <= end for start, end in lines):
            found[dt] += 1
        else:
            missed[dt][t["kind"]] += 1
            samples[dt].append(f'{path}:{t["line"]} {t["kind"]} {t["name"]}')
    print("| language | files | ctags tags compared | found by Doctown | recall | Doctown symbols | most missed kinds |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for dt in languages:
        n = compared[dt]
        recall = f"{found[dt] / n:.3f}" if n else "—"
        top = ", ".join(f"{k} {c}" for k, c in missed[dt].most_common(3))
        print(f"| {dt} | {len(files[dt])} | {n} | {found[dt]} | {recall} | {counts[dt]} | {top} |")
    # RECALL_MISSES=N prints N sampled misses per language (to stderr).
    show = int(os.environ.get("RECALL_MISSES", "0"))
    for dt in languages:
        for line in samples[dt][:: max(1, len(samples[dt]) // show)][:show] if show else []:
            print(f"missed {dt}: {line}", file=sys.stderr)


if __name__ == "__main__":
    main()
