/* storage.c: `system df`, `system prune` and `system check`: what the
 * store holds, giving back what nothing uses, and checking it is whole.
 *
 * system prune handles images here; containers, networks, volumes and
 * build cache join it as those parts of the engine land. */
#define _GNU_SOURCE
#include "commands.h"
#include "tabwriter.h"
#include "../core/check.h"
#include "../core/image.h"
#include "../core/ref.h"
#include "../core/util.h"
#include "../core/cleanup.h"

#include <stdio.h>
#include <string.h>

#define END_OPTS {NULL, 0, 0, NULL, NULL, NULL, false}

/* go-units HumanSize: 4 significant digits. */
static void human4(long long n, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.4g%s", v, units[u]);
}

int cmd_system_df(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL;
	bool verbose = false;
	const struct opt opts[] = {
		{"format", 0, OPT_STRING, &format, "Format output using a custom template", "string", false},
		{"verbose", 'v', OPT_BOOL, &verbose, "Show detailed information on space usage", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Show berth disk usage", .opts = opts, .min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	struct image_usage u;
	struct tabwriter t;
	char size[32], rec[32], recp[48];
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	if (format && *format)
		return berr_make(err, 0, "--format is not supported yet");
	if (image_usage(b, &u, err) < 0) {
		(*err)->status = 1;
		return -1;
	}
	human4(u.size, size, sizeof(size));
	human4(u.reclaimable, rec, sizeof(rec));
	if (u.size > 0)
		snprintf(recp, sizeof(recp), "%s (%lld%%)", rec, u.reclaimable * 100 / u.size);
	else
		snprintf(recp, sizeof(recp), "%s", rec);
	tw_init(&t);
	tw_row(&t);
	tw_cell(&t, "TYPE");
	tw_cell(&t, "TOTAL");
	tw_cell(&t, "ACTIVE");
	tw_cell(&t, "SIZE");
	tw_cell(&t, "RECLAIMABLE");
	tw_row(&t);
	tw_cell(&t, "Images");
	tw_cellf(&t, "%ld", u.images);
	tw_cellf(&t, "%ld", u.active);
	tw_cell(&t, size);
	tw_cell(&t, recp);
	/* Container and volume sizes belong to those parts of the engine;
	 * until they report them, their counts are shown with 0B. */
	tw_row(&t);
	tw_cell(&t, "Containers");
	tw_cellf(&t, "%ld", u.containers);
	tw_cell(&t, "0");
	tw_cell(&t, "0B");
	tw_cell(&t, "0B");
	tw_row(&t);
	tw_cell(&t, "Local Volumes");
	tw_cellf(&t, "%ld", u.volumes);
	tw_cell(&t, "0");
	tw_cell(&t, "0B");
	tw_cell(&t, "0B");
	tw_row(&t);
	tw_cell(&t, "Build Cache");
	tw_cell(&t, "0");
	tw_cell(&t, "0");
	tw_cell(&t, "0B");
	tw_cell(&t, "0B");
	tw_flush(&t, stdout);
	if (verbose) {
		struct image_summary *s = NULL;
		size_t n = 0;
		if (image_list(b, &s, &n, err) < 0) {
			(*err)->status = 1;
			return -1;
		}
		printf("\nImages space usage:\n\n");
		tw_init(&t);
		tw_row(&t);
		tw_cell(&t, "REPOSITORY");
		tw_cell(&t, "TAG");
		tw_cell(&t, "IMAGE ID");
		tw_cell(&t, "CREATED");
		tw_cell(&t, "SIZE");
		tw_cell(&t, "SHARED SIZE");
		tw_cell(&t, "UNIQUE SIZE");
		tw_cell(&t, "CONTAINERS");
		for (size_t i = 0; i < n; i++) {
			char sid[13], since[64], sz[32];
			image_short_id(s[i].id, sid);
			image_human_since(s[i].created, since, sizeof(since));
			human4(s[i].size, sz, sizeof(sz));
			for (size_t k = 0; k == 0 || s[i].repo_tags[k]; k++) {
				cleanup_free char *fam = s[i].repo_tags[k] ? ref_familiarize(s[i].repo_tags[k]) : NULL;
				char *colon = fam ? strrchr(fam, ':') : NULL;
				if (colon)
					*colon = '\0';
				tw_row(&t);
				tw_cell(&t, fam ? fam : "<none>");
				tw_cell(&t, colon ? colon + 1 : "<none>");
				tw_cell(&t, sid);
				tw_cell(&t, since);
				tw_cell(&t, sz);
				tw_cell(&t, "0B");
				tw_cell(&t, sz);
				tw_cell(&t, s[i].in_use ? "1" : "0");
				if (!s[i].repo_tags[k])
					break;
			}
		}
		tw_flush(&t, stdout);
		image_summaries_free(s, n);
	}
	return 0;
}

struct prune_out {
	bool header;
};

static void prune_emit(void *ctx, const char *what, const char *name)
{
	struct prune_out *p = ctx;
	if (!p->header) {
		printf("Deleted Images:\n");
		p->header = true;
	}
	printf("%s: %s\n", what, name);
}

int cmd_system_prune(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, force = false, volumes = false;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, "Remove all unused images not just dangling ones", NULL, false},
		{"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"label=<key>=<value>\")", "filter", false},
		{"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation", NULL, false},
		{"volumes", 0, OPT_BOOL, &volumes, "Prune anonymous volumes", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Remove unused data", .opts = opts, .min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	struct prune_out p = {false};
	long long reclaimed = 0;
	char size[32];
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	if (filters.n) {
		strlist_free(&filters);
		return berr_make(err, 0, "system prune --filter is not supported yet");
	}
	if (!force && !cli_confirm(all ? "WARNING! This will remove:\n"
					 "  - all images without at least one container associated to them\n"
				       : "WARNING! This will remove:\n"
					 "  - all dangling images\n"))
		return 0;
	if (image_prune(b, all, prune_emit, &p, &reclaimed, err) < 0) {
		(*err)->status = 1;
		return -1;
	}
	image_human_size(reclaimed, size, sizeof(size));
	printf("%sTotal reclaimed space: %s\n", p.header ? "\n" : "", size);
	return 0;
}

static void print_check(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
	fflush(stdout);
}

int cmd_system_check(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool dry = false;
	const struct opt opts[] = {
		{"dry-run", 'n', OPT_BOOL, &dry, "Only report; repair nothing", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]",
		.summary = "Check blobs, layers and the database; repair leftovers and orphans", .opts = opts,
		.min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	int r, problems = 0;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	if (system_check(b, !dry, print_check, NULL, &problems, err) < 0) {
		(*err)->status = 1;
		return -1;
	}
	return problems ? 1 : 0;
}
