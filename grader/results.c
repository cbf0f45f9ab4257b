/* results.c: see results.h. */
#define _GNU_SOURCE
#include "results.h"
#include "../engine/core/db.h"
#include "../engine/core/root.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* 1: attempts, one row per `berth lab check`. */
	"CREATE TABLE attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  learner TEXT NOT NULL,"
	"  exercise TEXT NOT NULL,"
	"  started_ns INTEGER NOT NULL,"
	"  duration_ms INTEGER NOT NULL,"
	"  passed INTEGER NOT NULL,"
	"  checks_passed INTEGER NOT NULL,"
	"  checks_total INTEGER NOT NULL,"
	"  report TEXT NOT NULL"
	");"
	"CREATE INDEX attempts_by_learner ON attempts(learner, exercise);",
};

char *results_default_path(void)
{
	const char *env = getenv("BERTH_LAB_DB");
	if (env && *env)
		return xstrdup(env);
	const char *root = getenv("BERTH_ROOT");
	cleanup_free char *def = root && *root ? xstrdup(root) : root_default_path();
	return xasprintf("%s/lab/results.db", def);
}

int results_open(const char *path, sqlite3 **db, berr_t *err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0755, err) < 0)
			return -1;
	}
	return db_open_schema(path, migrations, (int)(sizeof(migrations) / sizeof(*migrations)), db, err);
}

int results_record(sqlite3 *db, const struct attempt *a, long long *id, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (db_prepare(db,
		       "INSERT INTO attempts(learner, exercise, started_ns, duration_ms, passed, checks_passed,"
		       " checks_total, report) VALUES (?,?,?,?,?,?,?,?)",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, a->learner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->exercise, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->started_ns);
	sqlite3_bind_int64(st, 4, a->duration_ms);
	sqlite3_bind_int(st, 5, a->passed);
	sqlite3_bind_int(st, 6, a->checks_passed);
	sqlite3_bind_int(st, 7, a->checks_total);
	sqlite3_bind_text(st, 8, a->report ? a->report : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "results database: %s", sqlite3_errmsg(db));
	if (id)
		*id = sqlite3_last_insert_rowid(db);
	return 0;
}
