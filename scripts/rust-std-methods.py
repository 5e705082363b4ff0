#!/usr/bin/env python3
"""Writes the names of the Rust standard library's methods (every `fn` whose
first parameter is `self` in library/core, alloc and std of the toolchain's
rust-src) to common/extract/data/rust_std_methods.txt, one per line, sorted.

Call resolution never links a method call on a receiver of unknown type by
its name alone when the name is one of these: `.all(…)`, `.map(…)`,
`.context(…)` on a std or external value must not become a call of the
repository's only method of that name.

Usage: python3 scripts/rust-std-methods.py [RUST_SRC_LIBRARY_DIR]
(default: `rustc --print sysroot`/lib/rustlib/src/rust/library).
"""
import os
import re
import subprocess
import sys

METHOD = re.compile(
    r"\bfn\s+([a-z_][a-z0-9_]*)\s*(?:<[^()]*?>)?\s*\(\s*"
    r"(?:&\s*(?:'[a-z_]+\s+)?(?:mut\s+)?|mut\s+)?self\b"
)


def main():
    if len(sys.argv) > 1:
        library = sys.argv[1]
    else:
        sysroot = subprocess.check_output(["rustc", "--print", "sysroot"], text=True).strip()
        library = os.path.join(sysroot, "lib/rustlib/src/rust/library")
    names = set()
    for part in ("core", "alloc", "std"):
        for root, _, files in os.walk(os.path.join(library, part, "src")):
            for f in files:
                if f.endswith(".rs"):
                    with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                        names.update(METHOD.findall(fh.read()))
    if not names:
        sys.exit(f"no methods found under {library}: is rust-src installed?")
    out = os.path.join(os.path.dirname(__file__), "..", "common/extract/data/rust_std_methods.txt")
    with open(out, "w") as fh:
        fh.write("".join(f"{n}\n" for n in sorted(names)))
    print(f"{len(names)} method names -> {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
