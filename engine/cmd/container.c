/* container.c: the container commands that take a list of containers
 * (stop, kill, restart, rm, wait, pause, unpause), rename, prune, top,
 * stats, inspect, and the top-level `inspect` that tries a container
 * first and then an image, as docker does. */
#define _GNU_SOURCE
#include "commands.h"
#include "format.h"
#include "objects.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/ctrlist.h"
#include "../core/ctrprune.h"
#include "../core/ctrops.h"
#include "../core/endpoint.h"
#include "../core/image.h"
#include "../core/lifecycle.h"
#include "../core/network.h"
#include "../core/oci.h"
#include "../core/tabwriter.h"
#include "../core/template.h"
#include "../core/units.h"
#include "../core/util.h"
#include "../core/volume.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define END {NULL, 0, 0, NULL, NULL, NULL, false}

/* Apply op to each named container: print the name on success, the error
 * on stderr otherwise; status 1 if any failed (docker's behaviour). */
typedef int (*ctr_op)(struct berth *b, struct container *c, void *arg, berr_t *err);

struct rm_args {
	bool force, volumes;
};

/* docker 23+ (moby ContainerKill) checks the signal before looking the
 * container up and its router prefixes every error with "Cannot kill
 * container: NAME: ". A number parses (only 0 is invalid) but must be one
 * Linux knows: 1-31 or SIGRTMIN..SIGRTMAX (34-64), glibc's 32 and 33 not. */
static int bad_kill_signal(int argc, char **argv, const char *sig)
{
	char *end;
	errno = 0;
	long n = strtol(sig, &end, 10);
	bool number = *sig && !*end && errno == 0 && n != 0;

	for (int i = 0; i < argc; i++) {
		if (number)
			fprintf(stderr, "Error response from daemon: Cannot kill container: %s: "
				"the linux daemon does not support signal %ld\n", argv[i], n);
		else
			fprintf(stderr, "Error response from daemon: Cannot kill container: %s: "
				"Invalid signal: %s\n", argv[i], sig);
	}
	return 1;
}

static int op_kill(struct berth *b, struct container *c, void *arg, berr_t *err);
static int op_rm(struct berth *b, struct container *c, void *arg, berr_t *err);

static int for_each(struct berth *b, int argc, char **argv, ctr_op op, void *arg, bool print_name)
{
	int status = 0;
	for (int i = 0; i < argc; i++) {
		struct container *c = NULL;
		cleanup_berr berr_t e = NULL;
		if (container_find(b, argv[i], &c, &e) == 0 && op(b, c, arg, &e) == 0) {
			if (print_name)
				printf("%s\n", argv[i]);
		} else {
			fflush(stdout);
			if (str_has_prefix(e->msg, "No such container") && op == op_kill)
				fprintf(stderr, "Error response from daemon: Cannot kill container: %s: %s\n", argv[i], e->msg);
			else if (str_has_prefix(e->msg, "No such container"))
				fprintf(stderr, "Error response from daemon: %s\n", e->msg);
			else
				fprintf(stderr, "%s\n", e->msg);
			/* rm -f of a container that is not there: said, not failed */
			if (!(op == op_rm && ((struct rm_args *)arg)->force && !c))
				status = 1;
		}
		container_free(c);
	}
	fflush(stdout);
	return status;
}

static int parse_simple(const struct cli_spec *spec, int argc, char **argv, struct cli_args *a, berr_t *err)
{
	return cli_parse(spec, argc, argv, a, err);
}

/* ---- stop / restart / kill ------------------------------------------- */

struct stop_args {
	int timeout, sig;
};

static int op_stop(struct berth *b, struct container *c, void *arg, berr_t *err)
{
	struct stop_args *s = arg;
	return ctr_stop(b, c, s->timeout, s->sig, err);
}

static int op_restart(struct berth *b, struct container *c, void *arg, berr_t *err)
{
	struct stop_args *s = arg;
	return ctr_restart(b, c, s->timeout, s->sig, err);
}

/* An unknown signal: the daemon refuses each request before looking the
 * container up, so docker prints the refusal once per name. */
static int bad_signal(int argc, char **argv, const char *sig)
{
	(void)argv;
	for (int i = 0; i < argc; i++)
		fprintf(stderr, "Error response from daemon: Invalid signal: %s\n", sig);
	return 1;
}

