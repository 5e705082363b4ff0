#!/usr/bin/env bash
# Installs a doctown release (the archives `scripts/release.sh` makes)
# without compiling: reads SHA256SUMS, takes this platform's archive,
# refuses it unless its SHA-256 matches, unpacks it under
# PREFIX/lib/doctown/ and links PREFIX/bin/doctown to its binary. The
# binary carries ONNX Runtime and the embedding model beside it, so
# `doctown build DIR` works at once, offline. Needs only bash, tar, gzip,
# sha256sum (or shasum) and, for a URL, curl. Installing the same archive
# again replaces nothing and says so.
#
# Usage: bash install.sh [--from DIR|URL] [--prefix DIR] [--version VERSION]
#   --from     a directory or URL holding SHA256SUMS and the archives
#              (default: https://github.com/doctown/doctown/releases/latest/download)
#   --prefix   where to install (default: $HOME/.local)
#   --version  which version, when SHA256SUMS lists several (default: the newest)
set -euo pipefail
fail() { echo "install: $*" >&2; exit 1; }
usage() { sed -n 2,15p "$0" >&2; exit 2; }

FROM="https://github.com/doctown/doctown/releases/latest/download"
PREFIX="${HOME:?install: HOME is not set}/.local"
VERSION=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from) FROM="${2:-}"; [ -n "$FROM" ] || usage; shift 2 ;;
    --prefix) PREFIX="${2:-}"; [ -n "$PREFIX" ] || usage; shift 2 ;;
    --version) VERSION="${2:-}"; [ -n "$VERSION" ] || usage; shift 2 ;;
    *) usage ;;
  esac
done

case "$(uname -s) $(uname -m)" in
  "Linux x86_64") TARGET=x86_64-unknown-linux-gnu ;;
  "Linux aarch64" | "Linux arm64") TARGET=aarch64-unknown-linux-gnu ;;
  *) fail "no release for $(uname -s) on $(uname -m); build from source (README: \"Two commands\")" ;;
esac

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# fetch NAME: copies FROM/NAME into the work directory.
fetch() {
  case "$FROM" in
    http://* | https://*)
      curl -fsSL --retry 3 -o "$WORK/$1" "$FROM/$1" || fail "cannot download $FROM/$1" ;;
    *)
      [ -f "$FROM/$1" ] || fail "$FROM has no $1"
      cp "$FROM/$1" "$WORK/$1" ;;
  esac
}

fetch SHA256SUMS
# Lines "<64 hex>  doctown-VERSION-TARGET.tar.gz" for this platform.
CANDIDATES="$(grep -E "^[0-9a-f]{64}  doctown-[0-9A-Za-z.+-]+-$TARGET\.tar\.gz$" "$WORK/SHA256SUMS" || true)"
[ -n "$CANDIDATES" ] || fail "SHA256SUMS from $FROM lists no archive for $TARGET"
if [ -n "$VERSION" ]; then
  LINE="$(grep -F "  doctown-$VERSION-$TARGET.tar.gz" <<<"$CANDIDATES" || true)"
  [ -n "$LINE" ] || fail "SHA256SUMS from $FROM has no doctown $VERSION for $TARGET"
else
  LINE="$(sort -k2,2V <<<"$CANDIDATES" | tail -n1)"
fi
EXPECTED="${LINE%%  *}"
ARCHIVE="${LINE#*  }"
NAME="${ARCHIVE%.tar.gz}"

fetch "$ARCHIVE"
ACTUAL="$(sha256 "$WORK/$ARCHIVE")"
[ "$ACTUAL" = "$EXPECTED" ] ||
  fail "$ARCHIVE does not match SHA256SUMS (expected $EXPECTED, got $ACTUAL); nothing installed"

# Every member lies under NAME/, with no way out of it.
tar -tzf "$WORK/$ARCHIVE" > "$WORK/members" 2>/dev/null || fail "$ARCHIVE is not a gzip tar archive"
if grep -vE "^$NAME(/|$)" "$WORK/members" | grep -q . || grep -qE '(^|/)\.\.(/|$)' "$WORK/members"; then
  fail "$ARCHIVE holds paths outside $NAME/; nothing installed"
fi
grep -qx "$NAME/bin/doctown" "$WORK/members" || fail "$ARCHIVE has no $NAME/bin/doctown"

DEST="$PREFIX/lib/doctown/$NAME"
if [ -x "$DEST/bin/doctown" ] && [ "$(cat "$DEST/.sha256" 2>/dev/null)" = "$ACTUAL" ]; then
  echo "install: $NAME is already installed in $DEST" >&2
else
  mkdir -p "$PREFIX/lib/doctown" || fail "cannot create $PREFIX/lib/doctown"
  STAGING="$(mktemp -d "$PREFIX/lib/doctown/.install.XXXXXX")"
  tar -xzf "$WORK/$ARCHIVE" -C "$STAGING" --no-same-owner || { rm -rf "$STAGING"; fail "cannot unpack $ARCHIVE"; }
  echo "$ACTUAL" > "$STAGING/$NAME/.sha256"
  rm -rf "$DEST"
  mv "$STAGING/$NAME" "$DEST"
  rm -rf "$STAGING"
fi
mkdir -p "$PREFIX/bin"
ln -sfn "../lib/doctown/$NAME/bin/doctown" "$PREFIX/bin/doctown"
"$PREFIX/bin/doctown" --version >/dev/null || fail "$PREFIX/bin/doctown does not run on this machine"
echo "install: $("$PREFIX/bin/doctown" --version) in $DEST; run $PREFIX/bin/doctown build DIR" >&2
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "install: $PREFIX/bin is not on PATH; add it to run 'doctown'" >&2 ;;
esac
