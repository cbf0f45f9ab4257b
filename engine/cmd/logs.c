/* logs.c: `berth logs` (`container logs`). */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/logfile.h"
#include "../core/units.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct follow_ctx {
	struct berth *b;
	struct container *c;
};

/* While following: the container can still write while it runs or is
 * about to restart. */
static bool still_running(void *p)
{
	struct follow_ctx *f = p;
	cleanup_berr berr_t e = NULL;
	if (container_reload(f->b, f->c, &e) < 0)
		return false;
	if (container_refresh(f->b, f->c, &e) < 0 || f->c->id[0] == '\0')
		return false;
	return f->c->state == CS_RUNNING || f->c->state == CS_PAUSED || f->c->state == CS_RESTARTING;
}

int cmd_logs(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool follow = false, timestamps = false, details = false;
	const char *tail = "all", *since = NULL, *until = NULL;
	const struct opt opts[] = {
		{"details", 0, OPT_BOOL, &details, "Show extra details provided to logs", NULL, false},
		{"follow", 'f', OPT_BOOL, &follow, "Follow log output", NULL, false},
		{"since", 0, OPT_STRING, &since, "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)", NULL, false},
		{"tail", 'n', OPT_STRING, &tail, "Number of lines to show from the end of the logs (default \"all\")", NULL, false},
		{"timestamps", 't', OPT_BOOL, &timestamps, "Show timestamps", NULL, false},
		{"until", 0, OPT_STRING, &until, "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER", .summary = "Fetch the logs of a container", .opts = opts, .min_args = 1,
		.max_args = 1, .aliases = "berth container logs, berth logs",
	};
	struct cli_args a;
	struct container *c = NULL;
	struct logs_opts lo = {.tail = -1, .out_fd = 1, .err_fd = 2};
	struct follow_ctx fc;
	long long now = now_ns();
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (strcmp(tail, "all") != 0) {
		char *end;
		long v = strtol(tail, &end, 10);
		lo.tail = *end || !*tail ? -1 : v < 0 ? -1 : v;
	}
	if (since && *since && (lo.since = parse_timestamp(since, now)) < 0) {
		free(a.argv);
		/* the docker client's own error: printed as it is */
		berr_make_status(err, 1, 0, "invalid value for \"since\": failed to parse value as time or duration: \"%s\"", since);
		(*err)->plain = 1;
		return -1;
	}
	if (until && *until && (lo.until = parse_timestamp(until, now)) < 0) {
		free(a.argv);
		/* the docker client's own error: printed as it is */
		berr_make_status(err, 1, 0, "invalid value for \"until\": failed to parse value as time or duration: \"%s\"", until);
		(*err)->plain = 1;
		return -1;
	}
	if (container_find(b, a.argv[0], &c, err) < 0) {
		free(a.argv);
		berr_wrap(err, "Error response from daemon");
		(*err)->status = 1;
		return -1;
	}
	cleanup_free char *cdir = container_dir(b, c->id);
	cleanup_free char *path = xasprintf("%s/container.log", cdir);
	fc.b = b;
	fc.c = c;
	lo.follow = follow;
	lo.timestamps = timestamps;
	lo.still_running = still_running;
	lo.ctx = &fc;
	r = logfile_print(path, &lo, err);
	container_free(c);
	free(a.argv);
	return r;
}