static int stop_like(struct berth *b, int argc, char **argv, berr_t *err, bool restart)
{
	const char *t = NULL, *sig = NULL;
	const struct opt opts[] = {
		{"signal", 's', OPT_STRING, &sig, "Signal to send to the container", NULL, false},
		{"time", 't', OPT_STRING, &t, "Seconds to wait before killing the container", "int", false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
		.summary = restart ? "Restart one or more containers" : "Stop one or more running containers",
		.opts = opts, .min_args = 1, .max_args = -1,
		.aliases = restart ? "berth container restart, berth restart" : "berth container stop, berth stop",
	};
	struct cli_args a;
	struct stop_args sa = {-1, 0};
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (t) {
		char *end;
		long v = strtol(t, &end, 10);
		if (*end || !*t) {
			free(a.argv);
			return cli_usage_error(err, "invalid argument \"%s\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax", t, t);
		}
		sa.timeout = (int)v;
	}
	/* -s: this signal instead of the container's StopSignal (API 1.42) */
	if (sig && !(sa.sig = parse_signal(sig))) {
		r = bad_signal(a.argc, a.argv, sig);
		free(a.argv);
		return r;
	}
	r = for_each(b, a.argc, a.argv, restart ? op_restart : op_stop, &sa, true);
	free(a.argv);
	return r;
}

int cmd_stop(struct berth *b, int argc, char **argv, berr_t *err)
{
	return stop_like(b, argc, argv, err, false);
}

int cmd_restart(struct berth *b, int argc, char **argv, berr_t *err)
{
	return stop_like(b, argc, argv, err, true);
}

static int op_kill(struct berth *b, struct container *c, void *arg, berr_t *err)
{
	return ctr_kill(b, c, *(int *)arg, err);
}

int cmd_kill(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *sig = "KILL";
	const struct opt opts[] = {
		{"signal", 's', OPT_STRING, &sig, "Signal to send to the container (default \"KILL\")", NULL, false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Kill one or more running containers",
		.opts = opts, .min_args = 1, .max_args = -1, .aliases = "berth container kill, berth kill",
	};
	struct cli_args a;
	int r, s;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	s = parse_signal(sig);
	if (!s || s == 32 || s == 33) {
		r = bad_kill_signal(a.argc, a.argv, sig);
		free(a.argv);
		return r;
	}
	r = for_each(b, a.argc, a.argv, op_kill, &s, true);
	free(a.argv);
	return r;
}

/* ---- rm ----------------------------------------------------------------- */

static int op_rm(struct berth *b, struct container *c, void *arg, berr_t *err)
{
	struct rm_args *a = arg;
	return ctr_remove_v(b, c, a->force, a->volumes, err);
}

int cmd_rm(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false, volumes = false, link = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, "Force the removal of a running container (uses SIGKILL)", NULL, false},
		{"link", 'l', OPT_BOOL, &link, "Remove the specified link", NULL, true},
		{"volumes", 'v', OPT_BOOL, &volumes, "Remove anonymous volumes associated with the container", NULL, false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Remove one or more containers",
		.opts = opts, .min_args = 1, .max_args = -1, .aliases = "berth container rm, berth container remove, berth rm",
	};
	struct cli_args a;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	/* -v: its anonymous volumes too (engine/core/volume.h). */
	struct rm_args ra = {force, volumes};
	r = for_each(b, a.argc, a.argv, op_rm, &ra, true);
	free(a.argv);
	return r;
}

/* ---- wait, pause, unpause ---------------------------------------------- */

static int op_wait(struct berth *b, struct container *c, void *arg, berr_t *err)
{
	int code;
	(void)arg;
	if (ctr_wait(b, c, &code, err) < 0)
		return -1;
	printf("%d\n", code);
	fflush(stdout);
	return 0;
}

int cmd_wait(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct opt opts[] = {END};
	const struct cli_spec spec = {
		.usage = "CONTAINER [CONTAINER...]", .summary = "Block until one or more containers stop, then print their exit codes",
		.opts = opts, .min_args = 1, .max_args = -1, .aliases = "berth container wait, berth wait",
	};
	struct cli_args a;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = for_each(b, a.argc, a.argv, op_wait, NULL, false);
	free(a.argv);
	return r;
}

static int op_pause(struct berth *b, struct container *c, void *arg, berr_t *err)
{
	return ctr_pause(b, c, *(bool *)arg, err);
}

static int pause_like(struct berth *b, int argc, char **argv, berr_t *err, bool pause)
{
	const struct opt opts[] = {END};
	const struct cli_spec spec = {
		.usage = "CONTAINER [CONTAINER...]",
		.summary = pause ? "Pause all processes within one or more containers"
				 : "Unpause all processes within one or more containers",
		.opts = opts, .min_args = 1, .max_args = -1,
		.aliases = pause ? "berth container pause, berth pause" : "berth container unpause, berth unpause",
	};
	struct cli_args a;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = for_each(b, a.argc, a.argv, op_pause, &pause, true);
	free(a.argv);
	return r;
}

int cmd_pause(struct berth *b, int argc, char **argv, berr_t *err)
{
	return pause_like(b, argc, argv, err, true);
}

int cmd_unpause(struct berth *b, int argc, char **argv, berr_t *err)
{
	return pause_like(b, argc, argv, err, false);
}

/* ---- rename -------------------------------------------------------------- */

int cmd_rename(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct opt opts[] = {END};
	const struct cli_spec spec = {
		.usage = "CONTAINER NEW_NAME", .summary = "Rename a container", .opts = opts, .min_args = 2,
		.max_args = 2, .aliases = "berth container rename, berth rename",
	};
	struct cli_args a;
	struct container *c = NULL;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	/* The daemon's order: empty names, the container, the same name, then
	 * the new name's validity and uniqueness; the CLI adds a line of its own. */
	const char *newname = a.argv[1][0] == '/' ? a.argv[1] + 1 : a.argv[1];
	if (!*a.argv[0] || !*newname) {
		free(a.argv);
		r = berr_make_status(err, 1, 0, "Error: Neither old nor new names may be empty");
		(*err)->plain = 1;
		return r;
	}
	if (container_find(b, a.argv[0], &c, err) < 0) {
		berr_wrap(err, "Error response from daemon");
		r = -1;
	} else if (strcmp(c->name, newname) == 0) {
		r = berr_make_status(err, 1, 0, "Error response from daemon: Renaming a container with the same name as its current name");
	} else if (!names_valid(newname)) {
		r = berr_make_status(err, 1, 0,
				     "Error response from daemon: Error when allocating new name: Invalid container name (/%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				     newname);
	} else {
		r = container_rename(b, c, newname, err);
		if (r < 0 && !str_has_prefix((*err)->msg, "Error response"))
			berr_wrap(err, "Error response from daemon");
		if (r == 0)
			endpoint_names_changed(b, c->id); /* peers' hosts files (endpoint.h) */
	}
	if (r < 0) {
		cleanup_free char *msg = xasprintf("%s\nError: failed to rename container named %s", (*err)->msg, a.argv[0]);
		berr_make_status(err, 1, 0, "%s", msg);
		(*err)->plain = 1;
	}
	container_free(c);
	free(a.argv);
	return r;
}

/* ---- prune ----------------------------------------------------------------- */

int cmd_container_prune(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"until=<timestamp>\")", "filter", false},
		{"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation", NULL, false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Remove all stopped containers", .opts = opts, .min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	cleanup_strv char **removed = NULL;
	long long reclaimed = 0;
	char size[32];
	int r;
	struct image_prune_filter pf;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0) {
		strlist_free(&filters);
		return r < 0 ? -1 : 0;
	}
	free(a.argv);
	/* docker's prune filters: until, label, label!= (the same parser
	 * as image prune; dangling means nothing for containers). */
	r = image_prune_filter_parse(filters.v, &pf, err);
	if (r == 0 && pf.dangling != -1)
		r = berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter 'dangling'");
	if (r < 0) {
		free((void *)pf.labels);
		free((void *)pf.not_labels);
		strlist_free(&filters);
		return -1;
	}
	if (!force && !cli_confirm("WARNING! This will remove all stopped containers."))
		goto out;
	if ((r = container_prune(b, &pf, &removed, &reclaimed, err)) < 0)
		goto out;
	print_deleted("Containers", removed);
	human_size_decimal((double)reclaimed, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
out:
	free((void *)pf.labels);
	free((void *)pf.not_labels);
	strlist_free(&filters);
	return r;
}

/* ---- top, stats ---------------------------------------------------------------- */

int cmd_top(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct opt opts[] = {END};
	const struct cli_spec spec = {
		.usage = "CONTAINER [ps OPTIONS]", .summary = "Display the running processes of a container",
		.opts = opts, .stop_at_first_arg = true, .min_args = 1, .max_args = -1,
		.aliases = "berth container top, berth top",
	};
	struct cli_args a;
	struct container *c = NULL;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (container_find(b, a.argv[0], &c, err) < 0) {
		berr_wrap(err, "Error response from daemon");
		(*err)->status = 1;
		r = -1;
	} else {
		r = ctr_top(b, c, a.argv + 1, err);
	}
	container_free(c);
	free(a.argv);
	return r;
}

static const char *stats_header(const char *field, void *ctx)
{
	static const char *const map[][2] = {
		{"ID", "CONTAINER ID"}, {"Container", "CONTAINER"}, {"Name", "NAME"}, {"CPUPerc", "CPU %"},
		{"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"}, {"NetIO", "NET I/O"}, {"BlockIO", "BLOCK I/O"},
		{"PIDs", "PIDS"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

int cmd_stats(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, no_stream = false, no_trunc = false;
	const char *format = NULL;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, "Show all containers (default shows just running)", NULL, false},
		{"format", 0, OPT_STRING, &format, "Format output using a custom template", NULL, false},
		{"no-stream", 0, OPT_BOOL, &no_stream, "Disable streaming stats and only pull the first result", NULL, false},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, "Do not truncate output", NULL, false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] [CONTAINER...]", .summary = "Display a live stream of container(s) resource usage statistics",
		.opts = opts, .min_args = 0, .max_args = -1, .aliases = "berth container stats, berth stats",
	};
	struct cli_args a;
	struct container **v = NULL;
	size_t n = 0;
	struct tmpl *t = NULL;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (format_list_parse(format ? format : "",
			      "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
			      &format_row_stats, &t, err) < 0) {
		free(a.argv);
		return -1;
	}
	if (a.argc > 0) {
		v = xcalloc((size_t)a.argc, sizeof(*v));
		for (int i = 0; i < a.argc; i++) {
			if (container_find(b, a.argv[i], &v[n], err) < 0) {
				container_list_free(v, n);
				free(a.argv);
				tmpl_free(t);
				berr_wrap(err, "Error response from daemon");
				(*err)->status = 1;
				return -1;
			}
			n++;
		}
	} else {
		struct container **allv = NULL;
		size_t an = 0;
		if (container_list(b, &allv, &an, err) < 0) {
			free(a.argv);
			tmpl_free(t);
			return -1;
		}
		v = xcalloc(an ? an : 1, sizeof(*v));
		for (size_t i = 0; i < an; i++) {
			if (all || allv[i]->state == CS_RUNNING || allv[i]->state == CS_PAUSED)
				v[n++] = allv[i];
			else
				container_free(allv[i]);
		}
		free(allv);
	}
	struct ctr_usage *u = xcalloc(n ? n : 1, sizeof(*u));
	for (;;) {
		if (ctr_usage(b, v, n, 500, u, err) < 0)
			break;
		json_t *items = json_array();
		for (size_t i = 0; i < n; i++) {
			char cpu[32], mem[64], memp[32], lim[32], use[32], blk[64], r1[32], w1[32], pids[32], id[65];
			snprintf(cpu, sizeof(cpu), "%.2f%%", u[i].cpu_percent);
			human_size_binary((double)u[i].mem, use, sizeof(use));
			human_size_binary((double)u[i].mem_limit, lim, sizeof(lim));
			snprintf(mem, sizeof(mem), "%s / %s", use, lim);
			snprintf(memp, sizeof(memp), "%.2f%%", u[i].mem_limit ? (double)u[i].mem * 100.0 / (double)u[i].mem_limit : 0.0);
			human_size_decimal((double)u[i].blk_read, r1, sizeof(r1));
			human_size_decimal((double)u[i].blk_write, w1, sizeof(w1));
			snprintf(blk, sizeof(blk), "%s / %s", r1, w1);
			snprintf(pids, sizeof(pids), "%llu", u[i].pids);
			snprintf(id, sizeof(id), "%.*s", no_trunc ? 64 : 12, v[i]->id);
			bool live = v[i]->state == CS_RUNNING || v[i]->state == CS_PAUSED;
			json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
							       "Container", a.argc ? a.argv[i] : id, "Name", v[i]->name,
							       "CPUPerc", live ? cpu : "0.00%", "MemUsage", live ? mem : "0B / 0B",
							       "MemPerc", live ? memp : "0.00%", "NetIO", "0B / 0B", "BlockIO",
							       live ? blk : "0B / 0B", "PIDs", live ? pids : "0"));
		}
		if (!no_stream)
			printf("\033[2J\033[H");
		r = format_list_write(t, items, stats_header, NULL, err);
		json_decref(items);
		fflush(stdout);
		if (r < 0 || no_stream)
			break;
	}
	free(u);
	tmpl_free(t);
	container_list_free(v, n);
	free(a.argv);
	return *err ? -1 : 0;
}

