#!/usr/bin/env bash
# Published ports and the bridge (issue 5): throughput through a published
# port at least 1 Gbit/s on loopback and at least docker's; connection
# set-up through the port adds at most 0.2 ms; run --rm on the default
# bridge at most 25 ms.  Side by side with docker's published port (its
# userland proxy: the bench's dockerd runs without iptables) on a bridge
# network from the bench dockerd's pool.  The client is on this host and
# talks only to 127.0.0.1 and to the container in its own network
# namespace: iperf3 for throughput, tcpping.py (HTTP/1.0 to busybox httpd)
# for the connection.
. "$BENCH_TOP/bench/lib.sh"

landed=0
has_berth run && has_berth port && has_berth network create && landed=1
secs=3
[ "$BENCH_QUICK" = 1 ] && secs=2
tries=3
conns=300
[ "$BENCH_QUICK" = 1 ] && conns=100

# The container: httpd on 8080 and an iperf3 server on 5201.
server='httpd -p 8080 -h /www && exec iperf3 -s'

# measure TOOL...: "GBITS|why ADDED-MS|why" for a container started by TOOL
measure() {
	local tool=$* id p5201 p8080 ip i bps=() via direct added
	$tool rm -f bench-ports >/dev/null 2>&1
	if ! id=$($tool run -d --name bench-ports --network bench-net -p 127.0.0.1::5201 -p 127.0.0.1::8080 \
		bench/net sh -c "$server" 2>&1); then
		echo "failed: run: $(echo "$id" | tail -n 1)|failed: run"
		return
	fi
	p5201=$($tool port bench-ports 5201/tcp | head -n 1 | sed 's/.*://')
	p8080=$($tool port bench-ports 8080/tcp | head -n 1 | sed 's/.*://')
	ip=$($tool inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' bench-ports)
	# Wait for the servers.
	for i in $(seq 1 50); do
		python3 "$BENCH_TOP/bench/fixtures/tcpping.py" 1 "127.0.0.1:$p8080" >/dev/null 2>&1 && break
		sleep 0.1
	done
	for i in $(seq 1 "$tries"); do
		iperf3 -c 127.0.0.1 -p "$p5201" -t "$secs" -J >"$BENCH_RUN/ports.iperf.json" 2>&1 || break
		bps+=("$(perl -MJSON::PP -e 'local $/; my $d = decode_json(<STDIN>);
			printf "%.3f\n", $d->{end}{sum_received}{bits_per_second} / 1e9' <"$BENCH_RUN/ports.iperf.json")")
	done
	local tput="failed: iperf3: $(lastline "$BENCH_RUN/ports.iperf.json")"
	[ ${#bps[@]} = "$tries" ] && tput="num:$(printf '%s\n' "${bps[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
	# Through the port and straight to the container, by turns.
	local both
	both=$(python3 "$BENCH_TOP/bench/fixtures/tcpping.py" "$conns" "127.0.0.1:$p8080" "$ip:8080" 2>/dev/null)
	via=$(echo "$both" | sed -n 1p)
	direct=$(echo "$both" | sed -n 2p)
	if [ -n "$via" ] && [ -n "$direct" ]; then
		added=$(awk -v a="$via" -v b="$direct" 'BEGIN { printf "num:%.4f", a - b }')
		echo "via $via ms, direct $direct ms" >>"$BENCH_RUN/ports.latency.log"
	else
		added="failed: no HTTP answer from the container (port $p8080, $ip:8080)"
	fi
	$tool rm -f bench-ports >/dev/null 2>&1
	echo "$tput|$added"
}

b_res="nyl|nyl" d_res="missing: $BENCH_DOCKER_MISSING|missing: $BENCH_DOCKER_MISSING"
if ! command -v iperf3 >/dev/null || [ ! -f "$BENCH_FIX/net.tar" ]; then
	d_res="missing: iperf3 is not installed (make bench-deps)|missing: iperf3 is not installed"
elif [ -n "$DOCKER" ]; then
	$DOCKER load -q -i "$BENCH_FIX/net.tar" >/dev/null 2>&1
	$DOCKER network inspect bench-net >/dev/null 2>&1 || $DOCKER network create bench-net >/dev/null
	d_res=$(measure $DOCKER)
fi
if [ $landed = 1 ] && [ -f "$BENCH_FIX/net.tar" ]; then
	"$BERTH" load -q -i "$BENCH_FIX/net.tar" >/dev/null 2>&1
	"$BERTH" network inspect bench-net >/dev/null 2>&1 || "$BERTH" network create bench-net >/dev/null
	b_res=$(measure "$BERTH")
fi

# run --rm on a bridge: berth's default bridge, docker's bench-net (the
# bench dockerd has no default bridge of its own).
cmds=()
[ $landed = 1 ] && cmds+=(berth "" "$BERTH run --rm busybox true")
[ -n "$DOCKER" ] && cmds+=(docker "" "$DOCKER run --rm --network bench-net busybox true")
hf run-bridge "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

[ -n "$DOCKER" ] && $DOCKER network rm bench-net >/dev/null 2>&1
[ $landed = 1 ] && "$BERTH" network rm bench-net >/dev/null 2>&1

row id=port-throughput issue=5 label="published port throughput (iperf3, loopback)" unit=Gbit/s better=higher \
	berth="${b_res%%|*}" peer="docker -p (userland proxy)" peer_src="${d_res%%|*}" target=ge:1,ratio_ge:1
row id=port-connect issue=5 label="connection through a published port, added" \
	berth="${b_res#*|}" peer="docker -p (userland proxy)" peer_src="${d_res#*|}" target=le:0.2
bb=nyl
[ $landed = 1 ] && bb=$(src run-bridge berth)
row id=run-bridge issue=5 label="run --rm busybox true, on a bridge" berth="$bb" \
	peer="docker run --rm (bridge network)" peer_src="$(docker_src run-bridge docker)" target=le:25
