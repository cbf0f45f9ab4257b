/* image.c: the image commands: images (image ls), image inspect, tag, rmi
 * (image rm), image prune, history, save, load, import.  Each parses its
 * arguments as docker does and calls the core (image.h, imageio.h).
 *
 * Exit statuses are docker's: a usage error is 125, a failure of the
 * command itself (no such image, a bad archive) is 1.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "format.h"
#include "objects.h"
#include "../core/image.h"
#include "../core/imageio.h"
#include "../core/oci.h"
#include "../core/ref.h"
#include "../core/store.h"
#include "../core/tabwriter.h"
#include "../core/template.h"
#include "../core/units.h"
#include "../core/util.h"
#include "../core/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define END_OPTS {NULL, 0, 0, NULL, NULL, NULL, false}

/* What the daemon answered, as the docker CLI prints it: a missing image
 * or a conflict comes as "Error response from daemon: ...", a reference
 * the CLI itself could not parse without any prefix. */
static void as_daemon_error(berr_t *err)
{
	if (!*err || (*err)->plain)
		return;
	if (str_has_prefix((*err)->msg, "No such image:") || str_has_prefix((*err)->msg, "conflict:") ||
	    strstr((*err)->msg, " is not a valid change command"))
		berr_wrap(err, "Error response from daemon");
	else if (str_has_prefix((*err)->msg, "Error parsing reference:"))
		(*err)->plain = 1;
}

/* docker load -i / import of a file it cannot open: Go's os.Open error as
 * it is ("open x: no such file or directory"), status 1. */
static int open_failed(berr_t *err, const char *path)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "%s", strerror(errno));
	msg[0] = (char)tolower((unsigned char)msg[0]);
	berr_make_status(err, 1, 0, "open %s: %s", path, msg);
	(*err)->plain = 1;
	return -1;
}

/* A core error from an image command: daemon_failure's status, worded as
 * the daemon's answer where docker words it so. */
static int image_failure(berr_t *err)
{
	daemon_failure(err);
	as_daemon_error(err);
	return -1;
}

static int parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *a, berr_t *err)
{
	int r = cli_parse(spec, argc, argv, a, err);
	return r;
}

/* ---- images ------------------------------------------------------------ */

struct image_filters {
	struct strlist refs;   /* reference=PATTERN */
	int dangling;          /* -1 any, 0 false, 1 true */
	char *before, *since;  /* resolved ids */
	long long before_t, since_t;
	struct strlist labels;
};

static bool ref_matches(const char *canonical, const char *pattern)
{
	cleanup_free char *fam = ref_familiarize(canonical);
	cleanup_free char *name = xstrdup(fam);
	char *at = strchr(name, '@');
	if (at)
		*at = '\0';
	else {
		char *colon = strrchr(name, ':');
		if (colon && !strchr(colon, '/'))
			*colon = '\0';
	}
	/* FamiliarMatch: the pattern against name:tag, then against name. */
	return fnmatch(pattern, fam, FNM_PATHNAME) == 0 || fnmatch(pattern, name, FNM_PATHNAME) == 0;
}

static void filters_free(struct image_filters *f)
{
	strlist_free(&f->refs);
	strlist_free(&f->labels);
	free(f->before);
	free(f->since);
	memset(f, 0, sizeof(*f));
}

static int parse_filters(struct berth *b, struct strlist *raw, struct image_filters *f, berr_t *err)
{
	memset(f, 0, sizeof(*f));
	f->dangling = -1;
	for (size_t i = 0; i < raw->n; i++) {
		char *eq = strchr(raw->v[i], '=');
		if (!eq)
			return berr_make(err, 0, "bad format of filter (expected name=value)");
		size_t kl = (size_t)(eq - raw->v[i]);
		const char *v = eq + 1;
		if (kl == 9 && strncmp(raw->v[i], "reference", 9) == 0) {
			strlist_push(&f->refs, v);
		} else if (kl == 8 && strncmp(raw->v[i], "dangling", 8) == 0) {
			if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
				f->dangling = 1;
			else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
				f->dangling = 0;
			else
				return berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter 'dangling=[%s]'", v);
		} else if ((kl == 6 && strncmp(raw->v[i], "before", 6) == 0) ||
			   (kl == 5 && strncmp(raw->v[i], "since", 5) == 0)) {
			struct image *img = NULL;
			if (image_find(b, v, &img, err) < 0)
				return -1;
			if (raw->v[i][0] == 'b')
				f->before_t = img->created, f->before = xstrdup(img->id);
			else
				f->since_t = img->created, f->since = xstrdup(img->id);
			image_free(img);
		} else if (kl == 5 && strncmp(raw->v[i], "label", 5) == 0) {
			strlist_push(&f->labels, v);
		} else {
			return berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter '%.*s'", (int)kl, raw->v[i]);
		}
	}
	return 0;
}

