#!/usr/bin/env bash
# Soak test of `doctown serve`: starts the server on a fresh store, runs N
# jobs (default 100) through POST /jobs on a small local repository, each
# polled to its end and bounded in time, and prints how many completed or
# failed, the p50/p95/max job latency (POST to terminal status), the
# throughput, and the server's memory (VmRSS after the first and the last
# job, and the peak, VmHWM, from /proc/PID/status).
#
#   bash scripts/soak.sh [--jobs N] [--clients C] [--timeout S] [--repo DIR]
#                        [--same-repo] [--port P] [--serve-jobs J] [--no-embeddings]
#
#   --jobs N          jobs to run (100)
#   --clients C       jobs in flight at once, each client submitting its next
#                     job when the last one ends (4)
#   --timeout S       a job not ended S seconds after its POST is cancelled
#                     and counted as timed out (120)
#   --repo DIR        the repository to document
#                     (functions/cli/tests/fixtures/multilang)
#   --same-repo       every job documents DIR itself: after the first job,
#                     ingest reuses the previous parse and embed its cached
#                     vectors (warm caches). By default each job gets its own
#                     copy of DIR plus one file of its own, so every ingest is
#                     a full one (another source) with new text to embed.
#   --port P          the server's port (18090)
#   --serve-jobs J    `doctown serve --jobs J`: jobs the server runs at once (2)
#   --no-embeddings   DOCTOWN_EMBEDDINGS=off for the server (no model needed)
#
# The binary is $DOCTOWN_BIN, else $CARGO_TARGET_DIR/release/doctown, else
# $CARGO_TARGET_DIR/debug/doctown (build it first: cargo build --release -p
# doctown-cli). The result is also written as JSON to $SOAK_JSON when set.
# Exits non-zero when a job failed or timed out, or the server died.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

JOBS=100
CLIENTS=4
TIMEOUT=120
REPO="$PWD/functions/cli/tests/fixtures/multilang"
SAME=""
PORT=18090
SERVE_JOBS=2
EMBEDDINGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --repo) REPO="$(cd "$2" && pwd)"; shift 2 ;;
    --same-repo) SAME=1; shift ;;
    --port) PORT="$2"; shift 2 ;;
    --serve-jobs) SERVE_JOBS="$2"; shift 2 ;;
    --no-embeddings) EMBEDDINGS=off; shift ;;
    -h | --help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "soak: unknown argument $1" >&2; exit 2 ;;
  esac
done

BIN="${DOCTOWN_BIN:-}"
if [ -z "$BIN" ]; then
  for candidate in "$CARGO_TARGET_DIR/release/doctown" "$CARGO_TARGET_DIR/debug/doctown"; do
    if [ -x "$candidate" ]; then BIN="$candidate"; break; fi
  done
fi
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
  echo "soak: no doctown binary; run: cargo build --release -p doctown-cli" >&2
  exit 1
fi

STORE="$(mktemp -d)"
COPIES="$(mktemp -d)"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$STORE" "$COPIES"
}
trap cleanup EXIT

# The sources: DIR itself, or a copy per job with a file of its own.
if [ -n "$SAME" ]; then
  SOURCES="$REPO"
else
  for i in $(seq 1 "$JOBS"); do
    cp -r "$REPO" "$COPIES/repo-$i"
    printf 'def soak_job_%s(x):\n    return x + %s\n' "$i" "$i" >"$COPIES/repo-$i/soak_$i.py"
  done
  SOURCES="$COPIES/repo-{}"
fi

URL="http://127.0.0.1:$PORT"
if curl -sf -o /dev/null --max-time 1 "$URL/health"; then
  echo "soak: something already answers on $URL; pick another --port" >&2
  exit 1
fi
echo "soak: $BIN serve --store $STORE --addr 127.0.0.1:$PORT --jobs $SERVE_JOBS" \
  "(embeddings ${EMBEDDINGS:-as configured}); $JOBS jobs, $CLIENTS at a time, on" \
  "${SAME:+the same }$REPO${SAME:- (a copy each)}" >&2
