/* compose_run.h: the compose commands that act on the engine (compose.c). */
#ifndef BERTH_COMPOSE_RUN_H
#define BERTH_COMPOSE_RUN_H

#include <stdbool.h>
#include "compose.h"
#include "root.h"

struct compose_run_opts {
	char **services;   /* SERVICE... from the command line */
	int nservices;
	const char *command; /* the compose command's name */
	/* up */
	bool detach, build, no_build, force_recreate, no_recreate, remove_orphans, wait, abort_on_exit;
	const char *exit_code_from; /* --exit-code-from SERVICE (implies abort_on_exit) */
	int *exit_code;     /* attached up with abort: the exit code to return */
	/* down, rm */
	bool volumes, force, stop_first;
	const char *rmi;
	/* ps, images, ls */
	bool all, quiet, list_services;
	const char *format;
	/* logs */
	bool follow, timestamps, no_prefix;
	bool attached;      /* logs of an attached `up`: Ctrl+C stops the project */
	const char *tail;
	/* stop, restart, kill */
	long timeout;
	const char *signal;
	/* build, pull */
	bool pull;
	/* port */
	const char *port, *protocol;
	/* exec, run */
	long index;
	char **cmd;
	int ncmd;
	char **env, **publish, **volume;
	bool no_tty, rm, no_deps, service_ports;
	const char *user, *workdir, *name, *entrypoint;
};

typedef int (*compose_fn)(struct berth *, struct compose_project *, const struct compose_run_opts *, berr_t *);

int compose_up(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_down(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_ps(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_logs(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_start(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_stop(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_restart(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_kill(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_rm(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_images(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_top(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_pull(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_push(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_build(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_port(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_exec(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_run(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err);
int compose_ls(struct berth *b, const struct compose_run_opts *o, berr_t *err);

#endif
