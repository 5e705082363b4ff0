#!/usr/bin/env bash
# Coverage-guided fuzzing (issue #13): builds the targets in fuzz/ with
# cargo-fuzz (libFuzzer, nightly Rust) and runs each for a bounded time, one
# after another, then prints per target the executions, the speed, the corpus
# and what was found. Exits non-zero if any target crashed, hung or ran out
# of memory; the inputs that did are kept under the artifacts directory it
# prints (reproduce one with `"$BIN" FILE`).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; TARGET defaults to every target.
# DOCTOWN_FUZZ_NO_BUILD=1 runs the binaries of the last build as they are.
# Installs what it needs: the nightly toolchain through rustup when there is
# none, and under ~/.cache/doctown cargo-fuzz (crates.io) in tools/, the
# build in target-fuzz/, the growing corpora under fuzz/corpus/<target>/ (seeded from
# fuzz/seeds/<target>/, which stays untouched), each run's findings under
# fuzz/artifacts/<run>/<target>/ and its table in fuzz/last-run.tsv;
# scratch files go to a temporary directory removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

CARGO_FUZZ_VERSION=0.13.2
TARGETS_ALL=(archive docpack_read docpack_access docpack_verify docpack_parts github_url webhook scip state_json http_routes)

seconds="${1:-60}"
[[ $# -gt 0 ]] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -lt 1 ]]; then
    echo "usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${TARGETS_ALL[@]}")

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

tools="$DOCTOWN_CACHE/tools"
target_dir="$DOCTOWN_CACHE/target-fuzz"
work="$DOCTOWN_CACHE/fuzz"
export PATH="$tools/bin:$HOME/.cargo/bin:$PATH"

# 1. A nightly toolchain (libFuzzer needs -Zsanitizer / coverage flags).
command -v rustup >/dev/null || die "rustup not found: a nightly Rust toolchain is needed (https://rustup.rs)"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "== installing the nightly toolchain (rustup)"
    rustup toolchain install nightly --profile minimal ||
        die "cannot install the nightly toolchain (rustup needs static.rust-lang.org); install one and rerun"
fi

# 2. cargo-fuzz, pinned, from crates.io.
if ! cargo-fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION into $tools"
    CARGO_TARGET_DIR="$DOCTOWN_CACHE/target-tools" \
        cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$tools" ||
        die "cannot install cargo-fuzz from crates.io"
fi

# 3. Build: release with debug assertions and overflow checks, no sanitizer
# (everything fuzzed is safe Rust; ASan would halve the speed for nothing).
echo "== ${targets[*]} ($(rustup run nightly rustc --version))"
for t in "${targets[@]}"; do
    [[ -f "fuzz/fuzz_targets/$t.rs" ]] || die "no such target: $t (have: ${TARGETS_ALL[*]})"
done
build_args=(-s none --target-dir "$target_dir")
if [[ ${#targets[@]} -eq 1 ]]; then build_args+=("${targets[0]}"); fi
bin_dir="$target_dir/x86_64-unknown-linux-gnu/release"
if [[ "${DOCTOWN_FUZZ_NO_BUILD:-0}" != 1 ]]; then
    cargo +nightly fuzz build "${build_args[@]}" || die "cargo fuzz build failed"
fi
for t in "${targets[@]}"; do
    [[ -x "$bin_dir/$t" ]] || die "$bin_dir/$t is missing: build first (unset DOCTOWN_FUZZ_NO_BUILD)"
done

# 4. Run each target for $seconds, one after another.
run="$(date -u +%Y%m%dT%H%M%SZ)"
table="$work/last-run.tsv"
mkdir -p "$work"
printf 'target\tseconds\texecutions\texec_per_s\tcorpus\tnew_units\tfindings\n' >"$table"
found_any=0
# Scratch space the targets write into (tmpfs when there is one), removed at exit.
scratch="$(mktemp -d /dev/shm/doctown-fuzz.XXXXXX 2>/dev/null || mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export DOCTOWN_FUZZ_SCRATCH="$scratch"
for t in "${targets[@]}"; do
    corpus="$work/corpus/$t"
    artifacts="$work/artifacts/$run/$t"
    log="$work/logs/$run-$t.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    echo "== $t: ${seconds}s"
    start=$(date +%s)
    set +e
    "$bin_dir/$t" "$corpus" "fuzz/seeds/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    took=$(($(date +%s) - start))
    final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    execs=$(final_stat number_of_executed_units)
    rate=$(final_stat average_exec_per_sec)
    new=$(final_stat new_units_added)
    corpus_n=$(find "$corpus" -type f | wc -l)
    findings=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) | wc -l)
    slow=$(find "$artifacts" -type f -name 'slow-unit-*' | wc -l)
    findings=$((findings - slow))
    if [[ $rc -ne 0 && $findings -eq 0 ]]; then
        echo "   $t exited with $rc and saved no input; see $log" >&2
        findings=1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" "$corpus_n" "${new:-?}" "$findings" >>"$table"
    echo "   executions ${execs:-?}, ${rate:-?}/s, corpus $corpus_n, findings $findings"
    if [[ $findings -gt 0 ]]; then
        found_any=1
        grep -m3 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/   /' || true
        find "$artifacts" -type f ! -name 'slow-unit-*' | sed "s|^|   reproduce: $bin_dir/$t |"
    fi
done

echo
column -t -s $'\t' "$table"
echo "(table: $table; logs: $work/logs/$run-*.log)"
if [[ $found_any -ne 0 ]]; then
    echo "fuzz.sh: findings above; minimise with: $bin_dir/TARGET -minimize_crash=1 -runs=10000 FILE" >&2
    exit 1
fi
