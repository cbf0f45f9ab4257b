#!/usr/bin/env bash
# bench/run.sh [--quick] [METRIC...]: berth side by side with docker, runc,
# tar, skopeo and hugo; one table, and the same as JSON in
# build/bench/<timestamp>.json and build/bench/latest.json.
#
# `make bench` runs it (after make deps, make bench-deps and make), QUICK=1
# for a quick run.  Each metric is a script bench/metrics/NN-name.sh, run in
# order by this driver: adding a metric is adding a file (see bench/lib.sh
# for what it gets).  METRIC... (names without NN- and .sh) runs only those.
#
# The peers are started here and stopped on exit, failure or Ctrl-C: a
# dockerd of the bench's own (socket and exec root under build/bench/docker,
# data root in the scratch directory) and a docker-registry on a free
# loopback port.  Fixtures are made once, deterministically, under
# build/bench/fixtures.
#
# Everything the engines write (berth's roots, dockerd's data root, the
# registry's storage, tar's output) goes to build/bench/scratch, a tmpfs
# mounted for the run and unmounted after it: on a shared VM's disk, file
# creation after deletions varied 3-10x from run to run and drowned the
# engines' own work.  BENCH_DISK=1 keeps scratch on the disk instead, to
# measure what a learner's disk adds.  Logs and hyperfine's JSON stay in
# build/bench/run.
set -uo pipefail

BENCH_TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$BENCH_TOP" || exit 1
BENCH_QUICK=0
only=()
for a; do
	case $a in
	--quick) BENCH_QUICK=1 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench: unknown option $a" >&2; exit 2 ;;
	*) only+=("$a") ;;
	esac
done

BENCH_DIR=$BENCH_TOP/build/bench
BENCH_FIX=$BENCH_DIR/fixtures
BENCH_RUN=$BENCH_DIR/run
BENCH_SCRATCH=$BENCH_DIR/scratch
# BENCH_BERTH and BENCH_BERTH_LAB bench other builds (an older commit's, say).
BERTH=${BENCH_BERTH:-$BENCH_TOP/build/bin/berth}
BERTH_LAB=${BENCH_BERTH_LAB:-$BENCH_TOP/build/bin/berth-lab}
BERTH_ROOT=$BENCH_SCRATCH/root
export BENCH_TOP BENCH_DIR BENCH_FIX BENCH_RUN BENCH_SCRATCH BENCH_QUICK BERTH BERTH_LAB BERTH_ROOT

. "$BENCH_TOP/bench/lib.sh"
. "$BENCH_TOP/bench/peers.sh"

for tool in hyperfine perl /usr/bin/time python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench: $tool is missing; run 'make bench-deps'" >&2
		exit 1
	fi
done
if [ ! -x "$BERTH" ]; then
	echo "bench: $BERTH is not built; run 'make'" >&2
	exit 1
fi

cleaned=0
cleanup() {
	[ $cleaned = 1 ] && return
	cleaned=1
	# Containers the metrics started through berth, then berth's mounts.
	if [ -d "$BERTH_ROOT" ] && has_berth ps; then
		"$BERTH" ps -aq 2>/dev/null | xargs -r "$BERTH" rm -f >/dev/null 2>&1
	fi
	has_berth network prune && "$BERTH" network prune -f >/dev/null 2>&1
	unmount_under "$BERTH_ROOT"
	stop_registry
	stop_dockerd
	unmount_under "$BENCH_SCRATCH"
	if mountpoint -q "$BENCH_SCRATCH"; then
		umount "$BENCH_SCRATCH" || umount -l "$BENCH_SCRATCH"
	fi
	rm -rf "$BENCH_SCRATCH"
	# The bridges of the roots just removed (berth's default bridge among
	# them): any berth that prunes networks collects a bridge whose root is
	# gone, as tests/lib.sh does.
	if has_berth network prune && ip link show 2>/dev/null | grep -q ": berth[0-9]"; then
		local gc
		gc=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-gc.XXXXXX") &&
			"$BERTH" --root "$gc/root" network prune -f >/dev/null 2>&1
		rm -rf "$gc"
	fi
}
# Ctrl-C reaches this script alone: the metrics and the peers run in
# sessions of their own (setsid), so that they are stopped here, in order
# (the metric's processes first, then containers, registry and dockerd),
# rather than each on its own.
metric_pid=""
interrupted() {
	echo "bench: interrupted" >&2
	if [ -n "$metric_pid" ]; then
		kill -TERM -- "-$metric_pid" 2>/dev/null
		wait "$metric_pid" 2>/dev/null
	fi
	exit 130
}
trap cleanup EXIT
trap interrupted INT TERM HUP

