/* runtime.c: clone into namespaces, build the mount table, pivot_root,
 * drop privileges, execve (see runtime.h).
 *
 * Order in the child, and why:
 *   1. die with the parent (PDEATHSIG), join the cgroup, then unshare the
 *      cgroup namespace, so the container sees its own cgroup as "/";
 *   2. make every mount private, mount the root, then /proc, /dev, /sys and
 *      the /etc files on top, each target opened with RESOLVE_IN_ROOT so a
 *      symlink in the image cannot redirect a mount onto the host;
 *   3. mask and write-protect docker's /proc and /sys paths, pivot_root,
 *      detach the old root;
 *   4. hostname, loopback up, stdio, user, HOME, working directory, rlimits;
 *   5. seccomp (while CAP_SYS_ADMIN is still held, unless no-new-privileges
 *      lets an unprivileged process load it last), setgroups/setgid/setuid,
 *      capabilities, execve.
 * Memory is only allocated by libc calls the child owns (it is a fork, not
 * a thread), and no library but libc is touched after clone.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "mounts.h"
#include "caps.h"
#include "cleanup.h"
#include "seccomp.h"
#include "usergroup.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif


/* ---- messages from the child ---------------------------------------- */

enum { MSG_ERROR = 1, MSG_PTY = 2, MSG_PID = 3 };

struct child_msg {
	int kind;
	int status;     /* exit status the CLI should report */
	int pid;        /* MSG_PID */
	char text[1024];
};

/* Report a failure to the parent and exit with its status. */
__attribute__((noreturn, format(printf, 3, 4))) static void child_fail(int sock, int status, const char *fmt, ...)
{
	struct child_msg m = {.kind = MSG_ERROR, .status = status};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (sock >= 0)
		(void)!send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	_exit(status);
}

#define FAIL(sock, fmt, ...) child_fail(sock, 125, fmt ": %s", ##__VA_ARGS__, strerror(errno))

static int send_fd(int sock, int kind, int fd)
{
	struct child_msg m = {.kind = kind};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&m, sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Receive one message (and a passed fd, if any).  0 at EOF. */
static ssize_t recv_msg(int sock, struct child_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return n;
}

/* ---- mount helpers (child) ------------------------------------------ */

static char fdpath_buf[64];

static const char *fdpath(int fd)
{
	snprintf(fdpath_buf, sizeof(fdpath_buf), "/proc/self/fd/%d", fd);
	return fdpath_buf;
}

/* Open (creating if missing) a directory or file below rootfd, every
 * component resolved inside the root.  Returns an O_PATH fd. */
static int ensure_in_root(int rootfd, const char *path, bool dir)
{
	char buf[4096];
	int fd;

	fd = open_in_root(rootfd, path, O_PATH | (dir ? O_DIRECTORY : 0), 0);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	snprintf(buf, sizeof(buf), "%s", path);
	char *slash = strrchr(buf, '/');
	const char *leaf = slash ? slash + 1 : buf;
	int pfd;
	if (slash && slash != buf) {
		*slash = '\0';
		pfd = ensure_in_root(rootfd, buf, true);
	} else {
		pfd = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	}
	if (pfd < 0 || mountpoint_create_leaf(pfd, leaf, dir) < 0)
		return -1;
	return open_in_root(rootfd, path, O_PATH | (dir ? O_DIRECTORY : 0), 0);
}

/* /proc, /dev and /sys must be plain directories of the image: everything
 * below them (device nodes, masked and read-only paths, the cgroup mounts)
 * is then set up by path under our own fresh mounts.  A symlink there (an
 * image making /proc point elsewhere to escape the masking) is refused. */
static int real_dir_in_root(int rootfd, const char *name)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, rootfd, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(rootfd, name, 0755) < 0 && errno != EEXIST)
			return -1;
		fd = (int)syscall(SYS_openat2, rootfd, name, &how, sizeof(how));
	}
	return fd;
}

/* Mount onto a path inside the root (resolved safely). */
static int mount_in_root(int rootfd, const char *src, const char *target, const char *type, unsigned long flags,
			 const char *data, bool dir)
{
	int fd = ensure_in_root(rootfd, target, dir);
	int rc;
	if (fd < 0)
		return -1;
	rc = mount(src, fdpath(fd), type, flags, data);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* docker's masked paths: hidden behind /dev/null or an empty read-only
 * tmpfs. */
static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
	"/sys/firmware", NULL,
};

/* docker's read-only paths: bind-mounted onto themselves read-only. */
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct devnode {
	const char *name;
	unsigned maj, min;
};

