#!/usr/bin/env bash
# The whole test suite: setup (model, runtime, test servers), formatting,
# lints, Rust tests, the website's tests, and the browser end-to-end tests
# against a real `doctown serve` (local mode, then accounts mode with stand-ins
# for GitHub and Stripe). Ends with a count of the tests that passed,
# failed and were ignored, Rust and website (also when a step fails).
#
# Tests that need a service (moto: S3 + SQS; PostgreSQL) or the embedding model are
# `#[ignore = "needs …"]`, so a plain `cargo test` lists them as ignored;
# here both are provided and they run (`--include-ignored`). A service that
# cannot start fails the run, and such a test without its service fails too.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# No resident search engine (`doctown search` leaves one per docpack) may
# outlive the suite; the test of engines turns them on in a directory of
# its own.
export DOCTOWN_SEARCH_SERVER_IDLE_SECS=0

# The target dir lives in the cache and gathers test binaries of every past
# build: the superseded ones go at once; when the disk runs low, also what a
# build regenerates (incremental state, and artifacts untouched for three
# days) before building again.
prune_target() {
  local free_kb dir
  mkdir -p "$(dirname "$CARGO_TARGET_DIR")" # a fresh machine has no cache yet
  # Each build of a test or example target leaves an executable NAME-HASH
  # beside the earlier ones (tens of GiB in a day of work). Only the newest
  # of each target is current: a target is known by the root source file
  # its dep-info (NAME-HASH.d) names first, since two crates' targets may
  # share a NAME.
  for dir in "$CARGO_TARGET_DIR"/debug/deps "$CARGO_TARGET_DIR"/debug/examples; do
    [ -d "$dir" ] || continue
    local -A seen=()
    local exe key
    while read -r _ exe; do
      key="$(head -n 1 "$dir/$exe.d" 2>/dev/null | cut -d ' ' -f 2)"
      key="${key:-$exe}"
      if [ -n "${seen[$key]:-}" ]; then
        rm -f -- "$dir/$exe" "$dir/$exe.d"
      else
        seen[$key]=1
      fi
    done < <(find "$dir" -maxdepth 1 -type f ! -name '*.*' -printf '%T@ %f\n' 2>/dev/null | sort -rn)
    unset seen
  done
  free_kb="$(df -Pk "$(dirname "$CARGO_TARGET_DIR")" | awk 'NR == 2 {print $4}')"
  if [ "${free_kb:-0}" -lt $((25 * 1024 * 1024)) ] && [ -d "$CARGO_TARGET_DIR" ]; then
    echo "test.sh: $((free_kb / 1024)) MiB free; pruning $CARGO_TARGET_DIR" >&2
    rm -rf "$CARGO_TARGET_DIR"/debug/incremental "$CARGO_TARGET_DIR"/release/incremental 2>/dev/null || true
    find "$CARGO_TARGET_DIR" -path '*/deps/*' -type f -atime +3 -delete 2>/dev/null || true
  fi
}
prune_target

LOGS="$(mktemp -d)" # output of the test runners, counted at the end
SERVER=""
E2E_STORE=""

# Sums the `test result:` lines of cargo test: "passed failed ignored".
rust_counts() {
  { grep -h '^test result:' "$@" 2>/dev/null || true; } |
    sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed; ([0-9]+) ignored.*/\1 \2 \3/' |
    awk '{p += $1; f += $2; i += $3} END {print p + 0, f + 0, i + 0}'
}

# Vitest's "Tests  2 failed | 40 passed | 1 skipped (43)" line: "passed failed skipped".
vitest_counts() {
  local line
  line="$(sed 's/\x1b\[[0-9;]*m//g' "$1" 2>/dev/null | grep -E '^ *Tests +[0-9]' | tail -1 || true)"
  local n
  for word in passed failed skipped; do
    n="$(grep -oE "[0-9]+ $word" <<<"$line" | grep -oE '^[0-9]+' || true)"
    printf '%s ' "${n:-0}"
  done
  echo
}

summary() {
  local status=$?
  set +e # count what there is, whatever failed
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -n "$E2E_STORE" ] && rm -rf "$E2E_STORE"
  echo
  echo "== summary"
  if [ -f "$LOGS/cargo-test.log" ]; then
    read -r passed failed ignored < <(rust_counts "$LOGS/cargo-test.log")
    echo "Rust (cargo test --include-ignored): $passed passed, $failed failed, $ignored ignored"
  else
    echo "Rust: not run"
  fi
  if [ -f "$LOGS/avx2.log" ]; then
    read -r passed failed ignored < <(rust_counts "$LOGS/avx2.log")
    echo "Rust, the model's tests on emulated AVX2 (qemu -cpu Haswell): $passed passed, $failed failed"
  fi
  if [ -f "$LOGS/website.log" ]; then
    read -r passed failed skipped < <(vitest_counts "$LOGS/website.log")
    # Errors thrown outside any test (an uncaught exception) fail the run with every test passed.
    errors="$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/website.log" | grep -oE '^ *Errors +[0-9]+' | grep -oE '[0-9]+' | tail -1 || true)"
    echo "website unit (vitest): $passed passed, $failed failed, $skipped skipped${errors:+, $errors errors outside the tests}"
  else
    echo "website unit (vitest): not run"
  fi
  if [ -f "$LOGS/e2e.log" ]; then
    echo "website end-to-end: $(grep -c '^  ✓ ' "$LOGS/e2e.log" || true) passed," \
      "$(grep -c '^  ✗ ' "$LOGS/e2e.log" || true) failed"
  else
    echo "website end-to-end: not run"
  fi
  if [ "$status" = 0 ]; then echo "all tests passed"; else echo "FAILED (exit status $status)"; fi
  rm -rf "$LOGS"
}
trap summary EXIT