static bool image_labels_match(struct berth *b, const char *id, struct strlist *labels)
{
	struct image *img = NULL;
	cleanup_berr berr_t err = NULL;
	bool ok = true;

	if (labels->n == 0)
		return true;
	if (image_get(b, id, &img, &err) < 0)
		return false;
	for (size_t i = 0; i < labels->n && ok; i++) {
		cleanup_free char *k = xstrdup(labels->v[i]);
		char *eq = strchr(k, '=');
		if (eq)
			*eq = '\0';
		json_t *v = json_object_get(img->config.labels, k);
		if (!json_is_string(v) || (eq && strcmp(json_string_value(v), eq + 1) != 0))
			ok = false;
	}
	image_free(img);
	return ok;
}

static int cmp_created(const void *a, const void *b)
{
	const struct image_summary *x = a, *y = b;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* "docker.io/library/busybox:latest" -> repo "busybox", tag "latest" */
static void split_name(const char *canonical, char **repo, char **tag)
{
	cleanup_free char *fam = ref_familiarize(canonical);
	char *at = strchr(fam, '@');
	char *colon;
	if (at) {
		*repo = xstrndup(fam, (size_t)(at - fam));
		*tag = xstrdup(at + 1);
		return;
	}
	colon = strrchr(fam, ':');
	if (colon && !strchr(colon, '/')) {
		*repo = xstrndup(fam, (size_t)(colon - fam));
		*tag = xstrdup(colon + 1);
	} else {
		*repo = xstrdup(fam);
		*tag = xstrdup("<none>");
	}
}

static const char *digest_for_repo(char **digests, const char *repo)
{
	for (char **d = digests; d && *d; d++) {
		cleanup_free char *r = NULL;
		cleanup_free char *dg = NULL;
		split_name(*d, &r, &dg);
		if (strcmp(r, repo) == 0)
			return strchr(*d, '@') + 1;
	}
	return NULL;
}

/* Column names of docker's image table. */
static const char *image_column(const char *field, void *ctx)
{
	static const char *const names[][2] = {
		{"ID", "IMAGE ID"},         {"Repository", "REPOSITORY"}, {"Tag", "TAG"},
		{"Digest", "DIGEST"},       {"CreatedSince", "CREATED"},  {"CreatedAt", "CREATED AT"},
		{"Size", "SIZE"},           {"VirtualSize", "VIRTUAL SIZE"}, {"SharedSize", "SHARED SIZE"},
		{"UniqueSize", "UNIQUE SIZE"}, {"Containers", "CONTAINERS"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(field, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

/* Go's time.Time.String() in UTC: "2024-01-01 00:00:00 +0000 UTC". */
static void go_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

/* One row as docker's image formatter sees it ({{json .}} shows this). */
static json_t *image_row(const struct image_summary *im, const char *repo, const char *tag, const char *digest,
			 bool notrunc)
{
	char sid[13], size[32], vsize[32], since[64], at[64];
	human_size_decimal3((double)im->size, size, sizeof(size));
	human_size_decimal((double)im->size, vsize, sizeof(vsize));
	human_since(im->created, since, sizeof(since));
	go_time(im->created, at, sizeof(at));
	/* Built field by field, without UTF-8 checks: json_pack's format
	 * parsing and checking was a third of `images`' own time with 100
	 * images.  Every value is ASCII: ours, or a parsed reference. */
	static const char *const keys[] = {"Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository",
					   "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"};
	const char *vals[] = {"N/A", at, since, digest ? digest : "<none>", notrunc ? im->id : image_short_id(im->id, sid),
			      repo, "N/A", size, tag, "N/A", vsize};
	json_t *row = json_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new_nocheck(row, keys[i], json_string_nocheck(vals[i]));
	return row;
}

int cmd_images(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, quiet = false, digests = false, notrunc = false;
	const char *format = NULL;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, "Show all images (default hides intermediate images)", NULL, false},
		{"digests", 0, OPT_BOOL, &digests, "Show digests", NULL, false},
		{"filter", 'f', OPT_LIST, &filters, "Filter output based on conditions provided", "filter", false},
		{"format", 0, OPT_STRING, &format, FORMAT_HELP, "string", false},
		{"no-trunc", 0, OPT_BOOL, &notrunc, "Don't truncate output", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Only show image IDs", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] [REPOSITORY[:TAG]]", .summary = "List images", .opts = opts, .min_args = 0,
		.max_args = 1, .aliases = "berth image ls, berth image list, berth images",
	};
	struct cli_args a;
	struct image_summary *s = NULL;
	struct image_filters f = {0};
	json_t *rows = NULL;
	size_t n = 0;
	int r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (a.argc == 1) {
		cleanup_free char *fl = xasprintf("reference=%s", a.argv[0]);
		strlist_push(&filters, fl);
	}
	free(a.argv);
	if (parse_filters(b, &filters, &f, err) < 0 || image_list(b, &s, &n, err) < 0) {
		r = image_failure(err);
		goto out;
	}
	qsort(s, n, sizeof(*s), cmp_created);
	rows = json_array();
	for (size_t i = 0; i < n; i++) {
		struct image_summary *im = &s[i];
		bool untagged = !im->repo_tags[0] && !im->repo_digests[0];

		if (!all && untagged && im->has_children && f.dangling != 1)
			continue;
		if (f.dangling == 1 && !untagged)
			continue;
		if (f.dangling == 0 && untagged)
			continue;
		if (f.before && (im->created >= f.before_t || strcmp(im->id, f.before) == 0))
			continue;
		if (f.since && (im->created <= f.since_t || strcmp(im->id, f.since) == 0))
			continue;
		if (!image_labels_match(b, im->id, &f.labels))
			continue;
		/* One row per name; with a reference filter, only names that match. */
		char **names = im->repo_tags[0] ? im->repo_tags : im->repo_digests;
		if (!names[0]) {
			if (f.refs.n == 0)
				json_array_append_new(rows, image_row(im, "<none>", "<none>", NULL, notrunc));
			continue;
		}
		for (char **nm = names; *nm; nm++) {
			cleanup_free char *repo = NULL;
			cleanup_free char *tag = NULL;
			bool ok = f.refs.n == 0;
			for (size_t k = 0; k < f.refs.n && !ok; k++)
				ok = ref_matches(*nm, f.refs.v[k]);
			if (!ok)
				continue;
			split_name(*nm, &repo, &tag);
			if (strchr(*nm, '@'))
				json_array_append_new(rows, image_row(im, repo, "<none>", strchr(*nm, '@') + 1, notrunc));
			else
				json_array_append_new(
					rows, image_row(im, repo, tag, digest_for_repo(im->repo_digests, repo), notrunc));
		}
	}
	r = format_list(quiet ? "{{.ID}}" : format,
			digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
				: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
			&format_row_image, rows, image_column, err);
out:
	json_decref(rows);
	image_summaries_free(s, n);
	strlist_free(&filters);
	filters_free(&f);
	return r;
}

/* ---- image inspect ---------------------------------------------------- */

int cmd_image_inspect(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *format = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "Format output using a custom template", "string", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] IMAGE [IMAGE...]", .summary = "Display detailed information on one or more images",
		.opts = opts, .min_args = 1, .max_args = -1,
	};
	struct cli_args a;
	json_t *arr;
	struct tmpl *t = NULL;
	cleanup_berr berr_t first = NULL;
	int r, failed = 0;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (format && *format && format_parse(format, &t, err) < 0) {
		free(a.argv);
		return -1;
	}
	if (t)
		tmpl_set_zero_fn(t, format_inspect_zero);
	arr = json_array();
	for (int i = 0; i < a.argc; i++) {
		struct image *img = NULL;
		cleanup_berr berr_t e = NULL;
		if (image_find(b, a.argv[i], &img, &e) < 0) {
			/* docker prints what it found, then the errors. */
			if (!first)
				first = steal_pointer(&e);
			else
				fprintf(stderr, "Error: %s\n", e->msg);
			failed++;
			continue;
		}
		json_array_append_new(arr, image_inspect_json(b, img));
		image_free(img);
	}
	free(a.argv);
	if (t) {
		/* Each image through the template, a newline after each, as
		 * docker's inspect --format. */
		size_t i;
		json_t *item;
		json_array_foreach(arr, i, item) {
			if (format_inspect_one(t, item, err) < 0) {
				tmpl_free(t);
				json_decref(arr);
				return -1;
			}
		}
		tmpl_free(t);
	} else {
		cleanup_free char *out = oci_dump_docker(arr, true);
		printf("%s\n", out);
	}
	json_decref(arr);
	if (failed) {
		*err = steal_pointer(&first);
		return image_failure(err);
	}
	return 0;
}

/* ---- tag ---------------------------------------------------------------- */

int cmd_tag(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct opt opts[] = {END_OPTS};
	const struct cli_spec spec = {
		.usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", .opts = opts, .min_args = 2,
		.max_args = 2, .aliases = "berth image tag, berth tag",
	};
	struct cli_args a;
	cleanup_free char *id = NULL;
	struct ref r0;
	int r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	/* The target is checked first, as docker's CLI does. */
	if (ref_parse(a.argv[1], &r0, err) < 0) {
		berr_wrap(err, "Error parsing reference: \"%s\" is not a valid repository/tag", a.argv[1]);
		free(a.argv);
		return image_failure(err);
	}
	ref_free(&r0);
	r = image_resolve_id(b, a.argv[0], &id, err) < 0 || image_tag(b, id, a.argv[1], err) < 0 ? -1 : 0;
	free(a.argv);
	return r < 0 ? image_failure(err) : 0;
}

/* ---- rmi ---------------------------------------------------------------- */

static void print_emit(void *ctx, const char *what, const char *name)
{
	(void)ctx;
	printf("%s: %s\n", what, name);
	fflush(stdout);
}

int cmd_rmi(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool force = false, noprune = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, "Force removal of the image", NULL, false},
		{"no-prune", 0, OPT_BOOL, &noprune, "Do not delete untagged parents", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] IMAGE [IMAGE...]", .summary = "Remove one or more images", .opts = opts,
		.min_args = 1, .max_args = -1, .aliases = "berth image rm, berth image remove, berth rmi",
	};
	struct cli_args a;
	cleanup_berr berr_t last = NULL;
	int r, failed = 0;
	bool fatal = false;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	for (int i = 0; i < a.argc; i++) {
		cleanup_berr berr_t e = NULL;
		if (image_remove(b, a.argv[i], force, !noprune, print_emit, NULL, &e) < 0) {
			/* Every failure is reported; the last one is the exit's. */
			fatal |= !str_has_prefix(e->msg, "No such image");
			as_daemon_error(&e);
			if (last)
				berr_report(&last, NULL);
			berr_free(&last);
			last = steal_pointer(&e);
			failed++;
		}
	}
	free(a.argv);
	/* docker's rmi -f: an image already gone is reported, not a failure
	 * (`rmi -f $(images -q)` names an image once per tag). */
	if (failed && force && !fatal) {
		berr_report(&last, NULL);
		return 0;
	}
	if (failed) {
		*err = steal_pointer(&last);
		return image_failure(err);
	}
	return 0;
}

