#!/bin/sh
# rootfs.sh CONTEXT BINARY assembles the build context of the Containerfile
# beside it: the static signet binary and the few files an image FROM
# scratch needs (it has no shell to make them with): the CA bundle for
# outbound TLS (OIDC upstreams), tzdata, an /etc/passwd line for the
# non-root user, and the /data directory the volume mounts over.
#
# The CA bundle and tzdata come from this machine (Debian: ca-certificates,
# tzdata); CA_BUNDLE and ZONEINFO name other places.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 CONTEXT-DIR STATIC-SIGNET-BINARY" >&2
	exit 2
fi
ctx=$1
bin=$2
here=$(dirname "$0")
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
zoneinfo=${ZONEINFO:-/usr/share/zoneinfo}

for f in "$bin" "$ca"; do
	[ -f "$f" ] || { echo "$0: $f is missing" >&2; exit 1; }
done
[ -d "$zoneinfo" ] || { echo "$0: $zoneinfo is missing" >&2; exit 1; }
# A dynamically linked binary would not start in an image without libc.
if command -v file >/dev/null && file "$bin" | grep -q 'dynamically linked'; then
	echo "$0: $bin is dynamically linked; build it with CGO_ENABLED=0" >&2
	exit 1
fi

rm -rf "$ctx"
mkdir -p "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/usr/share" "$ctx/rootfs/tmp" "$ctx/volume/data"
cp "$ca" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
cp -R "$zoneinfo" "$ctx/rootfs/usr/share/zoneinfo"
# uid/gid 65532: the usual unprivileged id of images without a distribution.
echo 'signet:x:65532:65532:signet:/data:/sbin/nologin' >"$ctx/rootfs/etc/passwd"
echo 'signet:x:65532:' >"$ctx/rootfs/etc/group"
chmod 1777 "$ctx/rootfs/tmp"
chmod 0700 "$ctx/volume/data"
cp "$bin" "$ctx/signet"
chmod 0755 "$ctx/signet"
cp "$here/Containerfile" "$ctx/Containerfile"
