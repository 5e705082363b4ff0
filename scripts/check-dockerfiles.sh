#!/usr/bin/env bash
# Checks that every Dockerfile's cargo build line compiles: each
# `cargo build --release …` in dockerfiles/*.Dockerfile is run as
# `cargo check …` with the same packages, features and binaries (ARG
# defaults substituted), so a renamed binary, a missing feature or code
# that only breaks under a feature (`--features cuda`) fails the tests
# instead of the image build. The images themselves cannot be built here:
# their base images (rust, nvidia/cuda, distroless) come from registries
# these machines cannot reach (see infra/README.md).
# The images that run ingest are also checked for git with HTTPS.
# Usage: bash scripts/check-dockerfiles.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The images that run the ingest stage (its worker, and the `doctown` CLI,
# which runs every stage in-process: `serve`, the dispatcher) clone a
# GitHub source's history with the git command over HTTPS: their final
# stage must install git and ca-certificates.
for file in dockerfiles/*.Dockerfile; do
  final=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' "$file" |
    awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}')
  if grep -qE 'DOCTOWN_STAGE=ingest|ENTRYPOINT \["/usr/local/bin/doctown"' <<<"$final"; then
    install=$(grep -E 'apt-get install' <<<"$final" || true)
    for package in git ca-certificates; do
      if ! grep -qE "[[:space:]]$package([[:space:]]|$)" <<<"$install"; then
        echo "check-dockerfiles: $file runs ingest but its image does not install $package" >&2
        exit 1
      fi
    done
    echo "== $file: git and ca-certificates installed"
  fi
done

checked=0
for file in dockerfiles/*.Dockerfile; do
  # ARG defaults, e.g. `ARG WORKER_BIN=doctown-runpod`.
  declare -A args=()
  while read -r name value; do
    args[$name]="$value"
  done < <(sed -nE 's/^ARG ([A-Z_]+)=(.*)$/\1 \2/p' "$file")
  # Join continuation lines, split on &&, keep the cargo build commands.
  while read -r line; do
    for name in "${!args[@]}"; do
      line="${line//\$\{$name\}/${args[$name]}}"
    done
    if [[ "$line" =~ \$ ]]; then
      echo "check-dockerfiles: $file: unresolved variable in: $line" >&2
      exit 1
    fi
    command="${line/cargo build --release/cargo check}"
    echo "== $file: $command"
    $command
    checked=$((checked + 1))
  done < <(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba}' "$file" | tr -s ' ' |
    grep -oE 'cargo build --release[^&]*' | sed -E 's/ +$//')
  unset args
done
if [ "$checked" = 0 ]; then
  echo "check-dockerfiles: no cargo build line found in dockerfiles/" >&2
  exit 1
fi
echo "check-dockerfiles: $checked build lines compile"
