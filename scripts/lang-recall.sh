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
  # shellcheck disable=SC2086 # $inner may hold a glob (a versioned directory)
  cp -r "$tmp"/$inner/. "$dest/"
  rm -rf "$tmp"
  # The JDK ships its sources zipped.
  if [ -f "$dest/lib/src.zip" ]; then
    (cd "$dest" && python3 -c "import zipfile; z=zipfile.ZipFile('lib/src.zip'); [z.extract(n) for n in z.namelist() if n.startswith('java.base/java/util/')]")
    find "$dest" -mindepth 1 -maxdepth 1 ! -name java.base -exec rm -rf {} +
  fi
}

unpack openjdk-17-source usr/lib/jvm/openjdk-17
unpack ruby-rack "usr/share/rubygems-integration/all/gems/rack-*/lib"
unpack php-symfony-console usr/share/php
# Debian links 5.2–5.4 to 5.1: one copy.
unpack lua-penlight usr/share/lua/5.1
unpack nlohmann-json3-dev usr/include
unpack catch2 usr/include
unpack libprotobuf-dev usr/include
# Only its .proto files: its C++ headers are `.h`, which Doctown reads as C.
find "$CORPUS/libprotobuf-dev" -type f ! -name '*.proto' -delete
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
now() { date +%s.%N; }
speed="| corpus | source MB | \`doctown symbols\` s | MB/s | \`ctags -R\` s |\n|---|---:|---:|---:|---:|\n"
for dir in "$CORPUS"/*; do
  name="$(basename "$dir")"
  # Paths are prefixed with the corpus name, on both sides.
  t0="$(now)"
  "$DOCTOWN" symbols --no-gitignore --format jsonl "$dir" > "$WORK/$name.jsonl" 2>/dev/null
  t1="$(now)"
  (cd "$dir" && ctags -R --langmap=C:+.h --output-format=json --fields=+nKl -f - . 2>/dev/null) > "$WORK/$name.ctags"
  t2="$(now)"
  sed "s#\"path\":\"#\"path\":\"$name/#" "$WORK/$name.jsonl" >> "$WORK/all.jsonl"
  sed "s#\"path\": \"\(\./\)\{0,1\}#\"path\": \"$name/#" "$WORK/$name.ctags" >> "$WORK/all.ctags"
  mb="$(find "$dir" -type f \( -name '*.java' -o -name '*.[ch]' -o -name '*.hpp' -o -name '*.rb' -o -name '*.php' -o -name '*.lua' -o -name '*.proto' \) -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1048576}')"
  speed+="$(awk -v n="$name" -v mb="$mb" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "| %s | %s | %.2f | %.1f | %.2f |", n, mb, b - a, mb / (b - a), c - b}')\n"
done
python3 scripts/lang_recall.py "$WORK/all.jsonl" "$WORK/all.ctags" java c cpp ruby php lua proto
echo
printf "%b" "$speed"
