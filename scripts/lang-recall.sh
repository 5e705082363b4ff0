#!/usr/bin/env bash
# Symbol recall of `doctown symbols` against universal-ctags, per language,
# on real third-party code from Debian packages (downloaded once into the
# cache). Usage: bash scripts/lang-recall.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v ctags >/dev/null || { apt-get update -qq && apt-get install -y -qq universal-ctags >/dev/null; }
cargo build --release --locked -p doctown-cli >/dev/null
DOCTOWN="$CARGO_TARGET_DIR/release/doctown"
DEB="$DOCTOWN_CACHE/downloads/deb"
CORPUS="$DOCTOWN_CACHE/corpus-languages"
mkdir -p "$DEB" "$CORPUS"

# package, directory inside the package's data that holds the sources
unpack() {
  local pkg="$1" inner="$2" dest="$CORPUS/$1"
  [ -d "$dest" ] && return
  ls "$DEB/${pkg}"_*.deb >/dev/null 2>&1 || (cd "$DEB" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$pkg" >/dev/null; }; })
  local tmp; tmp="$(mktemp -d)"
  dpkg-deb -x "$DEB/${pkg}"_*.deb "$tmp"
  mkdir -p "$dest"
  cp -r "$tmp/$inner"/. "$dest/"
  rm -rf "$tmp"
  # The JDK ships its sources zipped.
  if [ -f "$dest/src.zip" ]; then
    (cd "$dest" && python3 -c "import zipfile,sys; z=zipfile.ZipFile('src.zip'); [z.extract(n) for n in z.namelist() if n.startswith('java.base/java/util/')]" && rm src.zip)
  fi
}

unpack openjdk-17-source usr/lib/jvm/openjdk-17
unpack ruby-rack usr/lib/ruby/vendor_ruby
unpack php-symfony-console usr/share/php
unpack lua-penlight usr/share/lua
unpack libfmt-dev usr/include
unpack libprotobuf-dev usr/include
# C: the Linux kernel's core and library directories (Debian's linux-source).
if [ ! -d "$CORPUS/kernel-c" ]; then
  deb="$(ls "$DOCTOWN_CACHE"/downloads/kernel/linux-source-*.deb 2>/dev/null | head -1)"
  if [ -z "$deb" ]; then
    mkdir -p "$DOCTOWN_CACHE/downloads/kernel"
    (cd "$DOCTOWN_CACHE/downloads/kernel" && apt-get update -qq && apt-get download linux-source-6.1 >/dev/null)
    deb="$(ls "$DOCTOWN_CACHE"/downloads/kernel/linux-source-*.deb | head -1)"
  fi
  tmp="$(mktemp -d)"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/linux-source-*.tar.xz'
  mkdir -p "$CORPUS/kernel-c"
  tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$CORPUS/kernel-c" --strip-components=1 --wildcards '*/kernel/*' '*/lib/*'
  rm -rf "$tmp"
fi

WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
for dir in "$CORPUS"/*; do
  name="$(basename "$dir")"
  # Paths are prefixed with the corpus name, on both sides.
  "$DOCTOWN" symbols --no-gitignore --format jsonl "$dir" 2>/dev/null \
    | sed "s#\"path\":\"#\"path\":\"$name/#" >> "$WORK/all.jsonl"
  (cd "$dir" && ctags -R --output-format=json --fields=+nKl -f - . 2>/dev/null) \
    | sed "s#\"path\": \"\(\./\)\{0,1\}#\"path\": \"$name/#" >> "$WORK/all.ctags"
done
python3 scripts/lang_recall.py "$WORK/all.jsonl" "$WORK/all.ctags" java c cpp ruby php lua proto
