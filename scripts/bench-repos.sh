# The benchmark repositories, laid out once in $DOCTOWN_CACHE/bench-repos
# from the registry corpus (scripts/bench-corpus.sh): small (~50 files,
# clap_builder), medium (~300: Flask, Click, Rich, attrs, Requests),
# large (~4,000: Django and golang.org/x/tools). Sourced by the benchmark
# scripts after scripts/env.sh; sets REPOS.
[ -d "$DOCTOWN_CACHE/corpus/python" ] || bash scripts/bench-corpus.sh >/dev/null
REPOS="$DOCTOWN_CACHE/bench-repos"
bench_repo() { # name, source dirs...
  local name="$1"; shift
  [ -d "$REPOS/$name" ] && return
  mkdir -p "$REPOS/$name"
  for src in "$@"; do cp -r "$src" "$REPOS/$name/"; done
}
bench_repo small "$DOCTOWN_CACHE"/corpus/rust/clap_builder-*
bench_repo medium "$DOCTOWN_CACHE"/corpus/python/{flask,click,rich,attrs,requests}-*
bench_repo large "$DOCTOWN_CACHE"/corpus/python/Django-* "$DOCTOWN_CACHE"/corpus/go/golang-golang-x-tools-dev*
