#!/bin/sh
# When registries fail or lie: one clear line and exit 1, and nothing half
# done left behind (a failed pull stores no blob, no layer, no image).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry; then
	test_skip 'registry failure tests' 'docker-registry is not installed (make deps)'
	test_done
fi
registry_start spoilt || exit 1
SPOILT=$REG SPOILT_STORE=$REG_STORE
registry_start main || exit 1
load_seed
berth tag busybox $REG/me/app:v1 && berth push $REG/me/app:v1 >/dev/null || exit 1

# Nothing of a failed pull may stay in root $1.
nothing_stored() {
	BERTH_ROOT=$1 berth images -q >imgs && test ! -s imgs &&
	test -z "$(ls "$1/blobs/sha256" 2>/dev/null)" &&
	test -z "$(ls "$1/layers" 2>/dev/null | grep -v "^l$")" &&
	BERTH_ROOT=$1 berth system check >check && test_grep "0 problems" check
}

test_expect_success 'a registry that is down: one line, exit 1' '
	test_status 1 berth pull 127.0.0.1:1/me/app:v1 >out 2>err &&
	test "$(wc -l <err)" = 1 &&
	test_grep "^Error: Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused$" err
'

test_expect_success 'a tag the registry does not have: manifest unknown' '
	test_status 1 berth pull $REG/me/app:nope 2>err &&
	test_grep "^Error: manifest for $REG/me/app:nope not found: manifest unknown: manifest unknown$" err &&
	test_status 1 berth pull $REG/nobody/here 2>err &&
	test_grep "not found: manifest unknown" err
'

test_expect_success 'a malformed reference is refused before any request' '
	test_status 1 berth pull "$REG/Me/App" 2>err &&
	test_grep "invalid reference format" err
'

test_expect_success 'a blob corrupted on the registry'"'"'s disk fails with a digest error, storing nothing' '
	berth tag busybox $SPOILT/corrupt/app:v1 && berth push $SPOILT/corrupt/app:v1 >/dev/null &&
	data=$(ls -S "$SPOILT_STORE"/docker/registry/v2/blobs/sha256/*/*/data | head -n 1) &&
	size=$(stat -c %s "$data") && test "$size" -gt 100000 &&
	printf "XXXXXXXXXXXXXXXX" | dd of="$data" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null &&
	test "$(stat -c %s "$data")" = "$size" &&
	test_status 1 env BERTH_ROOT=$TMP/root2 berth pull $SPOILT/corrupt/app:v1 >out 2>err &&
	test "$(wc -l <err)" = 1 &&
	test_grep "^Error: filesystem layer verification failed for digest sha256:[0-9a-f]*: digest mismatch" err &&
	nothing_stored $TMP/root2
'

test_expect_success 'a root with images of its own keeps them as they were' '
	mkdir -p src && echo hello >src/hello && tar -C src -cf hello.tar hello &&
	BERTH_ROOT=$TMP/root6 berth import hello.tar mine:v1 >/dev/null &&
	BERTH_ROOT=$TMP/root6 berth images | awk "{print \$1, \$2, \$3}" >before &&
	ls $TMP/root6/blobs/sha256 >blobs.before &&
	test_status 1 env BERTH_ROOT=$TMP/root6 berth pull $SPOILT/corrupt/app:v1 >/dev/null 2>&1 &&
	BERTH_ROOT=$TMP/root6 berth images | awk "{print \$1, \$2, \$3}" >after && test_cmp before after &&
	ls $TMP/root6/blobs/sha256 >blobs.after && test_cmp blobs.before blobs.after &&
	BERTH_ROOT=$TMP/root6 berth system check >check && test_grep "0 problems" check
'

if have_python; then
	fake_start bigmanifest "$REG" || exit 1
	BIG=$FAKE BIG_LOG=$FAKE_LOG
	fake_start stall || exit 1
	STALL=$FAKE
	fake_start flaky "$REG" || exit 1
	FLAKY=$FAKE FLAKY_LOG=$FAKE_LOG

	test_expect_success 'a manifest larger than 4 MiB is refused without reading it all' '
		test_status 1 env BERTH_ROOT=$TMP/root3 berth pull $BIG/me/app:big 2>err &&
		test_grep "manifest for $BIG/me/app:big is larger than 4 MiB: refused" err &&
		sleep 0.5 && test_grep "big manifest: client hung up" $BIG_LOG &&
		nothing_stored $TMP/root3
	'

	test_expect_success 'a registry that accepts and never answers times out with a clear message' '
		test_status 1 env BERTH_REGISTRY_TIMEOUT=2 berth pull $STALL/me/app:v1 2>err &&
		test_grep "^Error: Get \"http://$STALL/v2/\": timeout: the registry did not answer for 2 seconds" err
	'

	test_expect_success 'a blob download cut halfway is resumed with a Range request' '
		BERTH_ROOT=$TMP/root4 berth pull $FLAKY/me/app:v1 >out &&
		test_grep "Pull complete" out &&
		test_grep "^cut after " $FLAKY_LOG &&
		test_grep "^range bytes=[1-9][0-9]*-$" $FLAKY_LOG &&
		BERTH_ROOT=$TMP/root4 berth system check >check && test_grep "0 problems" check
	'
else
	test_skip 'misbehaving registry tests' 'python3 is not installed'
fi

test_expect_success 'a daemon.json berth cannot read is named in the error' '
	mkdir -p $TMP/root5 && echo "{bad" >$TMP/root5/daemon.json &&
	test_status 1 env BERTH_ROOT=$TMP/root5 berth pull $REG/me/app:v1 2>err &&
	test_grep "daemon.json: invalid JSON" err &&
	echo "{\"registry-mirrors\": [\"ftp://mirror\"]}" >$TMP/root5/daemon.json &&
	test_status 1 env BERTH_ROOT=$TMP/root5 berth pull busybox 2>err &&
	test_grep "invalid mirror: unsupported scheme" err &&
	echo "{\"insecure-registries\": [\"http://x:5000\"]}" >$TMP/root5/daemon.json &&
	test_status 1 env BERTH_ROOT=$TMP/root5 berth pull busybox 2>err &&
	test_grep "insecure registry http://x:5000 should not contain" err
'

test_done
