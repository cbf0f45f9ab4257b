#!/bin/sh
# mk/seed.sh BERTH OUTDIR: turn Debian's busybox-static into the seed image
# OUTDIR/busybox.tar (busybox:latest), using berth itself:
#
#   a root filesystem (/bin/busybox, a link per applet, /etc/passwd and
#   /etc/group with root and nobody, /tmp 1777, /root) -> a tar with fixed
#   names order, owners and mtimes -> `berth import` with CMD and PATH into
#   a throwaway root -> `berth save`.
#
# Everything is pinned (tar order and times, SOURCE_DATE_EPOCH for the
# image's created time), so the same busybox gives the same image digest.
# It only rebuilds when its inputs (busybox, this script) change.
set -eu

BERTH=$1
OUT=$2
BUSYBOX=${BUSYBOX:-/bin/busybox}
# 2024-01-01T00:00:00Z: the image's created time and every file's mtime.
EPOCH=1704067200

if [ ! -x "$BUSYBOX" ]; then
	echo "seed: $BUSYBOX not found: install busybox-static (make deps)" >&2
	exit 1
fi
mkdir -p "$OUT"
stamp=$( (sha256sum "$BUSYBOX" "$0" | cut -d' ' -f1) | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/busybox.tar" ] && [ "$(cat "$OUT/.busybox.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-seed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/root" "$rootfs/tmp" "$rootfs/home" "$rootfs/var" \
	"$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/sbin"
cp "$BUSYBOX" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"
# One link per applet where busybox says it lives (bin/sh, usr/bin/awk, ...).
"$BUSYBOX" --list-full | while read -r path; do
	[ "$path" = bin/busybox ] && continue
	mkdir -p "$rootfs/$(dirname "$path")"
	ln -sf /bin/busybox "$rootfs/$path"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$rootfs/etc/group"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
chmod 0755 "$rootfs" "$rootfs/bin" "$rootfs/etc" "$rootfs/home" "$rootfs/var" "$rootfs/dev" \
	"$rootfs/proc" "$rootfs/sys" "$rootfs/usr" "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/sbin"

tar --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner --format=ustar \
	-C "$rootfs" -cf "$tmp/rootfs.tar" .

BERTH_ROOT=$tmp/root SOURCE_DATE_EPOCH=$EPOCH "$BERTH" import \
	--change 'CMD ["sh"]' \
	--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	"$tmp/rootfs.tar" busybox:latest >/dev/null
BERTH_ROOT=$tmp/root "$BERTH" save -o "$OUT/busybox.tar" busybox:latest
echo "$stamp" >"$OUT/.busybox.stamp"
echo "  SEED    $OUT/busybox.tar ($(BERTH_ROOT=$tmp/root "$BERTH" images -q --no-trunc busybox:latest))"
