/* run.c: `berth run`, `berth create`, `berth start` (and `container
 * run|create|start`).  Only argument parsing: values are checked with
 * docker's messages, then engine/core/lifecycle.c does the work. */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/lifecycle.h"
#include "../core/units.h"
#include "../core/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run_flags {
	bool detach, rm, interactive, tty, privileged, read_only, init;
	const char *name, *workdir, *user, *entrypoint, *hostname, *memory, *cpus, *pids_limit, *stop_signal,
		*stop_timeout, *restart, *pull;
	bool entrypoint_set;
	struct strlist env, env_file, label, ulimit, cap_add, cap_drop, security_opt;
	/* networks, ports, volumes (engine/core/netvol.h) */
	struct strlist publish, expose, network_alias, volume, mount, tmpfs;
	bool publish_all;
	const char *network, *ip;
};

#define CREATE_OPTS(f)                                                                                              \
	{"cap-add", 0, OPT_LIST, &(f).cap_add, "Add Linux capabilities", NULL, false},                             \
	{"cap-drop", 0, OPT_LIST, &(f).cap_drop, "Drop Linux capabilities", NULL, false},                          \
	{"cpus", 0, OPT_STRING, &(f).cpus, "Number of CPUs", "decimal", false},                                    \
	{"entrypoint", 0, OPT_STRING, &(f).entrypoint, "Overwrite the default ENTRYPOINT of the image", NULL, false}, \
	{"env", 'e', OPT_LIST, &(f).env, "Set environment variables", NULL, false},                                \
	{"env-file", 0, OPT_LIST, &(f).env_file, "Read in a file of environment variables", NULL, false},          \
	{"expose", 0, OPT_LIST, &(f).expose, "Expose a port or a range of ports", "list", false},                  \
	{"hostname", 'h', OPT_STRING, &(f).hostname, "Container host name", NULL, false},                          \
	{"init", 0, OPT_BOOL, &(f).init, "Run an init inside the container that forwards signals and reaps processes", NULL, false}, \
	{"interactive", 'i', OPT_BOOL, &(f).interactive, "Keep STDIN open even if not attached", NULL, false},     \
	{"ip", 0, OPT_STRING, &(f).ip, "IPv4 address (e.g., 172.30.100.104)", "string", false},                   \
	{"label", 'l', OPT_LIST, &(f).label, "Set meta data on a container", NULL, false},                         \
	{"memory", 'm', OPT_STRING, &(f).memory, "Memory limit", "bytes", false},                                  \
	{"mount", 0, OPT_LIST, &(f).mount, "Attach a filesystem mount to the container", "mount", false},          \
	{"name", 0, OPT_STRING, &(f).name, "Assign a name to the container", NULL, false},                         \
	{"net", 0, OPT_STRING, &(f).network, "Connect a container to a network", "network", true},                 \
	{"net-alias", 0, OPT_LIST, &(f).network_alias, "Add network-scoped alias for the container", "list", true}, \
	{"network", 0, OPT_STRING, &(f).network, "Connect a container to a network", "network", false},           \
	{"network-alias", 0, OPT_LIST, &(f).network_alias, "Add network-scoped alias for the container", "list", false}, \
	{"pids-limit", 0, OPT_STRING, &(f).pids_limit, "Tune container pids limit (set -1 for unlimited)", "int", false}, \
	{"privileged", 0, OPT_BOOL, &(f).privileged, "Give extended privileges to this container", NULL, false},   \
	{"publish", 'p', OPT_LIST, &(f).publish, "Publish a container's port(s) to the host", "list", false},      \
	{"publish-all", 'P', OPT_BOOL, &(f).publish_all, "Publish all exposed ports to random ports", NULL, false}, \
	{"pull", 0, OPT_STRING, &(f).pull, "Pull image before running (\"always\", \"missing\", \"never\") (default \"missing\")", NULL, false}, \
	{"read-only", 0, OPT_BOOL, &(f).read_only, "Mount the container's root filesystem as read only", NULL, false}, \
	{"restart", 0, OPT_STRING, &(f).restart, "Restart policy to apply when a container exits (default \"no\")", NULL, false}, \
	{"rm", 0, OPT_BOOL, &(f).rm, "Automatically remove the container and its associated anonymous volumes when it exits", NULL, false}, \
	{"security-opt", 0, OPT_LIST, &(f).security_opt, "Security Options", NULL, false},                         \
	{"stop-signal", 0, OPT_STRING, &(f).stop_signal, "Signal to stop the container", NULL, false},             \
	{"stop-timeout", 0, OPT_STRING, &(f).stop_timeout, "Timeout (in seconds) to stop a container", "int", false}, \
	{"tmpfs", 0, OPT_LIST, &(f).tmpfs, "Mount a tmpfs directory", "list", false},                              \
	{"tty", 't', OPT_BOOL, &(f).tty, "Allocate a pseudo-TTY", NULL, false},                                    \
	{"ulimit", 0, OPT_LIST, &(f).ulimit, "Ulimit options", "ulimit", false},                                   \
	{"user", 'u', OPT_STRING, &(f).user, "Username or UID (format: <name|uid>[:<group|gid>])", NULL, false},   \
	{"volume", 'v', OPT_LIST, &(f).volume, "Bind mount a volume", "list", false},                              \
	{"workdir", 'w', OPT_STRING, &(f).workdir, "Working directory inside the container", NULL, false}

