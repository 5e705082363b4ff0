#!/usr/bin/env bash
# The release path, offline, end to end: `scripts/release.sh` makes the
# archive and the npm packages from a binary, `scripts/install.sh`
# installs the archive, and npm installs the packages from their .tgz
# files; each then builds a docpack of a fixture with embeddings, with an
# empty cache and no model or runtime named in the environment (so only
# what the release carries is used), and the two docpacks are the same
# bytes. Also: a tampered archive, a SHA256SUMS without this platform and
# a missing platform package are refused with one line and nothing
# installed. Then the GitHub Action (action.yml) runs from those archives,
# step by step as a runner runs it, against a stand-in GitHub
# (scripts/action_test.py).
# Usage: bash scripts/release-test.sh DOCTOWN_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BIN="${1:?usage: release-test.sh DOCTOWN_BINARY}"
fail() { echo "release-test: FAILED: $*" >&2; exit 1; }
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
FIXTURE="$ROOT/functions/cli/tests/fixtures/multilang"

bash scripts/release.sh --bin "$BIN" --out "$T/dist" >/dev/null
ls "$T/dist"/doctown-*.tar.gz "$T/dist"/npm/doctown-*.tgz >/dev/null

# What a user who installed a release has: no cache, no variables.
clean_env() {
  env -u DOCTOWN_MODEL_DIR -u DOCTOWN_ORT_LIB -u ORT_DYLIB_PATH -u CARGO_TARGET_DIR \
    DOCTOWN_CACHE="$T/cache" HOME="$T/home" NPM_CONFIG_UPDATE_NOTIFIER=false "$@"
}

echo "release-test: install.sh from the local archives"
clean_env bash scripts/install.sh --from "$T/dist" --prefix "$T/prefix"
clean_env bash scripts/install.sh --from "$T/dist" --prefix "$T/prefix" 2> "$T/again"
grep -q "already installed" "$T/again" || fail "a second install of the same archive: $(cat "$T/again")"
clean_env "$T/prefix/bin/doctown" build "$FIXTURE" --store "$T/store-archive" -o "$T/archive.docpack" \
  --embeddings on --json > "$T/archive.json"
clean_env "$T/prefix/bin/doctown" verify "$T/archive.docpack" >/dev/null
python3 - "$T/archive.json" <<'EOF' || fail "the installed binary did not embed with the model it carries"
import json, sys
embed = json.load(open(sys.argv[1]))["stages"]["embed"]["summary"]
assert embed["model_id"] == "all-minilm-l6-v2-qint8-fused" and embed["chunks"] > 0, embed
EOF
[ ! -e "$T/cache/models" ] || fail "the installed binary fetched a model into the cache"

echo "release-test: refusals"
cp -r "$T/dist" "$T/tampered"
archive="$(ls "$T/tampered"/doctown-*.tar.gz)"
python3 - "$archive" <<'EOF' # one byte inverted: always a change
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1000)
    byte = f.read(1)[0]
    f.seek(1000)
    f.write(bytes([byte ^ 0xFF]))
EOF
if clean_env bash scripts/install.sh --from "$T/tampered" --prefix "$T/prefix-tampered" 2> "$T/err"; then
  fail "install.sh installed a tampered archive"
fi
grep -q "does not match SHA256SUMS" "$T/err" || fail "tampered archive: $(cat "$T/err")"
[ ! -e "$T/prefix-tampered/bin/doctown" ] || fail "a tampered archive left a binary behind"
grep -v 'tar.gz$' "$T/dist/SHA256SUMS" > "$T/tampered/SHA256SUMS"
if clean_env bash scripts/install.sh --from "$T/tampered" --prefix "$T/prefix-tampered" 2> "$T/err"; then
  fail "install.sh installed with no archive listed"
fi
grep -q "lists no archive" "$T/err" || fail "no archive listed: $(cat "$T/err")"

echo "release-test: npm install from the local packages, offline"
mkdir -p "$T/project"
(cd "$T/project" && echo '{"name":"project","private":true}' > package.json &&
  clean_env npm install --offline --no-audit --no-fund --loglevel=error "$T"/dist/npm/*.tgz >/dev/null) \
  || fail "npm install of the local packages failed"
(cd "$T/project" && clean_env npx --offline doctown build "$FIXTURE" --store "$T/store-npm" \
  -o "$T/npm.docpack" --embeddings on >/dev/null) || fail "npx doctown build failed"
cmp -s "$T/archive.docpack" "$T/npm.docpack" || fail "npx doctown and the installed archive wrote different docpacks"
direct=0 launched=0
clean_env "$T/prefix/bin/doctown" verify "$T/missing.docpack" 2>/dev/null || direct=$?
(cd "$T/project" && clean_env npx --offline doctown verify "$T/missing.docpack" 2>/dev/null) || launched=$?
[ "$direct" != 0 ] && [ "$launched" = "$direct" ] ||
  fail "verify of a missing file: the binary exited $direct, npx doctown $launched"
rm -rf "$T/project/node_modules/@doctown"
if (cd "$T/project" && clean_env npx --offline doctown --version 2> "$T/err"); then
  fail "the launcher ran without its platform package"
fi
grep -q "is not installed" "$T/err" || fail "missing platform package: $(cat "$T/err")"
echo "release-test: the GitHub Action (action.yml) from the local archives, against a stand-in GitHub"
VENV="${DOCTOWN_CACHE:-$HOME/.cache/doctown}/venv-action"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import yaml" 2>/dev/null || "$VENV/bin/pip" install --quiet pyyaml==6.0.2 \
  || fail "cannot install PyYAML for the Action's runner"
"$VENV/bin/python" scripts/action_test.py "$ROOT" "$T/dist" "$T/action" "$FIXTURE" || fail "the Action"
echo "release-test: ok (archive, install, npm, refusals, the Action)"
