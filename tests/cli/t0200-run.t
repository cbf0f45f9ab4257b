#!/bin/sh
# berth run: what a container sees (hostname, PID 1, env, user, working
# directory), docker's ENTRYPOINT/CMD rules and its exit codes.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'run prints what the command prints' '
	berth run --rm busybox echo hello >out &&
	test "$(cat out)" = hello
'

test_expect_success 'the command is PID 1 in its own pid namespace' '
	berth run --rm busybox sh -c "echo \$\$" >out &&
	test "$(cat out)" = 1 &&
	berth run --rm busybox ps -o pid,comm >out &&
	test "$(grep -c . out)" = 2
'

test_expect_success 'the hostname is the first 12 characters of the id, or -h' '
	berth run --name hn busybox hostname >out &&
	id=$(berth inspect -f "{{.Id}}" hn) &&
	test "$(cat out)" = "$(echo $id | cut -c1-12)" &&
	test "$(berth run --rm -h myhost busybox cat /etc/hostname)" = myhost &&
	berth rm hn >/dev/null
'

test_expect_success 'env: the image PATH, HOSTNAME, HOME, -e, --env-file, a bare -e taking the host value' '
	printf "A=from-file\n# comment\nB=2\n" >envfile &&
	HOSTVAR=hostval berth run --rm -e A=1 -e C=3 --env-file envfile -e HOSTVAR -e UNSET_XYZ busybox env >out &&
	grep -x "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" out &&
	grep "^HOSTNAME=" out &&
	grep -x "HOME=/root" out &&
	grep -x "A=1" out && grep -x "B=2" out && grep -x "C=3" out &&
	grep -x "HOSTVAR=hostval" out &&
	! grep UNSET_XYZ out
'

test_expect_success 'user: root by default, -u by name, uid, uid:gid' '
	test "$(berth run --rm busybox id)" = "uid=0(root) gid=0(root) groups=0(root)" &&
	test "$(berth run --rm -u nobody busybox id -u)" = 65534 &&
	test "$(berth run --rm -u 1000 busybox id)" = "uid=1000 gid=0(root) groups=0(root)" &&
	test "$(berth run --rm -u 1000:1000 busybox id)" = "uid=1000 gid=1000 groups=1000" &&
	test "$(berth run --rm -u nobody busybox sh -c "echo \$HOME")" = /home
'

test_expect_success 'a non-root user has no capabilities' '
	berth run --rm -u 1000 busybox grep CapEff /proc/self/status >out &&
	grep "0000000000000000" out
'

test_expect_success 'working directory: / by default, -w, created when missing' '
	test "$(berth run --rm busybox pwd)" = / &&
	test "$(berth run --rm -w /tmp busybox pwd)" = /tmp &&
	test "$(berth run --rm -w /new/dir busybox pwd)" = /new/dir
'

test_expect_success 'CMD is replaced by arguments, ENTRYPOINT by --entrypoint' '
	test "$(berth run --rm --entrypoint echo busybox hi there)" = "hi there" &&
	test "$(berth run --rm --entrypoint "" busybox echo plain)" = plain &&
	berth run --name ep --entrypoint /bin/echo busybox a b >/dev/null &&
	test "$(berth inspect -f "{{.Path}} {{json .Args}}" ep)" = "/bin/echo [\"a\",\"b\"]" &&
	berth rm ep >/dev/null
'

test_expect_success 'the image CMD runs when none is given' '
	echo "echo from-default-sh" | berth run --rm -i busybox >out &&
	test "$(cat out)" = from-default-sh
'

test_expect_success 'exit codes: the program'"'"'s, 126 cannot invoke, 127 not found' '
	test_status 0 berth run --rm busybox true &&
	test_status 1 berth run --rm busybox false &&
	test_status 3 berth run --rm busybox sh -c "exit 3" &&
	test_status 127 berth run --rm busybox nosuchcommand 2>err &&
	grep "exec: \"nosuchcommand\": executable file not found in \$PATH" err &&
	test_status 126 berth run --rm busybox /etc 2>err &&
	grep "permission denied" err &&
	test_status 127 berth run --rm busybox /no/such/file 2>err &&
	grep "no such file or directory" err
'

test_expect_success 'a program killed by a signal exits 128+signal (PID 2 under --init)' '
	test_status 137 berth run --rm --init busybox sh -c "kill -9 \$\$" &&
	test_status 143 berth run --rm --init busybox sh -c "kill -TERM \$\$"
'

test_expect_success 'stdout and stderr stay apart' '
	berth run --rm busybox sh -c "echo out; echo err >&2" >o 2>e &&
	test "$(cat o)" = out && test "$(cat e)" = err
'

test_expect_success 'stdin is /dev/null without -i, a pipe with -i' '
	echo data | berth run --rm busybox cat >out &&
	test ! -s out &&
	echo data | berth run --rm -i busybox cat >out &&
	test "$(cat out)" = data
'

test_expect_success 'the root is read-only with --read-only' '
	! berth run --rm --read-only busybox touch /x 2>err &&
	grep -i "read-only" err &&
	berth run --rm --read-only busybox touch /tmp/../dev/shm/ok
'

test_expect_success 'labels are recorded' '
	berth create --name lab -l a=1 -l flag busybox true >/dev/null &&
	test "$(berth inspect -f "{{.Config.Labels.a}}" lab)" = 1 &&
	berth inspect -f "{{json .Config.Labels}}" lab | grep "\"flag\":\"\"" &&
	berth rm lab >/dev/null
'

test_expect_success '--rm leaves no row, directory, cgroup or process' '
	berth run --rm --name gone busybox true &&
	test_status 1 berth inspect gone 2>/dev/null &&
	check_no_leaks
'

test_expect_success 'a kept container keeps its exit code and output' '
	berth run --name kept busybox sh -c "echo kept-out; exit 4"; test $? = 4 &&
	test "$(berth inspect -f "{{.State.Status}} {{.State.ExitCode}}" kept)" = "exited 4" &&
	test "$(berth logs kept)" = kept-out &&
	berth rm kept >/dev/null
'

test_expect_success 'nothing is left behind' '
	check_no_leaks
'

test_done
