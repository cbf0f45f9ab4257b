# tests/lib.sh: the shell side of the test suite, in the spirit of git's t/.
#
# A test file sources this, then states its tests as sentences:
#
#   test_expect_success 'run prints hello' '
#       berth run --rm busybox echo hello >out &&
#       test "$(cat out)" = hello
#   '
#   test_done
#
# Every file gets its own temporary directory ($TMP) and berth root
# ($BERTH_ROOT), removed at the end; `berth` is the freshly built binary.

set -u
BERTH_BUILD=${BERTH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$BERTH_BUILD/bin:$PATH"
export PATH BERTH_BUILD TOP

TMP=$(mktemp -d "${TMPDIR:-/tmp}/berth-test.XXXXXX")
BERTH_ROOT="$TMP/root"
export BERTH_ROOT TMP
unset BERTH_DEBUG
cd "$TMP" || exit 1

test_count=0
test_failures=0
test_cleanups=""

# Run at the end of the file even when tests fail: remove containers,
# unmount what the root holds, then the directory.
test_at_end() {
	test_cleanups="$1
$test_cleanups"
}

finish() {
	eval "$test_cleanups" >/dev/null 2>&1 || :
	if [ -d "$BERTH_ROOT" ]; then
		# Unmount anything a failed test left under the root before rm -rf.
		awk -v r="$TMP" 'index($2, r) == 1 { print $2 }' /proc/self/mounts 2>/dev/null |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	cd / && rm -rf "$TMP"
	# Bridges whose root is gone are collected by any berth that prunes
	# networks: do it now, so a test run leaves no device behind.
	if ip link show 2>/dev/null | grep -q ": berth[0-9]"; then
		gc=$(mktemp -d "${TMPDIR:-/tmp}/berth-gc.XXXXXX") &&
			berth --root "$gc/root" network prune -f >/dev/null 2>&1
		rm -rf "$gc"
	fi
}
trap finish EXIT

test_expect_success() {
	local desc=$1 body=$2 out
	test_count=$((test_count + 1))
	out=$(cd "$TMP" && eval "$body" 2>&1)
	local rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $test_count - $desc"
	else
		test_failures=$((test_failures + 1))
		echo "not ok $test_count - $desc"
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
		# also on stderr, which prove shows without -v: a failure in CI
		# then says why
		printf '%s\n' "$out" | tail -n 30 | sed "s/^/# $test_count: /" >&2
	fi
}

# Like test_expect_success, for a test that needs a prerequisite the
# machine lacks (root, overlayfs, a network namespace): it says why it
# was skipped instead of pretending to pass.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1 ($2)"
}

test_done() {
	echo "1..$test_count"
	[ $test_failures -eq 0 ]
	exit $?
}

# Exit status of a command, for asserting it: test_status 125 berth foo
test_status() {
	local want=$1 got
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "expected exit $want from '$*', got $got" >&2
		return 1
	fi
	return 0
}

# Fail with a diff when a file differs from what was expected.
test_cmp() {
	diff -u "$1" "$2"
}

# grep that shows the file on failure.
test_grep() {
	if ! grep "$@"; then
		local f
		for f; do :; done
		echo "--- no match for '$*'; $f was:" >&2
		cat "$f" >&2 2>/dev/null
		return 1
	fi
}

# ---- containers (the runtime's tests) -----------------------------------
#
# setup_containers: the seed image (build/images/busybox.tar, made by `make`) in
# this file's root, a cgroup parent of this file's own (so that leak checks
# see only its containers), and containers removed at the end even when a
# test failed.
setup_containers() {
	BERTH_CGROUP_PARENT="berth-test-$$"
	export BERTH_CGROUP_PARENT
	test_at_end 'berth rm -f $(berth ps -aq) >/dev/null 2>&1; remove_test_cgroups'
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null
}

# The (empty) cgroup parent directories this file made.
remove_test_cgroups() {
	[ -n "${BERTH_CGROUP_PARENT:-}" ] || return 0
	for d in /sys/fs/cgroup/*/"$BERTH_CGROUP_PARENT" /sys/fs/cgroup/"$BERTH_CGROUP_PARENT"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# berth processes (CLIs, monitors, background cleaners) of this root.
root_processes() {
	local p
	for p in $(pgrep -x berth 2>/dev/null); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "BERTH_ROOT=$BERTH_ROOT" && echo "$p"
	done
	return 0
}

# Nothing of this file's containers may be left: rows, directories,
# cgroups (and so processes in them), monitors, mounts.  Removal frees disk
# blocks in the background, so processes get a moment to finish.
check_no_leaks() {
	local left n d i
	left=$(berth ps -aq) || return 1
	if [ -n "$left" ]; then
		echo "containers left: $left" >&2
		return 1
	fi
	if [ -n "$(ls -A "$BERTH_ROOT/containers" 2>/dev/null)" ]; then
		echo "container directories left: $(ls "$BERTH_ROOT/containers")" >&2
		return 1
	fi
	for d in /sys/fs/cgroup/*/"${BERTH_CGROUP_PARENT:-berth}" /sys/fs/cgroup/"${BERTH_CGROUP_PARENT:-berth}"; do
		[ -d "$d" ] || continue
		n=$(find "$d" -mindepth 1 -maxdepth 1 -type d | wc -l)
		if [ "$n" != 0 ]; then
			echo "cgroups left in $d: $(ls "$d")" >&2
			return 1
		fi
	done
	for i in $(seq 50); do
		[ -z "$(root_processes)" ] && break
		sleep 0.1
	done
	if [ -n "$(root_processes)" ]; then
		echo "processes left: $(root_processes | xargs ps -o pid,args -p)" >&2
		return 1
	fi
	if grep -q " $TMP" /proc/self/mountinfo; then
		echo "mounts left:" >&2
		grep " $TMP" /proc/self/mountinfo >&2
		return 1
	fi
	return 0
}

# Poll until a command succeeds (at most ~10 s): for states that a
# background process reaches a moment later.
wait_for() {
	local i
	for i in $(seq 100); do
		if eval "$1" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "timed out waiting for: $1" >&2
	return 1
}
