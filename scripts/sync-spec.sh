#!/usr/bin/env bash
# sync-spec.sh copies the project's reference documents — the design, the
# AWS wire notes and models, and the security catalogue — from the shared
# directory checked out beside the repository into docs/, so that a clone
# stands alone: code comments cite docs/spec/… and docs/design.md, and the
# catalogue page (docs/security.md) is generated from docs/spec/security.md.
#
# Run by `go generate ./internal/catalog` before the page is rendered. Where
# the shared directory is absent, the copies in docs/ are left as they are.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SIGNET_SHARED_DIR:-$root/../shared}"
if [ ! -d "$shared/spec" ]; then
	echo "sync-spec: $shared/spec not found; keeping docs/spec as it is" >&2
	exit 0
fi
dst="$root/docs/spec"
rm -rf "$dst"
mkdir -p "$dst"
cp -R "$shared/spec/." "$dst/"
chmod -R u+w "$dst"
cp "$shared/DESIGN.md" "$root/docs/design.md"
chmod u+w "$root/docs/design.md"
