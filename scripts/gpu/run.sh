#!/usr/bin/env bash
# Measures Doctown's embeddings on a GPU machine: the remote backend
# (DOCTOWN_EMBED_BACKEND=openai) against embed_server.py serving
# all-MiniLM-L6-v2 on the GPU, in cold `doctown build`s of the small,
# medium and large benchmark repositories, beside the same builds with
# --embeddings off on the same machine.
#
#   here:            bash scripts/gpu/prepare.sh server  (fills .gpu/server/, ignored)
#   on the GPU host: bash scripts/gpu/run.sh             (from the repository root)
#
# Needs there: python3 with torch (CUDA) and tokenizers; nothing else, no
# network, no Rust (the binary travels in .gpu/server/). Writes the table, the
# server's log, rows.jsonl and the small and medium docpacks under $OUT
# (default ./gpu-out); scripts/gpu/compare.py compares their vectors with
# a CPU build's. Environment: GPU_BUILDS (default "small medium large"),
# GPU_CONFIGS (the remote backend's batch size × requests in flight,
# default "32x4 256x8 1024x4"), GPU_WORKERS (server processes, default 8).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu-out}"
W="$(mktemp -d)"
mkdir -p "$OUT"
PORT=8080
URL="http://127.0.0.1:$PORT"
log() { echo "gpu-run: $*" >&2; }

G=.gpu/server
[ -f $G/doctown.xz ] && [ -f $G/model.bin ] && [ -f $G/repos.tar.xz ] \
    || { log "error: $G/ is incomplete: run scripts/gpu/prepare.sh server first"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader >&2 || true
log "$(nproc) CPU cores; $(python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())')"
# Python unpacks: the host may have no xz.
python3 scripts/gpu/unpack.py "$G" "$W" || { log "error: cannot unpack $G/"; exit 1; }
DOCTOWN="$W/doctown"
"$DOCTOWN" --version >&2 || { log "error: the carried doctown does not run here"; exit 1; }

PYTHONUNBUFFERED=1 python3 scripts/gpu/embed_server.py --weights $G/model.bin --workers "${GPU_WORKERS:-8}" \
    --tokenizer $G/tokenizer.json --port "$PORT" --bench > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 240); do
    grep -q '"serving"' "$OUT/server.log" && break
    kill -0 $SERVER 2>/dev/null || { log "error: the server died:"; cat "$OUT/server.log" >&2; exit 1; }
    sleep 0.5
done
STATS="$(python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin if "serving" in l][-1]["stats"])' < "$OUT/server.log")" \
    || { log "error: the server did not start in 120 s"; cat "$OUT/server.log" >&2; exit 1; }
cat "$OUT/server.log" >&2

export DOCTOWN_EMBED_BACKEND=openai DOCTOWN_EMBED_BASE_URL="$URL/v1" \
    DOCTOWN_EMBED_MODEL=sentence-transformers/all-MiniLM-L6-v2 DOCTOWN_EMBED_API_KEY=none
row() { # label, size, flags...
    local label="$1" size="$2"; shift 2
    python3 scripts/gpu/build_row.py "$label" "$DOCTOWN" "$W/$size" "$W/store-$RANDOM$RANDOM" \
        "$W/$size.docpack" "$OUT/rows.jsonl" "$STATS" -- "$@" | tee -a "$OUT/table.md"
}
{
    echo "| run | files | chunks | texts embedded | server texts | server tokens | first request to last answer s | texts/s | tokens/s | ingest s | embed s | wall s | peak RSS MiB |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} | tee "$OUT/table.md"
for size in ${GPU_BUILDS:-small medium large}; do
    for config in ${GPU_CONFIGS:-32x4 256x8 1024x4}; do
        batch="${config%x*}" concurrency="${config#*x}"
        DOCTOWN_EMBED_BATCH_SIZE="$batch" DOCTOWN_EMBED_CONCURRENCY="$concurrency" \
            row "$size, GPU server, $batch texts × $concurrency requests, cold" "$size"
        case "$size" in small | medium) [ -f "$OUT/$size.docpack" ] || cp "$W/$size.docpack" "$OUT/" ;; esac
    done
    row "$size, --embeddings off" "$size" --embeddings off
done
log "done"
