#!/bin/sh
# berth attach: a detached container's monitor serves its stdio on a socket;
# attach streams the output until the container exits, forwards stdin (-i),
# returns the container's exit code, and detaches on Ctrl-p Ctrl-q (-t).
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'attach feeds stdin to a run -d -i container and returns its exit code' '
	berth run -d -i --name in1 busybox sh -c "read l; echo \"got \$l\"; echo to-stderr >&2; exit 3" >/dev/null &&
	echo hi | test_status 3 timeout -s KILL 20 berth attach in1 >out 2>err &&
	grep -x "got hi" out &&
	grep -x to-stderr err
'

test_expect_success 'attach to a stopped container fails with docker'"'"'s message' '
	test_status 1 berth attach in1 >out 2>err &&
	test "$(cat err)" = "You cannot attach to a stopped container, start it first" &&
	test ! -s out
'

test_expect_success 'attach without -i streams what comes after, then the exit code' '
	berth run -d --name out1 busybox sh -c "sleep 1; echo late; exit 5" >/dev/null &&
	test_status 5 timeout -s KILL 20 berth container attach out1 </dev/null >out &&
	grep -x late out
'

test_expect_success 'two clients see the same output' '
	berth run -d -i --name two busybox sh -c "read l; echo \"both \$l\"" >/dev/null &&
	(timeout -s KILL 20 berth attach --no-stdin two >out2 &) &&
	wait_for "test -S \"$BERTH_ROOT/containers/\$(berth inspect -f {{.Id}} two)/attach.sock\"" &&
	sleep 1 &&
	echo x | timeout -s KILL 20 berth attach two >out1 &&
	grep -x "both x" out1 &&
	wait_for "grep -x \"both x\" out2"
'

test_expect_success '--sig-proxy forwards a signal to the container' '
	id=$(berth run -d --name sig busybox sh -c "trap \"echo trapped; exit 7\" TERM; while :; do sleep 0.1; done")
	berth attach sig >out &
	pid=$!
	wait_for "test -S \"$BERTH_ROOT/containers/$id/attach.sock\"" &&
	sleep 0.5 &&
	kill -TERM $pid &&
	{ wait $pid; rc=$?; } &&
	test "$rc" = 7 &&
	grep -x trapped out
'

test_expect_success 'with -t, Ctrl-p Ctrl-q detaches and leaves it running' '
	berth run -dit --name tty1 busybox sh >/dev/null &&
	(sleep 1; printf "echo typed-\$((40+2))\r"; sleep 0.5; printf "\020\021"; sleep 1) |
		script -qec "timeout --foreground -s KILL 20 berth attach tty1; echo rc=\$?" /dev/null >out;
	tr -d "\r" <out >clean &&
	grep -x "typed-42" clean &&
	grep "read escape sequence" clean &&
	grep -x "rc=1" clean &&
	test "$(berth inspect -f {{.State.Running}} tty1)" = true
'

test_expect_success 'with -t, --detach-keys changes the sequence; exit ends the attach with its code' '
	(sleep 1; printf "exit 4\r"; sleep 1) |
		script -qec "timeout --foreground -s KILL 20 berth attach --detach-keys=ctrl-a tty1; echo rc=\$?" /dev/null >out;
	tr -d "\r" <out | grep -x "rc=4" &&
	test "$(berth inspect -f {{.State.ExitCode}} tty1)" = 4
'

test_expect_success 'bad detach keys and a piped stdin on a -it container are refused' '
	berth run -dit --name tty2 busybox sh >/dev/null &&
	test_status 1 berth attach --no-stdin --detach-keys=ctrl-xy tty2 2>err &&
	grep "Invalid detach keys (ctrl-xy) provided" err &&
	echo x | test_status 1 berth attach tty2 2>err &&
	grep -x "the input device is not a TTY" err
'

test_expect_success 'attach to a missing container: docker'"'"'s error' '
	test_status 1 berth attach nosuch 2>err &&
	grep "No such container: nosuch" err
'

test_done
