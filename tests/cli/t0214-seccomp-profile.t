#!/bin/sh
# --security-opt seccomp=PATH: a docker-format profile file, read at create
# time (kept in HostConfig.SecurityOpt as docker does), compiled with
# libseccomp; bad files are refused with one line naming the file.
. "$(dirname "$0")/../lib.sh"

setup_containers

cat >nomkdir.json <<'JSON'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	"syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["no_such_syscall_here"], "action": "SCMP_ACT_ERRNO"},
		{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		 "args": [{"index": 1, "value": 511, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}
	]
}
JSON

test_expect_success 'a profile that denies mkdir with EPERM makes mkdir fail' '
	test_status 1 berth run --rm --security-opt seccomp=nomkdir.json busybox mkdir /x 2>err &&
	grep "Operation not permitted" err
'

test_expect_success 'argument filters apply: chmod 777 denied (EACCES), chmod 755 allowed' '
	berth run --rm --security-opt seccomp=nomkdir.json busybox sh -c "touch /f; chmod 755 /f && ! chmod 777 /f 2>err; cat err" >out &&
	grep "Permission denied" out
'

test_expect_success 'seccomp=unconfined and the default profile still allow mkdir' '
	berth run --rm --security-opt seccomp=unconfined busybox mkdir /x &&
	berth run --rm busybox mkdir /x
'

test_expect_success 'the profile is kept in the container: start and exec use it, the file may go' '
	cp nomkdir.json gone.json &&
	berth create --name keep --security-opt seccomp=gone.json busybox sleep 100 >/dev/null &&
	rm gone.json &&
	berth inspect -f "{{json .HostConfig.SecurityOpt}}" keep | grep -F "seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"" &&
	berth start keep >/dev/null &&
	test_status 1 berth exec keep mkdir /y &&
	berth exec keep touch /y &&
	berth rm -f keep >/dev/null
'

bad_profile() {
	printf "%s" "$2" >"$1" &&
	test_status 125 berth run --rm --security-opt "seccomp=$1" busybox true 2>err &&
	head -n 1 err >first &&
	cat first &&
	grep -F "$1" first &&
	grep -F "$3" first &&
	test -z "$(berth ps -aq)"
}

test_expect_success 'bad profiles: one line naming the file and what is wrong, exit 125' '
	bad_profile p1.json "{\"defaultAction\":" "invalid JSON" &&
	bad_profile p2.json "[]" "not a JSON object" &&
	bad_profile p3.json "{}" "defaultAction: missing" &&
	bad_profile p4.json "{\"defaultAction\":\"SCMP_ACT_NOPE\"}" "defaultAction: unknown action \"SCMP_ACT_NOPE\"" &&
	bad_profile p5.json "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_PDP11\"]}" "architectures[0]: unknown architecture" &&
	bad_profile p6.json "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":9,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}" "syscalls[0].args[0].index: not 0 to 5" &&
	bad_profile p7.json "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":0,\"op\":\"LIKE\"}]}]}" "syscalls[0].args[0].op: unknown operator \"LIKE\"" &&
	bad_profile p8.json "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\"}]}" "syscalls[0]: no names" &&
	bad_profile p9.json "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}" "defaultErrnoRet: not a non-negative number" &&
	bad_profile p10.json "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"caps\":[\"CAP_FLY\"]}}]}" "syscalls[0].includes.caps[0]: not a capability" &&
	test_status 125 berth run --rm --security-opt seccomp=missing.json busybox true 2>err &&
	grep -F "opening seccomp profile (missing.json) failed" err
'

test_expect_success 'includes.caps: a rule only for holders of a capability' '
	cat >capped.json <<-JSON &&
	{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","excludes":{"caps":["CAP_SYS_ADMIN"]}}]}
	JSON
	test_status 1 berth run --rm --security-opt seccomp=capped.json busybox mkdir /x &&
	berth run --rm --cap-add SYS_ADMIN --security-opt seccomp=capped.json busybox mkdir /x
'

test_done
