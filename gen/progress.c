/* progress.c: see progress.h.  Read-only: a site build never writes to a
 * results database (a teacher's may be in use by a class). */
#define _GNU_SOURCE
#include "progress.h"
#include "../engine/core/util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

int progress_passed(const char *db_path, const char *learner, char ***out, berr_t *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	int r = -1;

	*out = NULL;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		berr_make(err, 0, "cannot open results %s: %s", db_path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT DISTINCT exercise FROM attempts WHERE learner = ?1 AND passed = 1 "
			       "ORDER BY exercise",
			       -1, &st, NULL) != SQLITE_OK) {
		berr_make(err, 0, "%s is not a berth results database: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(st, 1, learner, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[n] = NULL;
	}
	if (rc != SQLITE_DONE) {
		berr_make(err, 0, "reading %s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	*out = v;
	v = NULL;
	r = 0;
out:
	if (v) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}