/* ---- inspect ---------------------------------------------------------------------- */

/* docker inspect: containers first, then images (--type restricts it). */
static int inspect_by_type(struct berth *b, int argc, char **argv, const char *type, const char *format, bool size,
			   berr_t *err)
{
	json_t *arr = json_array();
	struct tmpl *t = NULL;
	int failed = 0;
	(void)size;

	if (format && *format && format_parse(format, &t, err) < 0) {
		json_decref(arr);
		return -1;
	}
	if (t)
		tmpl_set_zero_fn(t, format_inspect_zero);
	for (int i = 0; i < argc; i++) {
		json_t *obj = NULL;
		if (!type || strcmp(type, "container") == 0) {
			struct container *c = NULL;
			cleanup_berr berr_t e = NULL;
			if (container_lookup(b, argv[i], &c, &e) == 0 && c) {
				obj = container_inspect_json(b, c);
				container_free(c);
			}
		}
		if (!obj && (!type || strcmp(type, "image") == 0)) {
			struct image *img = NULL;
			cleanup_berr berr_t e = NULL;
			if (image_find(b, argv[i], &img, &e) == 0) {
				obj = image_inspect_json(b, img);
				image_free(img);
			}
		}
		/* Then volumes and networks, docker's order (volume.h, network.h). */
		if (!obj && (!type || strcmp(type, "volume") == 0)) {
			struct volume *v = NULL;
			cleanup_berr berr_t e = NULL;
			if (volume_get(b, argv[i], &v, &e) == 0) {
				obj = volume_inspect_json(v);
				volume_free(v);
			}
		}
		if (!obj && (!type || strcmp(type, "network") == 0)) {
			struct network *n = NULL;
			cleanup_berr berr_t e = NULL;
			if (network_find(b, argv[i], &n, &e) == 0) {
				obj = network_inspect_json(b, n);
				network_free(n);
			}
		}
		if (!obj) {
			fflush(stdout);
			if (!type)
				fprintf(stderr, "Error: No such object: %s\n", argv[i]);
			else if (strcmp(type, "container") == 0)
				fprintf(stderr, "Error response from daemon: No such container: %s\n", argv[i]);
			else
				fprintf(stderr, "Error: No such %s: %s\n", type, argv[i]);
			failed++;
			continue;
		}
		if (t) {
			cleanup_berr berr_t e = NULL;
			if (format_inspect_one(t, obj, &e) < 0) {
				fprintf(stderr, "%s\n", e->msg);
				failed++;
			}
			json_decref(obj);
		} else {
			json_array_append_new(arr, obj);
		}
	}
	if (!t) {
		cleanup_free char *out = oci_dump_docker(arr, true);
		printf("%s\n", out);
	}
	json_decref(arr);
	tmpl_free(t);
	fflush(stdout);
	return failed ? 1 : 0;
}

