/* storage.c: `system df`, `system prune` and `system check`: what the
 * store holds, giving back what nothing uses, and checking it is whole.
 *
 * system prune goes through image prune's prune_images_confirmed, with
 * containers, networks and volumes before the images; berth keeps no
 * build cache to prune. */
#define _GNU_SOURCE
#include "commands.h"
#include "format.h"
#include "objects.h"
#include "../core/check.h"
#include "../core/image.h"
#include "../core/ref.h"
#include "../core/tabwriter.h"
#include "../core/units.h"
#include "../core/util.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/diskusage.h"
#include "../core/volume.h"
#include "../core/network.h"
#include "../core/ctrprune.h"

#include <stdio.h>
#include <string.h>

#define END_OPTS {NULL, 0, 0, NULL, NULL, NULL, false}

static const char *df_column(const char *field, void *ctx)
{
	static const char *const names[][2] = {
		{"Type", "TYPE"}, {"TotalCount", "TOTAL"}, {"Active", "ACTIVE"}, {"Size", "SIZE"},
		{"Reclaimable", "RECLAIMABLE"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(field, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

static json_t *df_row(const char *type, long total, long active, const char *size, const char *rec)
{
	cleanup_free char *t = xasprintf("%ld", total);
	cleanup_free char *ac = xasprintf("%ld", active);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Active", ac, "Reclaimable", rec, "Size", size, "TotalCount", t,
			 "Type", type);
}

/* docker's Size and Reclaimable: "6B (30%)", the share left out when
 * nothing is counted. */
static json_t *df_usage_row(const char *type, const struct disk_usage *u)
{
	char size[32], rec[32], recp[48];
	human_size_decimal((double)u->size, size, sizeof(size));
	human_size_decimal((double)u->reclaimable, rec, sizeof(rec));
	if (u->size > 0)
		snprintf(recp, sizeof(recp), "%s (%lld%%)", rec, u->reclaimable * 100 / u->size);
	else
		snprintf(recp, sizeof(recp), "%s", rec);
	return df_row(type, u->total, u->active, size, recp);
}

static int df_verbose(struct berth *b, berr_t *err);

int cmd_system_df(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL;
	bool verbose = false;
	const struct opt opts[] = {
		{"format", 0, OPT_STRING, &format, FORMAT_HELP, "string", false},
		{"verbose", 'v', OPT_BOOL, &verbose, "Show detailed information on space usage", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Show berth disk usage", .opts = opts, .min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	struct image_usage u;
	json_t *rows;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	if (image_usage(b, &u, err) < 0) {
		(*err)->status = 1;
		return -1;
	}
	rows = json_array();
	struct disk_usage iu = {u.images, u.active, u.size, u.reclaimable}, cu, vu;
	json_array_append_new(rows, df_usage_row("Images", &iu));
	if (disk_usage_containers(b, &cu, err) < 0 || disk_usage_volumes(b, &vu, err) < 0) {
		json_decref(rows);
		(*err)->status = 1;
		return -1;
	}
	json_array_append_new(rows, df_usage_row("Containers", &cu));
	json_array_append_new(rows, df_usage_row("Local Volumes", &vu));
	json_array_append_new(rows, df_row("Build Cache", 0, 0, "0B", "0B"));
	if (verbose && !(format && *format)) {
		/* docker -v shows the detail alone, no summary table */
		json_decref(rows);
		return df_verbose(b, err);
	}
	r = format_list(format, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", NULL, rows,
			df_column, err);
	json_decref(rows);
	return r;
}

static const char *df_v_column(const char *field, void *ctx)
{
	static const char *const names[][2] = {
		{"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Command", "COMMAND"}, {"LocalVolumes", "LOCAL VOLUMES"},
		{"Size", "SIZE"}, {"RunningFor", "CREATED"}, {"Status", "STATUS"}, {"Names", "NAMES"},
		{"Name", "VOLUME NAME"}, {"Links", "LINKS"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(field, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

/* docker system df -v: images, containers, local volumes, build cache. */
static int df_verbose(struct berth *b, berr_t *err)
{
	json_t *rows;
	int r;
	struct image_summary *s = NULL;
	size_t n = 0;

	struct container **cs = NULL;
	size_t nc = 0;

	if (image_list(b, &s, &n, err) < 0 || container_list(b, &cs, &nc, err) < 0) {
		image_summaries_free(s, n);
		goto fail;
	}
	printf("Images space usage:\n\n");
	struct tabwriter *tw = tw_new(stdout, 10, 1, 3);
	tw_puts(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\n");
	for (size_t i = 0; i < n; i++) {
		char sid[13], since[64], sz[32], usz[32];
		image_short_id(s[i].id, sid);
		human_since(s[i].created, since, sizeof(since));
		/* docker: SIZE with 3 significant digits, UNIQUE SIZE with 4 */
		human_size_decimal3((double)s[i].size, sz, sizeof(sz));
		human_size_decimal((double)s[i].size, usz, sizeof(usz));
		/* CONTAINERS: how many use it, in any state */
		int users = 0;
		for (size_t k = 0; k < nc; k++)
			users += strcmp(cs[k]->image_id, s[i].id) == 0;
		for (size_t k = 0; k == 0 || s[i].repo_tags[k]; k++) {
			cleanup_free char *fam = s[i].repo_tags[k] ? ref_familiarize(s[i].repo_tags[k]) : NULL;
			char *colon = fam ? strrchr(fam, ':') : NULL;
			if (colon)
				*colon = '\0';
			cleanup_free char *line = xasprintf("%s\t%s\t%s\t%s\t%s\t0B\t%s\t%d\n", fam ? fam : "<none>",
							    colon ? colon + 1 : "<none>", sid, since, sz, usz,
							    users);
			tw_puts(tw, line);
			if (!s[i].repo_tags[k])
				break;
		}
	}
	tw_flush(tw);
	tw_free(tw);
	image_summaries_free(s, n);
	container_list_free(cs, nc);

	printf("\nContainers space usage:\n\n");
	fflush(stdout);
	if (!(rows = disk_usage_container_rows(b, err)))
		goto fail;
	r = format_list("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
			NULL, NULL, rows, df_v_column, err);
	json_decref(rows);
	if (r < 0)
		return -1;
	printf("\nLocal Volumes space usage:\n\n");
	fflush(stdout);
	if (!(rows = disk_usage_volume_rows(b, err)))
		goto fail;
	r = format_list("table {{.Name}}\t{{.Links}}\t{{.Size}}", NULL, NULL, rows, df_v_column, err);
	json_decref(rows);
	if (r < 0)
		return -1;
	/* berth keeps no build cache records for df to count */
	printf("\nBuild cache usage: 0B\n\n");
	printf("CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n");
	fflush(stdout);
	return 0;
fail:
	(*err)->status = 1;
	return -1;
}

struct system_prune {
	bool volumes, filtered;
};

/* What docker's system prune removes before the images: stopped
 * containers, unused networks and, with --volumes, unused anonymous
 * volumes, each block as its own prune prints it. */
static int prune_before_images(struct berth *b, const struct image_prune_filter *pf, long long *reclaimed, void *ctx,
			       berr_t *err)
{
	const struct system_prune *sp = ctx;
	long long part = 0;
	cleanup_strv char **ctrs = NULL;
	if (container_prune(b, pf, &ctrs, &part, err) < 0)
		return -1;
	print_deleted("Containers", ctrs);
	*reclaimed += part;
	/* berth's network prune takes no filters: with filters given, no
	 * network goes rather than one they would have kept */
	if (!sp->filtered) {
		cleanup_strv char **nets = NULL;
		if (network_prune(b, &nets, err) < 0)
			return -1;
		print_deleted("Networks", nets);
	}
	if (sp->volumes) {
		cleanup_strv char **vols = NULL;
		part = 0;
		if (volume_prune(b, false, &vols, &part, err) < 0)
			return -1;
		print_deleted("Volumes", vols);
		*reclaimed += part;
	}
	return 0;
}

static char *system_prune_warning(bool volumes, bool all)
{
	return xasprintf("WARNING! This will remove:\n"
			 "  - all stopped containers\n"
			 "  - all networks not used by at least one container\n"
			 "%s%s",
			 volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
			 all ? "  - all images without at least one container associated to them\n  - all build cache\n"
			     : "  - all dangling images\n  - unused build cache\n");
}

/* docker system prune: stopped containers, unused networks, (with
 * --volumes) unused anonymous volumes, then dangling (or, with -a, all
 * unused) images, in that order. */
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
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	struct system_prune sp = {volumes, filters.n > 0};
	cleanup_free char *dangling_warning = system_prune_warning(volumes, false);
	cleanup_free char *all_warning = system_prune_warning(volumes, true);
	const char *const warning[2] = {dangling_warning, all_warning};
	r = prune_images_confirmed(b, all, force, warning, &filters, prune_before_images, &sp, err);
	if (r < 0)
		(*err)->status = 1;
	return r;
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
