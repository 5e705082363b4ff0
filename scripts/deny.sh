#!/usr/bin/env bash
# Dependency policy with cargo-deny (deny.toml): licences, bans (duplicate
# versions are listed as warnings), sources. Installs cargo-deny into
# $DOCTOWN_CACHE/tools on first use. Advisories need the RustSec database
# from github.com, which these machines cannot reach: pass `advisories` as
# an argument where it can be fetched.
#   bash scripts/deny.sh [CHECKS...]   (default: licenses bans sources)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
VERSION=0.20.2
TOOLS="${DOCTOWN_CACHE:-$HOME/.cache/doctown}/tools"
DENY="$TOOLS/bin/cargo-deny"
if ! [ -x "$DENY" ] || ! "$DENY" --version | grep -qF "$VERSION"; then
  echo "deny: installing cargo-deny $VERSION into $TOOLS" >&2
  CARGO_TARGET_DIR="${DOCTOWN_CACHE:-$HOME/.cache/doctown}/target-tools" \
    cargo install --locked --quiet cargo-deny --version "$VERSION" --root "$TOOLS"
fi
checks=("$@")
[ "${#checks[@]}" = 0 ] && checks=(licenses bans sources)
# cargo-deny reads `cargo metadata`, which needs every platform's crates,
# not only those this machine builds: fetch them (crates.io is reachable)
# so that a fresh cache does not fail offline.
cargo fetch --locked --quiet
offline=(--offline)
[[ " ${checks[*]} " == *" advisories "* ]] && offline=()
"$DENY" "${offline[@]}" check "${checks[@]}"
