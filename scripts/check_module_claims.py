#!/usr/bin/env python3
"""What a docpack says one module depends on, checked against the build
system (#62): no module may be said to depend on a package its manifest
does not declare, and the words of the module summaries say the same
dependencies as the structured lists of `docs.json`.

  check_module_claims.py DOCPACK REPO

Packages come from the manifests in REPO:
* Cargo: `cargo metadata --no-deps --offline` of every `Cargo.toml` (a
  workspace, its members, crates outside it such as `fuzz/`): each
  package's directory and the packages it declares (any kind: normal,
  build or dev);
* Go: every `go.mod` (the module's path and its `require`s);
* npm: every `package.json` outside `node_modules` (its name and its
  dependencies, dev, peer and optional).
A docpack module (a directory) belongs to the innermost package whose
directory holds it. A dependency between modules of two packages is
allowed when the first declares the second, directly or through packages
of the repository that declare it (a facade crate that re-exports another:
ripgrep's `grep`, clap's `clap`); modules outside any package, or of one
package, are not checked. Exit 1 on any problem, one line each.
Standard library only.
"""

import json
import os
import re
import subprocess
import sys
import tarfile


def cargo_metadata(manifest):
    """The packages `cargo metadata --no-deps` reads from one manifest."""
    out = subprocess.run(
        ["cargo", "metadata", "--no-deps", "--offline", "--format-version", "1",
         "--manifest-path", manifest],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        # A manifest cargo itself cannot read (petgraph 0.8.3's packaged
        # Cargo.toml repeats a key) declares nothing to check against.
        first = next((l for l in out.stderr.splitlines() if l.startswith("error")), out.stderr.strip())
        print(f"check-module-claims: {manifest} not checked: cargo metadata: {first}", file=sys.stderr)
        return []
    return json.loads(out.stdout)["packages"]


def cargo_packages(repo):
    """The workspace's packages, and those of manifests outside it (a
    `fuzz/` crate of its own)."""
    manifests = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "target", "node_modules"))
        if "Cargo.toml" in files:
            manifests.append(os.path.join(root, "Cargo.toml"))
    packages, seen = [], set()
    for manifest in manifests:
        if os.path.dirname(manifest) in seen:
            continue
        for p in cargo_metadata(manifest):
            d = os.path.dirname(p["manifest_path"])
            if d in seen:
                continue
            seen.add(d)
            packages.append({
                "name": p["name"],
                "dir": os.path.relpath(d, repo),
                "declares": {d["name"] for d in p["dependencies"]},
            })
        seen.add(os.path.dirname(manifest))
    return packages


def go_packages(repo):
    packages = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = [d for d in dirs if d not in (".git", "vendor", "testdata", "node_modules")]
        if "go.mod" not in files:
            continue
        text = open(os.path.join(root, "go.mod"), encoding="utf-8", errors="replace").read()
        name = re.search(r"^module\s+(\S+)", text, re.M)
        requires = set(re.findall(r"^\s*(?:require\s+)?([\w.\-]+/[\w.\-/]+)\s+v[\w.\-+]+", text, re.M))
        if name:
            packages.append({"name": name.group(1), "dir": os.path.relpath(root, repo),
                             "declares": requires})
    return packages


def npm_packages(repo):
    packages = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules")]
        if "package.json" not in files:
            continue
        try:
            manifest = json.load(open(os.path.join(root, "package.json"), encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(manifest, dict) or not isinstance(manifest.get("name"), str):
            continue
        declares = set()
        for field in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            if isinstance(manifest.get(field), dict):
                declares |= set(manifest[field])
        packages.append({"name": manifest["name"], "dir": os.path.relpath(root, repo),
                         "declares": declares})
    return packages


def reach(packages):
    """Per package name: the packages of the repository it declares,
    directly or through those (a facade crate re-exporting another's
    items, as ripgrep's `grep` or clap's `clap` over `clap_builder`)."""
    names = {p["name"] for p in packages}
    direct = {p["name"]: p["declares"] & names for p in packages}
    out = {}
    for start in direct:
        seen, stack = {start}, [start]
        while stack:
            for q in direct.get(stack.pop(), ()):
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
        out[start] = seen
    return out


def package_of(path, packages):
    """The innermost package whose directory holds `path`."""
    best = None
    for p in packages:
        d = "" if p["dir"] == "." else p["dir"]
        if d == "" or path == d or path.startswith(d + "/"):
            if best is None or len(d) > len("" if best["dir"] == "." else best["dir"]):
                best = p
    return best


DEPENDS = re.compile(r"It depends on (.*?)(?: and is used by |; no other module| and nothing|\.\s*$|\.\s)")


def stated(summary):
    """The module names a summary says it depends on, and how many more."""
    m = DEPENDS.search(summary)
    if not m or m.group(1).startswith("no other module"):
        return [], 0
    more = re.search(r"and (\d+) (?:more|others?)\b", m.group(1))
    return re.findall(r"`([^`]+)`", m.group(1)), int(more.group(1)) if more else 0


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    docpack, repo = sys.argv[1], os.path.abspath(sys.argv[2])
    with tarfile.open(docpack) as t:
        docs = json.load(t.extractfile("docs.json"))
    modules = {m["id"]: m for m in docs["modules"]}
    packages = cargo_packages(repo) + go_packages(repo) + npm_packages(repo)
    reaches = reach(packages)
    problems, checked, indirect = [], 0, 0
    for m in docs["modules"]:
        deps = [d["module"] for d in m.get("dependencies") or []]
        names = {modules[d].get("name") or modules[d].get("path") for d in deps if d in modules}
        said, more = stated(m["documentation"]["summary"])
        if not set(said) <= names or len(said) + more != len(deps):
            problems.append(f"{m['name']}: the summary says it depends on {said} and {more} more; "
                            f"docs.json lists {sorted(names)}")
        here = package_of(m.get("path") or "", packages)
        for d in deps:
            there = package_of(modules.get(d, {}).get("path") or "", packages)
            if not here or not there or here is there:
                continue
            checked += 1
            if there["name"] in here["declares"]:
                continue
            if there["name"] in reaches.get(here["name"], ()):
                indirect += 1
                continue
            problems.append(f"{m['name']} ({here['name']}) is said to depend on "
                            f"{modules[d]['name']} ({there['name']}), which {here['name']}'s "
                            f"manifest does not declare, directly or through another package")
    for p in problems:
        print(f"check-module-claims: {p}", file=sys.stderr)
    print(f"check-module-claims: {os.path.basename(repo)}: {len(docs['modules'])} modules, "
          f"{len(packages)} packages, {checked} dependencies between packages checked "
          f"({indirect} through a package that declares the other), {len(problems)} problems",
          file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
