"""Latency of every MCP tool of `doctown mcp` on one docpack, measured as a
client sees it: JSON-RPC over stdio, after the server is up.

Usage: python3 mcp_latency.py DOCTOWN_BIN FILE.docpack [ROUNDS]
Arguments are drawn from the docpack with a fixed seed (symbols by
qualified name, their files, modules and clusters; search queries are
doc comments or summaries). Prints start-up time (spawn to the answer to
`initialize`, which comes after the docpack is loaded and indexed), the
server's resident memory, and p50/p95 per tool in milliseconds.
"""

import json, random, subprocess, sys, tarfile, time

bin_, docpack = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 100
rng = random.Random(14)

with tarfile.open(docpack) as t:
    symbols = json.load(t.extractfile("nodes.json"))["symbols"]
    modules = json.load(t.extractfile("docs.json"))["modules"]
    clusters = json.load(t.extractfile("clusters.json"))["clusters"]

start = time.perf_counter()
proc = subprocess.Popen([bin_, "mcp", docpack], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True, bufsize=1)
next_id = 0


def call(method, params):
    global next_id
    next_id += 1
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params}) + "\n")
    proc.stdin.flush()
    while True:
        msg = json.loads(proc.stdout.readline())
        if msg.get("id") == next_id:
            if "error" in msg:
                raise SystemExit(f"{method}: {msg['error']}")
            return msg["result"]


call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "mcp-latency", "version": "1"}})
startup = time.perf_counter() - start
proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
proc.stdin.flush()
rss = 0
for line in open(f"/proc/{proc.pid}/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) // 1024


def sym():
    return rng.choice(symbols)


def query():
    while True:
        s = sym()
        text = s.get("doc_comment") or (s.get("documentation") or {}).get("summary")
        if text and len(text.split()) >= 4:
            return text[:200]


def unique_name():
    return sym()["id"]


tools = {
    "search": lambda: {"query": query()},
    "symbol": lambda: {"symbol": unique_name()},
    "callers": lambda: {"symbol": unique_name()},
    "callees": lambda: {"symbol": unique_name()},
    "impact": lambda: {"symbol": unique_name()},
    "flows": lambda: {"through": unique_name()},
    "module": lambda: {"module": rng.choice(modules)["id"]},
    "architecture": lambda: {},
    "cluster": lambda: {"cluster": rng.choice(clusters)["id"]},
    "file_outline": lambda: {"path": sym()["path"]},
    "list_docpacks": lambda: {},
    "changes": lambda: {"old": docpack.rsplit("/", 1)[-1].removesuffix(".docpack"),
                        "new": docpack.rsplit("/", 1)[-1].removesuffix(".docpack")},
    "ask": lambda: {"question": "how does " + sym()["name"] + " work?"},
}
print(f"start-up (load, verify, index) {startup:.2f} s; server RSS {rss} MiB; {len(symbols)} symbols")
print("\n| tool | calls | p50 ms | p95 ms | max ms | mean tokens |\n|---|---|---|---|---|---|")
for name, make in tools.items():
    n = rounds if name not in ("changes", "ask") else max(10, rounds // 10)
    times, tokens = [], []
    for _ in range(n):
        args = make()
        t = time.perf_counter()
        result = call("tools/call", {"name": name, "arguments": args})
        times.append((time.perf_counter() - t) * 1000)
        text = result["content"][0]["text"]
        tokens.append(len(text) / 4)
    times.sort()
    p = lambda q: times[min(len(times) - 1, round((len(times) - 1) * q))]
    print(f"| {name} | {n} | {p(0.5):.1f} | {p(0.95):.1f} | {times[-1]:.1f} | {sum(tokens) / len(tokens):.0f} |")
proc.stdin.close()
proc.wait(timeout=30)
