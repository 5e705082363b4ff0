#!/usr/bin/env bash
# Assembles a real multi-language corpus from the package registries into
# $DOCTOWN_CACHE/corpus (default ~/.cache/doctown/corpus):
#   rust/   crate sources from the local cargo registry (fetched by `cargo fetch`)
#   python/ sdists from PyPI (pip download --no-binary :all:)
#   js/     npm tarballs (npm pack)
#   go/     Go sources from Debian golang-*-dev packages (apt-get download + dpkg -x)
# Idempotent: a part that exists is kept.
set -euo pipefail
CACHE="${DOCTOWN_CACHE:-$HOME/.cache/doctown}"
CORPUS="$CACHE/corpus"
mkdir -p "$CORPUS"/{rust,python,js,go} "$CACHE/downloads"
DL="$CACHE/downloads"

# Rust: a fixed set of crates from the registry this workspace resolves.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$(ls -A "$CORPUS/rust")" ]; then
  (cd "$ROOT" && cargo fetch --quiet)
  REG="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)"
  for crate in regex-automata regex-syntax syn serde clap_builder tokenizers git2 aws-sdk-s3 tracing-subscriber rayon-core gimli; do
    src="$(ls -d "$REG$crate"-[0-9]* 2>/dev/null | sort -V | tail -1 || true)"
    [ -n "$src" ] && cp -r "$src" "$CORPUS/rust/"
  done
fi

if [ -z "$(ls -A "$CORPUS/python")" ]; then
  pip download --quiet --no-deps --no-binary :all: -d "$DL/py" \
    django==5.1.4 flask==3.1.0 requests==2.32.3 click==8.1.7 rich==13.9.4 attrs==24.3.0 2>/dev/null || true
  for f in "$DL"/py/*.tar.gz; do tar -xzf "$f" -C "$CORPUS/python"; done
fi

if [ -z "$(ls -A "$CORPUS/js")" ]; then
  mkdir -p "$DL/npm"
  (cd "$DL/npm" && npm pack --silent rxjs@7.8.1 zod@3.24.1 express@4.21.2 lodash@4.17.21 vue@3.5.13 >/dev/null 2>&1 || true)
  for f in "$DL"/npm/*.tgz; do d="$CORPUS/js/$(basename "$f" .tgz)"; mkdir -p "$d"; tar -xzf "$f" -C "$d"; done
fi

if [ -z "$(ls -A "$CORPUS/go")" ]; then
  mkdir -p "$DL/deb"
  (cd "$DL/deb" && (apt-get download golang-github-spf13-cobra-dev golang-golang-x-tools-dev golang-github-gorilla-mux-dev 2>/dev/null \
     || (apt-get update -qq >/dev/null 2>&1 && apt-get download golang-github-spf13-cobra-dev golang-golang-x-tools-dev golang-github-gorilla-mux-dev)) || true)
  for f in "$DL"/deb/*.deb; do dpkg -x "$f" "$CORPUS/go/$(basename "$f" .deb)"; done
fi

echo "corpus at $CORPUS:"
for lang in rs py ts tsx js go; do
  printf '  .%-4s %6d files\n' "$lang" "$(find "$CORPUS" -name "*.$lang" -type f | wc -l)"
done
