#!/usr/bin/env bash
# No Rust function over 80 lines outside tests (#59), measured by this
# checkout's own `doctown symbols` (each function's first and last line):
# lists every one that is longer and fails. Test code (tests/, benches/,
# examples/, fuzz/, and `tests` modules) is left out.
#
#   bash scripts/check-size.sh [DOCTOWN_BIN] [MAX_LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
BIN="${1:-$CARGO_TARGET_DIR/debug/doctown}"
MAX="${2:-80}"
[ -x "$BIN" ] || { echo "check-size: no doctown binary at $BIN (cargo build -p doctown-cli)" >&2; exit 2; }
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
"$BIN" symbols . --format jsonl > "$WORK/symbols.jsonl" 2>"$WORK/err" ||
  { echo "check-size: doctown symbols failed: $(tail -1 "$WORK/err")" >&2; exit 1; }
python3 - "$WORK/symbols.jsonl" "$MAX" <<'PY'
import json, sys
path, limit = sys.argv[1], int(sys.argv[2])
long, seen = [], 0
for line in open(path):
    s = json.loads(line)
    if s["language"] != "rust" or s["kind"] not in ("function", "method"):
        continue
    p = s["path"]
    if not (p.startswith("common/") or p.startswith("functions/")) or "/src/" not in p:
        continue
    if "/tests/" in p or "tests" in s["qualified_name"].split("::"):
        continue
    seen += 1
    n = s["end_line"] - s["start_line"] + 1
    if n > limit:
        long.append((n, f'{p}:{s["start_line"]}', s["qualified_name"]))
if seen < 1000:
    sys.exit(f"check-size: only {seen} Rust functions read: is this the whole checkout?")
for n, at, name in sorted(long, reverse=True):
    print(f"{n} lines  {at}  {name}")
if long:
    sys.exit(f"check-size: {len(long)} of {seen} functions are over {limit} lines: split them along their steps")
print(f"check-size: all {seen} Rust functions outside tests are at most {limit} lines")
PY
