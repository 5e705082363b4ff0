#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the tests and the
# accounts benchmark, and prints its DATABASE_URL on stdout.
#
#   url="$(bash scripts/start-postgres.sh)" && export DOCTOWN_TEST_DATABASE_URL="$url"
#
# (Not `export X="$(…)"`: export succeeds even when the command fails.)
# Finds initdb and pg_ctl (PATH, then /usr/lib/postgresql/*/bin); installs
# Debian's `postgresql` with apt-get when neither is there. The cluster
# lives in a temporary directory, owned by an unprivileged user when this
# runs as root (PostgreSQL refuses to run as root): `postgres` if it exists,
# else `nobody`. Trust authentication, listening on 127.0.0.1 only, on the
# first free port from $DOCTOWN_PG_PORT (default 54329). A cluster this
# script started before and that still answers is reused. Its data directory,
# port and log are in $DOCTOWN_CACHE/postgres.env; stop it with
#   bash scripts/start-postgres.sh --stop
# Exits non-zero with the reason on stderr when PostgreSQL cannot start.
set -euo pipefail
CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
STATE="$CACHE/postgres.env"
DB="doctown_test"
mkdir -p "$CACHE"

fail() {
  echo "start-postgres: error: $*" >&2
  exit 1
}

find_bin() {
  local name="$1" found
  if found="$(command -v "$name" 2>/dev/null)"; then
    echo "$found"
    return 0
  fi
  found="$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -1 || true)"
  [ -n "$found" ] && echo "$found"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$OWNER" -- "$@"
  else
    "$@"
  fi
}

answers() { "$PSQL" -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "${1:-}" = "--stop" ]; then
  [ -f "$STATE" ] || exit 0
  # shellcheck disable=SC1090
  source "$STATE"
  OWNER="${PG_OWNER:-$(id -un)}"
  as_owner "$PG_CTL" -D "$PG_DATA" -m fast stop >&2 || true
  rm -rf "$(dirname "$PG_DATA")" "$STATE"
  exit 0
fi

INITDB="$(find_bin initdb || true)"
PG_CTL="$(find_bin pg_ctl || true)"
if [ -z "$INITDB" ] || [ -z "$PG_CTL" ]; then
  echo "start-postgres: installing Debian's postgresql" >&2
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; } >&2 ||
      fail "apt-get install postgresql failed"
  else
    fail "initdb/pg_ctl not found and not root to install postgresql"
  fi
  INITDB="$(find_bin initdb || true)"
  PG_CTL="$(find_bin pg_ctl || true)"
  [ -n "$INITDB" ] && [ -n "$PG_CTL" ] || fail "postgresql installed but initdb/pg_ctl not found"
fi
PSQL="$(find_bin psql || true)"
[ -n "$PSQL" ] || fail "psql not found (install postgresql-client)"

# Reuse the cluster this script started, while it answers.
if [ -f "$STATE" ]; then
  # shellcheck disable=SC1090
  source "$STATE"
  if answers "$PG_PORT"; then
    echo "postgres://postgres@127.0.0.1:$PG_PORT/$DB"
    exit 0
  fi
  [ -n "${PG_DATA:-}" ] && rm -rf "$(dirname "$PG_DATA")"
  rm -f "$STATE"
fi

if [ "$(id -u)" = 0 ]; then
  if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
else
  OWNER="$(id -un)"
fi

PORT="${DOCTOWN_PG_PORT:-54329}"
for _ in $(seq 1 50); do
  port_free "$PORT" && break
  PORT=$((PORT + 1))
done
port_free "$PORT" || fail "no free port from ${DOCTOWN_PG_PORT:-54329}"

DATA="$(mktemp -d "${TMPDIR:-/tmp}/doctown-pg.XXXXXX")"
chmod 700 "$DATA"
[ "$(id -u)" = 0 ] && chown "$OWNER" "$DATA"
LOG="$DATA/server.log"
as_owner "$INITDB" -D "$DATA/data" -U postgres --auth=trust -E UTF8 --no-locale >"$CACHE/postgres-initdb.log" 2>&1 ||
  { tail -n 20 "$CACHE/postgres-initdb.log" >&2; fail "initdb failed (as $OWNER)"; }
cat >"$STATE" <<STATE_EOF
PG_DATA=$DATA
PG_PORT=$PORT
PG_OWNER=$OWNER
PG_CTL=$PG_CTL
STATE_EOF
as_owner "$PG_CTL" -D "$DATA/data" -l "$LOG" -w -t 30 \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DATA -c fsync=off -c max_connections=200" start >&2 ||
  { tail -n 20 "$LOG" >&2 || true; fail "pg_ctl start failed; log: $LOG"; }
sed -i "s|^PG_DATA=.*|PG_DATA=$DATA/data|" "$STATE"
answers "$PORT" || fail "PostgreSQL started but does not answer on 127.0.0.1:$PORT; log: $LOG"
"$PSQL" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE $DB" >&2 ||
  fail "cannot create database $DB"
echo "postgres://postgres@127.0.0.1:$PORT/$DB"
