#!/usr/bin/env bash
# Symbol recall of `doctown symbols` against universal-ctags, per language
# that ctags has a parser for, on real third-party code from the package
# registries — Debian packages, PyPI sdists, npm tarballs and the local
# cargo registry — downloaded once into $DOCTOWN_CACHE/downloads and
# unpacked into $DOCTOWN_CACHE/corpus-languages (one directory per corpus,
# holding only the files of the language it measures).
# Usage: bash scripts/lang-recall.sh   (RECALL_MISSES=N prints sampled misses,
# RECALL_EXTRAS=N sampled Doctown symbols no ctags tag names; what is
# compared and left out is said in scripts/lang_recall.py;
# CARGO_LOCKED= builds without --locked)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v ctags >/dev/null || { apt-get update -qq && apt-get install -y -qq universal-ctags >/dev/null; }
cargo build --release ${CARGO_LOCKED---locked} -p doctown-cli >/dev/null
DOCTOWN="$CARGO_TARGET_DIR/release/doctown"
DL="$DOCTOWN_CACHE/downloads"
DEB="$DL/deb"
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

# Keeps only the files whose names end in one of the given extensions.
keep() {
  local dir="$1"; shift
  local expr=(-false)
  for ext in "$@"; do expr+=(-o -name "*.$ext"); done
  find "$dir" -type l -delete
  find "$dir" -type f ! \( "${expr[@]}" \) -delete
  find "$dir" -type d -empty -delete
}
# corpus name, npm package@version, extensions kept
npm_unpack() {
  local name="$1" spec="$2" dest="$CORPUS/$1"; shift 2
  [ -d "$dest" ] && return
  mkdir -p "$DL/npm"
  local tgz; tgz="$DL/npm/$(echo "$spec" | sed 's#^@##; s#/#-#; s#@#-#').tgz"
  [ -f "$tgz" ] || (cd "$DL/npm" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$dest"
  tar -xzf "$tgz" -C "$dest"
  keep "$dest" "$@"
}
# corpus name, PyPI sdist name==version, extensions kept
pypi_unpack() {
  local name="$1" spec="$2" dest="$CORPUS/$1"; shift 2
  [ -d "$dest" ] && return
  mkdir -p "$DL/py"
  local sdist="${spec%%==*}-${spec##*==}.tar.gz"
  [ -n "$(find "$DL/py" -iname "$sdist")" ] || pip download --quiet --no-deps --no-binary :all: -d "$DL/py" "$spec" >/dev/null
  mkdir -p "$dest"
  tar -xzf "$(find "$DL/py" -iname "$sdist" | head -1)" -C "$dest"
  keep "$dest" "$@"
}

# Protobuf's headers aside (above), each corpus keeps its language's files.
unpack hugs usr/lib/hugs && keep "$CORPUS/hugs" hs
unpack ocaml usr/lib/ocaml && keep "$CORPUS/ocaml" ml
# Erlang/OTP's standard library (its sources and headers).
unpack erlang-src "usr/lib/erlang/lib/stdlib-*" && keep "$CORPUS/erlang-src" erl hrl
unpack dracut-core usr/lib/dracut && keep "$CORPUS/dracut-core" sh
unpack postgresql-15 usr/share/postgresql/15/extension && keep "$CORPUS/postgresql-15" sql
for pkg in golang-github-spf13-cobra-dev golang-github-gorilla-mux-dev golang-github-google-go-cmp-dev; do
  unpack "$pkg" usr/share/gocode/src && keep "$CORPUS/$pkg" go
done
pypi_unpack pythonnet pythonnet==3.0.5 cs
for spec in flask==3.1.0 requests==2.32.3 click==8.1.7 attrs==24.3.0; do
  pypi_unpack "${spec%%==*}" "$spec" py
done
npm_unpack expo-modules-core-kotlin expo-modules-core@2.5.0 kt
npm_unpack react-native-kotlin react-native@0.76.7 kt
npm_unpack react-native-objc react-native@0.76.7 m
npm_unpack snyk-hex-plugin @snyk/snyk-hex-plugin@2.2.2 ex exs
npm_unpack rxjs rxjs@7.8.1 ts
npm_unpack express express@4.21.2 js
npm_unpack lodash lodash@4.17.21 js
# rxjs's sources are src/ (dist/ holds generated declaration files), and a
# minified bundle is no source.
rm -rf "$CORPUS/rxjs/package/dist"
find "$CORPUS/lodash" -name '*.min.js' -delete
# Rust: crates from the cargo registry this workspace resolves (`cargo fetch`).
for crate in regex-syntax serde syn clap_builder; do
  [ -d "$CORPUS/crate-$crate" ] && continue
  reg="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)"
  src="$(ls -d "$reg$crate"-[0-9]* 2>/dev/null | sort -V | tail -1 || true)"
  [ -z "$src" ] && { cargo fetch --quiet; src="$(ls -d "$reg$crate"-[0-9]* | sort -V | tail -1)"; }
  mkdir -p "$CORPUS/crate-$crate"
  cp -r "$src" "$CORPUS/crate-$crate/"
  keep "$CORPUS/crate-$crate" rs
done

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
  mb="$(find "$dir" -type f -regextype posix-extended -regex '.*\.(java|[ch]|hpp|rb|php|lua|proto|rs|py|ts|js|go|cs|kt|m|sh|hs|ml|exs?|sql|[eh]rl)' -printf '%s\n' | awk '{s += $1} END {printf "%.2f", s / 1048576}')"
  speed+="$(awk -v n="$name" -v mb="$mb" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {printf "| %s | %s | %.2f | %.2f | %.2f |", n, mb, b - a, mb / (b - a), c - b}')\n"
done
# Every language that universal-ctags has a parser for (Swift, Scala, Dart
# and Zig have none).
python3 scripts/lang_recall.py "$WORK/all.jsonl" "$WORK/all.ctags" \
  rust python typescript javascript go java c cpp csharp ruby php kotlin bash lua elixir haskell ocaml objc proto sql erlang
echo
printf "%b" "$speed"
