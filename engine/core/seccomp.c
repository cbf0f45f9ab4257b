/* seccomp.c: docker's default seccomp profile (see seccomp.h).
 *
 * The rules below are docker's profiles/seccomp/default.json for x86-64
 * (and its x86/x32 sub-architectures), as data: an allow-list, a few
 * argument filters, and groups allowed only to holders of a capability.
 * Everything else fails with EPERM, as docker's defaultErrnoRet says.
 */
#define _GNU_SOURCE
#include "seccomp.h"
#include "caps.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Bump when the rules or the way they are compiled change: it is part of
 * the cache key, so old cached programs are simply never read again. */
#define PROFILE_VERSION "docker-default-2025.2"

static const char *const allow_always[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
	"clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
	"dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
	"exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
	"fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
	"fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
	"fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
	"futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
	"geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid",
	"getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32",
	"getxattr", "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1",
	"inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "ipc", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32",
	"lgetxattr", "link", "linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr",
	"_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat",
	"mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
	"mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
	"msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
	"_newselect", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
	"pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
	"pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
	"pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv",
	"recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
	"removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir",
	"rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
	"sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
	"sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
	"semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
	"sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
	"setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
	"set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
	"setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
	"sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
	"splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat",
	"sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
	"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
	"unlink", "unlinkat", "uretprobe", "utime", "utimensat", "utimensat_time64", "utimes", "vfork",
	"vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
	NULL,
};

/* Allowed only when the container holds the capability. */
struct cap_group {
	int cap;
	const char *const names[27];
};

static const struct cap_group cap_groups[] = {
	{CAP_DAC_READ_SEARCH, {"open_by_handle_at", NULL}},
	{CAP_SYS_ADMIN,
	 {"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
	  "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount", "mount_setattr", "move_mount",
	  "open_tree", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns",
	  "syslog", "umount", "umount2", "unshare", NULL}},
	{CAP_SYS_BOOT, {"reboot", NULL}},
	{CAP_SYS_CHROOT, {"chroot", NULL}},
	{CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module", NULL}},
	{CAP_SYS_PACCT, {"acct", NULL}},
	{CAP_SYS_PTRACE,
	 {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace", NULL}},
	{CAP_SYS_RAWIO, {"iopl", "ioperm", NULL}},
	{CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64", NULL}},
	{CAP_SYS_TTY_CONFIG, {"vhangup", NULL}},
	{CAP_SYS_NICE, {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", NULL}},
	{CAP_SYSLOG, {"syslog", NULL}},
	{CAP_BPF, {"bpf", NULL}},
	{CAP_PERFMON, {"perf_event_open", NULL}},
};

/* Allowed for everyone on kernels >= 4.8 (all that berth supports):
 * ptrace can no longer bypass seccomp there. */
static const char *const allow_modern[] = {"process_vm_readv", "process_vm_writev", "ptrace", "arch_prctl",
					   "modify_ldt", NULL};

/* personality(2) values docker allows: PER_LINUX, PER_LINUX32,
 * UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff. */
static const uint64_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

/* The namespace flags clone(2) may not use without CAP_SYS_ADMIN
 * (CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP). */
#define CLONE_NS_MASK 0x7E020000ULL
#define AF_VSOCK_NR 40

static bool has_cap(uint64_t caps, int c)
{
	return (caps >> c) & 1;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n, const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp: docker skips it too */
	int rc = seccomp_rule_add_array(ctx, action, nr, n, args);
	/* -EEXIST: the same rule through another group; -EDOM etc.: a
	 * syscall without a number on one of the architectures. */
	return rc == 0 || rc == -EEXIST || rc == -EDOM || rc == -EINVAL ? 0 : rc;
}

static int build(uint64_t caps, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc = 0;

	if (!ctx)
		return -ENOMEM;
	/* docker's archMap: amd64 with its x86 and x32 sub-architectures. */
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && rc != -EEXIST)
			goto fail;
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && rc != -EEXIST)
			goto fail;
	}
	/* Export a program that does not depend on the kernel's seccomp
	 * features at export time beyond what every 4.x kernel has. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree instead of a linear list of ~400 comparisons: every
	 * system call the container makes runs this program, and the kernel
	 * runs it once per syscall number when it is loaded (to build its
	 * allow cache), which made a linear program cost a millisecond. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; allow_always[i]; i++)
		if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, allow_always[i], 0, NULL)) < 0)
			goto fail;
	for (size_t i = 0; allow_modern[i]; i++)
		if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, allow_modern[i], 0, NULL)) < 0)
			goto fail;
	{
		struct scmp_arg_cmp lt = SCMP_A0(SCMP_CMP_LT, AF_VSOCK_NR), gt = SCMP_A0(SCMP_CMP_GT, AF_VSOCK_NR);
		if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &lt)) < 0 ||
		    (rc = add_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &gt)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++) {
		struct scmp_arg_cmp eq = SCMP_A0(SCMP_CMP_EQ, personalities[i]);
		if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, "personality", 1, &eq)) < 0)
			goto fail;
	}
	for (size_t g = 0; g < sizeof(cap_groups) / sizeof(cap_groups[0]); g++) {
		if (!has_cap(caps, cap_groups[g].cap))
			continue;
		for (size_t i = 0; cap_groups[g].names[i]; i++)
			if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, cap_groups[g].names[i], 0, NULL)) < 0)
				goto fail;
	}
	if (!has_cap(caps, CAP_SYS_ADMIN)) {
		/* fork and threads, but no new namespaces; clone3 cannot be
		 * filtered by its flags, so it reports ENOSYS and libc falls
		 * back to clone. */
		struct scmp_arg_cmp m = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NS_MASK, 0);
		if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &m)) < 0 ||
		    (rc = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL)) < 0)
			goto fail;
	}
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc;
}

