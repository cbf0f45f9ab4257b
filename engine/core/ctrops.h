/* ctrops.h: what one does with a container beyond its lifecycle: exec a
 * process in it (ctrexec.c), copy files in and out and export its
 * filesystem (ctrfs.c), list its processes and read its usage
 * (ctrstats.c). */
#ifndef BERTH_CTROPS_H
#define BERTH_CTROPS_H

#include <stdbool.h>
#include <stdio.h>
#include "container.h"

struct exec_opts {
	char **argv;
	char **env;          /* -e */
	const char *workdir; /* -w, NULL: the container's */
	const char *user;    /* -u, NULL: the container's */
	bool interactive, tty, detach, privileged;
};

/* docker exec: returns the process's exit code in *code (not waited for
 * with detach).  Setup errors read as docker's ("OCI runtime exec failed:
 * ..."), status 126; "Container X is not running" is status 1. */
int ctr_exec(struct berth *b, struct container *c, const struct exec_opts *o, int *code, berr_t *err);

/* docker cp.  A side is "CONTAINER:PATH" or a host path ("-": a tar on
 * stdin/stdout).  Paths inside the container are resolved in its own root
 * (the copying process enters its mount namespace, or mounts its stopped
 * root privately), so its symlinks cannot lead to the host. */
int ctr_cp(struct berth *b, const char *src, const char *dst, berr_t *err);

/* docker export: the container's filesystem as a tar on fd. */
int ctr_export(struct berth *b, struct container *c, int fd, berr_t *err);

/* docker top: `ps ps_args` on the host, rows of the container's processes. */
int ctr_top(struct berth *b, struct container *c, char *const *ps_args, berr_t *err);

struct ctr_usage {
	double cpu_percent;
	unsigned long long mem, mem_limit, net_rx, net_tx, blk_read, blk_write, pids;
};
/* One stats sample over `interval_ms` (CPU% needs two readings). */
int ctr_usage(struct berth *b, struct container *const *cs, size_t n, int interval_ms, struct ctr_usage *out,
	      berr_t *err);

#endif
