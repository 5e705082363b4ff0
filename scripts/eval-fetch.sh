# Downloads shared by the evaluations and checks (scripts/callgraph-eval.sh,
# scripts/search-eval.sh, scripts/roles-eval.sh, scripts/check-words.sh).
# Source it after setting DL (the download cache) and EVAL (whose repos/
# holds the corpora, one directory per package and version).

# fetch_go_deb DEB IMPORT_PATH DEST: the Go package at IMPORT_PATH inside
# Debian's DEB (a golang-*-dev package), copied to DEST unless it is there.
fetch_go_deb() {
  local deb="$1" import_path="$2" dest="$3"
  [ -d "$dest" ] && return 0
  mkdir -p "$DL/deb" "$dest.tmp" "$(dirname "$dest")"
  (cd "$DL/deb" && (apt-get download "$deb" >/dev/null 2>&1 \
    || (apt-get update -qq >/dev/null 2>&1 && apt-get download "$deb" >/dev/null)))
  dpkg -x "$(ls "$DL"/deb/"$deb"_*.deb | head -1)" "$dest.tmp"
  cp -r "$dest.tmp/usr/share/gocode/src/$import_path" "$dest" && rm -rf "$dest.tmp"
}

# Corpora from the registries, unpacked once under $EVAL/repos.
python_repo() { # name==version → directory
  local spec="$1" name="${1%%==*}" version="${1##*==}"
  local dir="$EVAL/repos/$name-$version"
  if [ ! -d "$dir" ]; then
    pip download -q --no-deps --no-binary :all: -d "$DL/py" "$spec" >/dev/null
    local archive
    archive="$(ls "$DL"/py/"$name"-"$version".tar.gz "$DL"/py/"${name//-/_}"-"$version".tar.gz 2>/dev/null | head -1)"
    tar -xzf "$archive" -C "$EVAL/repos"
    [ -d "$dir" ] || mv "$EVAL/repos/${name//-/_}-$version" "$dir"
    if [ -d "$dir/src" ]; then echo '{"extraPaths": ["src"]}' > "$dir/pyrightconfig.json"; fi
    # Stubs (.pyi) would make the index name declarations instead of the
    # implementations that calls run; the comparison is on implementations.
    find "$dir" -name '*.pyi' -delete
  fi
  echo "$dir"
}
npm_repo() { # name@version → directory holding only src/ and a tsconfig
  local spec="$1" name="${1%@*}" version="${1##*@}"
  local dir="$EVAL/repos/$name-$version"
  if [ ! -d "$dir" ]; then
    (cd "$DL" && npm pack --silent "$spec" >/dev/null)
    mkdir -p "$dir.tmp" && tar -xzf "$DL/$name-$version.tgz" -C "$dir.tmp"
    mkdir -p "$dir" && cp -r "$dir.tmp/package/src" "$dir/src" && rm -rf "$dir.tmp"
    find "$dir/src" -name '*.js' -o -name '*.flow' -o -name '*.json' | xargs rm -f
    cat > "$dir/tsconfig.json" <<'EOF'
{"compilerOptions": {"target": "es2020", "module": "esnext", "moduleResolution": "node",
 "strict": false, "skipLibCheck": true, "noEmit": true, "lib": ["es2020", "dom"]},
 "include": ["src/**/*.ts"]}
EOF
  fi
  echo "$dir"
}
rust_repo() { # crate-version from the cargo registry
  local crate="$1" dir="$EVAL/repos/$1"
  if [ ! -d "$dir" ]; then
    (cargo fetch --locked -q >/dev/null 2>&1 || true)
    local src
    src="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate" | head -1)"
    cp -r "$src" "$dir"
    # A standalone package: no workspace above it, no dev-dependencies to
    # fetch. Every dev-dependencies table goes, dotted (`[dev-dependencies.x]`,
    # as cargo's packaged manifests write them) and per target too.
    awk '/^\[/ { skip = ($0 ~ /^\[(target\..*\.)?dev-dependencies/) } !skip' \
      "$dir/Cargo.toml" > "$dir/Cargo.toml.tmp" && mv "$dir/Cargo.toml.tmp" "$dir/Cargo.toml"
  fi
  echo "$dir"
}
