#!/bin/sh
# -t gives a real pty (window size, Ctrl-C reaching the container), -i
# forwards stdin, --init puts a reaper that forwards signals at PID 1.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'without -t the container has no terminal' '
	test_status 1 berth run --rm busybox tty >out &&
	grep "not a tty" out
'

test_expect_success '-t gives it a pty, TERM=xterm, and the caller'"'"'s window size' '
	script -qec "stty rows 33 cols 101; berth run --rm -t busybox sh -c \"tty; stty size; echo \\\$TERM\"" /dev/null >out &&
	tr -d "\r" <out >clean &&
	grep -x "/dev/pts/0" clean &&
	grep -x "33 101" clean &&
	grep -x "xterm" clean
'

test_expect_success '/dev/console is the pty' '
	script -qec "berth run --rm -t busybox sh -c \"test -c /dev/console && echo console-ok\"" /dev/null >out &&
	grep console-ok out
'

test_expect_success '-it: typed input reaches the shell, its exit code comes back' '
	(sleep 1; printf "echo typed-\$((40+2))\rexit 6\r") | script -qec "berth run --rm -it busybox sh" /dev/null >out;
	tr -d "\r" <out | grep -x "typed-42"
'

test_expect_success '-it: Ctrl-C reaches the program in the container' '
	(sleep 1.5; printf "\003"; sleep 1) | script -qec "berth run --name ctrlc -it busybox sh -c \"trap '"'"'echo got-sigint; exit 3'"'"' INT; while true; do sleep 0.1; done\"" /dev/null >out;
	tr -d "\r" <out | grep got-sigint &&
	test "$(berth inspect -f "{{.State.ExitCode}}" ctrlc)" = 3 &&
	berth rm ctrlc >/dev/null
'

test_expect_success '--init: a reaper is PID 1, the command PID 2' '
	berth run --rm --init busybox ps -o pid,args >out &&
	grep -E "^ +1 init -- ps" out &&
	grep -E "^ +[0-9]+ ps -o pid,args" out
'

test_expect_success '--init reaps orphans' '
	berth run --rm --init busybox sh -c "sh -c \"sleep 0.1 &\"; sleep 0.5; ps -o stat,comm" >out &&
	! grep "^Z" out
'

test_expect_success '--init forwards stop'"'"'s SIGTERM: the command ends at once' '
	berth run -d --init --name withinit busybox sleep 1000 >/dev/null &&
	berth stop -t 10 withinit >/dev/null &&
	test "$(berth inspect -f "{{.State.ExitCode}}" withinit)" = 143 &&
	berth rm withinit >/dev/null
'

test_expect_success 'without --init a PID 1 without handlers ignores SIGTERM (docker too)' '
	berth run -d --name noinit busybox sleep 1000 >/dev/null &&
	berth stop -t 1 noinit >/dev/null &&
	test "$(berth inspect -f "{{.State.ExitCode}}" noinit)" = 137 &&
	berth rm noinit >/dev/null
'

test_expect_success 'a foreground run forwards signals it gets (sig-proxy)' '
	berth run --name proxy busybox sh -c "trap \"exit 12\" USR1; while true; do sleep 0.1; done" &
	wait_for "test \"\$(berth inspect -f {{.State.Status}} proxy)\" = running" && sleep 0.3 &&
	kill -USR1 $! && wait $!; rc=$?;
	test $rc = 12 &&
	berth rm proxy >/dev/null
'

test_expect_success 'nothing is left behind' '
	check_no_leaks
'

test_done
