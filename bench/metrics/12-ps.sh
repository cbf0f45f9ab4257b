#!/usr/bin/env bash
# ps with 100 running containers (issue 4: under 10 ms), beside docker ps.
. "$BENCH_TOP/bench/lib.sh"

N=100
landed=0
has_berth run && has_berth ps && has_berth rm && landed=1

# start TOOL...: N detached containers named bench-ps-1..N, 4 at a time.
start_many() { # start_many NET-FLAGS TOOL...
	local net=$1
	shift
	seq 1 $N | xargs -P 4 -I{} sh -c "$* run -d $net --name bench-ps-{} busybox sleep 1000 >/dev/null"
}
stop_many() {
	seq 1 $N | sed 's/^/bench-ps-/' | xargs -n 25 $* rm -f >/dev/null 2>&1
}

b=nyl
d="missing: $BENCH_DOCKER_MISSING"
cmds=()
if [ $landed = 1 ]; then
	if start_many "$(berth_net_none)" "$BERTH" 2>"$BENCH_RUN/ps.berth.err"; then
		cmds+=(berth "" "$BERTH ps")
	else
		b="failed: starting $N containers: $(lastline "$BENCH_RUN/ps.berth.err")"
	fi
fi
if [ -n "$DOCKER" ]; then
	if start_many "--network none" "$DOCKER" 2>"$BENCH_RUN/ps.docker.err"; then
		cmds+=(docker "" "$DOCKER ps")
	else
		d="failed: starting $N containers: $(lastline "$BENCH_RUN/ps.docker.err")"
	fi
fi
hf ps "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"
[ $landed = 1 ] && { case $b in failed*) ;; *) b=$(src ps berth) ;; esac; stop_many "$BERTH"; }
[ -n "$DOCKER" ] && { case $d in failed*) ;; *) d=$(src ps docker) ;; esac; stop_many "$DOCKER"; }

row id=ps-100 issue=4 label="ps with 100 running containers" berth="$b" \
	peer="docker ps" peer_src="$d" target=le:10
