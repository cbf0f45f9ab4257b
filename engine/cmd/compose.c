/* compose.c: `berth compose [GLOBAL FLAGS] COMMAND`, docker compose's
 * command line.  The global flags (-f, -p, --project-directory,
 * --env-file, --profile) come before the command, as docker compose's do;
 * each command parses its own flags and calls the core (engine/core/compose*.c).
 */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/compose.h"
#include "../core/compose_run.h"
#include "../core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct strlist g_files, g_env_files, g_profiles;
static const char *g_project, *g_project_dir;

/* The project the global flags name; the services named on the command
 * line are active whatever their profiles. */
static int load(char **services, int nservices, struct compose_project **p, berr_t *err)
{
	struct compose_options o = {
		.files = g_files.v,
		.env_files = g_env_files.v,
		.profiles = g_profiles.v,
		.project_name = g_project,
		.project_dir = g_project_dir,
		.explicit_services = services,
		.nexplicit = nservices,
	};
	return compose_load(&o, p, err);
}

/* Parse a command's flags; its arguments name services: ro->services points
 * into *args, which the caller frees.  0 to go on, 1 when --help was printed,
 * -1 with err set (what cli_parse returns). */
static int parse_command(const struct cli_spec *spec, int argc, char **argv, struct compose_run_opts *ro, char ***args,
			 berr_t *err)
{
	struct cli_args a = {0};
	int r = cli_parse(spec, argc, argv, &a, err);
	*args = a.argv;
	ro->services = a.argv;
	ro->nservices = a.argc;
	ro->command = argv[0];
	return r;
}

/* Most commands' usage: [OPTIONS] [SERVICE...] */
#define SERVICES_SPEC(summary_, opts_)                                                                               \
	(&(const struct cli_spec){                                                                                   \
		.usage = "[OPTIONS] [SERVICE...]", .summary = (summary_), .opts = (opts_), .min_args = 0, .max_args = -1, \
	})

/* exec's and run's -e and terminal flags (-i is accepted and implied). */
struct command_io {
	struct strlist env;
	bool no_tty, interactive, tty;
};
#define COMMAND_TTY_OPTS(io)                                                                                         \
	{"no-TTY", 'T', OPT_BOOL, &(io).no_tty, "Disable pseudo-TTY allocation", NULL, false},                       \
	{"interactive", 'i', OPT_BOOL, &(io).interactive, "Keep STDIN open even if not attached", NULL, true},        \
	{"tty", 't', OPT_BOOL, &(io).tty, "Allocate a pseudo-TTY", NULL, true}

/* exec and run, once parsed: SERVICE [COMMAND] [ARGS...] is one service and
 * its command; no TTY unless -t was given, or with -T. */
static void service_then_command(struct compose_run_opts *ro, const struct command_io *io)
{
	ro->cmd = ro->services + 1;
	ro->ncmd = ro->nservices - 1;
	ro->nservices = 1;
	ro->env = io->env.v;
	ro->no_tty = io->no_tty || !io->tty;
}

/* ---- config ---- */

