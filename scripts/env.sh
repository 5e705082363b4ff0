# Shared settings for the scripts: caches live outside the clone so CI and
# rebuilds reuse them. Source this file; it only sets variables.
export DOCTOWN_CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DOCTOWN_CACHE/target}"
export DOCTOWN_MODEL_DIR="${DOCTOWN_MODEL_DIR:-$DOCTOWN_CACHE/models/all-minilm-l6-v2-qint8-fused}"
export DOCTOWN_ORT_LIB="${DOCTOWN_ORT_LIB:-$DOCTOWN_CACHE/onnxruntime/libonnxruntime.so.1.31.1}"