/* ---- image prune ---------------------------------------------------------- */

/* docker's [y/N] question; -f skips it. */
bool cli_confirm(const char *warning)
{
	char line[64];
	fprintf(stdout, "%s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
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

int prune_images_confirmed(struct berth *b, bool all, bool force, const char *const warning[2],
			   struct strlist *filters, prune_first_fn first, void *ctx, berr_t *err)
{
	struct image_prune_filter pf;
	struct prune_out p = {false};
	long long reclaimed = 0;
	char size[32];
	int r;

	r = image_prune_filter_parse(filters->v, &pf, err);
	if (r < 0) {
		(*err)->status = 1;
		goto out;
	}
	/* docker's prune takes dangling=false as -a */
	if (pf.dangling == 0)
		all = true;
	if (!force && !cli_confirm(warning[all]))
		goto out;
	if (first && (r = first(b, &pf, &reclaimed, ctx, err)) < 0)
		goto out;
	r = image_prune(b, all, &pf, prune_emit, &p, &reclaimed, err);
	/* the blank line docker's Fprintln of the block leaves */
	if (p.header)
		printf("\n");
	if (r == 0) {
		human_size_decimal((double)reclaimed, size, sizeof(size));
		printf("Total reclaimed space: %s\n", size);
	}
out:
	free((void *)pf.labels);
	free((void *)pf.not_labels);
	strlist_free(filters);
	return r;
}

int cmd_image_prune(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, force = false;
	struct strlist filters = {0};
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, "Remove all unused images, not just dangling ones", NULL, false},
		{"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"until=<timestamp>\")", "filter", false},
		{"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Remove unused images", .opts = opts, .min_args = 0, .max_args = 0,
	};
	struct cli_args a;
	int r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	const char *const warning[2] = {
		"WARNING! This will remove all dangling images.",
		"WARNING! This will remove all images without at least one container associated to them.",
	};
	r = prune_images_confirmed(b, all, force, warning, &filters, NULL, NULL, err);
	return r < 0 ? image_failure(err) : 0;
}

/* ---- history ------------------------------------------------------------ */

/* Go's stringutils.Ellipsis: at most n characters, the last one "…". */
static char *ellipsis(const char *s, size_t n)
{
	size_t chars = 0, i;
	for (i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	if (chars <= n)
		return xstrdup(s);
	chars = 0;
	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == n - 1)
				break;
			chars++;
		}
	}
	return xasprintf("%.*s…", (int)i, s);
}