static const struct devnode devnodes[] = {
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static void setup_dev(int sock, const char *root)
{
	char p[4200];
	int devfd;

	snprintf(p, sizeof(p), "%s/dev", root);
	devfd = open(p, O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (devfd < 0)
		FAIL(sock, "cannot open /dev");
	for (size_t i = 0; i < sizeof(devnodes) / sizeof(devnodes[0]); i++)
		if (mknodat(devfd, devnodes[i].name, S_IFCHR | 0666, makedev(devnodes[i].maj, devnodes[i].min)) < 0)
			FAIL(sock, "cannot create /dev/%s", devnodes[i].name);
	if (symlinkat("/proc/self/fd", devfd, "fd") < 0 || symlinkat("/proc/self/fd/0", devfd, "stdin") < 0 ||
	    symlinkat("/proc/self/fd/1", devfd, "stdout") < 0 || symlinkat("/proc/self/fd/2", devfd, "stderr") < 0 ||
	    symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		FAIL(sock, "cannot create /dev links");
	if (mkdirat(devfd, "pts", 0755) < 0 || mkdirat(devfd, "shm", 01777) < 0 || mkdirat(devfd, "mqueue", 01777) < 0)
		FAIL(sock, "cannot create /dev directories");
	close(devfd);
	snprintf(p, sizeof(p), "%s/dev/pts", root);
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		FAIL(sock, "cannot mount /dev/pts");
	snprintf(p, sizeof(p), "%s/dev/shm", root);
	if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
		FAIL(sock, "cannot mount /dev/shm");
	snprintf(p, sizeof(p), "%s/dev/mqueue", root);
	if (mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		FAIL(sock, "cannot mount /dev/mqueue");
}

/* --privileged: every device node of the host's /dev (as docker adds them
 * all), made in the container's /dev tmpfs; what the container's own /dev
 * already has, and the kernel-managed pts, shm and mqueue, are left. */
static void copy_host_devices(int sock, const char *hostdir, const char *dst, int depth)
{
	DIR *d = opendir(hostdir);
	struct dirent *e;

	if (!d || depth > 3) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		char src[4200], to[4400];
		struct stat st;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "pts") || !strcmp(e->d_name, "shm") ||
		    !strcmp(e->d_name, "mqueue") || !strcmp(e->d_name, "fd"))
			continue;
		snprintf(src, sizeof(src), "%s/%s", hostdir, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dst, e->d_name);
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(to, st.st_mode & 07777) < 0 && errno != EEXIST)
				continue;
			copy_host_devices(sock, src, to, depth + 1);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			if (mknod(to, st.st_mode, st.st_rdev) == 0)
				(void)!lchown(to, st.st_uid, st.st_gid);
		}
	}
	closedir(d);
}

/* /sys/fs/cgroup: the container's own cgroups, read-only.  Inside its
 * cgroup namespace a fresh cgroup mount shows only its subtree. */
static void setup_cgroupfs(int sock, const char *root, const struct cgroup *cg)
{
	char base[4200], p[4400];
	const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (!cg || cg->n == 0)
		return;
	snprintf(base, sizeof(base), "%s/sys/fs/cgroup", root);
	if (cg->mode == CGROUP_V2) {
		if (mount("cgroup2", base, "cgroup2", ro, NULL) < 0)
			FAIL(sock, "cannot mount /sys/fs/cgroup");
		return;
	}
	if (mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		FAIL(sock, "cannot mount /sys/fs/cgroup");
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_dir *d = &cg->dirs[i];
		const char *dirname = d->v2 ? "unified" : strncmp(d->name, "name=", 5) == 0 ? d->name + 5 : d->name;
		snprintf(p, sizeof(p), "%s/%s", base, dirname);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			FAIL(sock, "cannot create %s", p);
		if (d->v2) {
			if (mount("cgroup2", p, "cgroup2", ro, NULL) < 0)
				FAIL(sock, "cannot mount cgroup2 on %s", p);
		} else if (mount("cgroup", p, "cgroup", ro, d->name) < 0) {
			FAIL(sock, "cannot mount cgroup %s", d->name);
		}
	}
	if (mount(NULL, base, NULL, MS_REMOUNT | ro, "mode=755") < 0)
		FAIL(sock, "cannot make /sys/fs/cgroup read-only");
}

static void mask_paths(int sock, const char *root)
{
	char p[4200], null[4200];
	struct stat st;

	snprintf(null, sizeof(null), "%s/dev/null", root);
	for (size_t i = 0; masked_paths[i]; i++) {
		snprintf(p, sizeof(p), "%s%s", root, masked_paths[i]);
		if (lstat(p, &st) < 0)
			continue; /* absent on this kernel: nothing to hide */
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) < 0)
				FAIL(sock, "cannot mask %s", masked_paths[i]);
		} else if (mount(null, p, NULL, MS_BIND, NULL) < 0) {
			FAIL(sock, "cannot mask %s", masked_paths[i]);
		}
	}
	for (size_t i = 0; readonly_paths[i]; i++) {
		snprintf(p, sizeof(p), "%s%s", root, readonly_paths[i]);
		if (lstat(p, &st) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(p, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REC, NULL) < 0)
			FAIL(sock, "cannot make %s read-only", readonly_paths[i]);
	}
}