static void flags_free(struct run_flags *f)
{
	strlist_free(&f->env);
	strlist_free(&f->env_file);
	strlist_free(&f->label);
	strlist_free(&f->ulimit);
	strlist_free(&f->cap_add);
	strlist_free(&f->cap_drop);
	strlist_free(&f->security_opt);
	strlist_free(&f->publish);
	strlist_free(&f->expose);
	strlist_free(&f->network_alias);
	strlist_free(&f->volume);
	strlist_free(&f->mount);
	strlist_free(&f->tmpfs);
}

/* docker prints its run/create/start failures as "docker: MSG" followed
 * by a hint, keeping the exit status (125, 126, 127). */
static int run_error(berr_t *err)
{
	if (!*err || (*err)->plain)
		return -1;
	cleanup_free char *msg = xstrdup((*err)->msg);
	size_t n = strlen(msg);
	int status = (*err)->status;
	berr_make_status(err, status ? status : 125, 0, "berth: %s%s\n\nRun '%s --help' for more information", msg,
			 n && (msg[n - 1] == '.' || msg[n - 1] == '\n') ? "" : "", cli_path());
	(*err)->plain = 1;
	return -1;
}

/* Flag values docker checks while parsing (pflag errors, exit 125). */
static int convert(struct run_flags *f, struct create_opts *o, berr_t *err)
{
	memset(o, 0, sizeof(*o));
	o->stop_timeout = -1;
	if (f->memory) {
		o->memory = parse_ram_size(f->memory);
		if (o->memory < 0) {
			/* go-units: a bad suffix is named, anything else is a bad size. */
			const char *p = f->memory + strlen(f->memory);
			while (p > f->memory && !strchr("0123456789. ", p[-1]))
				p--;
			if (p > f->memory && *p)
				return cli_usage_error(err, "invalid argument \"%s\" for \"-m, --memory\" flag: invalid suffix: '%s'",
						       f->memory, p);
			return cli_usage_error(err, "invalid argument \"%s\" for \"-m, --memory\" flag: invalid size: '%s'",
					       f->memory, f->memory);
		}
	}
	if (f->cpus) {
		char *end;
		errno = 0;
		double v = strtod(f->cpus, &end);
		if (errno || *end || end == f->cpus || isnan(v) || isinf(v))
			return cli_usage_error(err, "invalid argument \"%s\" for \"--cpus\" flag: failed to parse %s as a rational number",
					       f->cpus, f->cpus);
		o->nano_cpus = (long long)(v * 1e9 + (v < 0 ? -0.5 : 0.5));
	}
	if (f->pids_limit) {
		char *end;
		errno = 0;
		long long v = strtoll(f->pids_limit, &end, 10);
		if (errno || *end || end == f->pids_limit)
			return cli_usage_error(err, "invalid argument \"%s\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax",
					       f->pids_limit, f->pids_limit);
		o->pids_limit = v <= 0 ? -1 : v;
		if (v == 0)
			o->pids_limit = 0;
	}
	if (f->stop_timeout) {
		char *end;
		errno = 0;
		long v = strtol(f->stop_timeout, &end, 10);
		if (errno || *end || end == f->stop_timeout)
			return cli_usage_error(err, "invalid argument \"%s\" for \"--stop-timeout\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax",
					       f->stop_timeout, f->stop_timeout);
		o->stop_timeout = (int)v;
	}
	for (size_t i = 0; i < f->ulimit.n; i++) {
		struct ulimit u;
		char why[256];
		if (parse_ulimit(f->ulimit.v[i], &u, why, sizeof(why)) < 0)
			return cli_usage_error(err, "invalid argument \"%s\" for \"--ulimit\" flag: %s", f->ulimit.v[i], why);
	}
	o->name = f->name;
	o->env = f->env.v;
	o->env_files = f->env_file.v;
	o->workdir = f->workdir;
	o->user = f->user;
	o->entrypoint = f->entrypoint;
	o->hostname = f->hostname;
	o->labels = f->label.v;
	o->ulimits = f->ulimit.v;
	o->cap_add = f->cap_add.v;
	o->cap_drop = f->cap_drop.v;
	o->security_opt = f->security_opt.v;
	o->stop_signal = f->stop_signal;
	o->restart = f->restart;
	if (f->pull && strcmp(f->pull, "always") && strcmp(f->pull, "missing") && strcmp(f->pull, "never"))
		return cli_usage_error(err, "invalid pull option: '%s': must be one of \"always\", \"missing\" or \"never\"", f->pull);
	o->pull = f->pull;
	o->interactive = f->interactive;
	o->tty = f->tty;
	o->detach = f->detach;
	o->rm = f->rm;
	o->privileged = f->privileged;
	o->read_only = f->read_only;
	o->init = f->init;
	o->nv.publish = f->publish.v;
	o->nv.publish_all = f->publish_all;
	o->nv.expose = f->expose.v;
	o->nv.network = f->network;
	o->nv.aliases = f->network_alias.v;
	o->nv.ip = f->ip;
	o->nv.volumes = f->volume.v;
	o->nv.mounts = f->mount.v;
	o->nv.tmpfs = f->tmpfs.v;
	return 0;
}

