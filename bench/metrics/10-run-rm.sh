#!/usr/bin/env bash
# run --rm busybox true (issue 4): berth beside docker run --rm, runc run of
# an equivalent OCI bundle, and the floor -- the kernel's namespaces and a
# chroot with nothing else (unshare --fork --pid --mount --uts --ipc --net).
# No network on any side: the bench's dockerd has no bridge, the bundle and
# the floor get an empty network namespace, and berth runs --network none.
. "$BENCH_TOP/bench/lib.sh"

cmds=()
if has_berth run; then
	cmds+=(berth "" "$BERTH run --rm $(berth_net_none) busybox true")
fi
[ -n "$DOCKER" ] && cmds+=(docker "" "$DOCKER run --rm --network none busybox true")
command -v runc >/dev/null && cmds+=(runc "" "runc --root $BENCH_SCRATCH/runc run --bundle $BENCH_FIX/bundle bench-run-rm")
cmds+=(floor "" "unshare --fork --pid --mount --uts --ipc --net chroot $BENCH_FIX/rootfs /bin/true")

hf run-rm "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

b=nyl
has_berth run && b=$(src run-rm berth)
runc_src="missing: runc is not installed (make bench-deps)"
command -v runc >/dev/null && runc_src=$(src run-rm runc)
row id=run-rm-docker issue=4 label="run --rm busybox true" berth="$b" \
	peer="docker run --rm" peer_src="$(docker_src run-rm docker)" target=le:15,ratio_le:0.1
row id=run-rm-runc issue=4 label="run --rm busybox true" berth="$b" \
	peer="runc run (bundle)" peer_src="$runc_src" target=ratio_le:0.5
row id=run-rm-floor issue=4 label="run --rm busybox true" berth="$b" \
	peer="unshare+chroot (floor)" peer_src="$(src run-rm floor)"
