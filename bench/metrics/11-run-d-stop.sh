#!/usr/bin/env bash
# run -d then stop (issue 4: run -d returns within 20 ms; a monitor's
# resident memory at most 2 MB), beside docker.  The container traps
# SIGTERM, so stop measures the stop itself, not the 10 s timeout.
. "$BENCH_TOP/bench/lib.sh"

landed=0
has_berth run && has_berth stop && has_berth rm && has_berth inspect && landed=1
trap_cmd='trap "exit 0" TERM; sleep 1000 & wait'

cmds=()
[ $landed = 1 ] && cmds+=(berth "$BERTH rm -f bench-d >/dev/null 2>&1; true" \
	"$BERTH run -d $(berth_net_none) --name bench-d busybox sleep 1000")
[ -n "$DOCKER" ] && cmds+=(docker "$DOCKER rm -f bench-d >/dev/null 2>&1; true" \
	"$DOCKER run -d --network none --name bench-d busybox sleep 1000")
hf run-d "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

cmds=()
[ $landed = 1 ] && cmds+=(berth "$BERTH rm -f bench-s >/dev/null 2>&1; $BERTH run -d $(berth_net_none) --name bench-s busybox sh -c '$trap_cmd' >/dev/null" \
	"$BERTH stop bench-s")
[ -n "$DOCKER" ] && cmds+=(docker "$DOCKER rm -f bench-s >/dev/null 2>&1; $DOCKER run -d --network none --name bench-s busybox sh -c '$trap_cmd' >/dev/null" \
	"$DOCKER stop bench-s")
hf stop "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

# The monitor: the process that holds a detached container (berth's
# monitor, docker's containerd-shim), the parent of the container's PID 1.
monitor_rss() { # monitor_rss PID-OF-CONTAINER-INIT
	local pid=$1 ppid
	[ -n "$pid" ] && [ "$pid" != 0 ] || { echo "failed: no PID for the container"; return; }
	ppid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null)
	if [ -z "$ppid" ] || [ "$ppid" = 1 ]; then
		echo "failed: the container's PID 1 has no monitor as its parent"
		return
	fi
	awk '/^VmRSS:/ { printf "num:%.2f\n", $2 / 1024 }' "/proc/$ppid/status"
}
b_rss=nyl d_rss="missing: $BENCH_DOCKER_MISSING"
if [ $landed = 1 ]; then
	"$BERTH" rm -f bench-m >/dev/null 2>&1
	if "$BERTH" run -d $(berth_net_none) --name bench-m busybox sleep 1000 >/dev/null 2>"$BENCH_RUN/run-d.m.err"; then
		sleep 0.5
		b_rss=$(monitor_rss "$("$BERTH" inspect -f '{{.State.Pid}}' bench-m 2>/dev/null)")
	else
		b_rss="failed: $(lastline "$BENCH_RUN/run-d.m.err")"
	fi
	"$BERTH" rm -f bench-m bench-d bench-s >/dev/null 2>&1
fi
if [ -n "$DOCKER" ]; then
	$DOCKER rm -f bench-m >/dev/null 2>&1
	$DOCKER run -d --network none --name bench-m busybox sleep 1000 >/dev/null 2>&1 && sleep 0.5
	d_rss=$(monitor_rss "$($DOCKER inspect -f '{{.State.Pid}}' bench-m 2>/dev/null)")
	$DOCKER rm -f bench-m bench-d bench-s >/dev/null 2>&1
fi

b=nyl
[ $landed = 1 ] && b=$(src run-d berth)
row id=run-d issue=4 label="run -d busybox sleep" berth="$b" \
	peer="docker run -d" peer_src="$(docker_src run-d docker)" target=le:20
[ $landed = 1 ] && b=$(src stop berth)
row id=stop issue=4 label="stop (container traps TERM)" berth="$b" \
	peer="docker stop" peer_src="$(docker_src stop docker)"
row id=monitor-rss issue=4 label="monitor RSS, one run -d container" unit=MiB berth="$b_rss" \
	peer="containerd-shim (docker)" peer_src="$d_rss" target=le:2
