#!/bin/sh
# Resource limits through cgroups: memory (an OOM kill is exit 137 and
# OOMKilled), pids (a fork bomb stays inside), CPU quota, ulimits, and
# stats/top.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'an OOM kill ends the container with 137 and OOMKilled true' '
	test_status 137 berth run --name oom -m 16m busybox sh -c "x=\$(head -c 200000000 /dev/zero | tr \"\\\\0\" a)" &&
	test "$(berth inspect -f "{{.State.OOMKilled}} {{.State.ExitCode}}" oom)" = "true 137" &&
	berth rm oom >/dev/null
'

test_expect_success 'under its limit a container is not OOMKilled' '
	berth run --name fine -m 64m busybox sh -c "x=\$(head -c 1000000 /dev/zero | tr \"\\\\0\" a)" &&
	test "$(berth inspect -f "{{.State.OOMKilled}} {{.HostConfig.Memory}}" fine)" = "false 67108864" &&
	berth rm fine >/dev/null
'

test_expect_success 'the memory limit is what the container sees in its cgroup' '
	berth run --rm -m 32m busybox sh -c "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max" >out &&
	test "$(cat out)" = 33554432
'

test_expect_success 'a fork bomb stays inside --pids-limit; the host is fine' '
	berth run -d --name bomb --pids-limit 16 busybox sh -c "bomb() { bomb | bomb & }; bomb; sleep 1000" >/dev/null &&
	sleep 1 &&
	n=$(berth stats --no-stream --format "{{.PIDs}}" bomb) &&
	test "$n" -gt 1 && test "$n" -le 16 &&
	test "$(berth inspect -f "{{.HostConfig.PidsLimit}}" bomb)" = 16 &&
	sh -c "true" &&
	berth rm -f bomb >/dev/null
'

test_expect_success '--cpus sets a CFS quota' '
	berth run --rm --cpus 0.5 busybox sh -c "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d\" \" -f1 /sys/fs/cgroup/cpu.max" >out &&
	test "$(cat out)" = 50000
'

test_expect_success '--ulimit sets rlimits' '
	test "$(berth run --rm --ulimit nofile=100:200 busybox sh -c "ulimit -n; ulimit -Hn" | tr "\n" " ")" = "100 200 "
'

test_expect_success 'top lists the container'"'"'s processes from the host' '
	berth run -d --name busy busybox sh -c "sleep 1000; true" >/dev/null &&
	# the shell forks sleep a moment after run -d returns
	wait_for "berth top busy | grep -q \"sleep 1000\"" &&
	berth top busy >out &&
	head -1 out | grep "^UID *PID *PPID" &&
	grep "sleep 1000" out &&
	test "$(wc -l <out)" = 3
'

test_expect_success 'stats --no-stream shows docker'"'"'s columns' '
	berth stats --no-stream busy >out &&
	head -1 out | grep -E "^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$" &&
	grep " busy " out &&
	berth stats --no-stream --format "{{.Name}} {{.PIDs}}" busy | grep -x "busy 2"
'

test_expect_success 'nothing is left behind' '
	berth rm -f busy >/dev/null &&
	check_no_leaks
'

test_done
