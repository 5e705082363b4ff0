#!/usr/bin/env bash
# The kernel through the distributed path (#16): moto (S3 + SQS) on
# loopback, the trigger (`doctown serve --distributed`) and WORKERS
# `doctown worker --stage S` processes per stage, one job submitted with
# the stage options `doctown build --embeddings off --no-gitignore
# --max-total-bytes 4000000000` sets. Reports the job's wall time, each
# stage's time from the state document, the peak RSS of every process
# kind (sampled every half second), the docpack's size, and whether it is
# byte-identical to the in-process build's.
#
#   bash scripts/bench-kernel-distributed.sh [TREE]
#     TREE      a kernel tree or a part of one (default: the whole
#               linux-source-6.1 tree that scripts/bench-kernel.sh unpacks)
#     WORKERS=2 worker processes per stage
#     LOCAL_DOCPACK=path  the in-process build's docpack of TREE to compare
#               with (default: built here, with its wall time, first)
#     DOCTOWN_BIN=path    the binary (default: this checkout's release build)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
TREE="$(cd "${1:-$DOCTOWN_CACHE/corpus-kernel/linux-source-6.1}" && pwd)"
WORKERS="${WORKERS:-2}"
PORT="${DOCTOWN_BENCH_PORT:-18191}"
MOTO_PORT="${DOCTOWN_BENCH_MOTO_PORT:-5061}"
if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --release --locked -p doctown-cli >/dev/null
  DOCTOWN_BIN="$CARGO_TARGET_DIR/release/doctown"
fi
WORK="$(mktemp -d "${BENCH_WORK_DIR:-/tmp}/kernel-dist.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$DOCTOWN_CACHE/moto-$MOTO_PORT.pid" ] && kill "$(cat "$DOCTOWN_CACHE/moto-$MOTO_PORT.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
OPTIONS='{"ingest": {"max_total_bytes": 4000000000, "gitignore": false},
          "embed": {"enabled": false}, "assemble": {"use_embeddings": false}}'

if [ -z "${LOCAL_DOCPACK:-}" ]; then
  /usr/bin/time -f '%e %M' -o "$WORK/local.time" "$DOCTOWN_BIN" build "$TREE" --no-gitignore \
    --embeddings off --max-total-bytes 4000000000 --store "$WORK/local-store" \
    -o "$WORK/local.docpack" >/dev/null 2>"$WORK/local.err" || { tail -3 "$WORK/local.err"; exit 1; }
  rm -rf "$WORK/local-store"
  read -r local_wall local_rss < "$WORK/local.time"
  echo "in-process build: ${local_wall} s, peak RSS $((local_rss / 1024)) MiB"
  LOCAL_DOCPACK="$WORK/local.docpack"
fi

endpoint="$(bash scripts/start-moto.sh "$MOTO_PORT")"
moto_pid="$(cat "$DOCTOWN_CACHE/moto-$MOTO_PORT.pid")"
run="kernel-$$-$(date +%s)"
source scripts/moto-env.sh "$endpoint" doctown-bench "$run"

"$DOCTOWN_BIN" serve --distributed --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
pids+=($!)
declare -A kind=([$!]=trigger [$moto_pid]=moto)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
for stage in ingest embed assemble generate pack; do
  for n in $(seq 1 "$WORKERS"); do
    "$DOCTOWN_BIN" worker --stage "$stage" >"$WORK/worker-$stage-$n.log" 2>&1 &
    pids+=($!)
    kind[$!]="$stage worker"
  done
done

started=$(date +%s.%N)
job="$(curl -sf -X POST "http://127.0.0.1:$PORT/jobs" -H 'content-type: application/json' \
  -d "{\"repo_url\": \"$TREE\", \"options\": $OPTIONS}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')"
status=""
: >"$WORK/rss"
while :; do
  for pid in "${!kind[@]}"; do
    rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
    [ -n "$rss" ] && echo "${kind[$pid]}|$rss" >>"$WORK/rss"
  done
  status="$(curl -sf "http://127.0.0.1:$PORT/jobs/$job" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' || echo unknown)"
  case "$status" in succeeded | partial | failed | cancelled) break ;; esac
  sleep 0.5
done
wall="$(echo "$(date +%s.%N) - $started" | bc)"
curl -sf "http://127.0.0.1:$PORT/jobs/$job" >"$WORK/state.json"
echo "job $job: $status in ${wall} s ($WORKERS workers per stage, tree $TREE)"
[ "$status" = succeeded ] || {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error"))' "$WORK/state.json"
  tail -5 "$WORK"/worker-*.log >&2
  exit 1
}
curl -sfL -o "$WORK/distributed.docpack" "http://127.0.0.1:$PORT/jobs/$job/docpack"
python3 - "$WORK/state.json" "$WORK/rss" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
print("| stage | attempts | wall s |")
print("|---|---:|---:|")
for name in ["ingest", "embed", "assemble", "generate", "pack"]:
    s = state["stages"][name]
    print(f"| {name} | {s.get('attempts', 0)} | {(s.get('duration_ms') or 0) / 1000:.1f} |")
peak = {}
for line in open(sys.argv[2]):
    who, kib = line.rstrip("\n").split("|")
    peak[who] = max(peak.get(who, 0), int(kib))
print("| process | peak RSS MiB |")
print("|---|---:|")
for who in sorted(peak):
    print(f"| {who} | {peak[who] // 1024} |")
PY
warnings=$(cat "$WORK"/worker-*.log "$WORK/serve.log" | grep -c 'WARN' || true)
echo "warnings logged: $warnings"
[ "$warnings" = 0 ] || grep -h 'WARN' "$WORK"/worker-*.log "$WORK/serve.log" | sort | uniq -c | sort -rn | head -5
echo "docpack: $(wc -c <"$WORK/distributed.docpack") bytes"
if cmp -s "$WORK/distributed.docpack" "$LOCAL_DOCPACK"; then
  echo "docpack: byte-identical to the in-process build's"
else
  echo "docpack: differs from the in-process build's" >&2
  exit 1
fi
