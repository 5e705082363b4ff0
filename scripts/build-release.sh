#!/usr/bin/env bash
# Builds `doctown` for release, optimised by a profile of its own work
# (profile-guided optimisation, PGO):
#   1. a release build instrumented to count what runs (-Cprofile-generate);
#   2. that build does representative work: cold builds and one-file
#      rebuilds, with and without embeddings, of a Python, a mixed
#      (Rust, Go, JavaScript, TypeScript) and this checkout's repository,
#      then `symbols`, `history`, `verify`, `inspect`, `search`, `impact`,
#      `flows` and `export` on what it built;
#   3. llvm-profdata merges the counts, and the release build is made
#      again with them (-Cprofile-use).
# The benchmarks' large repository (Django, golang.org/x/tools) is left
# out of the training, so its timings are not of the inputs the profile
# was made from. Two full release builds: about 25 minutes on two cores.
# Prints the binary's path. With --profile FILE, steps 1 and 2 are
# skipped and FILE (an earlier run's $DOCTOWN_CACHE/pgo/doctown.profdata)
# is used. With --smoke BIN, only step 2 runs, with BIN on this
# checkout's scripts in each slot, and nothing is built: scripts/test.sh
# runs it with the debug binary, so the training keeps up with the CLI.
# Usage: bash scripts/build-release.sh [--profile FILE | --smoke BIN]
# Needs llvm-profdata of rustc's LLVM version: rustup's llvm-tools, an
# llvm-profdata-N on PATH, or (Debian, as root) llvm-N, which it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
source scripts/env.sh
PGO="$DOCTOWN_CACHE/pgo"
GEN_TARGET="$DOCTOWN_CACHE/target-pgo-gen"
USE_TARGET="$DOCTOWN_CACHE/target-pgo"
PROFILE="" SMOKE=""
case "${1:-}" in
  --profile) PROFILE="${2:?build-release: --profile needs a file}"
    [ -f "$PROFILE" ] || { echo "build-release: $PROFILE is not a file" >&2; exit 2; }
    PROFILE="$(realpath "$PROFILE")" ;;
  --smoke) SMOKE="${2:?build-release: --smoke needs a doctown binary}"
    [ -x "$SMOKE" ] || { echo "build-release: $SMOKE is not an executable" >&2; exit 2; } ;;
  "") ;;
  *) sed -n 2,22p "$0" >&2; exit 2 ;;
esac
fail() { echo "build-release: $*" >&2; exit 1; }

# llvm-profdata whose LLVM is rustc's (the raw counts' format changes
# between LLVM versions).
llvm_profdata() {
  local major host tool
  major="$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
  host="$(rustc -vV | sed -n 's/^host: //p')"
  for tool in "$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata" \
    "$(command -v "llvm-profdata-$major" || true)" "$(command -v llvm-profdata || true)"; do
    [ -n "$tool" ] && [ -x "$tool" ] || continue
    if "$tool" --version 2>/dev/null | grep -q "LLVM version $major\."; then echo "$tool"; return; fi
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "build-release: installing llvm-$major for llvm-profdata" >&2
    { apt-get update -qq && apt-get install -y -qq "llvm-$major"; } >/dev/null 2>&1 \
      && command -v "llvm-profdata-$major" && return
  fi
  fail "no llvm-profdata of LLVM $major (rustc's): run 'rustup component add llvm-tools' or install llvm-$major"
}

# The training repositories: copies, since the rebuilds change a file.
# A smoke run takes this checkout's scripts (Python and shell) for each.
training_repos() { # dir
  local dir="$1" C="$DOCTOWN_CACHE/corpus" slot
  mkdir -p "$dir/python" "$dir/mixed" "$dir/self"
  if [ -n "$SMOKE" ]; then
    for slot in python mixed self; do
      git -C "$ROOT" archive --format=tar HEAD scripts | tar -x -C "$dir/$slot"
    done
    return
  fi
  [ -d "$C/python/flask-3.1.0" ] || bash scripts/bench-corpus.sh >/dev/null
  cp -r "$C"/python/{flask,click,rich,attrs,requests}-* "$dir/python/"
  cp -r "$C"/rust/clap_builder-* "$C"/go/golang-github-gorilla-mux-* \
    "$C"/go/golang-github-spf13-cobra-* "$C"/js/express-* "$C"/js/zod-* "$dir/mixed/"
  git -C "$ROOT" archive --format=tar HEAD | tar -x -C "$dir/self"
}

# A function appended to the Nth Python or Rust file of a repository.
edit_one() { # repo, n
  local f
  f="$(find "$1" \( -name '*.py' -o -name '*.rs' \) | sort | sed -n "$((7 * $2))p")"
  [ -n "$f" ] || fail "no file to change in $1"
  case "$f" in
    *.py) printf '\ndef profiled_%s():\n    return %s\n' "$2" "$2" >>"$f" ;;
    *.rs) printf '\npub fn profiled_%s() -> u32 {\n    %s\n}\n' "$2" "$2" >>"$f" ;;
  esac
}

train() { # instrumented binary, work dir
  local bin="$1" work="$2" repo embeddings n
  training_repos "$work"
  for repo in python mixed self; do
    for embeddings in off on; do
      for n in 0 1 2; do
        [ "$n" = 0 ] || edit_one "$work/$repo" "$n"
        "$bin" build "$work/$repo" --store "$work/store-$embeddings" \
          -o "$work/$repo-$embeddings.docpack" --embeddings "$embeddings" --json >/dev/null
      done
    done
  done
  local pack="$work/self-on.docpack"
  "$bin" symbols "$work/mixed" >/dev/null
  "$bin" history "$ROOT" --symbols --max-commits "$([ -n "$SMOKE" ] && echo 5 || echo 200)" --json >/dev/null
  "$bin" verify "$pack" >/dev/null
  "$bin" inspect "$pack" >/dev/null
  for query in "parse a json line" "retry a failed stage" "ObjectStore" "cluster symbols by calls"; do
    "$bin" search "$pack" "$query" >/dev/null
  done
  "$bin" impact "$pack" "$([ -n "$SMOKE" ] && echo "first_paragraph" || echo "Runner::run")" >/dev/null
  "$bin" flows "$pack" >/dev/null
  "$bin" export "$pack" --markdown "$work/site" >/dev/null
}

if [ -n "$SMOKE" ]; then
  bash scripts/fetch-model.sh >/dev/null
  WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
  train "$SMOKE" "$WORK"
  echo "build-release: the training ran with $SMOKE" >&2
  exit 0
fi
if [ -z "$PROFILE" ]; then
  PROFDATA="$(llvm_profdata)"
  bash scripts/fetch-model.sh >/dev/null
  rm -rf "$PGO/raw"; mkdir -p "$PGO/raw"
  echo "build-release: instrumented build ($GEN_TARGET)" >&2
  CARGO_TARGET_DIR="$GEN_TARGET" RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$PGO/raw" \
    cargo build --release --locked -p doctown-cli
  WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
  echo "build-release: training" >&2
  LLVM_PROFILE_FILE="$PGO/raw/doctown-%p-%m.profraw" train "$GEN_TARGET/release/doctown" "$WORK"
  "$PROFDATA" merge -o "$PGO/doctown.profdata" "$PGO"/raw/*.profraw
  rm -rf "$PGO/raw"
  PROFILE="$PGO/doctown.profdata"
fi
echo "build-release: optimised build with $PROFILE ($USE_TARGET)" >&2
CARGO_TARGET_DIR="$USE_TARGET" RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$PROFILE" \
  cargo build --release --locked -p doctown-cli
echo "$USE_TARGET/release/doctown"