if [ -n "$EMBEDDINGS" ]; then export DOCTOWN_EMBEDDINGS="$EMBEDDINGS"; fi
"$BIN" serve --allow-local --store "$STORE" --addr "127.0.0.1:$PORT" --jobs "$SERVE_JOBS" \
  >"$STORE/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null --max-time 1 "$URL/health" && break
  kill -0 "$SERVER" 2>/dev/null || { tail -n 20 "$STORE/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null --max-time 1 "$URL/health" || { echo "soak: server did not start" >&2; exit 1; }

# The driver: C client threads, each submitting a job, polling it to its end
# (or its deadline), then the next; the server's /proc status is read after
# the first job ends and after the last.
status=0
python3 - "$URL" "$SOURCES" "$JOBS" "$CLIENTS" "$TIMEOUT" "$SERVER" "${SOAK_JSON:-}" <<'EOF' || status=$?
import json, sys, threading, time, urllib.request

url, sources, jobs, clients, timeout, pid, out = sys.argv[1:8]
jobs, clients, timeout = int(jobs), int(clients), float(timeout)

def request(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")

def memory():
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                fields[k] = int(v.split()[0]) // 1024  # MiB
    return fields

lock = threading.Lock()
results = []  # (status, seconds)
issued = [0]
rss_first = [None]

def client():
    while True:
        with lock:
            if issued[0] >= jobs:
                return
            issued[0] += 1
            repo = sources.replace("{}", str(issued[0]))
        start = time.monotonic()
        try:
            job = request("POST", "/jobs", {"repo_url": repo})["job_id"]
            status = "timeout"
            while time.monotonic() - start < timeout:
                state = request("GET", f"/jobs/{job}")
                if state["status"] in ("succeeded", "partial", "failed", "cancelled"):
                    status = state["status"]
                    break
                time.sleep(0.05)
            if status == "timeout":
                try:
                    request("POST", f"/jobs/{job}/cancel", {})
                except Exception:
                    pass
        except Exception as e:
            status = f"error: {e}"
        took = time.monotonic() - start
        with lock:
            results.append((status, took))
            if rss_first[0] is None:
                rss_first[0] = memory()["VmRSS"]

began = time.monotonic()
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - began
mem = memory()

def pct(xs, p):
    # nearest rank
    xs = sorted(xs)
    return xs[min(len(xs), max(1, -(-p * len(xs) // 100))) - 1] if xs else float("nan")

ok = [t for s, t in results if s in ("succeeded", "partial")]
counts = {}
for s, _ in results:
    counts[s] = counts.get(s, 0) + 1
summary = {
    "jobs": jobs, "clients": clients, "timeout_s": timeout, "sources": sources,
    "completed": len(ok),
    "statuses": counts,
    "p50_s": round(pct(ok, 50), 3), "p95_s": round(pct(ok, 95), 3),
    "max_s": round(max(ok), 3) if ok else None,
    "wall_s": round(wall, 1), "jobs_per_min": round(len(results) / wall * 60, 1),
    "rss_after_first_job_mib": rss_first[0], "rss_at_end_mib": mem["VmRSS"],
    "peak_rss_mib": mem["VmHWM"],
}
print(json.dumps(summary, indent=2))
print("| jobs | completed | p50 | p95 | max | wall | peak RSS (VmHWM) | RSS after job 1 → end |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {jobs} | {len(ok)} | {summary['p50_s']:.2f} s | {summary['p95_s']:.2f} s | "
      f"{summary['max_s'] or 0:.2f} s | {summary['wall_s']} s | {summary['peak_rss_mib']} MiB | "
      f"{summary['rss_after_first_job_mib']} → {summary['rss_at_end_mib']} MiB |")
if out:
    with open(out, "w") as f:
        json.dump(summary, f, indent=2)
sys.exit(0 if len(ok) == jobs else 1)
EOF
if ! kill -0 "$SERVER" 2>/dev/null; then
  echo "soak: the server died; its log:" >&2
  tail -n 30 "$STORE/serve.log" >&2
  status=1
fi
exit "$status"
