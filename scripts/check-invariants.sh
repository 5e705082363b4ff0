#!/usr/bin/env bash
# Architecture invariants from ARCHITECTURE.md, checked on the dependency graph.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
deny() { # crate, forbidden dependency
  if cargo tree -p "$1" --edges normal --prefix none --format '{p}' 2>/dev/null | grep -q "^$2 "; then
    echo "invariant broken: $1 depends on $2"; fail=1
  fi
}
for forbidden in tokio aws-sdk-s3 aws-sdk-sqs ort git2 ureq tree-sitter; do
  deny doctown-core "$forbidden"
done
for forbidden in tokio aws-sdk-s3 ort git2 ureq; do
  deny doctown-pipeline "$forbidden"
  deny doctown-extract "$forbidden"
done
exit $fail
