#!/bin/sh
# berth cp in both directions, on running and stopped containers, and
# berth export; container paths resolve inside the container, symlinks
# included.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'setup' '
	berth run -d --name box busybox sleep 1000 >/dev/null &&
	mkdir -p src/sub && echo one >src/a && echo two >src/sub/b && echo file >f
'

test_expect_success 'cp a file out of a running container' '
	berth cp box:/etc/passwd passwd &&
	grep "^root:x:0:0" passwd && ! grep -v -e "^root" -e "^nobody" passwd
'

test_expect_success 'cp a file into a directory of a running container' '
	berth cp f box:/tmp/ &&
	test "$(berth exec box cat /tmp/f)" = file &&
	berth cp f box:/tmp/renamed &&
	test "$(berth exec box cat /tmp/renamed)" = file
'

test_expect_success 'cp a directory in: a new name takes the contents, an existing dir gets it by name' '
	berth cp src box:/tmp/newdir &&
	test "$(berth exec box cat /tmp/newdir/sub/b)" = two &&
	berth cp src box:/tmp &&
	test "$(berth exec box cat /tmp/src/a)" = one &&
	berth cp src/. box:/tmp/contents &&
	test "$(berth exec box cat /tmp/contents/a)" = one
'

test_expect_success 'cp a directory out' '
	berth cp box:/tmp/src out1 &&
	test "$(cat out1/sub/b)" = two &&
	mkdir existing && berth cp box:/tmp/src existing &&
	test "$(cat existing/src/a)" = one
'

test_expect_success 'a trailing slash on a source directory copies it as without one, both ways' '
	berth cp box:/tmp/src/ out2 &&
	test "$(cat out2/sub/b)" = two && test "$(cat out2/a)" = one &&
	! test -e srca && ! test -e out2a &&
	mkdir existing2 && berth cp box:/tmp/src/ existing2 &&
	test "$(cat existing2/src/a)" = one &&
	berth cp src/ box:/tmp/slashed &&
	test "$(berth exec box cat /tmp/slashed/sub/b)" = two &&
	test "$(berth exec box ls /tmp | grep -c "^slashed")" = 1
'

test_expect_success 'cp to and from - streams a tar' '
	berth cp box:/tmp/src - >src.tar &&
	tar -tf src.tar | grep "^src/sub/b$" &&
	mkdir tin && cd tin && tar -cf ../in.tar -C ../src . && cd .. &&
	berth cp - box:/tmp/newdir <in.tar &&
	test "$(berth exec box cat /tmp/newdir/a)" = one
'

test_expect_success 'a missing source is docker'"'"'s error, status 1' '
	test_status 1 berth cp box:/nonexistent x 2>err &&
	grep "Could not find the file /nonexistent in container box" err &&
	test_status 1 berth cp nosuch:/etc/passwd x 2>err &&
	grep "No such container: nosuch" err &&
	test_status 1 berth cp nofile box:/tmp 2>err &&
	echo "lstat $PWD/nofile: no such file or directory" >want && test_cmp want err
'

test_expect_success 'symlinks in the container cannot lead a copy to the host' '
	berth exec box sh -c "ln -s / /tmp/rootlink; ln -s ../../../../../../etc /tmp/uplink" &&
	echo marker-$$ >mark &&
	berth cp mark box:/tmp/rootlink/escaped &&
	test ! -e /escaped &&
	test "$(berth exec box cat /escaped)" = marker-$$ &&
	berth cp box:/tmp/uplink/passwd p2 &&
	test_cmp passwd p2
'

test_expect_success 'cp works on a stopped container too' '
	berth create --name stopped busybox true >/dev/null &&
	berth cp f stopped:/f-in-stopped &&
	berth cp stopped:/f-in-stopped back &&
	test "$(cat back)" = file &&
	test "$(berth run --rm busybox sh -c "test -e /f-in-stopped && echo leak || echo clean")" = clean
'

test_expect_success 'export writes the container filesystem as a tar' '
	berth export box >box.tar &&
	tar -tf box.tar >list &&
	grep -x "bin/busybox" list && grep -x "tmp/f" list &&
	! grep "^proc/." list &&
	berth export -o stopped.tar stopped &&
	tar -tf stopped.tar | grep -x "f-in-stopped"
'

test_expect_success 'export has what docker'"'"'s init layer puts in every container' '
	tar -tvf stopped.tar | sed -E "s/^([^ ]+) +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ /\1 /" >ls &&
	for want in "-rwxr-xr-x .dockerenv" "-rwxr-xr-x dev/console" "drwxr-xr-x dev/pts/" "drwxr-xr-x dev/shm/" \
		"lrwxrwxrwx etc/mtab -> /proc/mounts" "-rwxr-xr-x etc/hostname" "-rwxr-xr-x etc/hosts" \
		"-rwxr-xr-x etc/resolv.conf" "drwxr-xr-x proc/" "drwxr-xr-x sys/"; do
		grep -qx -- "$want" ls || { echo "missing: $want" >&2; return 1; }
	done &&
	test "$(tar -xOf stopped.tar .dockerenv | wc -c)" = 0 &&
	berth run --rm busybox sh -c "test -f /.dockerenv && test ! -s /.dockerenv && readlink /etc/mtab" >out &&
	echo /proc/mounts >want && test_cmp want out &&
	test -z "$(berth diff stopped | grep -v f-in-stopped)"
'

test_expect_success 'export refuses a terminal' '
	script -qec "berth export box" /dev/null >out; grep "cowardly refusing" out
'

test_expect_success 'nothing is left behind' '
	berth rm -f box stopped >/dev/null &&
	check_no_leaks
'

test_done
