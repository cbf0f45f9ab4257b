#!/bin/sh
# build pulls a base image it lacks, as docker build does, and --pull asks
# the registry again even when the image is here.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry; then
	test_skip 'build pulls a missing base image' 'no docker-registry'
	test_done
fi
setup_containers
registry_start main || exit 1
mkdir ctx

test_expect_success 'setup: busybox pushed to a local registry, then removed here' '
	berth tag busybox $REG/lib/busybox:1 &&
	berth push $REG/lib/busybox:1 >/dev/null &&
	berth rmi $REG/lib/busybox:1 >/dev/null &&
	test_status 1 berth image inspect $REG/lib/busybox:1 >/dev/null 2>&1
'

test_expect_success 'FROM a missing image pulls it, then builds' '
	printf "FROM $REG/lib/busybox:1\nRUN echo pulled >/p\n" >ctx/Dockerfile &&
	berth build -q -t frompull ctx >/dev/null &&
	test "$(berth run --rm frompull cat /p)" = pulled &&
	berth image inspect $REG/lib/busybox:1 >/dev/null
'

test_expect_success '--pull asks the registry even with the image here; an unknown tag fails with its line' '
	berth build -q --pull -t frompull ctx >/dev/null &&
	printf "FROM $REG/lib/busybox:nope\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:1: failed to resolve source metadata for $REG/lib/busybox:nope" err
'

test_done
