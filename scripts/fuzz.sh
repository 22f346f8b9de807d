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
		if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1); then
			# A failing input is written to testdata/fuzz: that is a real
			# failure. Without one, the fuzzing engine itself stumbled (a
			# worker killed or starved on a loaded machine): say so and try
			# the target once more.
			if [ -n "$(git status --porcelain -- "$dir/testdata/fuzz/$target" 2>/dev/null)" ]; then
				echo "$out"
				echo "fuzz: $pkg $target found a failing input (see $dir/testdata/fuzz/$target)" >&2
				exit 1
			fi
			echo "$out" | tail -n 5 >&2
			echo "fuzz: $pkg $target stopped without a failing input; running it again" >&2
			if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1); then
				echo "$out"
				echo "fuzz: $pkg $target failed twice" >&2
				exit 1
			fi
		fi
		n=$((n + 1))
	done
done
echo "fuzz: $n targets, $fuzztime each, no failures"
