#!/usr/bin/env bash
# bench/runtime.sh: the container runtime's start-up figures, side by side
# (issue 4): `berth run --rm busybox true` against `docker run --rm` (a
# dockerd of our own, its data under the scratch directory), `runc run` of
# an equivalent bundle, and the floor: unshare + chroot + /bin/true.  Also
# `run -d`, `ps` with 100 containers and a monitor's resident memory.
#
#   bash bench/runtime.sh [--runs N] [--tmpfs]
#
# --tmpfs puts the roots on a tmpfs (the shared VM's disk adds 3-10x
# variance to file deletion).  Needs root, hyperfine; docker and runc are
# used when present.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BERTH=$TOP/build/bin/berth
RUNS=60
TMPFS=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift ;;
	--tmpfs) TMPFS=1 ;;
	*) echo "usage: $0 [--runs N] [--tmpfs]" >&2; exit 2 ;;
	esac
	shift
done
SCRATCH=$(mktemp -d /tmp/berth-rtbench.XXXXXX)
DOCKERD_PID=
cleanup() {
	[ -n "$DOCKERD_PID" ] && kill "$DOCKERD_PID" 2>/dev/null && wait "$DOCKERD_PID" 2>/dev/null
	BERTH_ROOT=$SCRATCH/root "$BERTH" rm -f $(BERTH_ROOT=$SCRATCH/root "$BERTH" ps -aq 2>/dev/null) >/dev/null 2>&1
	mountpoint -q "$SCRATCH" && umount -l "$SCRATCH"
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
[ "$TMPFS" = 1 ] && mount -t tmpfs -o size=2g tmpfs "$SCRATCH"
export BERTH_ROOT=$SCRATCH/root
"$BERTH" load -i "$TOP/build/images/busybox.tar" >/dev/null
"$BERTH" run --rm busybox true # first run: seccomp cache, overlay verdict

# The same root filesystem for runc and the floor.
mkdir -p "$SCRATCH/bundle/rootfs"
"$BERTH" create --name export-me busybox true >/dev/null
"$BERTH" export export-me | tar -C "$SCRATCH/bundle/rootfs" -xf -
"$BERTH" rm export-me >/dev/null

cmds=("$BERTH run --rm busybox true" "unshare --fork --pid --mount --uts --ipc --net chroot $SCRATCH/bundle/rootfs /bin/true")
if command -v runc >/dev/null; then
	(cd "$SCRATCH/bundle" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' config.json)
	cmds+=("runc --root $SCRATCH/runc run -b $SCRATCH/bundle bench")
fi
if command -v dockerd >/dev/null && command -v docker >/dev/null; then
	dockerd --data-root "$SCRATCH/docker" --exec-root "$SCRATCH/dexec" -H "unix://$SCRATCH/d.sock" \
		--pidfile "$SCRATCH/d.pid" --bridge=none --iptables=false >"$SCRATCH/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	for _ in $(seq 100); do docker -H "unix://$SCRATCH/d.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
	docker -H "unix://$SCRATCH/d.sock" load -i "$TOP/build/images/busybox.tar" >/dev/null
	cmds+=("docker -H unix://$SCRATCH/d.sock run --rm busybox true")
fi
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$SCRATCH/start.json" "${cmds[@]}"
python3 - "$SCRATCH/start.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"].split()[0].split("/")[-1]: x["median"] * 1000 for x in r}
print("\nmedians (ms): " + ", ".join("%s %.1f" % (k, v) for k, v in med.items()))
b = med.get("berth")
for peer in ("docker", "runc", "unshare"):
    if b and peer in med:
        print("berth / %s: %.2fx" % (peer, b / med[peer]))
PY

echo
echo "== run -d (then removed)"
hyperfine -N --warmup 3 --runs 30 "$BERTH run -d busybox sleep 1000" 
"$BERTH" rm -f $("$BERTH" ps -aq) >/dev/null

echo
echo "== a monitor's resident memory"
"$BERTH" run -d --name rss busybox sleep 1000 >/dev/null
sleep 0.5
mon=$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT monitor_pid FROM containers WHERE name = 'rss'")
grep -E 'VmRSS|RssAnon|RssFile' "/proc/$mon/status"
sleep 30 & s=$!; sleep 0.2; echo "(a plain sleep(1) for comparison: $(grep VmRSS /proc/$s/status))"; kill $s
"$BERTH" rm -f rss >/dev/null

echo
echo "== ps with 100 containers"
for i in $(seq 100); do "$BERTH" create busybox true >/dev/null; done
hyperfine -N --warmup 3 --runs 30 "$BERTH ps -a" "$BERTH version"
