#!/usr/bin/env bash
# Starts a local S3 + SQS server (moto) on loopback for the tests and the
# distributed benchmark, and prints its URL on stdout.
#
#   scripts/start-moto.sh [PORT=5055]
#   endpoint="$(scripts/start-moto.sh)" && export DOCTOWN_TEST_S3_ENDPOINT="$endpoint"
#
# (Not `export X="$(…)"`: export succeeds even when the command fails.)
# Exits non-zero with the reason on stderr when moto cannot be installed or
# does not answer.
#
# Installs moto[server] into $DOCTOWN_CACHE/venv-moto (default
# ~/.cache/doctown/venv-moto) when missing. A server already answering on the
# port is reused. The server's pid is written to $DOCTOWN_CACHE/moto-PORT.pid
# and its log to $DOCTOWN_CACHE/moto-PORT.log; stop it with
#   kill "$(cat ~/.cache/doctown/moto-5055.pid)"
set -euo pipefail
PORT="${1:-5055}"
CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
VENV="$CACHE/venv-moto"
URL="http://127.0.0.1:$PORT"
LOG="$CACHE/moto-$PORT.log"
mkdir -p "$CACHE"

fail() {
  echo "start-moto: error: $*" >&2
  exit 1
}

# Only moto answers 2xx on /moto-api/ (curl -f): another server on the port is not reused.
answers() { curl -sf -o /dev/null --max-time 2 "$URL/moto-api/"; }

if answers; then
  echo "$URL"
  exit 0
fi

if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "installing moto[server]==5.2.5 into $VENV" >&2
  python3 -m venv "$VENV" >&2 || fail "cannot create a virtualenv in $VENV (python3 -m venv)"
  "$VENV/bin/pip" install --quiet 'moto[server]==5.2.5' >&2 ||
    fail "cannot install moto[server]==5.2.5 from PyPI into $VENV"
fi

# moto with S3's conditional writes made atomic (see the script's docstring).
nohup "$VENV/bin/python" "$(dirname "$0")/moto_server.py" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
PID=$!
echo "$PID" >"$CACHE/moto-$PORT.pid"
for _ in $(seq 1 100); do
  if answers; then
    echo "$URL"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    tail -n 20 "$LOG" >&2 || true
    fail "moto exited before answering on $URL (port taken?); log: $LOG"
  fi
  sleep 0.2
done
kill "$PID" 2>/dev/null || true
tail -n 20 "$LOG" >&2 || true
fail "moto did not answer on $URL within 20 s; log: $LOG"
