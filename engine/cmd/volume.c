/* volume.c: `berth volume create|ls|inspect|rm|prune`.  Argument parsing and
 * output; engine/core/volume.c does the work.  Errors docker's daemon
 * would return print as "Error: MSG", exit status 1, as docker's CLI. */
#define _GNU_SOURCE
#include "commands.h"
#include "objects.h"
#include "../core/cleanup.h"
#include "../core/image.h"
#include "format.h"
#include "../core/template.h"
#include "../core/units.h"
#include "../core/util.h"
#include "../core/volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define END_OPTS {NULL, 0, 0, NULL, NULL, NULL, false}

int cmd_volume_create(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *driver = NULL, *name_flag = NULL;
	struct strlist labels = {0}, opts_l = {0};
	const struct opt opts[] = {
		{"driver", 'd', OPT_STRING, &driver, "Specify volume driver name (default \"local\")", "string", false},
		{"label", 0, OPT_LIST, &labels, "Set metadata for a volume", "list", false},
		{"name", 0, OPT_STRING, &name_flag, "Specify volume name", "string", true},
		{"opt", 'o', OPT_LIST, &opts_l, "Set driver specific options", "map", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] [VOLUME]", .summary = "Create a volume", .opts = opts, .min_args = 0, .max_args = 1,
	};
	struct cli_args a;
	struct volume *v = NULL;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		goto out;
	{
		const char *name = a.argc ? a.argv[0] : name_flag;
		if (a.argc && name_flag && strcmp(a.argv[0], name_flag) != 0) {
			r = berr_make(err, 0, "conflicting options: either specify --name or provide positional arg, not both");
			free(a.argv);
			goto out;
		}
		r = volume_create(b, name, driver, labels.v, opts_l.v, false, &v, err);
	}
	free(a.argv);
	if (r == 0)
		printf("%s\n", v->name);
	else
		r = daemon_failure(err);
	volume_free(v);
out:
	strlist_free(&labels);
	strlist_free(&opts_l);
	return r == 1 ? 0 : r;
}

static const char *vol_column(const char *field, void *ctx)
{
	static const char *const map[][2] = {
		{"Name", "VOLUME NAME"}, {"Driver", "DRIVER"}, {"Scope", "SCOPE"}, {"Mountpoint", "MOUNTPOINT"},
		{"Labels", "LABELS"}, {"Links", "LINKS"}, {"Size", "SIZE"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

struct vol_filters {
	int dangling;            /* -1 any */
	struct strlist name, label, driver;
};

static int parse_vol_filters(const struct strlist *in, struct vol_filters *f, berr_t *err)
{
	const struct filter_key keys[] = {
		{"name", &f->name, NULL}, {"label", &f->label, NULL}, {"driver", &f->driver, NULL}, {NULL, NULL, NULL},
	};
	memset(f, 0, sizeof(*f));
	return filters_parse(in, keys, &f->dangling, err);
}

static bool vol_matches(struct berth *b, const struct volume *v, const struct vol_filters *f)
{
	if (!filter_any_substr(&f->name, v->name) || !filter_any_equal(&f->driver, v->driver) ||
	    !labels_match(v->labels, &f->label))
		return false;
	if (f->dangling >= 0) {
		cleanup_strv char **users = volume_users(b, v->name);
		if ((users[0] == NULL) != (f->dangling == 1))
			return false;
	}
	return true;
}

int cmd_volume_ls(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool quiet = false;
	const char *format = NULL;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"filter", 'f', OPT_LIST, &filters, "Provide filter values (e.g. \"dangling=true\")", "filter", false},
		{"format", 0, OPT_STRING, &format, "Format output using a custom template", "string", false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Only display volume names", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "List volumes", .opts = opts, .min_args = 0, .max_args = 0,
		.aliases = "berth volume ls, berth volume list",
	};
	struct cli_args a;
	struct vol_filters f;
	struct volume **v = NULL;
	size_t n = 0;
	struct tmpl *t = NULL;
	json_t *rows = NULL;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0) {
		strlist_free(&filters);
		return r < 0 ? -1 : 0;
	}
	free(a.argv);
	r = parse_vol_filters(&filters, &f, err);
	strlist_free(&filters);
	if (r < 0)
		goto out;
	if (quiet && (!format || !*format))
		format = "{{.Name}}";
	if ((r = format_list_parse(format, "table {{.Driver}}\t{{.Name}}", &format_row_volume, &t, err)) < 0)
		goto out;
	if ((r = volume_list(b, &v, &n, err)) < 0) {
		r = daemon_failure(err);
		goto out;
	}
	rows = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!vol_matches(b, v[i], &f))
			continue;
		char *labels = labels_string(v[i]->labels);
		cleanup_strv char **users = volume_users(b, v[i]->name);
		size_t nu = 0;
		while (users[nu])
			nu++;
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Name", v[i]->name, "Driver",
						      v[i]->driver, "Scope", "local", "Mountpoint", v[i]->mountpoint,
						      "Labels", labels, "Links", "N/A", "Size", "N/A"));
		json_object_set_new(json_array_get(rows, json_array_size(rows) - 1), "Links", json_sprintf("%zu", nu));
		free(labels);
	}
	r = format_list_write(t, rows, vol_column, NULL, err);
