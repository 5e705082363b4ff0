#!/usr/bin/env python3
"""How soon an edit shows over MCP in `doctown mcp DIR` (a working tree
served live): copies a repository, serves the copy, then appends a function
that calls TARGET to FILE, ROUNDS times, and times each from the write to
the first `callers` answer that names the new function.

usage: bench-live.py DOCTOWN REPO FILE TARGET [--rounds N] [--embeddings on|off]
  FILE is relative to REPO; TARGET a function defined in FILE.
Prints the startup time, each round's seconds, and the median and worst.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


class Mcp:
    """A minimal MCP client over stdio (newline-delimited JSON-RPC)."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        self.next_id = 0
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "bench-live", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message):
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit(f"bench-live: the server ended (exit {self.proc.wait()})")
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    sys.exit(f"bench-live: {method}: {reply['error']}")
                return reply["result"]

    def tool(self, name, **arguments):
        return self.tool_result(name, **arguments)[0]

    def tool_result(self, name, **arguments):
        """The answer's text and its structured content."""
        result = self.request("tools/call", {"name": name, "arguments": arguments})
        text = "\n".join(c.get("text", "") for c in result.get("content", []))
        return text, result.get("structuredContent") or {}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def wait_for(mcp, tool, needle, limit=600, **arguments):
    start = time.monotonic()
    while True:
        answer = mcp.tool(tool, **arguments)
        if needle in answer:
            return time.monotonic() - start, answer
        if time.monotonic() - start > limit:
            sys.exit(f"bench-live: {needle!r} never showed in {tool}: {answer[:300]}")
        time.sleep(0.02)


def target_id(mcp, path, name):
    """The id of the symbol `name` in `path` (from the outline's items)."""
    text, outline = mcp.tool_result("file_outline", path=path)
    found = [i for i in find_items(outline) if i.get("name") == name and "id" in i]
    if not found:
        sys.exit(f"bench-live: no {name} in the outline of {path}:\n{text[:500]}")
    return found[0]["id"]


def find_items(value):
    """Every object with a `name` anywhere in a JSON value."""
    if isinstance(value, dict):
        if "name" in value:
            yield value
        for v in value.values():
            yield from find_items(v)
    elif isinstance(value, list):
        for v in value:
            yield from find_items(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("doctown")
    ap.add_argument("repo")
    ap.add_argument("file")
    ap.add_argument("target")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--embeddings", choices=["on", "off"], default="off")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-live-")
    tree = os.path.join(work, "tree")
    shutil.copytree(a.repo, tree, symlinks=True)
    env = dict(os.environ, DOCTOWN_STORE=os.path.join(work, "store"), DOCTOWN_EMBEDDINGS=a.embeddings,
               DOCTOWN_LLM_BACKEND="facts", DOCTOWN_LOG="error")
    start = time.monotonic()
    mcp = Mcp([a.doctown, "mcp", tree], env)
    ready = time.monotonic() - start
    if a.embeddings == "on":
        wait_for(mcp, "list_docpacks", "revision 2 (")
    full = time.monotonic() - start
    ident = target_id(mcp, a.file, a.target)
    times = []
    for n in range(1, a.rounds + 1):
        probe = f"doctown_probe_{n}"
        with open(os.path.join(tree, a.file), "a") as f:
            f.write(f"\n\ndef {probe}():\n    return {a.target}()\n")
        took, _ = wait_for(mcp, "callers", probe, symbol=ident, limit=300)
        times.append(took)
        print(f"round {n}: {took:.2f} s", flush=True)
    mcp.close()
    shutil.rmtree(work, ignore_errors=True)
    print(f"answering after {ready:.1f} s (structure), {full:.1f} s with embeddings {a.embeddings}; "
          f"edit -> callers: median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
          f"over {len(times)} edits")


if __name__ == "__main__":
    main()
