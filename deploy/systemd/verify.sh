#!/bin/sh
# verify.sh BINARY checks deploy/systemd/signet.service with
# systemd-analyze verify, on a copy whose ExecStart names BINARY (verify
# wants the program to exist; /usr/local/bin/signet need not here).
#
# verify only warns, and exits 0, on much that is wrong (a misspelt key,
# an unknown system call group, a bad value): any output at all fails.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 SIGNET-BINARY" >&2
	exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 1; }
unit="$(dirname "$0")/signet.service"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -q '^ExecStart=/usr/local/bin/signet ' "$unit" || { echo "$0: $unit: ExecStart is not /usr/local/bin/signet" >&2; exit 1; }
sed "s|^ExecStart=/usr/local/bin/signet |ExecStart=$bin |" "$unit" >"$tmp/signet.service"
if ! out=$(systemd-analyze verify "$tmp/signet.service" 2>&1) || [ -n "$out" ]; then
	echo "$0: systemd-analyze verify $unit:" >&2
	echo "$out" | sed "s|$tmp/signet.service|$unit|" >&2
	exit 1
fi
echo "$unit: verified"