static const char *history_column(const char *field, void *ctx)
{
	static const char *const names[][2] = {
		{"ID", "IMAGE"},     {"CreatedSince", "CREATED"}, {"CreatedAt", "CREATED AT"},
		{"CreatedBy", "CREATED BY"}, {"Size", "SIZE"},     {"Comment", "COMMENT"},
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(field, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

int cmd_history(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool notrunc = false, quiet = false, human = true;
	const char *format = NULL;
	const struct opt opts[] = {
		{"format", 0, OPT_STRING, &format, FORMAT_HELP, "string", false},
		{"human", 'H', OPT_BOOL, &human, "Print sizes and dates in human readable format", NULL, false},
		{"no-trunc", 0, OPT_BOOL, &notrunc, "Don't truncate output", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Only show image IDs", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] IMAGE", .summary = "Show the history of an image", .opts = opts, .min_args = 1,
		.max_args = 1, .aliases = "berth image history, berth history",
	};
	struct cli_args a;
	struct image *img = NULL;
	struct image_history_row *rows = NULL;
	json_t *items;
	size_t n = 0;
	int r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = image_find(b, a.argv[0], &img, err);
	free(a.argv);
	if (r < 0 || image_history(b, img, &rows, &n, err) < 0) {
		image_free(img);
		return image_failure(err);
	}
	items = json_array();
	for (size_t i = 0; i < n; i++) {
		char sid[13], when[64], at[64], size[32];
		const char *id = rows[i].id;
		cleanup_free char *by = xstrdup(rows[i].created_by);
		time_t tt = (time_t)rows[i].created;
		struct tm tm;

		if (strcmp(id, "<missing>") != 0 && !notrunc)
			id = image_short_id(id, sid);
		gmtime_r(&tt, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (human) {
			human_since(rows[i].created, when, sizeof(when));
			human_size_decimal3((double)rows[i].size, size, sizeof(size));
		} else {
			snprintf(when, sizeof(when), "%s", at);
			snprintf(size, sizeof(size), "%lld", rows[i].size);
		}
		for (char *p = by; *p; p++)
			if (*p == '\t' || *p == '\n')
				*p = ' ';
		if (!notrunc) {
			char *e = ellipsis(by, 45);
			free(by);
			by = e;
		}
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Comment", rows[i].comment,
						       "CreatedAt", at, "CreatedBy", by, "CreatedSince", when, "ID", id,
						       "Size", size));
	}
	r = format_list(quiet ? "{{.ID}}" : format,
			human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
			      : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
			&format_row_history, items, history_column, err);
	json_decref(items);
	image_history_free(rows, n);
	image_free(img);
	return r;
}

/* ---- save / load / import ------------------------------------------------ */

int cmd_save(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *output = NULL;
	const struct opt opts[] = {
		{"output", 'o', OPT_STRING, &output, "Write to a file, instead of STDOUT", "string", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] IMAGE [IMAGE...]",
		.summary = "Save one or more images to a tar archive (streamed to STDOUT by default)", .opts = opts,
		.min_args = 1, .max_args = -1, .aliases = "berth image save, berth save",
	};
	struct cli_args a;
	cleanup_free char *tmp = NULL;
	int fd = STDOUT_FILENO, r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (!output || !*output) {
		if (isatty(STDOUT_FILENO)) {
			free(a.argv);
			return berr_make_status(err, 1, 0,
						"cowardly refusing to save to a terminal. Use the -o flag or redirect");
		}
	} else {
		/* A temporary file renamed into place: a failed save leaves no
		 * half-written archive behind. */
		tmp = xasprintf("%s.berth-tmp-%d", output, (int)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			free(a.argv);
			return berr_make_status(err, 1, errno, "failed to save image: unable to create %s", output);
		}
	}
	r = image_save(b, a.argv, a.argc, fd, err);
	free(a.argv);
	if (tmp) {
		if (r == 0 && (fsync(fd) < 0 || rename(tmp, output) < 0))
			r = berr_make(err, errno, "failed to save image: cannot write %s", output);
		close(fd);
		if (r < 0)
			unlink(tmp);
	}
	return r < 0 ? image_failure(err) : 0;
}

static void print_line(void *ctx, const char *line)
{
	bool quiet = ctx && *(bool *)ctx;
	if (!quiet || str_has_prefix(line, "Loaded image"))
		printf("%s\n", line);
}

int cmd_load(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *input = NULL;
	bool quiet = false;
	const struct opt opts[] = {
		{"input", 'i', OPT_STRING, &input, "Read from tar archive file, instead of STDIN", "string", false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Suppress the load output", NULL, false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS]", .summary = "Load an image from a tar archive or STDIN", .opts = opts,
		.min_args = 0, .max_args = 0, .aliases = "berth image load, berth load",
	};
	struct cli_args a;
	cleanup_close int fd = -1;
	int r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	free(a.argv);
	if (input && *input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return open_failed(err, input);
	} else {
		if (isatty(STDIN_FILENO))
			return berr_make_status(err, 1, 0, "requested load from stdin, but stdin is empty");
		fd = dup(STDIN_FILENO);
	}
	if (image_load(b, fd, print_line, &quiet, err) < 0)
		return image_failure(err);
	return 0;
}

int cmd_import(struct berth *b, int argc, char **argv, berr_t *err)
{
	struct strlist changes = {0};
	const char *message = NULL, *platform = NULL;
	const struct opt opts[] = {
		{"change", 'c', OPT_LIST, &changes, "Apply Dockerfile instruction to the created image", "list", false},
		{"message", 'm', OPT_STRING, &message, "Set commit message for imported image", "string", false},
		{"platform", 0, OPT_STRING, &platform, "Set platform if server is multi-platform capable", "string", false},
		END_OPTS,
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
		.summary = "Import the contents from a tarball to create a filesystem image", .opts = opts,
		.min_args = 1, .max_args = 2, .aliases = "berth image import, berth import",
	};
	struct cli_args a;
	struct import_opts o = {0};
	cleanup_free char *id = NULL;
	cleanup_close int fd = -1;
	int r;

	if ((r = parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	o.name = a.argc > 1 ? a.argv[1] : NULL;
	o.changes = changes.v;
	o.message = message;
	o.platform = platform;
	if (strcmp(a.argv[0], "-") == 0) {
		fd = dup(STDIN_FILENO);
	} else if (strstr(a.argv[0], "://")) {
		r = berr_make_status(err, 1, 0, "importing from a URL needs the network: download it, then import the file");
		goto out;
	} else {
		fd = open(a.argv[0], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = open_failed(err, a.argv[0]);
			goto out;
		}
	}
	r = image_import(b, fd, &o, &id, err);
	if (r == 0)
		printf("%s\n", id);
	else
		image_failure(err);
out:
	free(a.argv);
	strlist_free(&changes);
	return r;
}