# A fresh run directory, scratch and berth root per run; the fixtures
# persist (they are a cache).
rm -rf "$BENCH_RUN"
if [ -d "$BENCH_SCRATCH" ]; then
	unmount_under "$BENCH_SCRATCH"
	mountpoint -q "$BENCH_SCRATCH" && umount -l "$BENCH_SCRATCH"
	rm -rf "$BENCH_SCRATCH"
fi
mkdir -p "$BENCH_RUN" "$BENCH_FIX" "$BENCH_SCRATCH"
storage=disk
if [ "${BENCH_DISK:-0}" != 1 ]; then
	if mount -t tmpfs -o size=8g,mode=0755 bench-scratch "$BENCH_SCRATCH" 2>"$BENCH_RUN/tmpfs.err"; then
		storage=tmpfs
	else
		echo "bench: cannot mount a tmpfs for scratch ($(cat "$BENCH_RUN/tmpfs.err")); using the disk" >&2
	fi
fi
mkdir -p "$BERTH_ROOT"
: >"$BENCH_RUN/rows.tsv"

started=$(date +%s)
# What else the machine was doing: a shared machine's neighbours show here.
loadavg=$(cut -d' ' -f1 /proc/loadavg)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "bench: $([ $BENCH_QUICK = 1 ] && echo quick || echo full) run, logs in ${BENCH_RUN#$BENCH_TOP/}" >&2

say "fixtures"
if ! bash bench/fixtures/make.sh >"$BENCH_RUN/fixtures.log" 2>&1; then
	echo "bench: making the fixtures failed:" >&2
	tail -n 20 "$BENCH_RUN/fixtures.log" >&2
	exit 1
fi
start_dockerd
start_registry
if [ -n "$DOCKER" ]; then
	# The seed image under the name docker users know it by.
	$DOCKER load -i "$BENCH_FIX/busybox.tar" >>"$BENCH_RUN/fixtures.log" 2>&1 ||
		say "docker load of the busybox seed failed (see fixtures.log)"
fi
if has_berth load; then
	"$BERTH" load -i "$BENCH_FIX/busybox.tar" >>"$BENCH_RUN/fixtures.log" 2>&1 ||
		say "berth load of the busybox seed failed (see fixtures.log)"
fi
export DOCKER BENCH_DOCKER_MISSING BENCH_REGISTRY BENCH_REGISTRY_MISSING BENCH_REGISTRY_DATA

for m in bench/metrics/*.sh; do
	name=$(basename "$m" .sh)
	name=${name#[0-9][0-9]-}
	if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then
		continue
	fi
	t0=$(date +%s)
	echo "bench: $name" >&2
	before=$(wc -l <"$BENCH_RUN/rows.tsv")
	# In the background and waited for: the wait returns at once when a
	# signal comes, and the trap runs.
	setsid bash "$m" 2>>"$BENCH_RUN/$name.err" </dev/null &
	metric_pid=$!
	wait "$metric_pid"
	rc=$?
	metric_pid=""
	if [ $rc -ne 0 ]; then
		echo "bench: $name exited with $rc (see ${BENCH_RUN#$BENCH_TOP/}/$name.err)" >&2
		# Never drop a metric silently: a script that died says so in the table.
		if [ "$(wc -l <"$BENCH_RUN/rows.tsv")" = "$before" ]; then
			row id="$name" label="$name" berth="failed: bench/metrics/$(basename "$m") exited with $rc"
		fi
	fi
	say "$name took $(($(date +%s) - t0))s"
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
out=$BENCH_DIR/$stamp.json
perl bench/report.pl json "$BENCH_RUN/rows.tsv" timestamp="$stamp" quick="$BENCH_QUICK" storage="$storage" \
	commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	seconds="$(($(date +%s) - started))" \
	machine.cpu="$cpu" machine.cores="$(nproc)" machine.kernel="$(uname -r)" \
	machine.memory_gib="$mem" machine.loadavg="$loadavg" >"$out.tmp" && mv "$out.tmp" "$out" || exit 1
cp "$out" "$BENCH_DIR/latest.json"
echo >&2
perl bench/report.pl table "$out" | tee "$BENCH_DIR/latest.md"
echo
echo "JSON: ${out#$BENCH_TOP/} (and build/bench/latest.json); took $(($(date +%s) - started))s"
