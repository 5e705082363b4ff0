#!/usr/bin/env bash
# The embedding model's tests on a CPU without AVX-512 or VNNI: the test
# binary of functions/embed/tests/model.rs run under `qemu-x86_64 -cpu
# Haswell` (AVX2 and FMA only), where ONNX Runtime takes its AVX2 int8
# kernels and the tests hold the vectors to that kind's reference
# (tests/fixtures/parity_reference_avx2.json). About two minutes on two
# cores. Installs Debian's qemu-user when qemu-x86_64 is missing; fails
# when it cannot.
# Usage: bash scripts/test-avx2.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if ! command -v qemu-x86_64 >/dev/null; then
  echo "test-avx2: installing Debian's qemu-user" >&2
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq qemu-user >/dev/null; } ||
    { echo "test-avx2: qemu-user could not be installed, so the AVX2 tests cannot run" >&2; exit 1; }
fi
BIN="$(cargo test --locked -p doctown-embed --test model --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "model" and m.get("executable"):
        print(m["executable"])')"
[ -x "$BIN" ] || { echo "test-avx2: no test binary for functions/embed/tests/model.rs" >&2; exit 1; }
cd functions/embed
qemu-x86_64 -cpu Haswell "$BIN" --include-ignored --test-threads 2 2>&1 | { grep -v '^qemu-x86_64: warning' || true; }
