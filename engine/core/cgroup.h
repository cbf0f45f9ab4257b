/* cgroup.h: which cgroup hierarchy this host runs, and creating, limiting,
 * freezing and removing a container's cgroup on each of them.
 *
 * A container's cgroup is berth/<id> in every hierarchy (berth is docker's
 * --cgroup-parent, HostConfig.CgroupParent, default "berth"): on v1 (and the
 * hybrid layout) one directory per mounted controller hierarchy,
 * /sys/fs/cgroup/<ctrl>/berth/<id>, plus /sys/fs/cgroup/unified/berth/<id>
 * on hybrid hosts; on v2 the single /sys/fs/cgroup/berth/<id>.  When the
 * hierarchy's root is not writable (berth inside a delegated cgroup), the
 * berth/ directory is made under our own cgroup instead.
 */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "err.h"

enum cgroup_mode {
	CGROUP_NONE,    /* no cgroup filesystem mounted */
	CGROUP_V1,      /* legacy: one hierarchy per controller */
	CGROUP_HYBRID,  /* v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified */
	CGROUP_V2,      /* unified: /sys/fs/cgroup is cgroup2 */
};

enum cgroup_mode cgroup_detect(void);
const char *cgroup_mode_name(enum cgroup_mode m);

#define CGROUP_MAX_DIRS 16

/* One container's cgroup directories, one per hierarchy.
 *
 * Moving a process between cgroups by writing cgroup.procs takes the
 * kernel's global cgroup_threadgroup_rwsem for writing, which waits for an
 * RCU grace period: 4-15 ms on the test host, more than the whole start-up
 * budget.  clone3(CLONE_INTO_CGROUP) starts the process in its cgroup
 * without that, but only on the cgroup2 hierarchy.  So:
 *   v2      one directory, entered by CLONE_INTO_CGROUP; devices by eBPF;
 *   hybrid  unified/berth/<id> entered by CLONE_INTO_CGROUP, carrying the
 *           eBPF device filter, cgroup.freeze (pause) and cgroup.kill; v1
 *           hierarchies are joined (cgroup.procs) only for a controller a
 *           limit needs: memory for -m, cpu for --cpus, pids for
 *           --pids-limit, each then paying the grace period;
 *   v1      every hierarchy, joined through cgroup.procs, as docker does.
 */
struct cgroup {
	enum cgroup_mode mode;
	size_t n;
	struct cgroup_dir {
		char *path;        /* .../berth/<id> */
		char *name;        /* "memory", "cpu,cpuacct", "name=systemd", "unified" */
		bool v2;
	} dirs[CGROUP_MAX_DIRS];
	/* Where each concern lives (point into dirs[].path, or NULL). */
	const char *memory, *cpu, *cpuacct, *pids, *freezer, *devices, *blkio, *cpuset, *v2;
	/* The cgroup2 directory a new process is cloned into, or NULL. */
	const char *clone_into;
};

struct cgroup_limits {
	long long memory;      /* bytes, 0 = none */
	long long memory_swap; /* bytes incl. memory, 0 = docker's default (2x memory), -1 = unlimited */
	long long nano_cpus;   /* --cpus x 1e9, 0 = none */
	long long pids;        /* 0 = none; -1 = unlimited */
	bool privileged;       /* every device */
};

/* Compute the paths of the cgroup `name` ("berth/<id>": a path relative
 * to each hierarchy's root, or to our own cgroup when the root is not
 * writable); no filesystem changes.  With limits: the directories a new
 * container needs (see above); without (NULL): the ones that exist, for
 * stop, stats, pause and removal. */
int cgroup_open(const char *name, const struct cgroup_limits *limits, struct cgroup *out, berr_t *err);
void cgroup_free(struct cgroup *cg);

/* mkdir every directory and write the limits; on failure, whatever was
 * made is removed again. */
int cgroup_create(struct cgroup *cg, const struct cgroup_limits *l, berr_t *err);

/* Move a process (0: the caller) into every directory it was not cloned
 * into (all of them when `all`).  Only open/write/close, so a freshly
 * cloned child can call it.  Returns -1 with errno. */
int cgroup_enter(const struct cgroup *cg, pid_t pid, bool all);

/* Open cgroup.procs (O_WRONLY) of every directory a new process must be
 * written into: all of them, or all but clone_into.  A child that writes
 * "0" into each joins them, whatever mount namespace it is in by then.
 * Returns how many (at most CGROUP_MAX_DIRS), -1 with err set. */
int cgroup_open_procs(const struct cgroup *cg, bool all, int *fds, berr_t *err);

/* Write "0" (the caller) into each fd.  -1 with errno. */
int cgroup_join_fds(const int *fds, size_t n);

/* Freeze or thaw (docker pause/unpause); waits until it took effect. */
int cgroup_freeze(const struct cgroup *cg, bool frozen, berr_t *err);
bool cgroup_is_frozen(const struct cgroup *cg);

/* Did the kernel's OOM killer kill anything in this cgroup? */
bool cgroup_oom_killed(const struct cgroup *cg);

/* Kill every process still in the cgroup (SIGKILL), e.g. exec'd ones. */
void cgroup_kill_all(const struct cgroup *cg);

/* rmdir every directory (tolerating ones already gone); retries briefly
 * while the kernel finishes tearing down exited tasks. */
int cgroup_remove(struct cgroup *cg, berr_t *err);

/* The pids in the container's cgroup (for top). */
int cgroup_pids(const struct cgroup *cg, pid_t **out, size_t *n, berr_t *err);

struct cgroup_stats {
	unsigned long long cpu_usage_ns;   /* total CPU time */
	unsigned long long mem_usage;      /* bytes, without page cache as docker shows it */
	unsigned long long mem_limit;      /* bytes; host memory when unlimited */
	unsigned long long pids;
	unsigned long long blk_read, blk_write;
};
int cgroup_stats(const struct cgroup *cg, struct cgroup_stats *out);

#endif