/* What run and create share: their flags parsed and made into create
 * options, IMAGE [COMMAND] [ARG...] taken.  1 to go on; otherwise what
 * the command returns (0 after --help, -1), with everything freed. */
static int parse_create(const struct cli_spec *spec, int argc, char **argv, struct run_flags *f,
			struct cli_args *args, struct create_opts *o, berr_t *err)
{
	int rc = cli_parse(spec, argc, argv, args, err);
	if (rc != 0) {
		flags_free(f);
		return rc < 0 ? -1 : 0;
	}
	if (convert(f, o, err) < 0) {
		free(args->argv);
		flags_free(f);
		return -1;
	}
	o->image = args->argv[0];
	o->cmd = args->argv + 1;
	return 1;
}

int cmd_run(struct berth *b, int argc, char **argv, berr_t *err)
{
	struct run_flags f = {0};
	const struct opt opts[] = {
		{"detach", 'd', OPT_BOOL, &f.detach, "Run container in background and print container ID", NULL, false},
		CREATE_OPTS(f),
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
		.summary = "Create and run a new container from an image",
		.opts = opts, .stop_at_first_arg = true, .min_args = 1, .max_args = -1,
		.aliases = "berth container run, berth run",
	};
	struct cli_args args;
	struct create_opts o;
	struct container *c = NULL;
	int rc, code = 0;

	if ((rc = parse_create(&spec, argc, argv, &f, &args, &o, err)) != 1)
		return rc;
	o.nv.check_ports = true; /* a port in use stops run before it creates anything */
	if (f.tty && f.interactive && !f.detach && !isatty(0)) {
		/* docker refuses to put a pipe behind a pty. */
		rc = berr_make_status(err, 1, 0, "the input device is not a TTY");
		(*err)->plain = 1;
		goto out;
	}
	struct start_opts so = {.attach = !f.detach, .attach_stdin = f.interactive && !f.detach};
	if (ctr_run(b, &o, &so, &c, &code, err) < 0) {
		rc = run_error(err);
		goto out;
	}
	if (f.detach)
		printf("%s\n", c->id);
	rc = f.detach ? 0 : code;
out:
	container_free(c);
	free(args.argv);
	flags_free(&f);
	return rc;
}

