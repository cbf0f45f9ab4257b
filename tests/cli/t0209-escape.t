#!/bin/sh
# Isolation as strong as docker's defaults, tested from inside: every
# attempt below must fail in a default container.
. "$(dirname "$0")/../lib.sh"

setup_containers

# A static probe for system calls busybox has no applet for; it reports
# each call's errno.
cat >probe.c <<'PROBE'
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>
static void show(const char *what, long rc) { printf("%s: %s\n", what, rc < 0 ? strerrorname_np(errno) : "OK"); }
int main(void) {
	show("keyctl", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "x"));
	show("add_key", syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_PROCESS_KEYRING));
	show("unshare_user", unshare(CLONE_NEWUSER));
	show("unshare_mnt", unshare(CLONE_NEWNS));
	show("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
	show("setns", syscall(SYS_setns, 0, 0));
	show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	show("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x1234567, NULL));
	show("bpf", syscall(SYS_bpf, 0, NULL, 0));
	show("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
	show("init_module", syscall(SYS_init_module, NULL, 0, ""));
	show("clone_newpid", syscall(SYS_clone, CLONE_NEWPID | 17, 0, 0, 0, 0));
	show("sethostname", sethostname("x", 1));
	show("swapon", syscall(SYS_swapon, "/x", 0));
	show("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	return 0;
}
PROBE
if cc -static -O1 -o probe probe.c 2>/dev/null; then
	have_probe=1
else
	have_probe=
fi

test_expect_success 'setup: a default container' '
	berth run -d --name box busybox sleep 1000 >/dev/null
'

test_expect_success 'capabilities are docker'"'"'s 14 (CapEff 00000000a80425fb)' '
	berth exec box grep -E "^Cap(Prm|Eff|Bnd)" /proc/1/status >out &&
	test "$(grep -c 00000000a80425fb out)" = 3 &&
	berth exec box grep -E "^CapInh|^CapAmb" /proc/1/status | grep -c 0000000000000000 | grep -x 2
'

test_expect_success 'seccomp is on (filter mode) for the container'"'"'s processes' '
	berth exec box grep -E "^Seccomp:" /proc/1/status | grep -w 2
'

if [ -n "$have_probe" ]; then
	test_expect_success 'system calls docker denies fail with EPERM' '
		berth cp probe box:/probe &&
		berth exec box /probe >out &&
		cat out &&
		! grep ": OK$" out &&
		for c in keyctl add_key unshare_user unshare_mnt mount setns kexec_load reboot bpf open_by_handle_at init_module clone_newpid sethostname swapon perf_event_open; do
			grep -x "$c: EPERM" out || return 1
		done
	'
else
	test_skip 'system calls docker denies fail with EPERM' 'no static C compiler for the probe'
fi

test_expect_success 'mount and unshare from busybox fail' '
	! berth exec box mount -t tmpfs none /tmp 2>err &&
	! berth exec box unshare -m true 2>>err &&
	! berth exec box nsenter -t 1 -m true 2>>err &&
	! berth exec box hostname changed 2>>err
'

test_expect_success 'a host disk node can be made (CAP_MKNOD) but not opened' '
	berth exec box mknod /tmp/disk b 8 0 &&
	! berth exec box head -c 1 /tmp/disk 2>err &&
	grep -i "not permitted" err &&
	berth exec box mknod /tmp/kmem c 1 2 &&
	! berth exec box head -c 1 /tmp/kmem 2>err
'

test_expect_success '/dev holds only docker'"'"'s nodes' '
	berth exec box ls /dev | sort | tr "\n" " " >out &&
	test "$(cat out)" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " &&
	berth exec box head -c 4 /dev/urandom | wc -c | grep -x 4 &&
	berth exec box ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty >modes &&
	test "$(grep -c "^crw-rw-rw-" modes)" = 6 &&
	berth exec -u nobody box sh -c "echo x >/dev/null && umask" | grep -x 0022
'

test_expect_success '/proc/sys and friends are read-only' '
	! berth exec box sh -c "echo 3 >/proc/sys/vm/drop_caches" 2>err &&
	grep -i "read-only" err &&
	! berth exec box sh -c "echo b >/proc/sysrq-trigger" 2>/dev/null &&
	berth exec box grep -E " /proc/(sys|bus|fs|irq) " /proc/mounts | grep -c "ro," | grep -x 4
'

test_expect_success '/proc/kcore, /proc/keys, /proc/timer_list read as nothing' '
	test -z "$(berth exec box cat /proc/kcore 2>/dev/null)" &&
	test -z "$(berth exec box cat /proc/keys)" &&
	test -z "$(berth exec box cat /proc/timer_list)" &&
	test -z "$(berth exec box ls /sys/firmware)"
'

test_expect_success '/sys and the cgroup filesystem are read-only' '
	! berth exec box touch /sys/kernel/x 2>/dev/null &&
	! berth exec box sh -c "echo 1 >/sys/fs/cgroup/unified/cgroup.procs" 2>/dev/null &&
	berth exec box grep " /sys " /proc/mounts | grep " ro,"
'

test_expect_success 'the host'"'"'s processes, network and files are out of sight' '
	test "$(berth exec box sh -c "ls /proc | grep -c \"^[0-9]*\$\"")" -le 5 &&
	berth exec box ip -o link >out &&
	grep ": lo:" out &&
	# lo and its own eth0 on the default bridge (issue 5), no host interface
	test "$(grep -cv -e ": lo:" -e ": eth0@" out)" = 0 &&
	! berth exec box test -e /work 2>/dev/null
'

test_expect_success 'an image whose /proc is a symlink cannot dodge the masking: it does not start' '
	mkdir evil && ln -s /tmp evil/proc && tar -C evil -cf evil.tar proc &&
	berth create --name evil busybox sh -c "echo x >/proc/sys/kernel/domainname && echo WROTE" >/dev/null &&
	berth cp - evil:/ <evil.tar &&
	test_status 1 berth start -a evil >out 2>err &&
	! grep WROTE out &&
	grep "/proc is not a directory" err &&
	berth rm evil >/dev/null
'

test_expect_success 'no-new-privileges sets the flag; seccomp=unconfined turns the filter off' '
	berth run --rm busybox grep NoNewPrivs /proc/self/status | grep -w 0 &&
	berth run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status | grep -w 1 &&
	berth run --rm --security-opt seccomp=unconfined busybox grep "^Seccomp:" /proc/self/status | grep -w 0
'

test_expect_success '--cap-drop ALL --cap-add CHOWN leaves just CHOWN; --cap-add adds' '
	berth run --rm --cap-drop ALL --cap-add chown busybox grep CapEff /proc/self/status | grep 0000000000000001 &&
	berth run --rm --cap-add NET_ADMIN busybox grep CapEff /proc/self/status | grep 00000000a80435fb &&
	berth run --rm --cap-drop NET_RAW busybox grep CapEff /proc/self/status | grep 00000000a80405fb
'

test_expect_success '--privileged: every capability the host grants, devices, no seccomp, no masking' '
	berth run --rm --privileged busybox sh -c "grep -E \"^(CapEff|Seccomp):\" /proc/self/status; mount -t tmpfs none /tmp && echo mounted; ls /dev | wc -l; grep \" /sys \" /proc/mounts" >out &&
	! grep "00000000a80425fb" out &&
	grep -E "Seccomp:.*0" out &&
	grep mounted out &&
	test "$(sed -n 4p out)" -gt 14 &&
	grep " /sys sysfs rw," out
'

test_expect_success 'nothing is left behind' '
	berth rm -f box >/dev/null &&
	check_no_leaks
'

test_done
