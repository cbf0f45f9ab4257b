#!/bin/sh
# Many berth processes on one root at once, as a class's scripts might run:
# loads of the same image, imports, and removals interleave without a
# half-made layer, a lost tag or a leftover.
. "$(dirname "$0")/../lib.sh"

SEED=$BERTH_BUILD/images/busybox.tar

test_expect_success 'six loads of the same image at once all succeed' '
	for i in 1 2 3 4 5 6; do
		(berth load -i "$SEED" >out.$i 2>err.$i; echo $? >rc.$i) &
	done; wait &&
	for i in 1 2 3 4 5 6; do
		test "$(cat rc.$i)" = 0 && test "$(cat out.$i)" = "Loaded image: busybox:latest" || return 1
	done &&
	test "$(berth images -q | wc -l)" = 1 &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'imports and tags from parallel processes all land' '
	mkdir -p r/etc && echo x >r/etc/x && tar -C r -cf r.tar . &&
	for i in 1 2 3 4 5; do
		(berth import --change "LABEL n=$i" r.tar par:$i >/dev/null 2>err.$i; echo $? >rc.$i) &
	done; wait &&
	for i in 1 2 3 4 5; do test "$(cat rc.$i)" = 0 || { cat err.$i; return 1; }; done &&
	test "$(berth images par -q | wc -l)" = 5 &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'removals racing loads leave a consistent store' '
	for i in 1 2 3; do
		(berth rmi par:$i >/dev/null 2>&1; berth load -i "$SEED" >/dev/null 2>&1) &
	done; wait &&
	test "$(berth images par -q | wc -l)" = 2 &&
	berth image inspect busybox >/dev/null &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_done
