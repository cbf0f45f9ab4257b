/* runtime.h: starting a container's process (clone, mounts, pivot_root,
 * security, execve) and entering a running container (exec).
 *
 * No runc and no helper process: runtime_spawn() clones the caller (the CLI
 * in the foreground, the monitor for -d) straight into new mount, pid, uts,
 * ipc and network namespaces; the child joins its cgroup, creates its
 * cgroup namespace, builds its mount table, pivots into the overlay root,
 * drops privileges and execs.  Until execve the child talks to the parent
 * over one CLOEXEC socket: a failure arrives as a message with docker's exit
 * status (125 setup, 126 cannot invoke, 127 not found); a successful execve
 * closes the socket, which is how the parent knows the container started.
 *
 * Everything the child needs is computed by the parent beforehand (argv,
 * env, the seccomp program, cgroup paths), so the child runs only libc and
 * system calls.
 */
#ifndef BERTH_RUNTIME_H
#define BERTH_RUNTIME_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup.h"
#include "err.h"

struct rlimit_spec {
	int resource;
	unsigned long long soft, hard;
};

/* The process a container runs, and how. */
struct proc_spec {
	char **argv;
	char **env;                      /* complete but for HOME (needs the user) */
	const char *cwd;                 /* NULL or "" = "/" */
	bool cwd_must_exist;             /* exec: a missing cwd fails (runc's), run creates it */
	const char *user;                /* docker's -u; NULL or "" = root */
	bool tty;
	bool open_stdin;                 /* -i: a pipe from the caller, else /dev/null */
	bool no_new_privs;
	uint64_t caps;
	const struct sock_fprog *seccomp;/* NULL: unconfined */
	const struct rlimit_spec *rlimits;
	size_t n_rlimits;
	unsigned short rows, cols;       /* initial tty size */
};

struct run_spec {
	const char *id;
	const char *rootfs_dir;          /* empty directory to mount the root on */
	const char *container_dir;       /* holds hostname, hosts, resolv.conf */
	/* Mounts the container's root filesystem on `target`; called in the
	 * child, inside its new mount namespace. */
	int (*mount_rootfs)(void *ctx, const char *target, berr_t *err);
	void *mount_ctx;
	const char *hostname;
	bool read_only;
	bool privileged;                 /* no masked or read-only /proc paths */
	bool init;                       /* --init: a reaper as PID 1 */
	const struct cgroup *cg;
	struct proc_spec proc;
	/* Networking (endpoint.h, issue 5): join the namespace netns_fd,
	 * prepared and configured by the parent, instead of a new empty one
	 * (net_join); or keep the host's (net_host, --network host). */
	bool net_join, net_host;
	int netns_fd;
	/* Volumes, bind mounts and tmpfs (mounts.h, issue 5), mounted below
	 * the root before pivot_root. */
	const struct mount_op *mounts;
	size_t n_mounts;
};

/* The started process, seen from the caller. */
struct spawned {
	pid_t pid;          /* host pid of the container's PID 1 */
	int pidfd;
	int in_fd;          /* write end of its stdin, or -1 */
	int out_fd, err_fd; /* read ends of its stdout and stderr, or -1 */
	int pty;            /* pty master with -t, else -1 */
};

int runtime_spawn(const struct run_spec *s, struct spawned *out, berr_t *err);

/* Start a process inside the running container whose PID 1 is `pid`
 * (docker exec): joins its cgroup and all its namespaces.  `detach`: the
 * process is not waited for and gets /dev/null for stdio. */
int runtime_exec(pid_t pid, const struct cgroup *cg, const struct proc_spec *p, bool detach, struct spawned *out,
		 berr_t *err);

void spawned_close(struct spawned *p);

/* fork(2) without glibc's atfork handlers (a raw clone): for processes
 * that may have unmapped the libraries that registered them (the
 * monitor) and for the container's own setup. */
pid_t runtime_fork(void);

/* docker's exit code for a wait status: the code, or 128+signal. */
int wait_status_code(int wstatus);

/* init.c: PID 1 for --init.  init_name, before the fork, names this
 * process "init -- CMD" as ps shows it and returns the command to exec (a
 * copy); init_reaper reaps everything, forwards signals to `child` and
 * exits with the child's status.  Never returns. */
char **init_name(char *const *cmd);
__attribute__((noreturn)) void init_reaper(pid_t child, bool tty);

#endif
