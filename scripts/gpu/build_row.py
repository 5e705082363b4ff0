#!/usr/bin/env python3
"""One row of scripts/gpu/run.sh's table: runs `doctown build` on a
repository, and reports its wall time, peak RSS and stage seconds (from
its --json summary) beside what the embedding server saw during the build
(texts, tokens, seconds in the model, first request to last answer), or
without a server the texts and tokens its own summary says it embedded.

Usage: build_row.py LABEL DOCTOWN REPO STORE DOCPACK ROWS_JSONL [STATS_URLS|-] [-- BUILD FLAGS...]
STATS_URLS: the server workers' stats URLs, comma-separated (its `serving` line).
Prints one Markdown row; appends the same facts as a JSON line to ROWS_JSONL.
"""
import json
import resource
import subprocess
import sys
import time
import urllib.request


def server(urls, path, post=False):
    """Each worker's answer to `path`."""
    answers = []
    for url in urls.split(","):
        req = urllib.request.Request(url + path, data=b"{}" if post else None, method="POST" if post else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            answers.append(json.load(r))
    return answers


def summed(stats):
    """The workers' stats as one server's: sums, and the earliest first
    request to the latest last answer."""
    firsts = [s["first_request"] for s in stats if s["first_request"]]
    lasts = [s["last_answer"] for s in stats if s["last_answer"]]
    total = {k: sum(s[k] for s in stats) for k in ("requests", "texts", "tokens", "model_seconds")}
    total["window"] = max(lasts) - min(firsts) if firsts else 0.0
    return total


def main(argv):
    flags = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    label, doctown, repo, store, docpack, rows = argv[:6]
    url = argv[6] if len(argv) > 6 and argv[6] != "-" else None
    if url:
        server(url, "/stats/reset", post=True)
    cmd = [doctown, "build", repo, "--store", store, "-o", docpack, "--json", *flags]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        print(f"| {label} | failed: {done.stderr.strip().splitlines()[-1:]} |")
        return 1
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    s = json.loads(done.stdout)
    sec, ingest = s["seconds"], s["stages"]["ingest"]["summary"]
    embed = s["stages"].get("embed", {}).get("summary") or {}
    row = {
        "label": label,
        "files": ingest.get("files_parsed", 0),
        "chunks": ingest.get("chunks", 0),
        "texts_embedded": embed.get("cache_misses", 0) + min(embed.get("prefetched", 0), embed.get("cache_hits", 0)),
        "seconds": {k: round(v, 2) for k, v in sec.items()},
        "wall_s": round(wall, 2),
        "peak_rss_mib": rss_mib,
        "model_id": embed.get("model_id"),
    }
    if url:
        st = summed(server(url, "/stats"))
        row["server"] = {k: st[k] for k in ("requests", "texts", "tokens")}
        row["server"]["model_s"] = round(st["model_seconds"], 2)
        row["server"]["window_s"] = round(st["window"], 2)
    with open(rows, "a") as f:
        f.write(json.dumps(row) + "\n")
    srv = row.get("server")
    if srv and srv["texts"]:
        texts, tokens, window = srv["texts"], srv["tokens"], srv["window_s"]
    else:
        # Embedded here: the prefetcher embeds while ingest runs, so the
        # window is ingest's and embed's seconds together.
        texts = row["texts_embedded"]
        tokens = embed.get("tokens", 0) + embed.get("prefetched_tokens", 0)
        window = sec.get("ingest", 0) + sec.get("embed", 0) if texts else 0.0
    served = (f"{srv['texts'] if srv else '—'} | {tokens} | {window:.2f} | {texts / max(window, 1e-9):,.0f} | "
              f"{tokens / max(window, 1e-9):,.0f}") if texts else "— | — | — | — | —"
    print(f"| {label} | {row['files']} | {row['chunks']} | {row['texts_embedded']} | {served} | "
          f"{sec.get('ingest', 0):.2f} | {sec.get('embed', 0):.2f} | {wall:.2f} | {rss_mib} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
