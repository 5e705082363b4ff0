#!/usr/bin/env bash
# Starts a local S3 + SQS server (moto) on loopback for the tests and the
# distributed benchmark, and prints its URL on stdout.
#
#   scripts/start-moto.sh [PORT=5055]
#   export DOCTOWN_TEST_S3_ENDPOINT="$(scripts/start-moto.sh)"
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
mkdir -p "$CACHE"

answers() { curl -s -o /dev/null --max-time 2 "$URL/moto-api/" ; }

if answers; then
  echo "$URL"
  exit 0
fi

if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "installing moto[server]==5.2.5 into $VENV" >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet 'moto[server]==5.2.5' >&2
fi

nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$CACHE/moto-$PORT.log" 2>&1 &
echo $! >"$CACHE/moto-$PORT.pid"
for _ in $(seq 1 100); do
  if answers; then
    echo "$URL"
    exit 0
  fi
  sleep 0.2
done
echo "moto did not answer on $URL; see $CACHE/moto-$PORT.log" >&2
exit 1
