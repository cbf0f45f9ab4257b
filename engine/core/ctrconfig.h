/* ctrconfig.h: from `run`/`create` options and an image to a container's
 * docker-shaped Config and HostConfig, and from those back to what the
 * runtime needs to start it.
 *
 * docker's rules, in one place: ENTRYPOINT and CMD (an --entrypoint, even
 * "", drops the image's CMD), Env merged over the image's (a bare -e NAME
 * takes the host's value, or is dropped), WorkingDir and User from the
 * image unless given, labels merged, the stop signal and timeout, and the
 * checks docker's daemon makes (absolute working directory, memory at
 * least 6MB, CPUs within the host's, valid names, signals and security
 * options).
 */
#ifndef BERTH_CTRCONFIG_H
#define BERTH_CTRCONFIG_H

#include <stdbool.h>
#include "container.h"
#include "image.h"
#include "netvol.h"
#include "runtime.h"

struct create_opts {
	const char *image;          /* as typed */
	char **cmd;                 /* after the image; NULL = the image's */
	const char *name;
	char **env;                 /* -e, in order */
	char **env_files;
	const char *workdir;        /* NULL = not given */
	const char *user;
	const char *entrypoint;     /* NULL = not given; "" = none */
	const char *hostname;
	char **labels;
	long long memory;           /* bytes, already parsed */
	long long nano_cpus;
	long long pids_limit;       /* 0 = not given */
	char **ulimits;             /* "nofile=10:20", already validated */
	char **cap_add, **cap_drop, **security_opt;
	const char *stop_signal;
	int stop_timeout;           /* -1 = not given */
	const char *restart;        /* NULL = "no" */
	const char *pull;           /* --pull: "missing" (NULL), "always", "never" */
	bool interactive, tty, detach, rm, privileged, read_only, init;
	struct netvol_opts nv;      /* networks, ports, volumes (netvol.h) */
};

/* Validate, merge with the image and fill a new container record (not yet
 * inserted).  Errors are docker's messages, status 125. */
int ctrconfig_build(const struct create_opts *o, const struct image *img, struct container **out, berr_t *err);

/* What a start needs, derived from a container record.  Strings and arrays
 * are owned by the struct; free with ctrconfig_spec_free. */
struct start_spec {
	struct proc_spec proc;
	char *hostname;
	bool read_only, privileged, init, auto_remove;
	char *stop_signal;          /* "SIGTERM" */
	int stop_timeout;
	struct restart_policy_s {
		char name[16];
		int max_retry;
	} restart;
	struct cgroup_limits limits;
	bool seccomp_unconfined;
	char *seccomp_profile;      /* --security-opt seccomp=PATH: its JSON, else NULL (the default) */
	struct rlimit_spec *rlimits;
	size_t n_rlimits;
};

int ctrconfig_start_spec(const struct container *c, struct start_spec *out, berr_t *err);
void ctrconfig_spec_free(struct start_spec *s);

/* The environment a process in the container starts with: docker's
 * PATH default and HOSTNAME (and TERM with a tty), then Config.Env, then
 * `extra` (exec -e).  Caller frees with the strv cleanup. */
char **ctrconfig_env(const struct container *c, bool tty, char *const *extra);

/* A string array from a JSON array of strings (NULL for null/absent). */
char **json_to_strv(const json_t *a);
json_t *strv_to_json(char *const *v);

#endif
