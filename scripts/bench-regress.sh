#!/usr/bin/env bash
# Two builds of `doctown` side by side on the benchmark repositories
# (`scripts/bench-build.sh`'s small, medium and large) and on a snapshot of
# this checkout: for each, a cold build and a rebuild after a one-file
# change with either binary (each its own store), the docpacks compared
# byte for byte, and the wall time and peak RSS of every build, the
# binaries alternating over ROUNDS rounds. The large repository is built
# with `--embeddings off`, the others with embeddings. Exits 1 when any
# pair of docpacks differs.
# Usage: bash scripts/bench-regress.sh BIN_A BIN_B [ROUNDS] [small medium large self ...]
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,10p "$0" >&2; exit 2; }
A="$(realpath -m "$1")" B="$(realpath -m "$2")"
shift 2
ROUNDS=2
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then ROUNDS="$1"; shift; fi
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "bench-regress: $bin is not an executable" >&2; exit 2; }; done
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/fetch-model.sh >/dev/null
source scripts/bench-repos.sh
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

# One build into $WORK/out-<label>.docpack; prints "wall peak_MiB".
build() { # bin, repo, store, label, flags...
  local bin="$1" repo="$2" store="$3" label="$4"; shift 4
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$bin" build "$repo" --store "$store" \
    -o "$WORK/out-$label.docpack" "$@" >/dev/null 2>"$WORK/err" \
    || { echo "bench-regress: $label failed: $(tail -1 "$WORK/err")" >&2; exit 1; }
  awk '{printf "%s %d", $1, $2/1024}' "$WORK/time"
}

# The one-file change: a function appended to the first source file.
touch_one() { # repo
  local f
  f="$(find "$1" -name '*.rs' -o -name '*.py' | sort | sed -n 1p)"
  case "$f" in *.rs) printf '\npub fn bench_extra() -> u32 { 42 }\n' >> "$f" ;; *) printf '\ndef bench_extra():\n    return 42\n' >> "$f" ;; esac
}

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

status=0
echo "| repository | run | identical | A wall s (median) | B wall s (median) | A peak MiB | B peak MiB |"
echo "|---|---|---|---|---|---|---|"
for name in "${@:-small medium large self}"; do
  for size in $name; do
    flags=()
    [ "$size" = large ] && flags=(--embeddings off)
    src="$REPOS/$size"
    if [ "$size" = self ]; then
      src="$WORK/self-src"; mkdir -p "$src"
      git archive HEAD | tar -x -C "$src"
    fi
    for run in cold rebuild; do
      : > "$WORK/a.times"; : > "$WORK/b.times"; same=yes
      for round in $(seq "$ROUNDS"); do
        for side in a b; do
          bin="$A"; [ "$side" = b ] && bin="$B"
          # One path for both: a docpack names its source.
          repo="$WORK/repo/$size"; store="$WORK/store-$side"
          rm -rf "$repo" "$store"; mkdir -p "$WORK/repo"; cp -r "$src" "$repo"
          if [ "$run" = rebuild ]; then
            build "$bin" "$repo" "$store" "$side-warm" "${flags[@]}" >/dev/null
            touch_one "$repo"
          fi
          build "$bin" "$repo" "$store" "$side" "${flags[@]}" >> "$WORK/$side.times"
          echo >> "$WORK/$side.times"
        done
        cmp -s "$WORK/out-a.docpack" "$WORK/out-b.docpack" || { same=no; status=1; }
      done
      printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$size" "$run" "$same" \
        "$(cut -d' ' -f1 "$WORK/a.times" | median)" "$(cut -d' ' -f1 "$WORK/b.times" | median)" \
        "$(cut -d' ' -f2 "$WORK/a.times" | sort -n | tail -1)" "$(cut -d' ' -f2 "$WORK/b.times" | sort -n | tail -1)"
    done
  done
done
exit "$status"
