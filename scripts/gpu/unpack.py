#!/usr/bin/env python3
"""Unpacks what prepare.sh packed, in Python (the GPU host may have no xz):
every `NAME.xz` in FROM to `TO/NAME` (executable if it is `doctown`), and
`repos.tar.xz` into TO.

Usage: unpack.py FROM TO
"""
import lzma
import os
import shutil
import sys
import tarfile


def main(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name == "repos.tar.xz":
            with tarfile.open(path, "r:xz") as tar:
                tar.extractall(dst, filter="data")
        elif name.endswith(".xz"):
            out = os.path.join(dst, name[: -len(".xz")])
            with lzma.open(path) as f, open(out, "wb") as o:
                shutil.copyfileobj(f, o)
            if name == "doctown.xz":
                os.chmod(out, 0o755)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: unpack.py FROM TO")
    main(sys.argv[1], sys.argv[2])
