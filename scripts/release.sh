#!/usr/bin/env bash
# Makes the release of doctown for this platform, so that it runs without
# compiling anything:
#
#   OUT/doctown-VERSION-TARGET.tar.gz   doctown-VERSION-TARGET/
#       bin/doctown                       the binary (symbols stripped)
#       lib/libonnxruntime.so.1.31.1      ONNX Runtime, which the embed stage loads
#       share/doctown/models/all-minilm-l6-v2-qint8-fused/{model.onnx,tokenizer.json}
#       share/doctown/licences/           ONNX Runtime's licence and notices, the model
#                                         card, and every linked crate's licence
#       LICENSE, README.md
#   OUT/npm/doctown-VERSION.tgz          the `doctown` npm package: a launcher that runs
#                                         the binary of the platform package
#   OUT/npm/doctown-PLATFORM-VERSION.tgz `@doctown/PLATFORM` (os and cpu set): the
#                                         archive's contents, an optional dependency
#   OUT/SHA256SUMS                       the checksums of all of them
#
# The installed binary finds the model and the runtime beside itself, so
# neither the cache nor `scripts/fetch-model.sh` is needed where it runs.
# The archive is the same bytes for the same binary (sorted, owned by root,
# dated by the last commit, gzip without a name or time).
# `scripts/install.sh` installs an archive after checking it against
# SHA256SUMS; `npm install doctown` (or the .tgz files here) the packages.
#
# Usage: bash scripts/release.sh [--bin PATH] [--out DIR]
#   --bin  a doctown binary of this checkout's version (default: build the
#          shipping profile, `cargo build --release`; `scripts/build-release.sh`
#          prints a binary optimised by profile for this flag)
#   --out  where the release goes (default: $DOCTOWN_CACHE/dist/VERSION)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
fail() { echo "release: $*" >&2; exit 1; }
usage() { sed -n 2,30p "$0" >&2; exit 2; }

BIN="" OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="${2:-}"; [ -n "$BIN" ] || usage; shift 2 ;;
    --out) OUT="${2:-}"; [ -n "$OUT" ] || usage; shift 2 ;;
    *) usage ;;
  esac
done

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
[ -n "$VERSION" ] || fail "no workspace version in Cargo.toml"
TARGET="$(rustc -vV | sed -n 's/^host: //p')"
case "$TARGET" in
  x86_64-unknown-linux-gnu) PLATFORM=linux-x64 OS=linux CPU=x64 ;;
  aarch64-unknown-linux-gnu) PLATFORM=linux-arm64 OS=linux CPU=arm64 ;;
  *) fail "no release layout for $TARGET (Linux x86-64 and arm64 with glibc have one)" ;;
esac
OUT="${OUT:-$DOCTOWN_CACHE/dist/$VERSION}"

if [ -z "$BIN" ]; then
  cargo build --release --locked -p doctown-cli
  BIN="$CARGO_TARGET_DIR/release/doctown"
fi
[ -x "$BIN" ] || fail "$BIN is not an executable"
BUILT="$("$BIN" --version 2>/dev/null | awk '{print $2}')" || true
[ "$BUILT" = "$VERSION" ] || fail "$BIN is version '${BUILT:-unknown}', this checkout is $VERSION"

bash scripts/fetch-model.sh >/dev/null
MODEL_ID="$(basename "$DOCTOWN_MODEL_DIR")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
NAME="doctown-$VERSION-$TARGET"
STAGE="$WORK/$NAME"

# The tree both the archive and the platform package hold.
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/share/doctown/models/$MODEL_ID" "$STAGE/share/doctown/licences"
strip -o "$STAGE/bin/doctown" "$BIN"
cp -L "$DOCTOWN_ORT_LIB" "$STAGE/lib/"
cp "$DOCTOWN_MODEL_DIR/model.onnx" "$DOCTOWN_MODEL_DIR/tokenizer.json" "$STAGE/share/doctown/models/$MODEL_ID/"
bash scripts/fetch-model.sh --notices "$STAGE/share/doctown/licences"
python3 scripts/third_party_licences.py doctown-cli "$STAGE/share/doctown/licences/crates.txt"
cp LICENSE "$STAGE/"
cp README.md "$STAGE/"

EPOCH="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
mkdir -p "$OUT/npm"
tar --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner \
  -C "$WORK" -cf - "$NAME" | gzip -n -6 > "$OUT/$NAME.tar.gz.part"
mv "$OUT/$NAME.tar.gz.part" "$OUT/$NAME.tar.gz"

# The npm packages, the way esbuild and biome ship: `doctown` holds a
# launcher and names each platform's package as an optional dependency;
# npm installs the one whose os and cpu match.
PKG="$WORK/npm-$PLATFORM"
mkdir -p "$PKG"
cp -r "$STAGE/bin" "$STAGE/lib" "$STAGE/share" "$STAGE/LICENSE" "$PKG/"
python3 - "$PKG/package.json" "$VERSION" "$PLATFORM" "$OS" "$CPU" <<'EOF'
import json, sys
path, version, platform, os_name, cpu = sys.argv[1:6]
json.dump({
    "name": f"@doctown/{platform}",
    "version": version,
    "description": f"The doctown binary, ONNX Runtime and embedding model for {platform}",
    "license": "Apache-2.0",
    "repository": "https://github.com/doctown/doctown",
    "os": [os_name], "cpu": [cpu],
    "files": ["bin", "lib", "share", "LICENSE"],
    "preferUnplugged": True,
}, open(path, "w"), indent=2)
EOF
MAIN="$WORK/npm-doctown"
cp -r npm/doctown "$MAIN"
python3 - "$MAIN/package.json" "$VERSION" "$PLATFORM" <<'EOF'
import json, sys
path, version, platform = sys.argv[1:4]
package = json.load(open(path))
package["version"] = version
package["optionalDependencies"] = {f"@doctown/{platform}": version}
json.dump(package, open(path, "w"), indent=2)
EOF
cp LICENSE "$MAIN/"
for dir in "$PKG" "$MAIN"; do
  (cd "$dir" && npm pack --silent --pack-destination "$OUT/npm" >/dev/null) || fail "npm pack $dir failed"
done

(cd "$OUT" && sha256sum "$NAME.tar.gz" npm/*-"$VERSION".tgz > SHA256SUMS.part && mv SHA256SUMS.part SHA256SUMS)
echo "release: $OUT ($TARGET, $VERSION)" >&2
echo "$OUT"
