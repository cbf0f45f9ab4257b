#!/bin/sh
# The cgroup v2 code path: on a hybrid host (v1 controllers plus cgroup2 at
# /sys/fs/cgroup/unified) the cgroup2 hierarchy is mounted at
# /sys/fs/cgroup in a private mount namespace, so berth sees a unified
# host: containers are cloned into their cgroup, devices are filtered by
# eBPF, pause is cgroup.freeze.
. "$(dirname "$0")/../lib.sh"

setup_containers

v2() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		sh -c "$1"
	else
		unshare -m sh -c "umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && $1"
	fi
}

if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] && [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" != cgroup2fs ]; then
	test_skip 'cgroup v2 code path' 'no cgroup2 hierarchy on this host'
	test_done
fi

test_expect_success 'a container runs in its own cgroup2 node' '
	v2 "berth run --rm busybox cat /proc/self/cgroup" >out &&
	grep -x "0::/" out &&
	v2 "berth run -d --name v2box busybox sleep 1000 >/dev/null; cat /sys/fs/cgroup/$BERTH_CGROUP_PARENT/\$(berth inspect -f {{.Id}} v2box)/cgroup.procs" >pids &&
	test "$(wc -l <pids)" = 1
'

test_expect_success 'pause and unpause freeze through cgroup.freeze' '
	v2 "berth pause v2box >/dev/null && cat /sys/fs/cgroup/$BERTH_CGROUP_PARENT/\$(berth inspect -f {{.Id}} v2box)/cgroup.events" >events &&
	grep -x "frozen 1" events &&
	test "$(berth inspect -f {{.State.Status}} v2box)" = paused &&
	v2 "berth unpause v2box" >/dev/null &&
	test "$(berth inspect -f {{.State.Status}} v2box)" = running
'

test_expect_success 'the eBPF device filter denies a host disk, allows /dev/null' '
	v2 "berth exec v2box sh -c \"mknod /tmp/sda b 8 0; head -c1 /tmp/sda\"" 2>err;
	grep -i "not permitted" err &&
	v2 "berth exec v2box sh -c \"echo ok >/dev/null && head -c 3 /dev/zero | wc -c\"" >out &&
	test "$(cat out)" = 3
'

test_expect_success 'stop, rm: the cgroup goes' '
	v2 "berth rm -f v2box" >/dev/null &&
	v2 "ls /sys/fs/cgroup/$BERTH_CGROUP_PARENT" >left 2>/dev/null;
	! grep -E "^[0-9a-f]{64}\$" left &&
	check_no_leaks
'

test_done
