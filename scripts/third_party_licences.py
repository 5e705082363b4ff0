"""Writes the licences of the crates a binary links, for a release archive.

Reads `cargo metadata` for the workspace, walks the normal (not dev or
build) dependencies of one package on this host, and writes each crate's
name, version, licence expression and the text of its licence files
(LICENSE*, LICENCE*, COPYING*, NOTICE*, as the crate ships them).
A crate that ships no licence file is named with its expression and a
line saying so, so the list is complete either way.

Usage: python3 scripts/third_party_licences.py PACKAGE OUT_FILE
"""

import json
import re
import subprocess
import sys
from pathlib import Path

LICENCE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)


def metadata():
    host = re.search(r"^host: (\S+)$", subprocess.run(
        ["rustc", "-vV"], check=True, capture_output=True, text=True).stdout, re.M).group(1)
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", host],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def linked(meta, root_name):
    """The package ids `root_name` links: its normal dependencies, transitively."""
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    roots = [pid for pid, p in packages.items() if p["name"] == root_name and p["source"] is None]
    if not roots:
        sys.exit(f"third_party_licences: no workspace package named {root_name}")
    seen, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    return [packages[pid] for pid in seen if packages[pid]["source"] is not None]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    package, out = sys.argv[1], Path(sys.argv[2])
    crates = sorted(linked(metadata(), package), key=lambda p: (p["name"], p["version"]))
    parts = [f"The {len(crates)} crates {package} links, with their licences.\n"]
    for crate in crates:
        parts.append("=" * 78)
        parts.append(f"{crate['name']} {crate['version']}: {crate.get('license') or 'no licence expression'}")
        parts.append("=" * 78)
        files = sorted(f for f in Path(crate["manifest_path"]).parent.iterdir()
                       if f.is_file() and LICENCE_FILE.match(f.name))
        if not files:
            parts.append("(the crate ships no licence file; its expression is above)\n")
        for f in files:
            parts.append(f"--- {f.name}\n{f.read_text(errors='replace').rstrip()}\n")
    out.write_text("\n".join(parts) + "\n")
    print(f"third_party_licences: {len(crates)} crates in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
