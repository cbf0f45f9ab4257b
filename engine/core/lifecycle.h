/* lifecycle.h: creating, starting, stopping and removing containers.
 *
 * No daemon: whichever process starts a container watches it.
 *   - In the foreground (run without -d, start -a) the CLI itself is the
 *     monitor: it is the container's parent already, holds its stdio, and
 *     records the exit.  No extra process sits on the hot path, which is
 *     what makes `run --rm` cost a few milliseconds.  If the CLI is killed,
 *     the container dies with it (PDEATHSIG), like a foreground process in
 *     a shell; the next CLI finds the row and records what happened.
 *   - Detached (run -d, start) the CLI forks a monitor (monitor.c) that
 *     spawns the container, holds its stdio, writes its log, records its
 *     exit, applies the restart policy and removes it for --rm; the CLI
 *     returns as soon as the container's program has been exec'd.
 */
#ifndef BERTH_LIFECYCLE_H
#define BERTH_LIFECYCLE_H

#include <stdbool.h>
#include "container.h"
#include "ctrconfig.h"
#include "endpoint.h"
#include "image.h"
#include "rootfs.h"
#include "runtime.h"

/* Create a container (row, directory, rootfs upper/work).  With
 * `announce`, a missing image first prints docker's "Unable to find image
 * 'x:latest' locally" on stderr. */
int ctr_create(struct berth *b, const struct create_opts *o, bool announce, struct container **out, berr_t *err);

/* Prepare the container's root filesystem (ctr_rootfs.c): rootfs_prepare's
 * result, with the overlay test done once per root; `ephemeral` (--rm)
 * mounts the upper layer with overlayfs' volatile option. */
int ctr_rootfs_prepare(struct berth *b, const struct image *img, const char *container_dir, bool ephemeral,
		       struct rootfs *out, berr_t *err);

struct start_opts {
	bool attach;        /* foreground: stream its output, wait, return its exit code */
	bool attach_stdin;  /* forward our stdin (-i) */
};

/* Start a created or stopped container.  Attached: *exit_code is the
 * container's; returns when it stopped (and, with --rm, is gone). */
int ctr_start(struct berth *b, struct container *c, const struct start_opts *so, int *exit_code, berr_t *err);

/* create + start in one go (docker run), preparing the root once. */
int ctr_run(struct berth *b, const struct create_opts *o, const struct start_opts *so, struct container **out,
	    int *exit_code, berr_t *err);

/* docker stop: the stop signal (`sig`, or 0 for the container's
 * StopSignal, default SIGTERM), SIGKILL after `timeout` seconds (-1: the
 * container's StopTimeout, default 10); waits until it has stopped. */
int ctr_stop(struct berth *b, struct container *c, int timeout, int sig, berr_t *err);
int ctr_kill(struct berth *b, struct container *c, int sig, berr_t *err);
int ctr_restart(struct berth *b, struct container *c, int timeout, int sig, berr_t *err);
/* docker rm [-f]. */
int ctr_remove(struct berth *b, struct container *c, bool force, berr_t *err);
/* docker rm [-f] -v: its anonymous volumes go too (volume.h). */
int ctr_remove_v(struct berth *b, struct container *c, bool force, bool volumes, berr_t *err);
/* docker wait: until it is not running; its exit code. */
int ctr_wait(struct berth *b, struct container *c, int *exit_code, berr_t *err);
int ctr_pause(struct berth *b, struct container *c, bool pause, berr_t *err);

/* Everything needed to (re)start one container; reused by the monitor
 * for restarts. */
struct runner {
	struct berth *b;
	struct container *c;
	struct start_spec spec;
	struct sock_fprog prog;
	bool have_prog;
	struct image *img;
	struct rootfs rootfs;
	bool have_rootfs;
	struct cgroup cg;
	char *cdir, *rootfs_dir, *log_path;
	struct run_spec rs;
	struct ctr_net net;          /* its network namespace and ports, per start */
	struct mount_op *mounts;     /* volumes, binds, tmpfs (volume.h) */
	size_t n_mounts;
};

/* Fill r for container c.  img and rootfs, when not NULL, were prepared
 * already (by create) and are taken over. */
int runner_init(struct berth *b, struct container *c, struct runner *r, struct image *img, struct rootfs *rootfs,
		berr_t *err);
/* Create the cgroup and spawn; on failure nothing is left behind. */
int runner_spawn(struct runner *r, struct spawned *sp, berr_t *err);
/* After the container's PID 1 exited: was it OOM-killed?  Removes the
 * cgroup. */
bool runner_reap(struct runner *r);
void runner_free(struct runner *r);

/* Record the end of a run: exited with code (or removed, for --rm). */
int ctr_record_exit(struct berth *b, struct container *c, int code, bool oom, const char *error, berr_t *err);
/* Remove the container's files and row (docker rm after it stopped). */
int ctr_remove_files(struct berth *b, const struct container *c, berr_t *err);

/* Remove what background removals left in trash/ (one that was killed,
 * or a host that rebooted meanwhile). */
void ctr_sweep_trash(struct berth *b);

/* The container's cgroup (see cgroup_open; limits NULL: what exists). */
int ctr_cgroup_open(const struct container *c, const struct cgroup_limits *l, struct cgroup *out, berr_t *err);

/* Should the restart policy start it again after exit code `code`? */
bool restart_wanted(const struct start_spec *s, int code, int restart_count, bool stop_requested);

#endif
