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
