#!/usr/bin/env bash
# The accounts benchmark: requests/s and p50/p95/p99 latency of POST /jobs
# admission (API key, rate limit, cached repository facts, plan check, the
# job's row inserted with the month counted) and of the library listing
# (a user's docpacks; the public gallery at a random cursor) with 100,000
# docpacks in the database — on SQLite and on PostgreSQL (a throwaway
# cluster from scripts/start-postgres.sh). Through the real router, in
# process; the launcher accepts jobs without running them.
#
#   bash scripts/bench-accounts.sh
#   BENCH_REQUESTS=5000 BENCH_CONCURRENCY=32 BENCH_CONNECTIONS=16 bash scripts/bench-accounts.sh
#
# Prints a Markdown table (the one in BENCHMARKS.md, "Accounts").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if ! url="$(bash scripts/start-postgres.sh)" || [ -z "$url" ]; then
  echo "bench-accounts: PostgreSQL did not start" >&2
  exit 1
fi
export DOCTOWN_TEST_DATABASE_URL="$url"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); PostgreSQL: $(psql "$url" -Atc 'show server_version' 2>/dev/null || echo '?'); requests ${BENCH_REQUESTS:-2000}, concurrency ${BENCH_CONCURRENCY:-16}, pool ${BENCH_CONNECTIONS:-8}" >&2
cargo bench --locked -p doctown-trigger --bench accounts 2>&1 |
  grep -E '^\||seeded|panicked|error' || { echo "bench-accounts: the benchmark failed" >&2; exit 1; }
