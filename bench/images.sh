#!/bin/bash
# bench/images.sh: the image store side by side with tar (and docker, when
# DOCKER_HOST points at a running dockerd).  Needs hyperfine.
#
#   bash bench/images.sh [--quick]
#
# 1. load of a deterministic ~200 MB, 5-layer image (bench/gen-image.py)
#    against `tar -xf` of the same five layer tars into five directories
#    (with and without a final `sync`: berth load makes its data durable
#    with one syncfs before it commits, plain tar does not);
# 2. `images` and `image inspect` with 100 images in the root.
# Roots go under $BENCH_DIR (default build/bench/images); set it to a
# tmpfs (/dev/shm/...) to take the disk out of the comparison.
#
# Reading the load figures: berth does what tar does plus a sha256 of every
# byte (about 140 ms of one core for 200 MB with SHA-NI), on other threads
# (a hasher per layer, layers in parallel).  With a core to spare the hash
# is hidden and load is close to tar; on a machine whose other cores are
# busy, wall time follows CPU time (User + System), about twice tar's.
set -euo pipefail

cd "$(dirname "$0")/.."
BERTH=$PWD/build/bin/berth
RUNS=10
[ "${1:-}" = --quick ] && RUNS=3
DIR=${BENCH_DIR:-$PWD/build/bench/images}
IMG=$PWD/build/bench/synthetic.tar
mkdir -p "$DIR" "$(dirname "$IMG")"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make bench-deps)" >&2; exit 1; }
[ -f "$IMG" ] || python3 bench/gen-image.py "$IMG" 200 5 >/dev/null

echo "== load of a $(du -m "$IMG" | cut -f1) MB, 5-layer image"
tarx="mkdir -p $DIR/tar && for i in 0 1 2 3 4; do mkdir $DIR/tar/\$i && tar -xf $IMG.layers/layer\$i.tar -C $DIR/tar/\$i; done"
cmds=("BERTH_ROOT=$DIR/root $BERTH load -q -i $IMG" "$tarx" "$tarx; sync")
if [ -n "${DOCKER_HOST:-}" ] && docker info >/dev/null 2>&1; then
	cmds+=("docker load -q -i $IMG")
fi
hyperfine -w 1 -r "$RUNS" --prepare "rm -rf $DIR/root $DIR/tar; docker rmi -f bench:latest >/dev/null 2>&1 || true; sync" \
	"${cmds[@]}"

echo "== images and image inspect with 100 images"
R100=$DIR/root100
if [ ! -d "$R100" ]; then
	BERTH_ROOT=$R100 $BERTH load -q -i build/images/busybox.tar >/dev/null
	mkdir -p "$DIR/tiny/etc" && echo x >"$DIR/tiny/etc/x" && tar -C "$DIR/tiny" -cf "$DIR/tiny.tar" .
	for i in $(seq 1 99); do
		BERTH_ROOT=$R100 $BERTH import --change "LABEL n=$i" "$DIR/tiny.tar" "img$i:v$i" >/dev/null
	done
fi
hyperfine -N -w 5 -r $((RUNS * 5)) "env BERTH_ROOT=$R100 $BERTH version" "env BERTH_ROOT=$R100 $BERTH images" \
	"env BERTH_ROOT=$R100 $BERTH image inspect img50:v50"
