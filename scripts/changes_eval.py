#!/usr/bin/env python3
"""`doctown review`'s changed symbols on real commits, against a reference
no one here wrote: universal-ctags' tags of each edited file at both
commits, and the text of each tag's own lines.

For each commit (its parent as the base) of a git repository, the
reference's *changed* symbols are the classes, functions and methods
(ctags kinds c, f, m; nested functions left out) present at both commits
whose own lines differ: the lines from the tag's line to its `end`, less
the lines of the tags nested in it, trailing blanks ignored. So a method
edited is changed and its class is not, unless a line of the class's own
changed; code that only moved is not changed.

Doctown's changed symbols (`review BASE HEAD --json`, `changes.changed`)
are matched to tags by path and qualified name (the tag's scope and name
ending the qualified name). Precision counts the Doctown symbols that
match a tag present at both commits; recall counts the reference's.

  scripts/changes_eval.py BIN REPO [--commits N] [--store DIR] [--label X]

REPO: a git repository with history; the N newest non-merge commits that
modify Python files (and add or remove fewer than 400 lines) are used.
Prints one line per commit and the totals.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

KINDS = {"class", "function", "member"}


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True
    ).stdout


def commits(repo, n):
    out = git(
        repo, "log", "--no-merges", "--format=commit %H", "--numstat", "-n", "2000", "--", "*.py"
    ).decode()
    chosen, current, lines = [], None, 0
    for line in out.splitlines() + ["commit end"]:
        if line.startswith("commit "):
            if current and 0 < lines < 400:
                chosen.append(current)
            current, lines = line[7:], 0
        elif line.strip():
            added, removed, _ = line.split("\t", 2)
            if added.isdigit() and removed.isdigit():
                lines += int(added) + int(removed)
        if len(chosen) == n:
            break
    return chosen


def tags(text):
    """The class, function and method tags of a Python file's text."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(text)
    try:
        out = subprocess.run(
            ["ctags", "--output-format=json", "--fields=+neKZ", "--kinds-Python=cfmv", "-o", "-", f.name],
            check=True,
            capture_output=True,
        ).stdout.decode()
    finally:
        os.unlink(f.name)
    found = []
    for line in out.splitlines():
        t = json.loads(line)
        if t.get("_type") != "tag" or t.get("scopeKind") == "function":
            continue
        # Class attributes are symbols of their own (a class's own lines
        # leave them out); module variables are not counted.
        member = t.get("kind") == "variable" and t.get("scopeKind") == "class"
        if t.get("kind") not in KINDS and not member:
            continue
        scoped = f"{t['scope']}.{t['name']}" if t.get("scope") else t["name"]
        found.append((scoped, t["line"], t.get("end", t["line"])))
    return found


def own_texts(text):
    """Each tag's own lines (nested tags' lines left out), by scoped name."""
    lines = text.splitlines()
    found = tags(text)
    own = {}
    for scoped, start, end in found:
        inner = set()
        for other, s, e in found:
            if (s, e) != (start, end) and start <= s and e <= end:
                inner.update(range(s, e + 1))
        body = [lines[i - 1].rstrip() for i in range(start, end + 1) if i not in inner and i <= len(lines)]
        while body and not body[-1]:
            body.pop()
        own[scoped] = "\n".join(body)
    return own


def reference(repo, base, head):
    """The universe (tags at both commits) and the changed ones, by (path, scoped)."""
    names = git(repo, "diff", "--name-status", base, head, "--", "*.py").decode()
    universe, changed = set(), set()
    for line in names.splitlines():
        status, path = line.split("\t")[0], line.split("\t")[-1]
        if status != "M":
            continue
        old = own_texts(git(repo, "show", f"{base}:{path}").decode(errors="replace"))
        new = own_texts(git(repo, "show", f"{head}:{path}").decode(errors="replace"))
        for scoped in old.keys() & new.keys():
            universe.add((path, scoped))
            if old[scoped] != new[scoped]:
                changed.add((path, scoped))
    return universe, changed


def doctown_changed(binary, repo, base, head, store):
    out = subprocess.run(
        [binary, "review", base, head, "--repo", repo, "--json", "--max-tokens", "100000"],
        capture_output=True,
        env={**os.environ, "DOCTOWN_STORE": store},
    )
    if out.returncode != 0:
        sys.exit(f"{base[:8]}..{head[:8]}: {out.stderr.decode().strip()}")
    r = json.loads(out.stdout)
    c = r["changes"]
    if c["changed_total"] > len(c["changed"]):
        return None
    return [(s["path"], s["name"]) for s in c["changed"]]


def matched(universe, path, name):
    """The reference key whose scoped name ends `name`, the longest."""
    best = None
    for p, scoped in universe:
        if p == path and (name == scoped or name.endswith("." + scoped)):
            if best is None or len(scoped) > len(best[1]):
                best = (p, scoped)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("repo")
    ap.add_argument("--commits", type=int, default=20)
    ap.add_argument("--store")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    if shutil.which("ctags") is None:
        sys.exit("changes_eval: universal-ctags is not installed (apt-get install universal-ctags)")
    store = args.store or tempfile.mkdtemp(prefix="changes-eval-")
    hits = found = expected = outside = 0
    for head in commits(args.repo, args.commits):
        base = git(args.repo, "rev-parse", f"{head}^").decode().strip()
        universe, changed = reference(args.repo, base, head)
        listed = doctown_changed(args.binary, args.repo, base, head, store)
        if listed is None:
            print(f"{head[:8]}: more changed symbols than a page; left out")
            continue
        keys = [matched(universe, p, n) for p, n in listed]
        inside = {k for k in keys if k}
        outside += sum(1 for k in keys if k is None)
        true = inside & changed
        hits, found, expected = hits + len(true), found + len(inside), expected + len(changed)
        wrong = sorted(s for _, s in inside - changed)
        missed = sorted(s for _, s in changed - inside)
        print(f"{head[:8]}: doctown {len(inside)}, reference {len(changed)}, both {len(true)}"
              + (f"; not in the reference: {wrong}" if wrong else "")
              + (f"; missed: {missed}" if missed else ""))
    precision = hits / found if found else 1.0
    recall = hits / expected if expected else 1.0
    print(f"{args.label}precision {precision:.3f} ({hits}/{found}), recall {recall:.3f} "
          f"({hits}/{expected}); {outside} listed symbols outside the reference's kinds")


if __name__ == "__main__":
    main()
