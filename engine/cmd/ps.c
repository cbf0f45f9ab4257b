/* ps.c: `berth ps` (`container ls`, `container list`, `container ps`). */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/ctrlist.h"
#include "format.h"
#include "../core/template.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_ps(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, quiet = false, no_trunc = false, latest = false, size = false;
	const char *format = NULL;
	long last = -1;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, "Show all containers (default shows just running)", NULL, false},
		{"filter", 'f', OPT_LIST, &filters, "Filter output based on conditions provided", "filter", false},
		{"format", 0, OPT_STRING, &format, "Format output using a custom template", NULL, false},
		{"last", 'n', OPT_INT, &last, "Show n last created containers (includes all states)", NULL, false},
		{"latest", 'l', OPT_BOOL, &latest, "Show the latest created container (includes all states)", NULL, false},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, "Don't truncate output", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Only display container IDs", NULL, false},
		{"size", 's', OPT_BOOL, &size, "Display total file sizes", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "List containers", .opts = opts, .min_args = 0, .max_args = 0,
		.aliases = "berth container ls, berth container list, berth container ps, berth ps",
	};
	struct cli_args a;
	struct ps_filter *f = NULL;
	struct container **v = NULL;
	struct tmpl *t = NULL;
	size_t n = 0;
	long long now = now_ns();
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0) {
		strlist_free(&filters);
		return r < 0 ? -1 : 0;
	}
	free(a.argv);
	if (ps_filter_parse(b, filters.v, &f, err) < 0) {
		strlist_free(&filters);
		return -1;
	}
	strlist_free(&filters);
	if (latest)
		last = 1;
	if (last > 0 || ps_filter_has_status(f))
		all = true;
	if (quiet && !(format && *format))
		format = "{{.ID}}";
	/* docker works sizes out for -s, or for a format that shows them
	 * (a whole row in JSON does) */
	if (format && !quiet && (strstr(format, ".Size") || strcmp(format, "json") == 0 || strstr(format, "json .}}")))
		size = true;
	if (format_list_parse(format ? format : "",
			      size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
				   : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
			      &format_row_container, &t, err) < 0) {
		ps_filter_free(f);
		return -1;
	}
	if (container_list_summary(b, &v, &n, err) < 0) {
		ps_filter_free(f);
		tmpl_free(t);
		return -1;
	}
	json_t *items = json_array();
	long shown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct container *c = v[i];
		if (last > 0 && (long)i >= last)
			break;
		if (!all && c->state != CS_RUNNING && c->state != CS_PAUSED && c->state != CS_RESTARTING)
			continue;
		if (!ps_filter_match(f, c))
			continue;
		json_t *row = container_ps_json(b, c, !no_trunc, now);
		if (size)
			container_ps_set_size(b, row, c);
		json_array_append_new(items, row);
		shown++;
	}
	r = format_list_write(t, items, ps_header_name, NULL, err);
	json_decref(items);
	container_list_free(v, n);
	ps_filter_free(f);
	tmpl_free(t);
	fflush(stdout);
	return r < 0 ? -1 : 0;
}
