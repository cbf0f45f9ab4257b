#!/bin/sh
# berth logs: stdout and stderr kept apart, timestamps, --tail, --since,
# -f following a detached container until it stops.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'a foreground run is logged too' '
	berth run --name fg busybox sh -c "echo one; echo two >&2; echo three" >/dev/null 2>&1 &&
	berth logs fg >o 2>e &&
	printf "one\nthree\n" >expect && test_cmp expect o &&
	test "$(cat e)" = two
'

test_expect_success '-t prefixes RFC 3339 timestamps' '
	berth logs -t fg >o 2>/dev/null &&
	grep -E "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z one$" o
'

test_expect_success '-t: lines that came in one write each carry their own timestamp, in order' '
	berth run --name burst busybox printf "a\nb\nc\n" >/dev/null &&
	berth logs -t burst >o &&
	test "$(cut -d" " -f2 o | tr "\n" " ")" = "a b c " &&
	cut -d" " -f1 o >ts &&
	sort -u ts >sorted && test_cmp ts sorted &&
	test "$(wc -l <sorted)" = 3
'

test_expect_success '--tail N keeps the last N lines' '
	berth run --name many busybox sh -c "for i in 1 2 3 4 5; do echo line\$i; done" >/dev/null &&
	berth logs --tail 2 many >o &&
	printf "line4\nline5\n" >expect && test_cmp expect o &&
	test "$(berth logs --tail 0 many | wc -l)" = 0 &&
	test "$(berth logs -n all many | wc -l)" = 5
'

test_expect_success '--since a future time shows nothing, a past one everything' '
	test -z "$(berth logs --since 2099-01-01T00:00:00Z many)" &&
	test "$(berth logs --since 1h many | wc -l)" = 5 &&
	test_status 1 berth logs --since garbage many 2>err &&
	echo "invalid value for \"since\": failed to parse value as time or duration: \"garbage\"" >want &&
	test_cmp want err
'

test_expect_success 'a partial last line comes out as written' '
	berth run --name partial busybox printf "no newline" >/dev/null &&
	test "$(berth logs partial)" = "no newline"
'

test_expect_success 'a detached container is logged by its monitor' '
	berth run -d --name bg busybox sh -c "echo started; echo warn >&2; sleep 0.3; echo done" >/dev/null &&
	berth wait bg >/dev/null &&
	berth logs bg >o 2>e &&
	printf "started\ndone\n" >expect && test_cmp expect o &&
	test "$(cat e)" = warn
'

test_expect_success 'logs -f follows until the container stops' '
	berth run -d --name follow busybox sh -c "for i in 1 2 3; do echo tick\$i; sleep 0.2; done" >/dev/null &&
	berth logs -f follow >o &&
	printf "tick1\ntick2\ntick3\n" >expect && test_cmp expect o
'

test_expect_success 'with a tty, output is logged as the terminal showed it' '
	script -qec "berth run --name tty -t busybox echo tty-line" /dev/null >/dev/null &&
	berth logs tty | tr -d "\r" | grep -x tty-line
'

test_expect_success 'nothing is left behind' '
	berth rm fg burst many partial bg follow tty >/dev/null &&
	check_no_leaks
'

test_done