out:
	json_decref(rows);
	volume_list_free(v, n);
	tmpl_free(t);
	strlist_free(&f.name);
	strlist_free(&f.label);
	strlist_free(&f.driver);
	return r < 0 ? daemon_failure(err) : 0;
}

static json_t *find_volume(struct berth *b, const char *name, berr_t *err)
{
	struct volume *v = NULL;
	if (volume_get(b, name, &v, err) < 0)
		return NULL;
	json_t *j = volume_inspect_json(v);
	volume_free(v);
	return j;
}

int cmd_volume_inspect(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "Format output using a custom template", "string", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] VOLUME [VOLUME...]", .summary = "Display detailed information on one or more volumes",
		.opts = opts, .min_args = 1, .max_args = -1,
	};
	struct cli_args a;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = inspect_objects(b, a.argc, a.argv, find_volume, format, err);
	free(a.argv);
	return r;
}

int cmd_volume_rm(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, "Force the removal of one or more volumes", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] VOLUME [VOLUME...]", .summary = "Remove one or more volumes", .opts = opts,
		.min_args = 1, .max_args = -1, .aliases = "berth volume rm, berth volume remove",
	};
	struct cli_args a;
	int r, status = 0;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	for (int i = 0; i < a.argc; i++) {
		cleanup_berr berr_t e = NULL;
		if (volume_remove(b, a.argv[i], &e) == 0 ||
		    (force && str_has_suffix(e->msg, ": no such volume"))) {
			/* docker's -f: a missing volume is not an error (and is
			 * still echoed); a volume in use still is. */
			printf("%s\n", a.argv[i]);
			continue;
		}
		fprintf(stderr, "Error: %s\n", e->msg);
		status = 1;
	}
	free(a.argv);
	return status;
}

int cmd_volume_prune(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false, all = false;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, "Remove all unused volumes, not just anonymous ones", NULL, false},
		{"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"label=<label>\")", "filter", false},
		{"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Remove unused local volumes", .opts = opts, .min_args = 0,
		.max_args = 0,
	};
	struct cli_args a;
	cleanup_strv char **removed = NULL;
	long long reclaimed = 0;
	char size[32];
	int r;

	r = cli_parse(&spec, argc, argv, &a, err);
	if (r != 0) {
		strlist_free(&filters);
		return r < 0 ? -1 : 0;
	}
	free(a.argv);
	if (filters.n) {
		strlist_free(&filters);
		return berr_make_status(err, 1, 0, "volume prune filters are not supported by berth");
	}
	if (!force && !cli_confirm(all ? "WARNING! This will remove all local volumes not used by at least one container."
				       : "WARNING! This will remove anonymous local volumes not used by at least one container."))
		return 0;
	if (volume_prune(b, all, &removed, &reclaimed, err) < 0)
		return daemon_failure(err);
	print_deleted("Volumes", removed);
	human_size_decimal3((double)reclaimed, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	return 0;
}
