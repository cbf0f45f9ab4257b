#!/usr/bin/env bash
# bench/net/portfwd.sh: published ports and `run --rm` on the default
# bridge, berth side by side with docker, in one run.
#
#   bash bench/net/portfwd.sh            (root; after `make`)
#
# Measures, for berth and for docker (a dockerd of this script's own,
# --data-root/--exec-root/-H under a temporary directory, on a bridge of its
# own, started and stopped here; DOCKER_HOST=... uses a running one):
#   1. throughput through a published port on loopback (iperf3 -c 127.0.0.1,
#      the server inside the container), and to the container directly;
#   2. connection set-up: connect + one byte each way + close, through the
#      port and directly to the container (bench/net/tcprtt.c), medians;
#   3. `run --rm busybox true` on the default bridge and with --network none
#      (hyperfine, median).
# The host's own iperf3 and tcprtt run inside the containers through a
# read-only bind of / (chroot), so both engines serve with the same binary.
# Nothing here is a test: the numbers depend on the machine and its load.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=$TOP/build/bin/berth
SEED=$TOP/build/images/busybox.tar
WORK=$(mktemp -d /tmp/berth-bench-net.XXXXXX)
export BERTH_ROOT=$WORK/root
RUNS=${RUNS:-40}
SECS=${SECS:-5}
N=${N:-3000}

for t in iperf3 hyperfine cc; do
	command -v $t >/dev/null || { echo "portfwd.sh: $t is missing (make bench-deps)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "portfwd.sh: needs root" >&2; exit 1; }

DOCKER=""
own_dockerd=""
cleanup() {
	"$BERTH" ps -aq 2>/dev/null | xargs -r "$BERTH" rm -f >/dev/null 2>&1
	if [ -n "$DOCKER" ]; then
		$DOCKER rm -f bnet-ip3 bnet-rtt >/dev/null 2>&1
	fi
	if [ -n "$own_dockerd" ]; then
		kill "$own_dockerd" 2>/dev/null
		wait "$own_dockerd" 2>/dev/null
		ip link del bnetbr0 2>/dev/null
	fi
	# berth's default bridge of this root goes with its root: prune from a
	# scratch root collects it.
	rm -f "$BERTH_ROOT/berth.db"
	BERTH_ROOT=$WORK/gc "$BERTH" network prune -f >/dev/null 2>&1
	awk -v r="$WORK" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

cc -O2 -o "$WORK/tcprtt" "$TOP/bench/net/tcprtt.c" || exit 1
"$BERTH" load -i "$SEED" >/dev/null || exit 1

if [ -n "${DOCKER_HOST:-}" ]; then
	DOCKER="docker"
elif command -v dockerd >/dev/null; then
	# A dockerd of our own on a bridge of our own, no iptables: docker-proxy
	# serves the published port, as it does for 127.0.0.1 anyway.
	ip link add bnetbr0 type bridge && ip addr add 10.198.213.1/24 dev bnetbr0 && ip link set bnetbr0 up
	dockerd --data-root "$WORK/docker" --exec-root "$WORK/dexec" -H "unix://$WORK/d.sock" \
		--pidfile "$WORK/d.pid" -b bnetbr0 --iptables=false >"$WORK/dockerd.log" 2>&1 &
	own_dockerd=$!
	export DOCKER_HOST=unix://$WORK/d.sock
	for _ in $(seq 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
	docker load -i "$SEED" >/dev/null 2>&1 && DOCKER="docker"
fi
[ -n "$DOCKER" ] || echo "portfwd.sh: no docker to compare with" >&2

gbits() { iperf3 -c "$1" -p "$2" -t "$SECS" -f g 2>/dev/null | awk '/receiver/ { print $7 }'; }
median_ms() {
	hyperfine -N -w 3 -r "$RUNS" --export-json "$WORK/h.json" "$@" >/dev/null 2>&1 &&
		python3 -c 'import json,statistics,sys
for r in json.load(open(sys.argv[1]))["results"]: print("%.1f" % (statistics.median(r["times"]) * 1000))' "$WORK/h.json"
}

printf "%-52s %10s %10s\n" "" berth docker

# 1. throughput
"$BERTH" run -d --name ip3 -p 127.0.0.1:25201:5201 -v /:/host:ro --tmpfs /host/tmp busybox chroot /host iperf3 -s >/dev/null
[ -n "$DOCKER" ] && $DOCKER run -d --name bnet-ip3 -p 127.0.0.1:25202:5201 -v /:/host:ro --tmpfs /host/tmp busybox \
	busybox chroot /host iperf3 -s >/dev/null
sleep 1
bip=$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' ip3)
dip=$([ -n "$DOCKER" ] && $DOCKER inspect -f '{{.NetworkSettings.IPAddress}}' bnet-ip3)
printf "%-52s %10s %10s\n" "throughput, published port on 127.0.0.1 (Gbit/s)" "$(gbits 127.0.0.1 25201)" \
	"$([ -n "$DOCKER" ] && gbits 127.0.0.1 25202)"
printf "%-52s %10s %10s\n" "throughput, container address, no proxy (Gbit/s)" "$(gbits "$bip" 5201)" \
	"$([ -n "$DOCKER" ] && gbits "$dip" 5201)"

# 2. connection set-up
"$BERTH" run -d --name rtt -p 127.0.0.1:25290:7 -v /:/host:ro busybox chroot /host "$WORK/tcprtt" server 7 >/dev/null
[ -n "$DOCKER" ] && $DOCKER run -d --name bnet-rtt -p 127.0.0.1:25291:7 -v /:/host:ro busybox \
	busybox chroot /host "$WORK/tcprtt" server 7 >/dev/null
sleep 1
bip=$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' rtt)
dip=$([ -n "$DOCKER" ] && $DOCKER inspect -f '{{.NetworkSettings.IPAddress}}' bnet-rtt)
med() { "$WORK/tcprtt" client "$1" "$2" "$N" | awk '{ print $2 }'; }
b_port=$(med 127.0.0.1 25290) b_direct=$(med "$bip" 7)
d_port="" d_direct=""
if [ -n "$DOCKER" ]; then d_port=$(med 127.0.0.1 25291) d_direct=$(med "$dip" 7); fi
printf "%-52s %10s %10s\n" "connect+1 byte+close via published port (µs, median)" "$b_port" "$d_port"
printf "%-52s %10s %10s\n" "connect+1 byte+close to the container (µs, median)" "$b_direct" "$d_direct"
printf "%-52s %10s %10s\n" "added by the port (µs)" \
	"$(awk -v a="$b_port" -v b="$b_direct" 'BEGIN { printf "%.1f", a - b }')" \
	"$([ -n "$DOCKER" ] && awk -v a="$d_port" -v b="$d_direct" 'BEGIN { printf "%.1f", a - b }')"

# 3. run --rm
"$BERTH" ps -aq | xargs -r "$BERTH" rm -f >/dev/null
[ -n "$DOCKER" ] && $DOCKER rm -f bnet-ip3 bnet-rtt >/dev/null 2>&1
"$BERTH" run --rm busybox true # the default bridge's device, once
r=($(median_ms "$BERTH run --rm busybox true" "$BERTH run --rm --network none busybox true"))
d=""
[ -n "$DOCKER" ] && d=($(median_ms "docker run --rm busybox true"))
printf "%-52s %10s %10s\n" "run --rm busybox true, default bridge (ms, median)" "${r[0]:-}" "${d[0]:-}"
printf "%-52s %10s %10s\n" "run --rm --network none busybox true (ms, median)" "${r[1]:-}" ""
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
