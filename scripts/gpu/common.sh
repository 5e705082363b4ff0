# Sourced by the scripts that run on a lent host, from the repository
# root: checks that .gpu/MODE holds FILE... (what `prepare.sh MODE` packs),
# unpacks it into a scratch folder $W (removed on exit), makes the output
# folder $OUT (default ./gpu-out) and defines log, which prefixes NAME.
# Usage: source scripts/gpu/common.sh MODE NAME FILE...
G=".gpu/$1"
GPU_LOG_NAME="$2"
shift 2
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
log() { echo "$GPU_LOG_NAME: $*" >&2; }
for f in "$@"; do
    [ -f "$G/$f" ] || { log "error: no $G/$f: run scripts/gpu/prepare.sh ${G#.gpu/} first"; exit 1; }
done
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
# Python unpacks: the host may have no xz.
python3 scripts/gpu/unpack.py "$G" "$W" || { log "error: cannot unpack $G/"; exit 1; }
