#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/seeds/<target>/.

Usage: python3 fuzz/make_seeds.py DOCPACK... [--state STATE_JSON...]

The docpacks and state documents are real outputs of `doctown build` (see
fuzz/README.md for the commands); everything else is made here. Seeds are
committed: rerunning this is only needed when a format changes.
"""

import gzip
import io
import json
import os
import shutil
import struct
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")
REPO = os.path.dirname(HERE)

PART_NAMES = [
    "manifest.json",
    "nodes.json",
    "graph.json",
    "clusters.json",
    "source_map.json",
    "docs.json",
    "embeddings.bin",
    "symbol_contexts.json",
    "notes.json",
]


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tar_bytes(entries, compress):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind == "file":
                info.size = len(payload)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(payload))
            elif kind == "exec":
                info.size = len(payload)
                info.mode = 0o755
                t.addfile(info, io.BytesIO(payload))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                t.addfile(info)
    raw = buf.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100644 << 16) if not name.endswith("/") else (0o40755 << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, payload)
    return buf.getvalue()


def archives():
    lib = b"pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n"
    py = b"def hello():\n    return 'hi'\n"
    repo = [
        ("repo-main/", "dir", None),
        ("repo-main/src/", "dir", None),
        ("repo-main/src/lib.rs", "file", lib),
        ("repo-main/tool.py", "file", py),
        ("repo-main/run.sh", "exec", b"#!/bin/sh\necho hi\n"),
    ]
    put("archive", "repo.tar.gz", tar_bytes(repo, True))
    put("archive", "repo.tar", tar_bytes(repo, False))
    put("archive", "flat.tar.gz", tar_bytes([("lib.rs", "file", lib), ("a/b/c.py", "file", py)], True))
    put("archive", "link.tar", tar_bytes(repo + [("repo-main/link", "symlink", "src/lib.rs")], False))
    put("archive", "slip.tar", tar_bytes([("ok.rs", "file", lib), ("../evil.rs", "file", lib)], False))
    put("archive", "repo.zip", zip_bytes([("repo-main/", b""), ("repo-main/src/lib.rs", lib), ("repo-main/tool.py", py)]))
    put("archive", "flat.zip", zip_bytes([("lib.rs", lib), ("dir/x.py", py)]))
    put("archive", "slip.zip", zip_bytes([("ok.rs", lib), ("../../evil.rs", lib)]))


def docpacks(paths):
    for i, path in enumerate(paths):
        with open(path, "rb") as f:
            data = f.read()
        put("docpack_read", f"docpack-{i}.bin", data)
        put("docpack_verify", f"docpack-{i}.bin", data)
        put("docpack_access", f"docpack-{i}.bin", data)
        records = b""
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as t:
            for m in t.getmembers():
                payload = t.extractfile(m).read()
                tag = PART_NAMES.index(m.name)
                records += bytes([tag]) + struct.pack("<I", len(payload)) + payload
        put("docpack_parts", f"parts-{i}.bin", records)


def urls():
    for i, u in enumerate(
        [
            "https://github.com/rust-lang/log",
            "github.com/rust-lang/log.git",
            "git@github.com:rust-lang/log.git",
            "ssh://git@github.com/rust-lang/log.git",
            "https://www.github.com/rust-lang/log/tree/main/src",
            "https://github.com/rust-lang/log/blob/v0.4.20/src/lib.rs",
            "https://github.com/rust-lang/log/commit/2b4d5e3a",
            "https://github.com/o/r/tree/feature%2Fx/docs\nmain",
            "http://127.0.0.1/o/r",
            "https://gitlab.com/o/r",
        ]
    ):
        put("github_url", f"url-{i}.txt", u)


def webhooks():
    push = {
        "ref": "refs/heads/main",
        "after": "1111111111111111111111111111111111111111",
        "deleted": False,
        "repository": {
            "full_name": "octo/private-repo",
            "html_url": "https://github.com/octo/private-repo",
            "private": True,
        },
        "installation": {"id": 7},
    }
    added = {
        "action": "added",
        "installation": {"id": 7},
        "repositories_added": [
            {"full_name": "octo/a", "private": False},
            {"full_name": "octo/b", "private": True},
        ],
        "repositories_removed": [],
    }
    created = {
        "action": "created",
        "installation": {"id": 9},
        "repositories": [{"full_name": "octo/c", "html_url": "https://github.com/octo/c"}],
    }
    put("webhook", "push.json", b"\x00" + json.dumps(push).encode())
    tag = dict(push, ref="refs/tags/v1")
    put("webhook", "push-tag.json", b"\x00" + json.dumps(tag).encode())
    put("webhook", "installation_repositories.json", b"\x01" + json.dumps(added).encode())
    put("webhook", "installation.json", b"\x02" + json.dumps(created).encode())
    put("webhook", "ping.json", b"\x03" + b'{"zen": "Keep it logically awesome."}')


def scip():
    src = os.path.join(REPO, "common/extract/tests/fixtures/scip_py/index.scip")
    os.makedirs(os.path.join(SEEDS, "scip"), exist_ok=True)
    shutil.copy(src, os.path.join(SEEDS, "scip", "scip_py.scip"))


def states(paths):
    for i, path in enumerate(paths):
        with open(path, "rb") as f:
            doc = json.load(f)
        put("state_json", f"state-{i}.json", json.dumps(doc, indent=1))
        # The same job mid-way, with the embed stage fanned out into shards.
        mid = json.loads(json.dumps(doc))
        mid["status"] = "running"
        embed = mid["stages"].get("embed", {"status": "pending", "attempts": 0})
        embed.update(status="running", fan_out=3, shards={
            "0": {"status": "succeeded", "attempts": 1},
            "1": {"status": "failed", "attempts": 2, "error": {"message": "boom", "retryable": True}},
            "2": {"status": "running", "attempts": 1},
        })
        mid["stages"]["embed"] = embed
        for later in ("assemble", "generate", "pack"):
            mid["stages"][later] = {"status": "pending", "attempts": 0}
        mid["input"]["options"] = {"github": {"installation_id": 42}, "ingest": {"max_file_bytes": 1000}}
        put("state_json", f"state-{i}-running.json", json.dumps(mid, indent=1))


def main(argv):
    docs, state_paths, into = [], [], None
    for a in argv:
        if a == "--state":
            into = state_paths
        elif into is not None:
            into.append(a)
        else:
            docs.append(a)
    shutil.rmtree(SEEDS, ignore_errors=True)
    archives()
    docpacks(docs)
    urls()
    webhooks()
    scip()
    states(state_paths)


if __name__ == "__main__":
    main(sys.argv[1:])
