#!/bin/sh
# Many CLIs at once: no daemon serialises them, berth.db and the kernel do.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success '20 concurrent run --rm all succeed and leave nothing' '
	for i in $(seq 20); do
		(berth run --rm busybox sh -c "echo run-$i" >out.$i 2>err.$i; echo $? >rc.$i) &
	done;
	wait &&
	for i in $(seq 20); do
		test "$(cat rc.$i)" = 0 || { cat err.$i; return 1; }
		test "$(cat out.$i)" = "run-$i" || return 1
		test ! -s err.$i || { cat err.$i; return 1; }
	done &&
	check_no_leaks
'

test_expect_success '10 concurrent run -d with generated names, then concurrent rm -f' '
	for i in $(seq 10); do
		(berth run -d busybox sleep 1000 >id.$i 2>derr.$i) &
	done;
	wait &&
	test "$(berth ps -q | wc -l)" = 10 &&
	test "$(berth ps --format "{{.Names}}" | sort -u | wc -l)" = 10 &&
	for id in $(cat id.*); do
		berth rm -f $id >/dev/null &
	done;
	wait &&
	check_no_leaks
'

test_expect_success 'two runs racing for one name: one wins, one gets the conflict' '
	(berth run -d --name race busybox sleep 1000 >r1 2>e1; echo $? >s1) &
	(berth run -d --name race busybox sleep 1000 >r2 2>e2; echo $? >s2) &
	wait &&
	test "$(cat s1 s2 | sort | tr "\n" " ")" = "0 125 " &&
	cat e1 e2 | grep "is already in use" &&
	berth rm -f race >/dev/null &&
	check_no_leaks
'

test_done
