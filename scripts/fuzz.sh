#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 2s): CI's
# short pass over each parser of untrusted input. A longer local run:
#   FUZZTIME=5m scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-2s}
n=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/dev/null
		n=$((n + 1))
	done
done
echo "fuzz: $n targets, $fuzztime each, no failures"
