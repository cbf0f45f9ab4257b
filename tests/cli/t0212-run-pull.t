#!/bin/sh
# run with an image that is not here yet pulls it first, as docker does;
# --pull always and never.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry; then
	test_skip 'run pulls a missing image' 'no docker-registry'
	test_done
fi
setup_containers
registry_start main || exit 1

test_expect_success 'setup: busybox pushed to a local registry, then removed here' '
	berth tag busybox $REG/lib/busybox:1 &&
	berth push $REG/lib/busybox:1 >/dev/null &&
	berth rmi $REG/lib/busybox:1 >/dev/null &&
	test_status 1 berth image inspect $REG/lib/busybox:1 >/dev/null 2>&1
'

test_expect_success 'run pulls the missing image, says so on stderr, then runs it' '
	berth run --rm $REG/lib/busybox:1 echo pulled-and-ran >out 2>err &&
	test "$(cat out)" = pulled-and-ran &&
	grep "Unable to find image '"'"'$REG/lib/busybox:1'"'"' locally" err &&
	berth image inspect $REG/lib/busybox:1 >/dev/null
'

test_expect_success 'the next run finds it here: no pull' '
	berth run --rm $REG/lib/busybox:1 true 2>err &&
	! grep "Unable to find" err
'

test_expect_success '--pull always pulls even when it is here; --pull never does not' '
	berth run --rm --pull always $REG/lib/busybox:1 true 2>err &&
	grep -i "digest\|up to date\|pull" err &&
	berth rmi $REG/lib/busybox:1 >/dev/null &&
	test_status 125 berth run --rm --pull never $REG/lib/busybox:1 true 2>err &&
	grep "No such image" err
'

test_expect_success 'nothing is left behind' '
	check_no_leaks
'

test_done
