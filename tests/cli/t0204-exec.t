#!/bin/sh
# berth exec: a process in a running container's namespaces and cgroup,
# with its security context, user, working directory and environment.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'setup: a running container' '
	berth run -d --name box -e FROM_RUN=1 -w /tmp busybox sleep 1000 >/dev/null
'

test_expect_success 'exec runs in the container: its hostname, pids, files' '
	test "$(berth exec box hostname)" = "$(berth inspect -f "{{.Config.Hostname}}" box)" &&
	berth exec box ps -o pid,comm >out &&
	grep -E "^ +1 sleep" out &&
	berth exec box sh -c "echo hi >/tmp/made-by-exec" &&
	test "$(berth exec box cat /tmp/made-by-exec)" = hi
'

test_expect_success 'exec joins the container'"'"'s cgroup and cgroup namespace' '
	berth exec box cat /proc/self/cgroup >out &&
	grep -x "0::/" out
'

test_expect_success 'exec gets the container'"'"'s env plus -e, its workdir unless -w' '
	berth exec -e EXTRA=2 box env >out &&
	grep -x FROM_RUN=1 out && grep -x EXTRA=2 out &&
	test "$(berth exec box pwd)" = /tmp &&
	test "$(berth exec -w / box pwd)" = /
'

test_expect_success 'exec -w of a missing directory fails with 126 as runc does, creating nothing' '
	test_status 126 berth exec -w /nonexistent box pwd 2>err &&
	echo "OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd (\"/nonexistent\") set in config.json failed: no such file or directory: unknown" >want &&
	test_cmp want err &&
	test_status 1 berth exec box test -e /nonexistent
'

test_expect_success 'exec -u runs as another user; the default is the container'"'"'s' '
	test "$(berth exec box id -u)" = 0 &&
	test "$(berth exec -u nobody box id -u)" = 65534
'

test_expect_success 'exec has the same capabilities and seccomp profile' '
	berth exec box grep -E "CapEff|Seccomp:" /proc/self/status >out &&
	grep "00000000a80425fb" out && grep -E "Seccomp:.*2" out
'

test_expect_success 'exit codes: the program'"'"'s; 126 for any failure to start it' '
	test_status 7 berth exec box sh -c "exit 7" &&
	test_status 126 berth exec box nosuchcommand 2>err &&
	grep "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchcommand\": executable file not found in \$PATH" err &&
	test_status 126 berth exec -u nosuchuser box true 2>err &&
	grep "unable to find user nosuchuser" err
'

test_expect_success 'exec -i forwards stdin' '
	echo piped | berth exec -i box cat >out &&
	test "$(cat out)" = piped
'

test_expect_success 'exec -d returns at once and the process runs on' '
	berth exec -d box sh -c "sleep 0.2; echo bg >/tmp/bg-done" &&
	wait_for "berth exec box cat /tmp/bg-done"
'

test_expect_success 'exec -t gives the process a terminal' '
	script -qec "berth exec -t box tty" /dev/null >out &&
	grep "/dev/pts/" out
'

test_expect_success 'exec into a stopped or missing container fails with status 1' '
	berth create --name stopped busybox true >/dev/null &&
	test_status 1 berth exec stopped true 2>err &&
	grep "is not running" err &&
	test_status 1 berth exec nosuch true 2>err &&
	grep "No such container: nosuch" err &&
	berth rm stopped >/dev/null
'

test_expect_success 'exec'"'"'d processes die with the container' '
	berth exec -d box sleep 1000 &&
	berth stop -t 0 box >/dev/null &&
	berth rm box >/dev/null &&
	check_no_leaks
'

test_done