int cmd_create(struct berth *b, int argc, char **argv, berr_t *err)
{
	struct run_flags f = {0};
	const struct opt opts[] = {
		CREATE_OPTS(f),
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
		.summary = "Create a new container",
		.opts = opts, .stop_at_first_arg = true, .min_args = 1, .max_args = -1,
		.aliases = "berth container create, berth create",
	};
	struct cli_args args;
	struct create_opts o;
	struct container *c = NULL;
	int rc;

	if ((rc = parse_create(&spec, argc, argv, &f, &args, &o, err)) != 1)
		return rc;
	o.detach = true; /* create never attaches */
	o.interactive = f.interactive;
	if (ctr_create(b, &o, true, &c, err) < 0) {
		rc = run_error(err);
	} else {
		printf("%s\n", c->id);
		rc = 0;
	}
	container_free(c);
	free(args.argv);
	flags_free(&f);
	return rc;
}

int cmd_start(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool attach = false, interactive = false;
	const struct opt opts[] = {
		{"attach", 'a', OPT_BOOL, &attach, "Attach STDOUT/STDERR and forward signals", NULL, false},
		{"interactive", 'i', OPT_BOOL, &interactive, "Attach container's STDIN", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
		.summary = "Start one or more stopped containers",
		.opts = opts, .min_args = 1, .max_args = -1,
		.aliases = "berth container start, berth start",
	};
	struct cli_args args;
	int rc, status = 0;
	cleanup_free char *failed = NULL;

	if ((rc = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return rc < 0 ? -1 : 0;
	if ((attach || interactive) && args.argc > 1) {
		free(args.argv);
		return berr_make(err, 0, "you cannot start and attach multiple containers at once");
	}
	for (int i = 0; i < args.argc; i++) {
		struct container *c = NULL;
		cleanup_berr berr_t e = NULL;
		int code = 0;
		if (container_find(b, args.argv[i], &c, &e) == 0) {
			struct start_opts so = {.attach = attach || interactive, .attach_stdin = interactive};
			if (ctr_start(b, c, &so, &code, &e) == 0) {
				if (so.attach)
					status = code;
				else
					printf("%s\n", args.argv[i]);
			}
		}
		if (e) {
			fflush(stdout);
			fprintf(stderr, "%s%s\n", str_has_prefix(e->msg, "No such container") ? "Error response from daemon: " : "",
				e->msg);
			status = 1;
			/* docker names every container that failed */
			char *f = failed ? xasprintf("%s, %s", failed, args.argv[i]) : xstrdup(args.argv[i]);
			free(failed);
			failed = f;
		}
		container_free(c);
	}
	if (status && !attach && !interactive)
		fprintf(stderr, "Error: failed to start containers: %s\n", failed);
	free(args.argv);
	fflush(stdout);
	return status;
}
