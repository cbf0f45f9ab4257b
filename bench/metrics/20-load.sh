#!/usr/bin/env bash
# load of the ~200 MB, 5-layer image (issue 3: within 1.2x of tar -xf of
# the same layers, and faster than docker load of the same file).
# berth loads into a fresh root each run; docker loads after an rmi; tar
# unpacks each layer into a directory of its own, as a layer store does.
. "$BENCH_TOP/bench/lib.sh"

big=$(big_image_dir)
img=$big/image.tar
lr=$BENCH_SCRATCH/load-root
tx=$BENCH_SCRATCH/load-tar
landed=0
has_berth load && landed=1

cmds=()
[ $landed = 1 ] && cmds+=(berth "rm -rf $lr" "$BERTH --root $lr load -q -i $img")
cmds+=(tar "rm -rf $tx && mkdir -p $tx" \
	"sh -c 'for i in 1 2 3 4 5; do mkdir $tx/\$i && tar -xf $big/layers/\$i.tar -C $tx/\$i || exit 1; done'")
[ -n "$DOCKER" ] && cmds+=(docker "$DOCKER rmi -f bench/big:latest >/dev/null 2>&1; true" "$DOCKER load -q -i $img")
hf load "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"
rm -rf "$lr" "$tx"
# The image stays in no engine: the pull metric must find it absent.
[ -n "$DOCKER" ] && $DOCKER rmi -f bench/big:latest >/dev/null 2>&1

b=nyl
[ $landed = 1 ] && b=$(src load berth)
size=$(du -m "$img" | cut -f1)
row id=load-tar issue=3 label="load ${size} MB, 5 layers" berth="$b" \
	peer="tar -xf (the layers)" peer_src="$(src load tar)" target=ratio_le:1.2
row id=load-docker issue=3 label="load ${size} MB, 5 layers" berth="$b" \
	peer="docker load" peer_src="$(docker_src load docker)" target=ratio_le:1
