"""Latency of `doctown mcp` over a docpack it reads in place (one too
large to hold whole, e.g. the Linux kernel's), as a client sees it:
JSON-RPC over stdio.

Usage: python3 mcp_in_place_latency.py DOCTOWN_BIN FILE.docpack [ROUNDS] [--in-place]

The docpack is never read here (it does not fit a Python process): the
arguments come from the server. Fixed phrases are searched; their hits'
ids are the symbols asked about (symbol, callers, callees, impact at
depth 3) and their names are searched too. Prints the time to
`initialize` (the server is ready), the time until search answers (the
search index loaded from its sidecar, or built on first open), the
server's resident memory before and after, and p50/p95 per tool in ms.
"""

import json, random, subprocess, sys, time

bin_, docpack = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].isdigit() else 200
extra = ["--in-place"] if "--in-place" in sys.argv else []
rng = random.Random(14)
PHRASES = [
    "allocate a page of memory", "free the buffer", "spin lock irq save", "register the device",
    "probe the usb device", "interrupt handler", "read the configuration register",
    "schedule the work queue", "copy data to user space", "parse the command line",
    "initialise the network interface", "transmit a packet", "mount the file system",
    "write the inode", "release the reference count", "dma mapping", "power management suspend",
    "timer expiry callback", "crc checksum", "hash table lookup", "map the pci bar",
    "reset the controller", "error handling cleanup", "debugfs entry", "sysfs attribute show",
]

start = time.perf_counter()
proc = subprocess.Popen([bin_, "mcp", *extra, docpack], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
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


def rss(field="VmRSS:"):
    for line in open(f"/proc/{proc.pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) // 1024


def tool(name, args):
    result = call("tools/call", {"name": name, "arguments": args})
    return result, result.get("structuredContent") or {}


call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "mcp-in-place-latency", "version": "1"}})
ready = time.perf_counter() - start
proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
proc.stdin.flush()
rss_ready = rss()
while True:
    result, answer = tool("search", {"query": PHRASES[0], "mode": "lexical"})
    if not result.get("isError"):
        break
    time.sleep(0.5)
searchable = time.perf_counter() - start
ids, names = [], []
for phrase in PHRASES:
    _, answer = tool("search", {"query": phrase, "mode": "lexical", "limit": 20})
    for hit in answer.get("hits", []):
        ids.append(hit["id"])
        names.append(hit["name"].rsplit("::", 1)[-1].rsplit(".", 1)[-1])
if not ids:
    raise SystemExit("no search hits to ask about")
tools = {
    "search": lambda: {"query": rng.choice(PHRASES + names), "mode": "lexical"},
    "symbol": lambda: {"symbol": rng.choice(ids)},
    "callers": lambda: {"symbol": rng.choice(ids)},
    "callees": lambda: {"symbol": rng.choice(ids)},
    "impact": lambda: {"symbol": rng.choice(ids), "depth": 3},
}
print(f"ready (initialize answered) {ready:.2f} s; search answering {searchable:.1f} s; "
      f"RSS when ready {rss_ready} MiB; {len(set(ids))} symbols drawn")
print("\n| tool | calls | p50 ms | p95 ms | max ms | mean tokens |\n|---|---|---|---|---|---|")
for name, make in tools.items():
    times, tokens = [], []
    for _ in range(rounds):
        args = make()
        t = time.perf_counter()
        result, _ = tool(name, args)
        times.append((time.perf_counter() - t) * 1000)
        if result.get("isError"):
            raise SystemExit(f"{name} {args}: {result['content'][0]['text']}")
        tokens.append(len(result["content"][0]["text"]) / 4)
    times.sort()
    p = lambda q: times[min(len(times) - 1, round((len(times) - 1) * q))]
    print(f"| {name} | {rounds} | {p(0.5):.1f} | {p(0.95):.1f} | {times[-1]:.1f} | {sum(tokens) / len(tokens):.0f} |")
print(f"\nRSS after the queries {rss()} MiB; peak {rss('VmHWM:')} MiB")
proc.stdin.close()
proc.wait(timeout=60)
