/* test_db.c: berth.db opens, migrates once, and loses nothing when twenty
 * processes write to it at the same moment. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/db.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 20
#define ROWS 50

static long count(sqlite3 *db, const char *sql)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		return -1;
	return sqlite3_column_int64(st, 0);
}

/* One writer: open (racing the others through the first migration), then
 * insert ROWS rows, each in its own transaction. */
static int writer(const char *path, int id)
{
	cleanup_berr berr_t err = NULL;
	sqlite3 *db;

	if (db_open(path, &db, &err) < 0) {
		fprintf(stderr, "writer %d: %s\n", id, err->msg);
		return 1;
	}
	for (int i = 0; i < ROWS; i++) {
		cleanup_free char *sql =
			xasprintf("BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('w%d-%d', 'x'); COMMIT;", id, i);
		if (db_exec(db, sql, &err) < 0) {
			fprintf(stderr, "writer %d: %s\n", id, err->msg);
			return 1;
		}
	}
	db_close(db);
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/berth-dbtest.XXXXXX";
	cleanup_berr berr_t err = NULL;
	sqlite3 *db = NULL;
	int failed = 0;

	if (!mkdtemp(dir))
		return 1;
	cleanup_free char *path = xasprintf("%s/berth.db", dir);

	ok(db_open(path, &db, &err) == 0, "a new database opens and migrates");
	is_int(count(db, "PRAGMA user_version"), db_schema_version(), "user_version is the number of migrations");
	{
		cleanup_stmt sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		sqlite3_step(st);
		is_str((const char *)sqlite3_column_text(st, 0), "wal", "the journal is in WAL mode");
	}
	db_close(db);
	ok(db_open(path, &db, &err) == 0, "opening it again migrates nothing and succeeds");
	db_close(db);

	/* A database from a newer berth is refused, not silently downgraded. */
	{
		cleanup_free char *newer = xasprintf("%s/newer.db", dir);
		sqlite3 *raw;
		sqlite3_open(newer, &raw);
		sqlite3_exec(raw, "PRAGMA user_version = 9999", NULL, NULL, NULL);
		sqlite3_close(raw);
		ok(db_open(newer, &db, &err) < 0 && err && strstr(err->msg, "newer than this berth"),
		   "a schema newer than this berth is refused with a clear message");
		berr_free(&err);
	}

	/* Twenty processes on a fresh database: migrations and writes race. */
	cleanup_free char *fresh = xasprintf("%s/race.db", dir);
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(writer(fresh, i));
	}
	for (int i = 0; i < WRITERS; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	is_int(failed, 0, "20 concurrent writers all succeed");
	ok(db_open(fresh, &db, &err) == 0, "the raced database opens");
	is_int(count(db, "SELECT count(*) FROM meta"), WRITERS * ROWS, "every row of every writer is there");
	{
		cleanup_stmt sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
		sqlite3_step(st);
		is_str((const char *)sqlite3_column_text(st, 0), "ok", "the database passes integrity_check");
	}
	db_close(db);

	cleanup_free char *rm = xasprintf("rm -rf %s", dir);
	if (system(rm) != 0)
		return 1;
	return done_testing();
}
