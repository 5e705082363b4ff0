# Downloads shared by the evaluations (scripts/callgraph-eval.sh,
# scripts/roles-eval.sh). Source it after setting DL (the download cache).

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
