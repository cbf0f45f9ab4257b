/* prune.c: `image prune` and the image part of `system df` (see image.h). */
#define _GNU_SOURCE
#include "image.h"
#include "ref.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <string.h>
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

int image_prune(struct berth *b, bool all, image_emit_fn emit, void *ctx, long long *reclaimed, berr_t *err)
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
		sqlite3_finalize(st);
		st = NULL;
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *user = image_used_by_container(b, ids[i], false);
			if (user)
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
			sqlite3_finalize(tq);
			tq = NULL;
			if (db_prepare(db, "DELETE FROM tags WHERE image_id = ?1", &tq, err) < 0)
				return -1;
			sqlite3_bind_text(tq, 1, ids[i], -1, SQLITE_STATIC);
			sqlite3_step(tq);
			sqlite3_finalize(tq);
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