echo "== fetching the embedding model and ONNX Runtime (cached)"
bash scripts/fetch-model.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The demo's build: the CLI without the hosted service.
cargo clippy -p doctown-cli --no-default-features --locked -- -D warnings

echo "== local S3 + SQS (moto)"
# Assigned first: `export X="$(…)"` would hide a failed start from `set -e`.
if ! endpoint="$(bash scripts/start-moto.sh)" || [ -z "$endpoint" ]; then
  echo "error: moto (local S3 + SQS) did not start, so the tests that need it cannot run" >&2
  exit 1
fi
export DOCTOWN_TEST_S3_ENDPOINT="$endpoint"

echo "== PostgreSQL (a throwaway cluster, for the accounts tests)"
if ! database_url="$(bash scripts/start-postgres.sh)" || [ -z "$database_url" ]; then
  echo "error: PostgreSQL did not start, so the tests that need it cannot run" >&2
  exit 1
fi
export DOCTOWN_TEST_DATABASE_URL="$database_url"

echo "== cargo test, with the tests that need moto, PostgreSQL or the model"
cargo test --workspace --locked --no-fail-fast -- --include-ignored 2>&1 |
  tee "$LOGS/cargo-test.log"

echo "== the embedding model's tests on an emulated CPU without AVX-512 or VNNI (scripts/test-avx2.sh)"
bash scripts/test-avx2.sh 2>&1 | tee "$LOGS/avx2.log"

echo "== architecture invariants"
bash scripts/check-invariants.sh

echo "== dependency policy (cargo deny: licences, bans, sources)"
bash scripts/deny.sh

echo "== every Dockerfile's cargo build line compiles (as cargo check)"
bash scripts/check-dockerfiles.sh

echo "== the evaluation scripts' own tests (search-eval's paired comparison)"
PYTHONDONTWRITEBYTECODE=1 python3 -m unittest scripts/search_eval_test.py

echo "== call graph against a compiler-grade index (click 8.1.7, scip-python)"
cargo build --locked -p doctown-cli
DOCTOWN_BIN="$CARGO_TARGET_DIR/debug/doctown" bash scripts/callgraph-eval.sh --ci \
  --min-confidence 0.8 --min-precision 0.95 --min-recall 0.7

echo "== the words on real code: labels, entry points, central symbols, summaries (scripts/check-words.sh)"
bash scripts/check-words.sh "$CARGO_TARGET_DIR/debug/doctown"

echo "== no function over 80 lines outside tests (scripts/check-size.sh)"
bash scripts/check-size.sh "$CARGO_TARGET_DIR/debug/doctown"

echo "== the release build's training (scripts/build-release.sh --smoke, debug binary)"
bash scripts/build-release.sh --smoke "$CARGO_TARGET_DIR/debug/doctown"

echo "== the release: archive, install.sh, npm packages, offline (scripts/release-test.sh, debug binary)"
bash scripts/release-test.sh "$CARGO_TARGET_DIR/debug/doctown"

if command -v terraform >/dev/null 2>&1; then
  echo "== terraform fmt (providers cannot be downloaded here, so no validate)"
  (cd infra && terraform fmt -check -recursive)
fi

echo "== website: install, check, build, unit tests"
SKIP_E2E=1 bash scripts/website-test.sh 2>&1 | tee "$LOGS/website.log"

echo "== website: end-to-end against doctown serve"
bash scripts/ensure-chromium.sh
cargo build --locked -p doctown-cli
E2E_STORE="$(mktemp -d)"
PORT="${DOCTOWN_E2E_PORT:-18080}"
"$CARGO_TARGET_DIR/debug/doctown" serve --allow-local --store "$E2E_STORE" --addr "127.0.0.1:$PORT" \
  --static-dir website/build > "$E2E_STORE/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
(cd website && DOCTOWN_E2E_URL="http://127.0.0.1:$PORT" DOCTOWN_E2E_REPO="$PWD/../functions/cli/tests/fixtures/multilang" \
  DOCTOWN_BIN="$CARGO_TARGET_DIR/debug/doctown" npm run test:e2e) 2>&1 | tee "$LOGS/e2e.log"
kill "$SERVER" 2>/dev/null || true
SERVER=""

echo "== website: end-to-end of the hosted service (accounts; GitHub and Stripe stand-ins)"
(cd website && DOCTOWN_BIN="$CARGO_TARGET_DIR/debug/doctown" npm run test:e2e:accounts) 2>&1 | tee -a "$LOGS/e2e.log"
