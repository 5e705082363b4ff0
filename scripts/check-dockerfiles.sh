#!/usr/bin/env bash
# Checks that every Dockerfile's cargo build line compiles: each
# `cargo build --release …` in dockerfiles/*.Dockerfile is run as
# `cargo check …` with the same packages, features and binaries (ARG
# defaults substituted), so a renamed binary, a missing feature or code
# that only breaks under a feature (`--features cuda`) fails the tests
# instead of the image build. The images themselves cannot be built here:
# their base images (rust, nvidia/cuda, distroless) come from registries
# these machines cannot reach (see infra/README.md).
# Usage: bash scripts/check-dockerfiles.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

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