int cmd_inspect_any(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL, *type = NULL;
	bool size = false;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "Format output using a custom template", NULL, false},
		{"size", 's', OPT_BOOL, &size, "Display total file sizes if the type is container", NULL, false},
		{"type", 0, OPT_STRING, &type, "Return JSON for specified type", NULL, false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NAME|ID [NAME|ID...]", .summary = "Return low-level information on berth objects",
		.opts = opts, .min_args = 1, .max_args = -1,
	};
	struct cli_args a;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (type && strcmp(type, "container") != 0 && strcmp(type, "image") != 0 && strcmp(type, "volume") != 0 &&
	    strcmp(type, "network") != 0) {
		free(a.argv);
		return cli_usage_error(err, "\"%s\" is not a valid value for --type", type);
	}
	r = inspect_by_type(b, a.argc, a.argv, type, format, size, err);
	free(a.argv);
	return r;
}

int cmd_container_inspect(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL;
	bool size = false;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "Format output using a custom template", NULL, false},
		{"size", 's', OPT_BOOL, &size, "Display total file sizes", NULL, false},
		END,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Display detailed information on one or more containers",
		.opts = opts, .min_args = 1, .max_args = -1,
	};
	struct cli_args a;
	int r;

	if ((r = parse_simple(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = inspect_by_type(b, a.argc, a.argv, "container", format, size, err);
	free(a.argv);
	return r;
}
