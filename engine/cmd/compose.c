/* compose.c: `berth compose [GLOBAL FLAGS] COMMAND`, docker compose's
 * command line.  The global flags (-f, -p, --project-directory,
 * --env-file, --profile) come before the command, as docker compose's do;
 * each command parses its own flags and calls the core (engine/core/compose*.c).
 */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/compose.h"
#include "../core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct strlist g_files, g_env_files, g_profiles;
static const char *g_project, *g_project_dir;

static void global_opts(struct compose_options *o)
{
	memset(o, 0, sizeof(*o));
	o->files = g_files.v;
	o->env_files = g_env_files.v;
	o->profiles = g_profiles.v;
	o->project_name = g_project;
	o->project_dir = g_project_dir;
}

static int load(struct compose_project **p, berr_t *err)
{
	struct compose_options o;
	global_opts(&o);
	return compose_load(&o, p, err);
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
	static const struct cli_spec spec = {
		.usage = "[OPTIONS] [SERVICE...]", .summary = "Parse, resolve and render compose file in canonical format",
		.opts = opts, .min_args = 0, .max_args = -1,
	};
	struct cli_args a;
	int r = cli_parse(&spec, argc, argv, &a, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	struct compose_project *p = NULL;
	if (load(&p, err) < 0)
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
		if (a.argc) {
			/* Only the named services (and what they need). */
			sub = ymodel_copy(m);
			struct ynode *ss = ynode_get(sub, "services");
			for (size_t i = 0; i < ss->n;) {
				bool want = false;
				for (int j = 0; j < a.argc; j++)
					want |= strcmp(a.argv[j], ss->keys[i]) == 0;
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

static const struct command compose_cmds[] = {
	{"config", cmd_compose_config, NULL, "Parse, resolve and render compose file in canonical format", NULL, false},
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