static int cmd_compose_config(struct berth *b, int argc, char **argv, berr_t *err)
{
	static bool services, volumes, quiet, images, profiles;
	static const char *hash, *output;
	static const struct opt opts[] = {
		{"services", 0, OPT_BOOL, &services, "Print the service names, one per line", NULL, false},
		{"volumes", 0, OPT_BOOL, &volumes, "Print the volume names, one per line", NULL, false},
		{"images", 0, OPT_BOOL, &images, "Print the image names, one per line", NULL, false},
		{"profiles", 0, OPT_BOOL, &profiles, "Print the profile names, one per line", NULL, false},
		{"hash", 0, OPT_STRING, &hash, "Print the service config hash, one per line (\"*\" for all)", "string", false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Only validate the configuration, don't print anything", NULL, false},
		{"output", 'o', OPT_STRING, &output, "Save to file (default to stdout)", "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	struct compose_run_opts named = {0};
	cleanup_free char **args = NULL;
	int r = parse_command(SERVICES_SPEC("Parse, resolve and render compose file in canonical format", opts), argc, argv,
			      &named, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	struct compose_project *p = NULL;
	if (load(NULL, 0, &p, err) < 0)
		return -1;
	struct ynode *svcs = ynode_get(p->model, "services");
	FILE *out = stdout;
	if (output && !(out = fopen(output, "w"))) {
		compose_project_free(p);
		return berr_make(err, errno, "open %s", output);
	}
	if (quiet) {
		r = 0;
	} else if (services) {
		size_t n = 0;
		char **order = compose_service_order(svcs, &n);
		for (size_t i = 0; order && i < n; i++) {
			fprintf(out, "%s\n", order[i]);
			free(order[i]);
		}
		free(order);
	} else if (volumes) {
		struct ynode *v = ynode_get(p->model, "volumes");
		for (size_t i = 0; v && i < v->n; i++)
			fprintf(out, "%s\n", v->keys[i]);
	} else if (images) {
		for (size_t i = 0; svcs && i < svcs->n; i++) {
			const char *img = ynode_str(svcs->items[i], "image");
			if (img)
				fprintf(out, "%s\n", img);
			else
				fprintf(out, "%s-%s\n", p->name, svcs->keys[i]);
		}
	} else if (profiles) {
		const struct ynode *raw = ynode_get(p->raw, "services");
		struct strlist seen = {0};
		for (size_t i = 0; raw && i < raw->n; i++) {
			const struct ynode *pr = ynode_get(raw->items[i], "profiles");
			for (size_t j = 0; pr && j < pr->n; j++) {
				bool dup = false;
				for (size_t k = 0; k < seen.n; k++)
					dup |= strcmp(seen.v[k], pr->items[j]->value) == 0;
				if (!dup)
					strlist_push(&seen, pr->items[j]->value);
			}
		}
		for (size_t k = 0; k < seen.n; k++)
			fprintf(out, "%s\n", seen.v[k]);
		strlist_free(&seen);
	} else if (hash) {
		for (size_t i = 0; svcs && i < svcs->n; i++) {
			bool want = strcmp(hash, "*") == 0;
			cleanup_free char *list = xstrdup(hash);
			char *save = NULL;
			for (char *t = strtok_r(list, ",", &save); t && !want; t = strtok_r(NULL, ",", &save))
				want = strcmp(t, svcs->keys[i]) == 0;
			if (!want)
				continue;
			cleanup_free char *h = compose_service_hash(svcs->items[i]);
			fprintf(out, "%s %s\n", svcs->keys[i], h);
		}
	} else {
		struct ynode *m = p->model;
		struct ynode *sub = NULL;
		if (named.nservices) {
			/* Only the named services (and what they need). */
			sub = ymodel_copy(m);
			struct ynode *ss = ynode_get(sub, "services");
			for (size_t i = 0; i < ss->n;) {
				bool want = false;
				for (int j = 0; j < named.nservices; j++)
					want |= strcmp(named.services[j], ss->keys[i]) == 0;
				if (want) {
					i++;
					continue;
				}
				ynode_free(ss->items[i]);
				free(ss->keys[i]);
				memmove(&ss->items[i], &ss->items[i + 1], (ss->n - i - 1) * sizeof(*ss->items));
				memmove(&ss->keys[i], &ss->keys[i + 1], (ss->n - i - 1) * sizeof(*ss->keys));
				ss->n--;
			}
			m = sub;
		}
		r = compose_emit(m, out, err);
		ynode_free(sub);
	}
	if (out != stdout)
		fclose(out);
	compose_project_free(p);
	return r < 0 ? -1 : 0;
}

/* ---- the commands that act on containers (engine/core/compose.c) ---- */

#define UP_HELP "Create and start containers"

static int with_project(struct berth *b, const struct compose_run_opts *ro, compose_fn fn, berr_t *err)
{
	struct compose_project *p = NULL;
	if (load(ro->services, ro->nservices, &p, err) < 0)
		return -1;
	int r = fn(b, p, ro, err);
	compose_project_free(p);
	return r;
}

/* A command whose arguments are all services: parse, load, act. */
static int run_on_services(struct berth *b, int argc, char **argv, const struct cli_spec *spec,
			   struct compose_run_opts *ro, compose_fn fn, berr_t *err)
{
	cleanup_free char **args = NULL;
	int r = parse_command(spec, argc, argv, ro, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return with_project(b, ro, fn, err);
}

static int cmd_compose_up(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"detach", 'd', OPT_BOOL, &ro.detach, "Detached mode: Run containers in the background", NULL, false},
		{"build", 0, OPT_BOOL, &ro.build, "Build images before starting containers", NULL, false},
		{"no-build", 0, OPT_BOOL, &ro.no_build, "Don't build an image, even if it's policy", NULL, false},
		{"force-recreate", 0, OPT_BOOL, &ro.force_recreate, "Recreate containers even if their configuration and image haven't changed", NULL, false},
		{"no-recreate", 0, OPT_BOOL, &ro.no_recreate, "If containers already exist, don't recreate them", NULL, false},
		{"remove-orphans", 0, OPT_BOOL, &ro.remove_orphans, "Remove containers for services not defined in the Compose file", NULL, false},
		{"wait", 0, OPT_BOOL, &ro.wait, "Wait for services to be running|healthy. Implies detached mode.", NULL, false},
		{"abort-on-container-exit", 0, OPT_BOOL, &ro.abort_on_exit, "Stops all containers if any container was stopped. Incompatible with -d", NULL, false},
		{"exit-code-from", 0, OPT_STRING, &ro.exit_code_from, "Return the exit code of the selected service container. Implies --abort-on-container-exit", "string", false},
		{"timeout", 't', OPT_INT, &ro.timeout, "Use this timeout in seconds for container shutdown when attached or when containers are already running", "int", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	cleanup_free char **args = NULL;
	ro.timeout = -1;
	int r = parse_command(SERVICES_SPEC(UP_HELP, opts), argc, argv, &ro, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (ro.detach && (ro.abort_on_exit || ro.exit_code_from))
		return berr_make(err, 0, "--abort-on-container-exit and --detach are incompatible");
	return with_project(b, &ro, compose_up, err);
}

static int cmd_compose_down(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"volumes", 'v', OPT_BOOL, &ro.volumes, "Remove named volumes declared in the \"volumes\" section of the Compose file", NULL, false},
		{"remove-orphans", 0, OPT_BOOL, &ro.remove_orphans, "Remove containers for services not defined in the Compose file", NULL, false},
		{"timeout", 't', OPT_INT, &ro.timeout, "Specify a shutdown timeout in seconds", "int", false},
		{"rmi", 0, OPT_STRING, &ro.rmi, "Remove images used by services. \"local\" remove only images that don't have a custom tag (\"local\"|\"all\")", "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS] [SERVICES]", .summary = "Stop and remove containers, networks", .opts = opts,
		.min_args = 0, .max_args = -1,
	};
	ro.timeout = -1;
	return run_on_services(b, argc, argv, &spec, &ro, compose_down, err);
}

static int cmd_compose_ps(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &ro.all, "Show all stopped containers", NULL, false},
		{"quiet", 'q', OPT_BOOL, &ro.quiet, "Only display IDs", NULL, false},
		{"services", 0, OPT_BOOL, &ro.list_services, "Display services", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("List containers", opts), &ro, compose_ps, err);
}

static int cmd_compose_logs(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"follow", 'f', OPT_BOOL, &ro.follow, "Follow log output", NULL, false},
		{"timestamps", 't', OPT_BOOL, &ro.timestamps, "Show timestamps", NULL, false},
		{"tail", 'n', OPT_STRING, &ro.tail, "Number of lines to show from the end of the logs for each container", "string", false},
		{"no-log-prefix", 0, OPT_BOOL, &ro.no_prefix, "Don't print prefix in logs", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("View output from containers", opts), &ro, compose_logs, err);
}

/* start, stop, restart, kill, rm, top, images, pull, build, push:
 * SERVICE... with a flag or two each. */
static const struct opt no_opts[] = {{NULL, 0, 0, NULL, NULL, NULL, false}};

static int cmd_compose_start(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	return run_on_services(b, argc, argv, SERVICES_SPEC("Start services", no_opts), &ro, compose_start, err);
}

/* stop and restart: SERVICE... and -t alone. */
static int run_with_timeout(struct berth *b, int argc, char **argv, const char *summary, compose_fn fn, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"timeout", 't', OPT_INT, &ro.timeout, "Specify a shutdown timeout in seconds", "int", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	ro.timeout = -1;
	return run_on_services(b, argc, argv, SERVICES_SPEC(summary, opts), &ro, fn, err);
}

static int cmd_compose_stop(struct berth *b, int argc, char **argv, berr_t *err)
{
	return run_with_timeout(b, argc, argv, "Stop services", compose_stop, err);
}

static int cmd_compose_restart(struct berth *b, int argc, char **argv, berr_t *err)
{
	return run_with_timeout(b, argc, argv, "Restart service containers", compose_restart, err);
}

static int cmd_compose_kill(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"signal", 's', OPT_STRING, &ro.signal, "SIGNAL to send to the container", "string", false},
		{"remove-orphans", 0, OPT_BOOL, &ro.remove_orphans, "Remove containers for services not defined in the Compose file", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("Force stop service containers", opts), &ro, compose_kill, err);
}

static int cmd_compose_rm(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &ro.force, "Don't ask to confirm removal", NULL, false},
		{"stop", 's', OPT_BOOL, &ro.stop_first, "Stop the containers, if required, before removing", NULL, false},
		{"volumes", 'v', OPT_BOOL, &ro.volumes, "Remove any anonymous volumes attached to containers", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("Removes stopped service containers", opts), &ro, compose_rm, err);
}

static int cmd_compose_images(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &ro.quiet, "Only display IDs", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("List images used by the created containers", opts), &ro, compose_images, err);
}

