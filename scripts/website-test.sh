#!/usr/bin/env bash
# The website's checks: install (npm ci), type-check, build, unit and
# component tests (Vitest), then the end-to-end test in Debian's Chromium.
#
#   bash scripts/website-test.sh
#   DOCTOWN_E2E_URL=http://127.0.0.1:8080 DOCTOWN_E2E_REPO=/path/to/repo \
#     DOCTOWN_BIN=target/debug/doctown bash scripts/website-test.sh
#
# Without DOCTOWN_E2E_URL the E2E runs against tests/e2e/mock-server.mjs.
# SKIP_E2E=1 skips the browser test. Screenshots: website/test-results/e2e/.
set -euo pipefail
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
cd "$SCRIPTS/../website"

echo "== website: npm ci"
npm ci --no-audit --no-fund

echo "== website: svelte-check"
npm run check

echo "== website: build"
npm run build

echo "== website: vitest"
npm test

if [ "${SKIP_E2E:-0}" = 1 ]; then
  echo "website checks passed (E2E skipped)"
  exit 0
fi

bash "$SCRIPTS/ensure-chromium.sh"

echo "== website: end-to-end (${DOCTOWN_E2E_URL:-mock server})"
npm run test:e2e

echo "website checks passed"
