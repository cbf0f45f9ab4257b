/* container.h: the container record in berth.db.
 *
 * A container is a row in `containers` (see the migration in db.c) plus a
 * directory containers/<id>/ under the root holding its hostname, hosts and
 * resolv.conf files, its log and its overlay upper/work dirs.  This file only
 * reads and writes the record; starting and stopping live in lifecycle.c.
 *
 * Liveness is never taken on trust: a row that says "running" names the
 * container's pid and its monitor's pid, each with its start time, and
 * container_refresh() checks both against /proc.  A monitor that died (kill
 * -9, OOM, a crash) leaves a row the next CLI call finds and corrects.
 */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>
#include "err.h"
#include "root.h"

enum cstate {
	CS_CREATED,
	CS_RUNNING,
	CS_PAUSED,
	CS_RESTARTING,
	CS_EXITED,
	CS_DEAD,
	CS_REMOVING,
};

struct container {
	char id[65];
	char *name;            /* without docker's leading '/' */
	char *image_id;        /* "sha256:..." */
	char *image_ref;       /* as the user typed it (ps's IMAGE column) */
	long long created;     /* ns since the epoch */
	char *path;            /* docker's Path: argv[0] as configured */
	json_t *args;          /* docker's Args: the rest */
	json_t *config;        /* docker's Config */
	json_t *host_config;   /* docker's HostConfig */
	enum cstate state;
	pid_t pid;
	long long pid_start;
	pid_t monitor_pid;
	long long monitor_start;
	int exit_code;
	bool oom_killed;
	char *error;
	long long started_at, finished_at;
	int restart_count;
	bool stop_requested;
};

const char *cstate_name(enum cstate s);
int cstate_parse(const char *s, enum cstate *out);

/* berth_db, tuned for many short-lived CLIs (no checkpoint on close). */
int container_db(struct berth *b, sqlite3 **db, berr_t *err);

/* The container's cgroup, relative to a hierarchy: HostConfig.CgroupParent
 * (default "berth") + "/" + id (caller frees). */
char *container_cgroup_name(const struct container *c);

/* containers/<id> under the root (caller frees). */
char *container_dir(const struct berth *b, const char *id);

/* Insert a new record; fails with docker's conflict message when the name
 * is taken.  c->name NULL picks a free adjective_surname name. */
int container_insert(struct berth *b, struct container *c, berr_t *err);

/* Find by full id, unique id prefix, or name (with or without '/').
 * "No such container: x" (status 1) when nothing matches.  The record is
 * refreshed against /proc (see container_refresh). */
int container_find(struct berth *b, const char *ref, struct container **out, berr_t *err);

/* Like container_find, but returns 0 with *out NULL when nothing matches. */
int container_lookup(struct berth *b, const char *ref, struct container **out, berr_t *err);

/* Every container, newest first, each refreshed. */
int container_list(struct berth *b, struct container ***out, size_t *n, berr_t *err);
void container_list_free(struct container **v, size_t n);
/* The same, with config holding only Labels and host_config only
 * AutoRemove and CgroupParent: what ps needs, parsed cheaply. */
int container_list_summary(struct berth *b, struct container ***out, size_t *n, berr_t *err);

/* Re-read the row by id (no liveness check). */
int container_reload(struct berth *b, struct container *c, berr_t *err);

/* If the row claims a live process whose monitor is gone, record what
 * really happened (and clean up after it).  Called by find/list. */
int container_refresh(struct berth *b, struct container *c, berr_t *err);

/* State changes, each one statement.  _set_running records the pids;
 * _set_exited the end of a run. */
int container_set_running(struct berth *b, struct container *c, pid_t pid, long long pid_start, pid_t mon,
			  long long mon_start, berr_t *err);
int container_set_state(struct berth *b, const char *id, enum cstate st, berr_t *err);
int container_set_exited(struct berth *b, const char *id, int exit_code, bool oom, const char *error,
			 berr_t *err);
int container_set_stop_requested(struct berth *b, const char *id, bool v, berr_t *err);
int container_rename(struct berth *b, struct container *c, const char *newname, berr_t *err);
int container_delete_row(struct berth *b, const char *id, berr_t *err);

void container_free(struct container *c);

/* docker's generated names (names.c): adjective_surname. */
char *names_generate(int retry);
/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool names_valid(const char *name);

/* /proc/PID/stat start time (clock ticks since boot), 0 if no such pid. */
long long proc_start_time(pid_t pid);
/* True when pid is alive and started at `start`. */
bool proc_alive(pid_t pid, long long start);

/* Docker's JSON for `inspect` (caller owns the reference). */
json_t *container_inspect_json(struct berth *b, const struct container *c);

/* RFC 3339 with nanoseconds, UTC, as Go prints time.Time ("0001-01-01T00:00:00Z" for 0). */
void format_rfc3339nano(long long ns, char *buf, size_t len);

#endif
