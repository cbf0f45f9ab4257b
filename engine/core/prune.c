/* prune.c: `image prune` and the image part of `system df` (see image.h). */
#define _GNU_SOURCE
#include "image.h"
#include "ref.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

static bool table_exists(sqlite3 *db, const char *name)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static long long scalar(sqlite3 *db, const char *sql)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

static void emit_lower(void *ctx, const char *what, const char *name)
{
	/* prune reports "untagged:"/"deleted:" in lower case, as docker. */
	void **c = ctx;
	image_emit_fn emit = (image_emit_fn)c[0];
	if (emit)
		emit(c[1], strcmp(what, "Untagged") == 0 ? "untagged" : "deleted", name);
}

/* Go's time.ParseDuration for the units docker users write: h, m, s, ms. */
static int parse_duration(const char *s, long long *secs)
{
	double total = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		if (str_has_prefix(end, "ms"))
			total += v / 1000, p = end + 2;
		else if (*end == 'h')
			total += v * 3600, p = end + 1;
		else if (*end == 'm')
			total += v * 60, p = end + 1;
		else if (*end == 's')
			total += v, p = end + 1;
		else
			return -1;
	}
	*secs = (long long)total;
	return 0;
}

static int parse_until(const char *v, long long *out, berr_t *err)
{
	struct tm tm;
	long long d;
	char *end;
	double ts = strtod(v, &end);

	if (end != v && *end == '\0') {
		*out = (long long)ts;
		return 0;
	}
	if (parse_duration(v, &d) == 0) {
		*out = (long long)time(NULL) - d;
		return 0;
	}
	static const char *const fmts[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"};
	for (size_t i = 0; i < 3; i++) {
		memset(&tm, 0, sizeof(tm));
		const char *rest = strptime(v, fmts[i], &tm);
		if (rest && (*rest == '\0' || strcmp(rest, "Z") == 0)) {
			*out = (long long)timegm(&tm);
			return 0;
		}
	}
	return berr_make_status(err, 1, 0, "Error response from daemon: failed to parse value as time or duration: \"%s\"", v);
}

int image_prune_filter_parse(char *const *filters, struct image_prune_filter *f, berr_t *err)
{
	size_t n = 0, nl = 0, nn = 0;
	char **labels, **not_labels;

	memset(f, 0, sizeof(*f));
	f->dangling = -1;
	while (filters && filters[n])
		n++;
	labels = xcalloc(n + 1, sizeof(char *));
	not_labels = xcalloc(n + 1, sizeof(char *));
	f->labels = labels;
	f->not_labels = not_labels;
	for (size_t i = 0; i < n; i++) {
		const char *s = filters[i];
		if (str_has_prefix(s, "until=")) {
			if (parse_until(s + 6, &f->until, err) < 0)
				return -1;
		} else if (str_has_prefix(s, "label!="))
			not_labels[nn++] = (char *)s + 7;
		else if (str_has_prefix(s, "label="))
			labels[nl++] = (char *)s + 6;
		else if (str_has_prefix(s, "dangling=")) {
			/* docker: dangling=false prunes every unused image, as -a */
			const char *v = s + 9;
			if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
				f->dangling = 1;
			else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
				f->dangling = 0;
			else
				return berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter 'dangling=%s'", v);
		} else
			return berr_make_status(err, 1, 0, "Error response from daemon: Invalid filter '%.*s'",
						(int)strcspn(s, "!="), s);
	}
	return 0;
}

static bool label_matches(json_t *labels, const char *spec)
{
	cleanup_free char *k = xstrdup(spec);
	char *eq = strchr(k, '=');
	json_t *v;
	if (eq)
		*eq = '\0';
	v = json_object_get(labels, k);
	return json_is_string(v) && (!eq || strcmp(json_string_value(v), eq + 1) == 0);
}

static bool filter_keeps(struct berth *b, const char *id, const struct image_prune_filter *f)
{
	struct image *img = NULL;
	cleanup_berr berr_t err = NULL;
	bool prune = true;

	if (!f || (!f->until && !(f->labels && f->labels[0]) && !(f->not_labels && f->not_labels[0])))
		return false;
	if (image_get(b, id, &img, &err) < 0)
		return true;
	if (f->until && img->created >= f->until)
		prune = false;
	for (char *const *l = f->labels; prune && l && *l; l++)
		if (!label_matches(img->config.labels, *l))
			prune = false;
	for (char *const *l = f->not_labels; prune && l && *l; l++)
		if (label_matches(img->config.labels, *l))
			prune = false;
	image_free(img);
	return !prune;
}

int image_prune(struct berth *b, bool all, const struct image_prune_filter *f, image_emit_fn emit, void *ctx,
		long long *reclaimed, berr_t *err)
{
	sqlite3 *db;
	cleanup_close int lock = -1;
	void *c[2] = {(void *)emit, ctx};
	bool progress = true;

	*reclaimed = 0;
	if (berth_db(b, &db, err) < 0 || image_lock(b, true, &lock, err) < 0)
		return -1;
	/* Children first: a parent becomes prunable once its children went. */
	while (progress) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		cleanup_strv char **ids = xcalloc(1, sizeof(char *));
		size_t n = 0;
		progress = false;
		if (db_prepare(db,
			       all ? "SELECT id FROM images i WHERE NOT EXISTS (SELECT 1 FROM images c WHERE c.parent = i.id) "
				     "ORDER BY created DESC, id"
				   : "SELECT id FROM images i WHERE NOT EXISTS (SELECT 1 FROM images c WHERE c.parent = i.id) "
				     "AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.image_id = i.id) "
				     "AND NOT EXISTS (SELECT 1 FROM repo_digests d WHERE d.image_id = i.id) "
				     "ORDER BY created DESC, id",
			       &st, err) < 0)
			return -1;
		while (sqlite3_step(st) == SQLITE_ROW) {
			ids = xrealloc(ids, (n + 2) * sizeof(char *));
			ids[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
			ids[n] = NULL;
		}
		db_stmt_release(st);
		st = NULL;
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *user = image_used_by_container(b, ids[i], false);
			if (user || filter_keeps(b, ids[i], f))
				continue;
			/* Untag first (prune -a), then delete the record. */
			cleanup_stmt sqlite3_stmt *tq = NULL;
			if (db_prepare(db,
				       "SELECT name FROM tags WHERE image_id = ?1 UNION ALL "
				       "SELECT name FROM repo_digests WHERE image_id = ?1 ORDER BY 1",
				       &tq, err) < 0)
				return -1;
			sqlite3_bind_text(tq, 1, ids[i], -1, SQLITE_STATIC);
			while (sqlite3_step(tq) == SQLITE_ROW) {
				cleanup_free char *f = ref_familiarize((const char *)sqlite3_column_text(tq, 0));
				emit_lower(c, "Untagged", f);
			}
			db_stmt_release(tq);
			tq = NULL;
			if (db_prepare(db, "DELETE FROM tags WHERE image_id = ?1", &tq, err) < 0)
				return -1;
			sqlite3_bind_text(tq, 1, ids[i], -1, SQLITE_STATIC);
			sqlite3_step(tq);
			db_stmt_release(tq);
			tq = NULL;
			if (db_prepare(db, "DELETE FROM repo_digests WHERE image_id = ?1", &tq, err) < 0)
				return -1;
			sqlite3_bind_text(tq, 1, ids[i], -1, SQLITE_STATIC);
			sqlite3_step(tq);
			if (image_delete(b, ids[i], emit_lower, c, reclaimed, err) < 0)
				return -1;
			progress = true;
		}
	}
	return 0;
}

int image_usage(struct berth *b, struct image_usage *u, berr_t *err)
{
	sqlite3 *db;
	bool containers;

	memset(u, 0, sizeof(*u));
	if (berth_db(b, &db, err) < 0)
		return -1;
	containers = table_exists(db, "containers");
	u->images = (long)scalar(db, "SELECT count(*) FROM images");
	u->size = scalar(db, "SELECT coalesce(sum(size), 0) FROM layers");
	if (containers) {
		u->containers = (long)scalar(db, "SELECT count(*) FROM containers");
		u->active = (long)scalar(db, "SELECT count(DISTINCT image_id) FROM containers WHERE image_id IN "
					     "(SELECT id FROM images)");
		u->reclaimable = scalar(db, "SELECT coalesce(sum(size), 0) FROM layers WHERE chain_id NOT IN "
					    "(SELECT il.chain_id FROM image_layers il JOIN containers c ON c.image_id = il.image_id)");
	} else {
		u->reclaimable = u->size;
	}
	if (table_exists(db, "volumes"))
		u->volumes = (long)scalar(db, "SELECT count(*) FROM volumes");
	return 0;
}
