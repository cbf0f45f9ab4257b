/* buildcache.c: the build cache, docker's semantics (see build.h): a key
 * made by build.c from the parent image, the instruction as expanded, the
 * build args in scope and, for COPY/ADD, the content hash of the sources,
 * maps to the image that step made.  Rows live in berth.db (build_cache),
 * so the cache survives across builds; a row whose image was removed is a
 * miss (and is replaced by the next build).
 */
#include "build.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <string.h>

char *buildcache_get(struct berth *b, const char *key)
{
	sqlite3 *db;
	cleanup_berr berr_t e = NULL;
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (berth_db(b, &db, &e) < 0 ||
	    db_prepare(db,
		       "SELECT c.image_id FROM build_cache c JOIN images i ON i.id = c.image_id WHERE c.key = ?",
		       &st, &e) < 0)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return NULL;
	return xstrdup((const char *)sqlite3_column_text(st, 0));
}

int buildcache_put(struct berth *b, const char *key, const char *image_id, berr_t *err)
{
	sqlite3 *db;
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (berth_db(b, &db, err) < 0 ||
	    db_prepare(db, "INSERT OR REPLACE INTO build_cache(key, image_id, created) VALUES (?, ?, ?)", &st,
		       err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, image_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ns());
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "build cache: %s", sqlite3_errmsg(db));
	return 0;
}
