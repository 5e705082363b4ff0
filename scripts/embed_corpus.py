#!/usr/bin/env python3
"""Real Rust function chunks for the embedding benchmark.

Walks crate sources from the Rust registry (by default every unpacked crate
under ~/.cargo/registry/src/*/, i.e. what `cargo fetch` or a build of this
workspace downloaded; or a `cargo vendor` directory via --src) and cuts out
`fn` items with their bodies by brace matching (strings, chars and comments
skipped). Writes one {"id", "path", "name", "text"} per line, --count
functions spread over all crates, chosen deterministically (same sources,
same output).

  embed_corpus.py --out chunks.jsonl [--count 2000] [--src DIR]...
"""

import argparse
import glob
import hashlib
import json
import os
import re
import sys

FN = re.compile(
    r"^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+\"[^\"]*\"\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)


def body_end(src, start):
    """Index just past the brace block that opens at or after `start`, or None."""
    i, depth, n = start, 0, len(src)
    opened = False
    while i < n:
        c = src[i]
        if c == "/" and src.startswith("//", i):
            i = src.find("\n", i)
            if i < 0:
                return None
        elif c == "/" and src.startswith("/*", i):
            i = src.find("*/", i)
            if i < 0:
                return None
            i += 1
        elif c == '"':
            i += 1
            while i < n and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
        elif c == "'" and i + 2 < n and (src[i + 2] == "'" or (src[i + 1] == "\\" and "'" in src[i + 2 : i + 6])):
            i = src.find("'", i + 2)
        elif c == ";" and not opened:
            return None  # a declaration without a body (trait method, extern)
        elif c == "{":
            depth += 1
            opened = True
        elif c == "}":
            depth -= 1
            if opened and depth == 0:
                return i + 1
        i += 1
    return None


def functions(path, root):
    try:
        with open(path, encoding="utf-8") as f:
            src = f.read()
    except (OSError, UnicodeDecodeError):
        return
    rel = os.path.relpath(path, root)
    for m in FN.finditer(src):
        end = body_end(src, m.end())
        if end is None:
            continue
        text = src[m.start() : end]
        lines = text.count("\n") + 1
        if lines < 3 or lines > 400:
            continue
        text = "\n".join(l.rstrip() for l in text.splitlines())
        # Dedent to the fn line's indentation.
        indent = len(text) - len(text.lstrip(" \t"))
        text = "\n".join(l[indent:] if l[:indent].strip() == "" else l for l in text.splitlines())
        yield rel, m.group(1), text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--src", action="append", help="directories of crate sources (repeatable)")
    args = parser.parse_args()
    roots = args.src or sorted(glob.glob(os.path.expanduser("~/.cargo/registry/src/*/")))
    crates = []
    for root in roots:
        crates += [(root, d) for d in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, d))]
    if not crates:
        sys.exit("embed_corpus: no crate sources found; run `cargo fetch` or pass --src")
    pool = []
    seen = set()
    for root, crate in crates:
        for path in sorted(glob.glob(os.path.join(root, crate, "src", "**", "*.rs"), recursive=True)):
            for rel, name, text in functions(path, root):
                digest = hashlib.sha256(text.encode()).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                key = hashlib.sha256((rel + "\0" + name + "\0" + digest).encode()).hexdigest()
                pool.append((key, rel, name, text, digest))
    pool.sort()
    chosen = pool[: args.count]
    with open(args.out, "w") as f:
        for _, rel, name, text, digest in chosen:
            f.write(json.dumps({"id": "chk_" + digest[:16], "path": rel, "name": name, "text": text}) + "\n")
    print(
        "embed_corpus: %d functions from %d crates (pool %d) -> %s"
        % (len(chosen), len(crates), len(pool), args.out),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