static int cmd_compose_top(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	return run_on_services(b, argc, argv, SERVICES_SPEC("Display the running processes", no_opts), &ro, compose_top, err);
}

static int cmd_compose_pull(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &ro.quiet, "Pull without printing progress information", NULL, false},
		{"ignore-pull-failures", 0, OPT_BOOL, &ro.force, "Pull what it can and ignores images with pull failures", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("Pull service images", opts), &ro, compose_pull, err);
}

static int cmd_compose_push(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	return run_on_services(b, argc, argv, SERVICES_SPEC("Push service images", no_opts), &ro, compose_push, err);
}

static int cmd_compose_build(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"no-cache", 0, OPT_BOOL, &ro.force, "Do not use cache when building the image", NULL, false},
		{"pull", 0, OPT_BOOL, &ro.pull, "Always attempt to pull a newer version of the image", NULL, false},
		{"quiet", 'q', OPT_BOOL, &ro.quiet, "Don't print anything to STDOUT", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	return run_on_services(b, argc, argv, SERVICES_SPEC("Build or rebuild services", opts), &ro, compose_build, err);
}

static int cmd_compose_port(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"protocol", 0, OPT_STRING, &ro.protocol, "tcp or udp", "string", false},
		{"index", 0, OPT_INT, &ro.index, "Index of the container if service has multiple replicas", "int", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS] SERVICE PRIVATE_PORT", .summary = "Print the public port for a port binding",
		.opts = opts, .min_args = 2, .max_args = 2,
	};
	cleanup_free char **args = NULL;
	int r = parse_command(&spec, argc, argv, &ro, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	ro.nservices = 1;
	ro.port = ro.services[1];
	if (!ro.protocol)
		ro.protocol = "tcp";
	if (!ro.index)
		ro.index = 1;
	return with_project(b, &ro, compose_port, err);
}