/* The pty for -t, from the container's own devpts instance: the master
 * goes to the parent, the slave becomes the console and stdio. */
static int setup_pty(int sock, const char *root, const struct proc_spec *p)
{
	char path[4200];
	int master, slave, n = 0, unlock = 0;
	struct winsize ws = {.ws_row = p->rows, .ws_col = p->cols};

	snprintf(path, sizeof(path), "%s/dev/pts/ptmx", root ? root : "");
	master = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		FAIL(sock, "cannot open %s", path);
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		FAIL(sock, "cannot unlock the pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		FAIL(sock, "cannot open the pty");
	if (ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
	if (root) {
		char pts[4300], console[4300];
		snprintf(pts, sizeof(pts), "%s/dev/pts/%d", root, n);
		snprintf(console, sizeof(console), "%s/dev/console", root);
		int f = open(console, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (f >= 0)
			close(f);
		if (mount(pts, console, NULL, MS_BIND, NULL) < 0)
			FAIL(sock, "cannot bind /dev/console");
	}
	if (send_fd(sock, MSG_PTY, master) < 0)
		FAIL(sock, "cannot pass the pty");
	close(master);
	return slave;
}

static void loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* ---- the process: stdio, user, security, exec (child) -------------- */

/* Move fds to 0, 1, 2 even if some of them already sit there. */
static void install_stdio(int sock, int in, int out, int errfd)
{
	int fds[3] = {in, out, errfd};
	for (int i = 0; i < 3; i++) {
		int hi = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		if (hi < 0)
			FAIL(sock, "cannot set up stdio");
		fds[i] = hi;
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			FAIL(sock, "cannot set up stdio");
		close(fds[i]);
	}
}

static bool env_has(char **env, const char *key)
{
	size_t n = strlen(key);
	for (char **e = env; e && *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return true;
	return false;
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (char **e = env; e && *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* mkdir -p inside the (already pivoted) root, owned by root, 0755: docker
 * creates a missing WorkingDir at create time. */
static int mkdir_all(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* execve with docker's (Go's exec.LookPath) rules and messages. */
__attribute__((noreturn)) static void do_exec(int sock, char **argv, char **env)
{
	const char *name = argv[0];

	if (!name || !*name)
		child_fail(sock, 127, "exec: \"\": executable file not found in $PATH");
	if (strchr(name, '/')) {
		execve(name, argv, env);
		if (errno == ENOENT || errno == ENOTDIR)
			child_fail(sock, 127, "exec: \"%s\": stat %s: no such file or directory", name, name);
		if (errno == EACCES || errno == EISDIR || errno == EPERM)
			child_fail(sock, 126, "exec: \"%s\": permission denied", name);
		child_fail(sock, 126, "exec: \"%s\": %s", name, strerror(errno));
	}
	const char *path = env_get(env, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char buf[4096];
	for (const char *p = path;;) {
		size_t len = strcspn(p, ":");
		if (len == 0)
			snprintf(buf, sizeof(buf), "./%s", name);
		else
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, name);
		execve(buf, argv, env);
		/* Go's LookPath skips what is missing or not executable. */
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES && errno != EISDIR && errno != EPERM)
			child_fail(sock, 126, "exec: \"%s\": %s", name, strerror(errno));
		p += len;
		if (!*p)
			break;
		p++;
	}
	child_fail(sock, 127, "exec: \"%s\": executable file not found in $PATH", name);
}

/* Everything from "we are in the container's root" to execve; shared by
 * run (after pivot_root) and exec (after setns).  `stdio` are the fds to
 * install when there is no tty.  With `init`, PID 1 stays behind as the
 * reaper and a child execs the command. */
/* A new process starts with every signal at its default and none blocked,
 * whatever the CLI or the monitor had set (SIGPIPE ignored, SIGUSR1
 * blocked...): both survive execve otherwise. */
static void reset_signals(void)
{
	sigset_t none;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn)) static void finish_and_exec(int sock, const struct proc_spec *p, int slave, const int stdio[3],
							bool init)
{
	reset_signals();
	struct exec_user u;
	cleanup_berr berr_t err = NULL;
	char **env;
	size_t n = 0;
	int rootfd;

	if (p->tty) {
		if (setsid() < 0 && errno != EPERM)
			FAIL(sock, "setsid");
		if (ioctl(slave, TIOCSCTTY, 0) < 0)
			FAIL(sock, "cannot set the controlling terminal");
		install_stdio(sock, slave, slave, slave);
		close(slave);
	} else {
		setsid();
		install_stdio(sock, stdio[0], stdio[1], stdio[2]);
	}

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		FAIL(sock, "cannot open /");
	if (user_resolve(rootfd, p->user, &u, &err) < 0)
		child_fail(sock, 125, "%s", err->msg);
	close(rootfd);

	/* HOME comes from the user's passwd entry (or "/"), unless set. */
	while (p->env && p->env[n])
		n++;
	env = calloc(n + 2, sizeof(char *));
	if (!env)
		child_fail(sock, 125, "out of memory");
	memcpy(env, p->env, n * sizeof(char *));
	if (!env_has(env, "HOME") && asprintf(&env[n], "HOME=%s", u.home) < 0)
		child_fail(sock, 125, "out of memory");

	if (p->cwd && *p->cwd) {
		if (p->cwd_must_exist) {
			if (chdir(p->cwd) < 0) {
				char msg[64];
				/* Go's lower-case wording of the errno */
				snprintf(msg, sizeof(msg), "%s", strerror(errno));
				msg[0] = (char)tolower((unsigned char)msg[0]);
				child_fail(sock, 126, "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd, msg);
			}
		} else if (mkdir_all(p->cwd) < 0 && errno != EEXIST)
			FAIL(sock, "cannot create working directory %s", p->cwd);
		if (chdir(p->cwd) < 0)
			FAIL(sock, "chdir to cwd (\"%s\") set in config.json failed", p->cwd);
	} else if (chdir("/") < 0) {
		FAIL(sock, "chdir /");
	}

	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {(rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			FAIL(sock, "cannot set ulimit");
	}
	umask(022);

	/* Privileges.  The bounding set first (needs CAP_SETPCAP), seccomp
	 * while CAP_SYS_ADMIN allows loading it without no_new_privs. */
	if (caps_prepare(p->caps) < 0)
		FAIL(sock, "cannot drop capabilities");
	if (p->seccomp && !p->no_new_privs && seccomp_install(p->seccomp) < 0)
		FAIL(sock, "cannot load the seccomp profile");
	if (setgroups(u.ngroups, u.groups) < 0)
		FAIL(sock, "setgroups");
	if (setresgid(u.gid, u.gid, u.gid) < 0)
		FAIL(sock, "setgid %u", (unsigned)u.gid);
	if (setresuid(u.uid, u.uid, u.uid) < 0)
		FAIL(sock, "setuid %u", (unsigned)u.uid);
	if (caps_apply(p->caps) < 0)
		FAIL(sock, "cannot set capabilities");
	if (p->no_new_privs) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			FAIL(sock, "no_new_privs");
		if (p->seccomp && seccomp_install(p->seccomp) < 0)
			FAIL(sock, "cannot load the seccomp profile");
	}

	/* Nothing of ours may leak into the container: every other fd closes
	 * on exec (the socket too, which tells the parent we made it). */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

	if (init) {
		/* Named before the fork: the command may look at PID 1 (ps)
		 * the moment it runs. */
		char **argv = init_name(p->argv);
		if (argv == NULL)
			FAIL(sock, "out of memory");
		pid_t child = runtime_fork();
		if (child < 0)
			FAIL(sock, "fork");
		if (child == 0) {
			/* A process group of its own, in the foreground of the tty,
			 * so Ctrl-C reaches the program and not the reaper. */
			setpgid(0, 0);
			if (p->tty) {
				signal(SIGTTOU, SIG_IGN);
				tcsetpgrp(0, getpid());
				signal(SIGTTOU, SIG_DFL);
			}
			do_exec(sock, argv, env);
		}
		/* The reaper keeps only stdio: the socket must close when the
		 * child execs, and nothing else of ours stays in the container. */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		init_reaper(child, p->tty);
	}
	do_exec(sock, p->argv, env);
}

struct child_args {
	const struct run_spec *s;
	int sock;
	int alive;      /* read end: POLLHUP once the parent is gone */
	int stdio[3];
	int cg_fds[CGROUP_MAX_DIRS]; /* cgroup.procs still to join */
	int n_cg_fds;
	/* Set by the parent before each clone attempt: the cgroup.procs to
	 * write when cloned into the cgroup2 node, or all of them. */
	const int *procs_into, *procs_all;
	int n_into, n_all;
	bool into;
	int parent_only[2];  /* the parent's ends: closed in the child */
};

__attribute__((noreturn)) static void child_main(struct child_args *a)
{
	const struct run_spec *s = a->s;
	const struct proc_spec *p = &s->proc;
	int sock = a->sock, rootfd, slave = -1;
	cleanup_berr berr_t err = NULL;
	struct pollfd pfd = {a->alive, POLLIN, 0};
	char path[4200];
	const char *root = s->rootfs_dir;

	/* Device nodes and mount points get exactly the modes asked for (the
	 * caller's umask would make /dev/null 0644); the program gets 022. */
	umask(0);
	close(a->parent_only[0]);
	close(a->parent_only[1]);
	a->n_cg_fds = a->into ? a->n_into : a->n_all;
	memcpy(a->cg_fds, a->into ? a->procs_into : a->procs_all, sizeof(int) * (size_t)a->n_cg_fds);
	/* Never outlive whoever started us: the monitor or the CLI. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		FAIL(sock, "prctl");
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP))
		_exit(125);
	close(a->alive);
	/* Not dumpable until execve: no process in the container may open
	 * our /proc/PID/exe (the host binary) while we set up. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	if (cgroup_join_fds(a->cg_fds, (size_t)a->n_cg_fds) < 0)
		FAIL(sock, "cannot join the container's cgroup");
	for (int i = 0; i < a->n_cg_fds; i++)
		close(a->cg_fds[i]);
	/* The network namespace the parent prepared (endpoint.h). */
	if (s->net_join && setns(s->netns_fd, CLONE_NEWNET) < 0)
		FAIL(sock, "cannot join the container's network namespace");
	if (s->net_join)
		close(s->netns_fd);
	if (unshare(CLONE_NEWCGROUP) < 0)
		FAIL(sock, "cannot create a cgroup namespace");

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		FAIL(sock, "cannot make mounts private");
	if (s->mount_rootfs(s->mount_ctx, root, &err) < 0)
		child_fail(sock, 125, "%s", err->msg);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		FAIL(sock, "cannot open the root filesystem");

	{
		static const char *const top[] = {"proc", "dev", "sys"};
		for (size_t i = 0; i < 3; i++) {
			int fd = real_dir_in_root(rootfd, top[i]);
			if (fd < 0)
				FAIL(sock, "the image's /%s is not a directory", top[i]);
			close(fd);
		}
	}
	if (mount_in_root(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true) < 0)
		FAIL(sock, "cannot mount /proc");
	if (mount_in_root(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", true) < 0)
		FAIL(sock, "cannot mount /dev");
	/* From here on /proc, /dev and /sys are our own fresh mounts: paths
	 * below them are ours, not the image's. */
	snprintf(path, sizeof(path), "%s", root);
	setup_dev(sock, path);
	if (s->privileged) {
		char dev[4200];
		snprintf(dev, sizeof(dev), "%s/dev", path);
		copy_host_devices(sock, "/dev", dev, 0);
	}
	/* docker: /sys is read-only, except for --privileged. */
	if (mount_in_root(rootfd, "sysfs", "/sys", "sysfs", (s->privileged ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL, true) < 0)
		FAIL(sock, "cannot mount /sys");
	setup_cgroupfs(sock, path, s->cg);
	/* Volumes, binds, tmpfs (mounts.h), after docker's own mounts as in
	 * docker's OCI spec, so a -v onto /dev/... stays visible. */
	if (s->n_mounts && mounts_apply(rootfd, s->mounts, s->n_mounts, &err) < 0)
		child_fail(sock, 125, "%s", err->msg);
	/* The /etc files last, on top of everything (docker sorts them after
	 * the mounts of their parents).  A symlink among them resolves inside
	 * the root, at worst onto the container's own /proc or /dev: no
	 * escape, only the image's own confusion. */
	{
		static const char *const files[] = {"hostname", "hosts", "resolv.conf"};
		for (size_t i = 0; i < 3; i++) {
			char src[4200], dst[64];
			snprintf(src, sizeof(src), "%s/%s", s->container_dir, files[i]);
			snprintf(dst, sizeof(dst), "/etc/%s", files[i]);
			if (mount_in_root(rootfd, src, dst, NULL, MS_BIND, NULL, false) < 0)
				FAIL(sock, "cannot mount %s", dst);
		}
	}
	if (p->tty)
		slave = setup_pty(sock, path, p);
	if (!s->privileged)
		mask_paths(sock, path);

	if (fchdir(rootfd) < 0)
		FAIL(sock, "cannot enter the root filesystem");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		FAIL(sock, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		FAIL(sock, "cannot detach the old root");
	if (chdir("/") < 0)
		FAIL(sock, "chdir /");
	close(rootfd);
	if (s->read_only && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		FAIL(sock, "cannot make the root filesystem read-only");

	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		FAIL(sock, "sethostname");
	loopback_up();
	finish_and_exec(sock, p, slave, a->stdio, s->init);
}

/* Not under AddressSanitizer, which takes the child's own stack for a
 * corrupted one. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
/* clone3 with the child on a stack of its own, running fn(arg) and exiting
 * with its result: what clone(2)'s glibc wrapper does, for clone3 (which
 * glibc does not wrap).  fn and arg travel in r12/r13, which the kernel
 * leaves alone across the system call. */
__asm__(".text\n"
	".globl berth_clone3_fn\n"
	".type berth_clone3_fn,@function\n"
	"berth_clone3_fn:\n"
	"	push %r12\n"
	"	push %r13\n"
	"	mov %rdx, %r12\n"
	"	mov %rcx, %r13\n"
	"	mov $435, %eax\n" /* SYS_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	mov %r13, %rdi\n"
	"	call *%r12\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n" /* SYS_exit */
	"	syscall\n"
	"	hlt\n"
	"1:	pop %r13\n"
	"	pop %r12\n"
	"	ret\n"
	".size berth_clone3_fn, .-berth_clone3_fn\n");
long berth_clone3_fn(struct clone_args *ca, size_t size, int (*fn)(void *), void *arg);
#define HAVE_CLONE3_FN 1
#endif

/* clone3 into new namespaces, straight into a cgroup2 directory when
 * cgfd >= 0 (see cgroup.h for why).  *into tells whether that worked. */
static pid_t clone_ns(unsigned long long flags, int *pidfd, int cgfd, bool *into)
{
	struct clone_args ca;
	pid_t pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	*into = false;
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*into = true;
			return pid;
		}
		/* Older kernel or a cgroup that refuses: join by writing. */
		ca.flags &= ~(unsigned long long)CLONE_INTO_CGROUP;
		ca.cgroup = 0;
	}
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

#ifdef HAVE_CLONE3_FN
static int child_entry(void *p)
{
	child_main(p);
}

/* The same, vfork-style: the child shares our memory (CLONE_VM) and we
 * sleep until it has exec'd or exited (CLONE_VFORK).  A fork would copy
 * the page tables of a process that maps some fifty libraries, and the
 * child's execve would tear that copy down again: 3-5 ms of a loaded
 * host's time against 0.3-0.6 ms this way (and 0.3 against 0.05 ms when
 * idle).  The child runs on its own stack; what it allocates lands in our
 * heap while we sleep, consistent when we wake.  Not for --init, whose PID
 * 1 never execs. */
static pid_t clone_ns_vfork(unsigned long long flags, int *pidfd, int cgfd, struct child_args *a)
{
	const size_t size = 512 * 1024, guard = 4096;
	struct clone_args ca;
	char *stack;
	long pid;

	stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	mprotect(stack, guard, PROT_NONE);
	memset(&ca, 0, sizeof(ca));
	ca.flags = flags | CLONE_PIDFD | CLONE_VM | CLONE_VFORK;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	ca.stack = (uint64_t)(uintptr_t)stack;
	ca.stack_size = size;
	a->into = false;
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
		a->into = true;
		pid = berth_clone3_fn(&ca, sizeof(ca), child_entry, a);
		if (pid < 0) {
			ca.flags &= ~(unsigned long long)CLONE_INTO_CGROUP;
			ca.cgroup = 0;
			a->into = false;
			pid = berth_clone3_fn(&ca, sizeof(ca), child_entry, a);
		}
	} else {
		pid = berth_clone3_fn(&ca, sizeof(ca), child_entry, a);
	}
	/* The child has exec'd or exited: its stack is ours again. */
	munmap(stack, size);
	if (pid < 0) {
		errno = (int)-pid;
		return -1;
	}
	return (pid_t)pid;
}
#endif

/* The cgroup fds a new process needs: the cgroup2 directory to clone
 * into, and the cgroup.procs files to write (all if cloning into fails). */
struct cg_fds {
	int into;
	int procs[CGROUP_MAX_DIRS];
	int n;
	int all[CGROUP_MAX_DIRS];
	int n_all;
};

static int open_cg_fds(const struct cgroup *cg, struct cg_fds *f, berr_t *err)
{
	f->into = -1;
	f->n = f->n_all = 0;
	if (!cg || cg->n == 0)
		return 0;
	if (cg->clone_into) {
		f->into = open(cg->clone_into, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->into < 0)
			return berr_make(err, errno, "cannot open %s", cg->clone_into);
	}
	if ((f->n = cgroup_open_procs(cg, false, f->procs, err)) < 0 ||
	    (f->into >= 0 && (f->n_all = cgroup_open_procs(cg, true, f->all, err)) < 0)) {
		if (f->into >= 0)
			close(f->into);
		return -1;
	}
	return 0;
}

static void close_cg_fds(struct cg_fds *f)
{
	if (f->into >= 0)
		close(f->into);
	for (int i = 0; i < f->n; i++)
		close(f->procs[i]);
	for (int i = 0; i < f->n_all; i++)
		close(f->all[i]);
	f->into = -1;
	f->n = f->n_all = 0;
}

pid_t runtime_fork(void)
{
	/* clone, not clone3: docker's seccomp profile answers clone3 with
	 * ENOSYS, and --init forks under that profile.  No stack: the child
	 * continues on a copy of ours, as with fork. */
#if defined(__s390x__) || defined(__s390__) || defined(__CRIS__)
	return (pid_t)syscall(SYS_clone, 0, SIGCHLD, NULL, NULL, 0);
#else
	return (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
#endif
}

void spawned_close(struct spawned *p)
{
	int *fds[] = {&p->pidfd, &p->in_fd, &p->out_fd, &p->err_fd, &p->pty};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int wait_status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

/* Set up the stdio pipes; child ends in ch[3], parent ends in out. */
static int make_stdio(const struct proc_spec *p, bool detach, int ch[3], struct spawned *out, berr_t *err)
{
	int fds[2];

	ch[0] = ch[1] = ch[2] = -1;
	if (p->tty)
		return 0;
	if (detach || !p->open_stdin) {
		ch[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (ch[0] < 0)
			return berr_make(err, errno, "cannot open /dev/null");
	} else {
		if (pipe2(fds, O_CLOEXEC) < 0)
			return berr_make(err, errno, "pipe");
		ch[0] = fds[0];
		out->in_fd = fds[1];
	}
	if (detach) {
		ch[1] = open("/dev/null", O_WRONLY | O_CLOEXEC);
		ch[2] = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (ch[1] < 0 || ch[2] < 0)
			return berr_make(err, errno, "cannot open /dev/null");
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return berr_make(err, errno, "pipe");
	out->out_fd = fds[0];
	ch[1] = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return berr_make(err, errno, "pipe");
	out->err_fd = fds[0];
	ch[2] = fds[1];
	return 0;
}

static void close3(int ch[3])
{
	for (int i = 0; i < 3; i++)
		if (ch[i] >= 0)
			close(ch[i]);
}

/* Parent side after clone: collect the pty, wait for execve (EOF) or an
 * error message. */
static int await_start(int sock, pid_t pid, struct spawned *out, pid_t *inner, berr_t *err)
{
	struct child_msg m;
	int fd;
	ssize_t n;

	for (;;) {
		n = recv_msg(sock, &m, &fd);
		if (n <= 0)
			return 0; /* execve happened: the socket closed on exec */
		if (m.kind == MSG_PTY) {
			out->pty = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.kind == MSG_PID) {
			if (inner)
				*inner = m.pid;
			continue;
		}
		if (m.kind == MSG_ERROR) {
			int st;
			m.text[sizeof(m.text) - 1] = '\0';
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return berr_make_status(err, m.status ? m.status : 125, 0, "%s", m.text);
		}
	}
}

int runtime_spawn(const struct run_spec *s, struct spawned *out, berr_t *err)
{
	int sv[2] = {-1, -1}, alive[2] = {-1, -1}, ch[3] = {-1, -1, -1};
	struct child_args a;
	struct cg_fds cgf = {.into = -1};
	pid_t pid;
	int pidfd = -1;
	bool into;

	memset(out, 0, sizeof(*out));
	out->pidfd = out->in_fd = out->out_fd = out->err_fd = out->pty = -1;
	if (make_stdio(&s->proc, false, ch, out, err) < 0 || open_cg_fds(s->cg, &cgf, err) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(alive, O_CLOEXEC) < 0) {
		berr_make(err, errno, "socketpair");
		goto fail;
	}
	memset(&a, 0, sizeof(a));
	a.s = s;
	a.sock = sv[1];
	a.alive = alive[0];
	a.parent_only[0] = sv[0];
	a.parent_only[1] = alive[1];
	memcpy(a.stdio, ch, sizeof(ch));
	/* Cloned into the cgroup2 node, the child writes itself into the
	 * rest; otherwise into every one. */
	a.procs_into = cgf.procs;
	a.n_into = cgf.n;
	a.procs_all = cgf.into >= 0 ? cgf.all : cgf.procs;
	a.n_all = cgf.into >= 0 ? cgf.n_all : cgf.n;
	{
		/* No new network namespace when the parent prepared one or the
		 * host's is wanted (endpoint.h). */
		unsigned long long ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
					(s->net_join || s->net_host ? 0 : CLONE_NEWNET);
#ifdef HAVE_CLONE3_FN
		if (!s->init)
			pid = clone_ns_vfork(ns, &pidfd, cgf.into, &a);
		else
#endif
		{
			pid = clone_ns(ns, &pidfd, cgf.into, &into);
			a.into = into;
		}
	}
	if (pid < 0) {
		berr_make(err, errno, "cannot create the container's namespaces");
		goto fail;
	}
	if (pid == 0)
		child_main(&a);
	close(sv[1]);
	close(alive[0]);
	close3(ch);
	close_cg_fds(&cgf);
	out->pid = pid;
	out->pidfd = pidfd;
	if (await_start(sv[0], pid, out, NULL, err) < 0) {
		close(sv[0]);
		close(alive[1]);
		spawned_close(out);
		return -1;
	}
	close(sv[0]);
	close(alive[1]);
	return 0;
fail:
	close3(ch);
	close_cg_fds(&cgf);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (alive[0] >= 0)
		close(alive[0]);
	if (alive[1] >= 0)
		close(alive[1]);
	spawned_close(out);
	return -1;
}

/* ---- exec ------------------------------------------------------------ */

int runtime_exec(pid_t pid, const struct cgroup *cg, const struct proc_spec *p, bool detach, struct spawned *out,
		 berr_t *err)
{
	int sv[2] = {-1, -1}, ch[3] = {-1, -1, -1}, target = -1, cgns = -1;
	struct cg_fds cgf = {.into = -1};
	char nspath[64];
	pid_t mid, inner = 0;
	int st, rc;

	memset(out, 0, sizeof(*out));
	out->pidfd = out->in_fd = out->out_fd = out->err_fd = out->pty = -1;
	target = (int)syscall(SYS_pidfd_open, pid, 0);
	if (target < 0)
		return berr_make(err, errno, "cannot open the container's process");
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/cgroup", (int)pid);
	cgns = open(nspath, O_RDONLY | O_CLOEXEC);
	if (cgns < 0) {
		berr_make(err, errno, "cannot open %s", nspath);
		goto fail;
	}
	if (make_stdio(p, detach, ch, out, err) < 0 || open_cg_fds(cg, &cgf, err) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		berr_make(err, errno, "socketpair");
		goto fail;
	}
	/* An intermediate process joins the namespaces (setns on a pid
	 * namespace only applies to children) and clones the real one as our
	 * child (CLONE_PARENT), straight into the container's cgroup. */
	mid = fork();
	if (mid < 0) {
		berr_make(err, errno, "fork");
		goto fail;
	}
	if (mid == 0) {
		int sock = sv[1];
		struct clone_args ca;
		pid_t child;

		close(sv[0]);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (setns(target, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID) < 0)
			FAIL(sock, "cannot join the container's namespaces");
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_PARENT;
		if (cgf.into >= 0) {
			ca.flags |= CLONE_INTO_CGROUP;
			ca.cgroup = (uint64_t)cgf.into;
		}
		child = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		bool into = cgf.into >= 0 && child >= 0;
		if (child < 0 && cgf.into >= 0) {
			ca.flags &= ~(unsigned long long)CLONE_INTO_CGROUP;
			ca.cgroup = 0;
			child = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		}
		if (child < 0)
			FAIL(sock, "cannot start the process");
		if (child > 0) {
			struct child_msg m = {.kind = MSG_PID, .pid = child};
			(void)!send(sock, &m, sizeof(m), MSG_NOSIGNAL);
			_exit(0);
		}
		/* In the container's namespaces: its root and cwd came with the
		 * mount namespace.  Join the cgroup, then its namespace. */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (!detach)
			prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (into ? cgroup_join_fds(cgf.procs, (size_t)cgf.n) < 0
			 : cgroup_join_fds(cgf.into >= 0 ? cgf.all : cgf.procs, (size_t)(cgf.into >= 0 ? cgf.n_all : cgf.n)) < 0)
			FAIL(sock, "cannot join the container's cgroup");
		if (setns(cgns, CLONE_NEWCGROUP) < 0)
			FAIL(sock, "cannot join the container's cgroup namespace");
		close_cg_fds(&cgf);
		close(cgns);
		close(target);
		int slave = -1;
		if (p->tty)
			slave = setup_pty(sock, NULL, p);
		finish_and_exec(sock, p, slave, ch, false);
	}
	close(target);
	close(cgns);
	target = cgns = -1;
	close(sv[1]);
	sv[1] = -1;
	close3(ch);
	close_cg_fds(&cgf);
	rc = await_start(sv[0], mid, out, &inner, err);
	close(sv[0]);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		if (inner > 0)
			while (waitpid(inner, &st, 0) < 0 && errno == EINTR)
				;
		spawned_close(out);
		return -1;
	}
	if (inner <= 0) {
		spawned_close(out);
		return berr_make(err, 0, "cannot start the process in the container");
	}
	out->pid = inner;
	out->pidfd = (int)syscall(SYS_pidfd_open, inner, 0);
	return 0;
fail:
	if (target >= 0)
		close(target);
	if (cgns >= 0)
		close(cgns);
	close3(ch);
	close_cg_fds(&cgf);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	spawned_close(out);
	return -1;
}
