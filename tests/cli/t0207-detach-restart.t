#!/bin/sh
# Detached containers without a daemon: the per-container monitor, restart
# policies, --rm, and what later CLIs see when a monitor dies.
. "$(dirname "$0")/../lib.sh"

setup_containers

monitor_of() {
	sqlite3 "$BERTH_ROOT/berth.db" "SELECT monitor_pid FROM containers WHERE name = '$1'"
}

test_expect_success 'run -d prints the id and leaves a monitor behind' '
	id=$(berth run -d --name d1 busybox sleep 1000) &&
	test ${#id} = 64 &&
	mon=$(monitor_of d1) && test "$mon" -gt 0 &&
	kill -0 "$mon" &&
	test "$(berth inspect -f "{{.State.Running}}" d1)" = true
'

if ldd "$(command -v berth)" 2>/dev/null | grep -q libasan; then
	test_skip 'the monitor is small' 'AddressSanitizer build'
else
	test_expect_success 'the monitor is small' '
		mon=$(monitor_of d1) &&
		rss() { awk "/^VmRSS/ { print \$2 }" /proc/$mon/status; } &&
		# it sheds what starting the container touched before its
		# first wait, which may be a moment after run -d returned
		wait_for "test \$(rss) -lt 2048" ||
		{ echo "monitor RSS: $(rss) kB"; false; }
	'
fi

test_expect_success 'a dead monitor is noticed: the container is reported exited, cleaned up' '
	mon=$(monitor_of d1) &&
	pid=$(berth inspect -f "{{.State.Pid}}" d1) &&
	kill -9 "$mon" &&
	wait_for "! kill -0 $pid" &&
	test "$(berth inspect -f "{{.State.Status}} {{.State.ExitCode}}" d1)" = "exited 137" &&
	berth inspect -f "{{.State.Error}}" d1 | grep "monitor died" &&
	berth ps -a | grep "Exited (137)" &&
	berth rm d1 >/dev/null
'

test_expect_success 'run -d --rm removes the container when it exits; wait still gets its code' '
	berth run -d --rm --name gone busybox sh -c "sleep 1; exit 9" >/dev/null &&
	test "$(berth wait gone)" = 9 &&
	wait_for "test -z \"\$(berth ps -aq)\""
'

test_expect_success 'run -d -t logs what the terminal shows; run -d -i keeps stdin open' '
	berth run -d -t --name dt busybox sh -c "tty; echo on-tty" >/dev/null &&
	berth wait dt >/dev/null &&
	berth logs dt | tr -d "\r" | grep -x on-tty &&
	berth logs dt | grep "/dev/pts/0" &&
	berth run -d -i --name di busybox sh -c "cat; echo stdin-closed" >/dev/null &&
	sleep 0.5 &&
	test "$(berth inspect -f {{.State.Status}} di)" = running &&
	berth rm -f dt di >/dev/null
'

test_expect_success 'on-failure:2 restarts twice, then stays exited' '
	berth run -d --name of --restart on-failure:2 busybox sh -c "echo run; exit 3" >/dev/null &&
	wait_for "test \"\$(berth inspect -f \"{{.State.Status}} {{.RestartCount}}\" of)\" = \"exited 2\"" &&
	test "$(berth inspect -f "{{.State.ExitCode}}" of)" = 3 &&
	test "$(berth logs of | grep -c run)" = 3 &&
	berth rm of >/dev/null
'

test_expect_success 'on-failure does not restart a success' '
	berth run -d --name ok0 --restart on-failure busybox true >/dev/null &&
	wait_for "test \"\$(berth inspect -f {{.State.Status}} ok0)\" = exited" &&
	test "$(berth inspect -f "{{.RestartCount}}" ok0)" = 0 &&
	berth rm ok0 >/dev/null
'

test_expect_success 'always restarts until stopped; stop is final' '
	berth run -d --name al --restart always busybox sh -c "sleep 0.1; exit 1" >/dev/null &&
	wait_for "test \"\$(berth inspect -f {{.RestartCount}} al)\" -ge 2" &&
	berth stop al >/dev/null &&
	n=$(berth inspect -f "{{.RestartCount}}" al) &&
	sleep 0.5 &&
	test "$(berth inspect -f "{{.State.Status}} {{.RestartCount}}" al)" = "exited $n" &&
	berth rm al >/dev/null
'

test_expect_success 'a foreground run with a restart policy returns; the container goes on' '
	test_status 5 berth run --name fgr --restart unless-stopped busybox sh -c "sleep 0.1; exit 5" &&
	wait_for "test \"\$(berth inspect -f {{.RestartCount}} fgr)\" -ge 2" &&
	berth rm -f fgr >/dev/null
'

test_expect_success 'start of a stopped container runs it detached again' '
	berth run --name again busybox sh -c "echo hi" >/dev/null &&
	test "$(berth start again)" = again &&
	wait_for "test \"\$(berth logs again | grep -c hi)\" = 2" &&
	wait_for "test \"\$(berth inspect -f {{.State.Status}} again)\" = exited" &&
	berth start -a again >out && test "$(cat out)" = hi &&
	berth rm again >/dev/null
'

test_expect_success 'a container killed with the CLI in the foreground is reported honestly' '
	berth run --name fgkill busybox sleep 1000 &
	wait_for "test \"\$(berth inspect -f {{.State.Status}} fgkill)\" = running" &&
	kill -9 $! && wait $! 2>/dev/null;
	wait_for "test \"\$(berth inspect -f {{.State.Status}} fgkill)\" = exited" &&
	berth rm fgkill >/dev/null
'

test_expect_success 'nothing is left behind' '
	check_no_leaks
'

test_done