/* The cache key: what the program depends on, hashed (FNV-1a, 64 bits:
 * a cache key in a directory only root can write, not a security check;
 * and no crypto library to initialise on the hot path). */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= c[i];
		*h *= 0x100000001b3ULL;
	}
}

static char *cache_key(uint64_t caps)
{
	const struct scmp_version *v = seccomp_version();
	uint64_t h = 0xcbf29ce484222325ULL;
	char head[128];

	snprintf(head, sizeof(head), "%s|%u|%u.%u.%u|%016llx", PROFILE_VERSION, seccomp_arch_native(),
		 v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, (unsigned long long)caps);
	fnv(&h, head, strlen(head) + 1);
	for (size_t i = 0; allow_always[i]; i++)
		fnv(&h, allow_always[i], strlen(allow_always[i]) + 1);
	for (size_t g = 0; g < sizeof(cap_groups) / sizeof(cap_groups[0]); g++)
		for (size_t i = 0; cap_groups[g].names[i]; i++)
			fnv(&h, cap_groups[g].names[i], strlen(cap_groups[g].names[i]) + 1);
	return xasprintf("%016llx-%016llx", (unsigned long long)h, (unsigned long long)caps);
}

static int read_program(const char *path, struct sock_fprog *out)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	cleanup_berr berr_t e = NULL;

	if (read_file(path, &buf, &len, &e) < 0)
		return -1;
	if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -1;
	out->len = (unsigned short)(len / sizeof(struct sock_filter));
	out->filter = (struct sock_filter *)steal_pointer(&buf);
	return 0;
}

int seccomp_default_program(struct berth *b, uint64_t caps, struct sock_fprog *out, berr_t *err)
{
	cleanup_free char *key = cache_key(caps);
	cleanup_free char *dir = berth_path(b, "cache/seccomp");
	cleanup_free char *path = xasprintf("%s/%s.bpf", dir, key);
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	scmp_filter_ctx ctx = NULL;
	int rc;

	if (read_program(path, out) == 0)
		return 0;
	/* Not cached yet: compile, export to a temporary file, rename into
	 * place (concurrent first runs each write their own and one wins). */
	if ((rc = build(caps, &ctx)) < 0)
		return berr_make(err, -rc, "cannot build the seccomp profile");
	if (mkdir_p(dir, 0700, err) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	tmp = xasprintf("%s/.%s.%d.tmp", dir, key, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		seccomp_release(ctx);
		return berr_make(err, errno, "cannot create %s", tmp);
	}
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0 || rename(tmp, path) < 0) {
		int e = rc < 0 ? -rc : errno;
		unlink(tmp);
		return berr_make(err, e, "cannot write the seccomp cache %s", path);
	}
	if (read_program(path, out) < 0)
		return berr_make(err, 0, "seccomp cache %s is unreadable", path);
	return 0;
}

int seccomp_install(const struct sock_fprog *prog)
{
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
}