static int cmd_compose_exec(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static struct command_io io = {.interactive = true};
	static const struct opt opts[] = {
		{"detach", 'd', OPT_BOOL, &ro.detach, "Detached mode: Run command in the background", NULL, false},
		{"env", 'e', OPT_LIST, &io.env, "Set environment variables", "stringArray", false},
		{"index", 0, OPT_INT, &ro.index, "Index of the container if service has multiple replicas", "int", false},
		COMMAND_TTY_OPTS(io),
		{"user", 'u', OPT_STRING, &ro.user, "Run the command as this user", "string", false},
		{"workdir", 'w', OPT_STRING, &ro.workdir, "Path to workdir directory for this command", "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS] SERVICE COMMAND [ARGS...]", .summary = "Execute a command in a running container",
		.opts = opts, .min_args = 2, .max_args = -1, .stop_at_first_arg = true,
	};
	cleanup_free char **args = NULL;
	int r = parse_command(&spec, argc, argv, &ro, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	service_then_command(&ro, &io);
	if (!ro.index)
		ro.index = 1;
	return with_project(b, &ro, compose_exec, err);
}

static int cmd_compose_run(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static struct command_io io = {.interactive = true};
	static struct strlist publish, volume;
	static const struct opt opts[] = {
		{"detach", 'd', OPT_BOOL, &ro.detach, "Run container in background and print container ID", NULL, false},
		{"rm", 0, OPT_BOOL, &ro.rm, "Automatically remove the container when it exits", NULL, false},
		{"env", 'e', OPT_LIST, &io.env, "Set environment variables", "stringArray", false},
		{"name", 0, OPT_STRING, &ro.name, "Assign a name to the container", "string", false},
		{"entrypoint", 0, OPT_STRING, &ro.entrypoint, "Override the entrypoint of the image", "string", false},
		{"no-deps", 0, OPT_BOOL, &ro.no_deps, "Don't start linked services", NULL, false},
		{"publish", 'p', OPT_LIST, &publish, "Publish a container's port(s) to the host", "stringArray", false},
		{"service-ports", 0, OPT_BOOL, &ro.service_ports, "Run command with all service's ports enabled and mapped to the host", NULL, false},
		{"volume", 'v', OPT_LIST, &volume, "Bind mount a volume", "stringArray", false},
		COMMAND_TTY_OPTS(io),
		{"user", 'u', OPT_STRING, &ro.user, "Run as specified username or uid", "string", false},
		{"workdir", 'w', OPT_STRING, &ro.workdir, "Working directory inside the container", "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS] SERVICE [COMMAND] [ARGS...]", .summary = "Run a one-off command on a service",
		.opts = opts, .min_args = 1, .max_args = -1, .stop_at_first_arg = true,
	};
	cleanup_free char **args = NULL;
	int r = parse_command(&spec, argc, argv, &ro, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	service_then_command(&ro, &io);
	ro.publish = publish.v;
	ro.volume = volume.v;
	return with_project(b, &ro, compose_run, err);
}

static int cmd_compose_ls(struct berth *b, int argc, char **argv, berr_t *err)
{
	static struct compose_run_opts ro;
	static const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &ro.all, "Show all stopped Compose projects", NULL, false},
		{"quiet", 'q', OPT_BOOL, &ro.quiet, "Only display project names", NULL, false},
		{"format", 0, OPT_STRING, &ro.format, "Format the output. Values: [table | json]", "string", false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	static const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "List running compose projects", .opts = opts, .min_args = 0, .max_args = 0,
	};
	cleanup_free char **args = NULL;
	int r = parse_command(&spec, argc, argv, &ro, &args, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return compose_ls(b, &ro, err);
}

static const struct command compose_cmds[] = {
	{"build", cmd_compose_build, NULL, "Build or rebuild services", NULL, false},
	{"config", cmd_compose_config, NULL, "Parse, resolve and render compose file in canonical format", NULL, false},
	{"down", cmd_compose_down, NULL, "Stop and remove containers, networks", NULL, false},
	{"exec", cmd_compose_exec, NULL, "Execute a command in a running container", NULL, false},
	{"images", cmd_compose_images, NULL, "List images used by the created containers", NULL, false},
	{"kill", cmd_compose_kill, NULL, "Force stop service containers", NULL, false},
	{"logs", cmd_compose_logs, NULL, "View output from containers", NULL, false},
	{"ls", cmd_compose_ls, NULL, "List running compose projects", NULL, false},
	{"port", cmd_compose_port, NULL, "Print the public port for a port binding", NULL, false},
	{"ps", cmd_compose_ps, NULL, "List containers", NULL, false},
	{"pull", cmd_compose_pull, NULL, "Pull service images", NULL, false},
	{"push", cmd_compose_push, NULL, "Push service images", NULL, false},
	{"restart", cmd_compose_restart, NULL, "Restart service containers", NULL, false},
	{"rm", cmd_compose_rm, NULL, "Removes stopped service containers", NULL, false},
	{"run", cmd_compose_run, NULL, "Run a one-off command on a service", NULL, false},
	{"start", cmd_compose_start, NULL, "Start services", NULL, false},
	{"stop", cmd_compose_stop, NULL, "Stop services", NULL, false},
	{"top", cmd_compose_top, NULL, "Display the running processes", NULL, false},
	{"up", cmd_compose_up, NULL, UP_HELP, NULL, false},
	{NULL, NULL, NULL, NULL, NULL, false},
};

/* Global flags, before the command, in docker compose's spelling. */
int cmd_compose(struct berth *b, int argc, char **argv, berr_t *err)
{
	int i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		struct {
			const char *lng;
			const char *shrt;
			int kind; /* 0 files, 1 project, 2 dir, 3 env, 4 profile, 5 ignored */
		} flags[] = {
			{"--file", "-f", 0}, {"--project-name", "-p", 1}, {"--project-directory", NULL, 2},
			{"--env-file", NULL, 3}, {"--profile", NULL, 4}, {"--ansi", NULL, 5}, {"--progress", NULL, 5},
			{"--parallel", NULL, 5},
		};
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			break;
		if (strcmp(a, "--compatibility") == 0 || strcmp(a, "--dry-run") == 0)
			continue;
		size_t k;
		for (k = 0; k < sizeof flags / sizeof *flags; k++) {
			size_t ll = strlen(flags[k].lng);
			if (strcmp(a, flags[k].lng) == 0 || (flags[k].shrt && strcmp(a, flags[k].shrt) == 0)) {
				if (i + 1 >= argc) {
					cli_set_path("berth compose");
					return cli_usage_error(err, "flag needs an argument: %s", a);
				}
				val = argv[++i];
				break;
			}
			if (strncmp(a, flags[k].lng, ll) == 0 && a[ll] == '=') {
				val = a + ll + 1;
				break;
			}
			if (flags[k].shrt && strncmp(a, flags[k].shrt, 2) == 0 && a[2]) {
				val = a + 2;
				break;
			}
		}
		if (k == sizeof flags / sizeof *flags) {
			cli_set_path("berth compose");
			return cli_usage_error(err, "unknown flag: %s", a);
		}
		switch (flags[k].kind) {
		case 0: strlist_push(&g_files, val); break;
		case 1: g_project = val; break;
		case 2: g_project_dir = val; break;
		case 3: strlist_push(&g_env_files, val); break;
		case 4: strlist_push(&g_profiles, val); break;
		default: break;
		}
	}
	return cli_dispatch(compose_cmds, "berth compose", b, argc - i, argv + i, err);
}
