#!/usr/bin/env bash
# release.sh DIR builds the release into DIR (make release: DIR=dist):
#
#   signet_<version>_<os>_<arch>.tar.gz   linux and darwin, amd64 and arm64
#   signet_<version>_windows_<arch>.zip   windows, amd64 and arm64
#   signet_<version>.cdx.json             CycloneDX SBOM of the six binaries
#   SHA256SUMS                            sha256sum -c format, of all the above
#
# Each archive holds signet_<version>_<os>_<arch>/ with the binary
# (CGO_ENABLED=0, -trimpath, LDFLAGS), README.md and deploy/. The archives
# are reproducible: entries sorted, owned by 0:0, dated at the commit.
#
# Environment: GO (go), VERSION and LDFLAGS (set by the Makefile).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:?usage: $0 DIR}
GO=${GO:-go}
: "${VERSION:?VERSION is not set (run make release)}"
: "${LDFLAGS:?LDFLAGS is not set (run make release)}"
command -v zip >/dev/null || { echo "$0: zip is not installed (apt-get install zip)" >&2; exit 1; }

platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
date=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bins=()
for p in $platforms; do
	os=${p%/*} arch=${p#*/}
	name=signet_${VERSION}_${os}_${arch}
	exe=signet
	[ "$os" = windows ] && exe=signet.exe
	echo "release: $name" >&2
	mkdir -p "$work/$name"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$work/$name/$exe" ./cmd/signet
	cp README.md "$work/$name/"
	cp -R deploy "$work/$name/deploy"
	find "$work/$name" -exec touch -h -d "@$epoch" {} +
	bins+=("$work/$name/$exe")
	if [ "$os" = windows ]; then
		(cd "$work" && find "$name" -print | LC_ALL=C sort | TZ=UTC zip -q -X -@ "$OLDPWD/$out/$name.zip")
	else
		tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" |
			gzip -n -9 >"$out/$name.tar.gz"
	fi
done

sbom=signet_${VERSION}.cdx.json
"$GO" run ./internal/cmd/sbom -version "$VERSION" -date "$date" "${bins[@]}" >"$out/$sbom"

# Every module the linux/amd64 build links must be in the SBOM.
missing=0
for m in $(CGO_ENABLED=0 GOOS=linux GOARCH=amd64 "$GO" list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}' ./cmd/signet | sort -u); do
	grep -q "\"name\": \"$m\"" "$out/$sbom" || { echo "$0: $m is not in the SBOM" >&2; missing=1; }
done
[ "$missing" = 0 ]

(cd "$out" && sha256sum -- *.tar.gz *.zip "$sbom" >SHA256SUMS)
echo "release: $out:" >&2
ls -l "$out" >&2
