#!/bin/sh
# Image indexes (manifest lists): one name, one image per platform.  berth
# picks the one for this host, or the one --platform asks for, and prints
# the index's digest, as docker does.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry || ! have_python; then
	test_skip 'registry platform tests' 'docker-registry or python3 is not installed'
	test_done
fi
registry_start main || exit 1
python3 "$REG_DATA/oci.py" index "$REG" multi/app v1 >"$TMP/index.digest" || exit 1
HOST_ARCH=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')

test_expect_success 'pull of an index takes the manifest for this host and prints the index digest' '
	berth pull $REG/multi/app:v1 >out &&
	test "$(printed_digest out)" = "$(cat $TMP/index.digest)" &&
	berth image inspect $REG/multi/app:v1 >inspect &&
	test_grep "\"Architecture\": \"$HOST_ARCH\"" inspect &&
	test_grep "\"$REG/multi/app@$(cat $TMP/index.digest)\"" inspect
'

test_expect_success '--platform linux/arm64 takes the arm64 image' '
	BERTH_ROOT=$TMP/root2 berth pull --platform linux/arm64 $REG/multi/app:v1 >out &&
	test "$(printed_digest out)" = "$(cat $TMP/index.digest)" &&
	BERTH_ROOT=$TMP/root2 berth image inspect $REG/multi/app:v1 >inspect &&
	test_grep "\"Architecture\": \"arm64\"" inspect &&
	test_grep "\"Variant\": \"v8\"\|\"Architecture\": \"arm64\"" inspect
'

test_expect_success 'the two platforms are two images with different ids' '
	a=$(berth images -q --no-trunc $REG/multi/app:v1) &&
	b=$(BERTH_ROOT=$TMP/root2 berth images -q --no-trunc $REG/multi/app:v1) &&
	test -n "$a" && test -n "$b" && test "$a" != "$b"
'

test_expect_success 'aliases of a platform name the same image (x86_64, aarch64)' '
	BERTH_ROOT=$TMP/root3 berth pull -q --platform linux/aarch64 $REG/multi/app:v1 >/dev/null &&
	test "$(BERTH_ROOT=$TMP/root3 berth images -q --no-trunc $REG/multi/app:v1)" = \
		"$(BERTH_ROOT=$TMP/root2 berth images -q --no-trunc $REG/multi/app:v1)"
'

test_expect_success 'a platform the index lacks is refused with docker'"'"'s message' '
	test_status 1 env BERTH_ROOT=$TMP/root4 berth pull --platform linux/s390x $REG/multi/app:v1 2>err &&
	test_grep "no matching manifest for linux/s390x in the manifest list entries" err &&
	test_status 1 env BERTH_ROOT=$TMP/root4 berth pull --platform "linux//" $REG/multi/app:v1 2>err &&
	test_grep "unknown operating system or architecture" err
'

test_expect_success 'a single-platform image asked for another platform is refused' '
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null &&
	berth tag busybox $REG/single/app:v1 && berth push $REG/single/app:v1 >/dev/null &&
	test_status 1 env BERTH_ROOT=$TMP/root5 berth pull --platform linux/s390x $REG/single/app:v1 2>err &&
	test_grep "does not match the specified platform: wanted linux/s390x" err
'

test_done
