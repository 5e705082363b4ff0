#!/usr/bin/env bash
# One job through the deployed shape, on this machine: moto (S3 + SQS), the
# trigger (`doctown serve --distributed`) and two `doctown worker`
# processes. Checks that the job succeeds, that its docpack is
# byte-identical to `doctown build` of the same source, and that the
# workers logged no warning (a refused event-log write, a retried store
# call). Prints the counts.
#   bash scripts/distributed-e2e.sh [SOURCE]   (default: this checkout's functions/)
# DOCTOWN_BIN picks the binary (default: the debug build, built here).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
SOURCE="$(cd "${1:-functions}" && pwd)"
PORT="${DOCTOWN_E2E_PORT:-18090}"
WORK="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${DOCTOWN_BIN:-}" ]; then
  cargo build --quiet --locked -p doctown-cli
  DOCTOWN_BIN="$CARGO_TARGET_DIR/debug/doctown"
fi
endpoint="$(bash scripts/start-moto.sh "${DOCTOWN_E2E_MOTO_PORT:-5059}")"
run="e2e-$$-$(date +%s)"
source scripts/moto-env.sh "$endpoint" doctown-e2e "$run"

"$DOCTOWN_BIN" serve --distributed --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
for n in 1 2; do
  "$DOCTOWN_BIN" worker >"$WORK/worker-$n.log" 2>&1 &
  pids+=($!)
done

started=$(date +%s)
job="$(curl -sf -X POST "http://127.0.0.1:$PORT/jobs" -H 'content-type: application/json' \
  -d "{\"repo_url\": \"$SOURCE\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')"
status=""
for _ in $(seq 1 1200); do
  status="$(curl -sf "http://127.0.0.1:$PORT/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
  case "$status" in succeeded | failed | cancelled) break ;; esac
  sleep 0.5
done
elapsed=$(($(date +%s) - started))
echo "job $job: $status in ${elapsed}s"
[ "$status" = succeeded ] || { tail -20 "$WORK"/worker-*.log >&2; exit 1; }
curl -sfL -o "$WORK/distributed.docpack" "http://127.0.0.1:$PORT/jobs/$job/docpack"
events="$(curl -sf "http://127.0.0.1:$PORT/jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("next_event_seq", "?"))')"

DOCTOWN_STORE="$WORK/local-store" "$DOCTOWN_BIN" build "$SOURCE" -o "$WORK/local.docpack" >/dev/null 2>"$WORK/build.log" ||
  { cat "$WORK/build.log" >&2; exit 1; }
warnings=$(cat "$WORK"/worker-*.log "$WORK/serve.log" | grep -c 'WARN' || true)
echo "warnings logged by the trigger and workers: $warnings"
echo "events in the job's log: $events"
if cmp -s "$WORK/distributed.docpack" "$WORK/local.docpack"; then
  echo "docpack: byte-identical to doctown build ($(wc -c <"$WORK/local.docpack") bytes)"
else
  echo "docpack: differs from doctown build" >&2
  exit 1
fi
if [ "$warnings" != 0 ]; then
  grep -h 'WARN' "$WORK"/worker-*.log "$WORK/serve.log" | sort | uniq -c | sort -rn | head >&2
  exit 1
fi
