#!/usr/bin/env bash
# Architecture invariants from ARCHITECTURE.md, checked on the dependency graph.
# A `cargo tree` that fails (an unknown crate, a broken manifest) fails the
# check: an error must never read as "no violation".
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0

# The normal (non-dev, non-build) dependencies of a crate, one "name version"
# a line, into $DEPS. Exits the script when cargo tree fails (not in a pipe or
# a subshell, where the exit would be lost).
deps() {
  if ! DEPS="$(cargo tree -p "$1" --locked --edges normal --prefix none --format '{p}' 2>&1)"; then
    echo "error: cargo tree -p $1 failed:" >&2
    echo "$DEPS" >&2
    exit 2
  fi
}

deny() { # crate, forbidden dependency
  deps "$1"
  if grep -q "^$2 " <<<"$DEPS"; then
    echo "invariant broken: $1 depends on $2"
    fail=1
  fi
}

# Workspace crates a crate may depend on: exactly the ones listed.
only_workspace_deps() { # crate, allowed workspace crates...
  local crate="$1" dep
  shift
  deps "$crate"
  # Workspace crates are the ones cargo tree shows with a path: "name vX (/path)".
  for dep in $(grep ' (/' <<<"$DEPS" | awk '{print $1}' | sort -u); do
    if [ "$dep" != "$crate" ] && [[ " $* " != *" $dep "* ]]; then
      echo "invariant broken: $crate depends on $dep (it may depend only on: $*)"
      fail=1
    fi
  done
}

for forbidden in tokio aws-sdk-s3 aws-sdk-sqs ort git2 ureq tree-sitter; do
  deny doctown-core "$forbidden"
done
for forbidden in tokio aws-sdk-s3 ort git2 ureq; do
  deny doctown-pipeline "$forbidden"
  deny doctown-extract "$forbidden"
done
# Host-specific code and test doubles stay out of the CLI and the servers:
# the Lambda runtime behind doctown-worker's `lambda` feature, the fakes
# behind its `testing` feature (checked in the features cargo resolves).
for crate in doctown-cli doctown-trigger; do
  deny "$crate" lambda_runtime
  deny "$crate" aws_lambda_events
  if ! features="$(cargo tree -p "$crate" --locked --edges normal,features --prefix none --format '{p} {f}' 2>&1)"; then
    echo "error: cargo tree -p $crate failed:" >&2
    echo "$features" >&2
    exit 2
  fi
  if grep -qE '^doctown-worker .*\btesting\b' <<<"$features"; then
    echo "invariant broken: $crate builds doctown-worker with its test doubles (feature testing)"
    fail=1
  fi
done

# The MCP server answers without the embedding model: its host gives it one.
deny doctown-mcp doctown-embed
deny doctown-mcp ort

# Other tools read docpacks without the pipeline.
only_workspace_deps doctown-docpack doctown-core

if [ "$fail" = 0 ]; then echo "architecture invariants hold"; fi
exit $fail
