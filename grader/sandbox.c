/* sandbox.c: see sandbox.h.  The shape is bubblewrap's: clone into new
 * namespaces, build the view of the file system, then a tiny init that
 * reaps until the command is done. */
#define _GNU_SOURCE
#include "sandbox.h"
#include "../engine/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Inside the child, errors go to the check's stderr and exit 125: there
 * is no caller to return them to. */
static void die(const char *what)
{
	dprintf(2, "berth-lab sandbox: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

static void tmpfs(const char *where)
{
	if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0 && errno != ENOENT)
		die(where);
}

/* Would this path disappear under one of the tmpfs mounts below? */
static bool covered(const char *path)
{
	static const char *const tops[] = {"/tmp/", "/var/tmp/", "/run/", "/dev/shm/"};
	for (size_t i = 0; i < sizeof(tops) / sizeof(*tops); i++)
		if (strncmp(path, tops[i], strlen(tops[i])) == 0)
			return true;
	return false;
}

/* Create the mount point for a kept path inside the new tmpfs: its
 * parents as directories, itself as a directory or an empty file. */
static void make_mountpoint(const char *path, bool dir)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	if (dir) {
		mkdir(buf, 0755);
	} else {
		int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

static void build_view(const struct sandbox_spec *s)
{
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	struct mount_attr rw = {.attr_clr = MOUNT_ATTR_RDONLY};
	int attempt, kept[4] = {-1, -1, -1, -1};
	bool kept_dir[4] = {false};

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("making mounts private");
	/* Take the attempt directory along before /tmp is covered. */
	attempt = open_tree(AT_FDCWD, s->attempt_dir, OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	if (attempt < 0)
		die("cloning the attempt directory");
	/* And the paths the check must still see where they are. */
	for (int i = 0; i < 4; i++) {
		struct stat st;
		if (!s->keep[i] || !covered(s->keep[i]) || stat(s->keep[i], &st) < 0)
			continue;
		kept[i] = open_tree(AT_FDCWD, s->keep[i], OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
		if (kept[i] < 0)
			die(s->keep[i]);
		kept_dir[i] = S_ISDIR(st.st_mode);
		if (mount_setattr(kept[i], "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
			die(s->keep[i]);
	}
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		die("making the host read-only");
	/* berth creates a cgroup per container: that one tree stays writable. */
	mount_setattr(AT_FDCWD, "/sys/fs/cgroup", AT_RECURSIVE, &rw, sizeof(rw));
	tmpfs("/tmp");
	tmpfs("/var/tmp");
	tmpfs("/run");
	tmpfs("/dev/shm");
	if (mkdir(SANDBOX_ATTEMPT_DIR, 0755) < 0)
		die("creating " SANDBOX_ATTEMPT_DIR);
	if (move_mount(attempt, "", AT_FDCWD, SANDBOX_ATTEMPT_DIR, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die("placing the attempt directory");
	close(attempt);
	for (int i = 0; i < 4; i++) {
		if (kept[i] < 0)
			continue;
		make_mountpoint(s->keep[i], kept_dir[i]);
		if (move_mount(kept[i], "", AT_FDCWD, s->keep[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			die(s->keep[i]);
		close(kept[i]);
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mounting /proc");
	loopback_up();
	if (sethostname("berth-lab", 9) < 0)
		die("setting the hostname");
}

/* PID 1 of the sandbox: start the command, reap everything, and exit with
 * the command's status.  Exiting kills whatever the command left behind. */
static int sandbox_init(const struct sandbox_spec *s)
{
	pid_t cmd, w;
	int st, status = 125;

	build_view(s);
	cmd = fork();
	if (cmd < 0)
		die("fork");
	if (cmd == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(s->stdout_fd, 1) < 0 || dup2(s->stderr_fd, 2) < 0)
			die("redirecting output");
		if (chdir(SANDBOX_ATTEMPT_DIR "/work") < 0)
			die("entering the work directory");
		signal(SIGPIPE, SIG_DFL);
		execle("/bin/sh", "sh", "-c", s->command, (char *)NULL, s->envp);
		die("running /bin/sh");
	}
	while ((w = wait(&st)) != -1 || errno == EINTR) {
		if (w == cmd) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
	}
	return status;
}

pid_t sandbox_spawn(const struct sandbox_spec *s, berr_t *err)
{
	/* A raw clone with no stack behaves like fork, in new namespaces. */
	long pid = syscall(SYS_clone, SIGCHLD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET,
			   NULL, NULL, NULL, NULL);
	if (pid < 0)
		return berr_make(err, errno, "cannot create the grading sandbox (namespaces need root)");
	if (pid == 0) {
		/* If berth-lab dies, the attempt dies with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(sandbox_init(s));
	}
	return (pid_t)pid;
}
