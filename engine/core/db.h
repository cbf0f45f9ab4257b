/* db.h: berth.db, the SQLite database holding all engine state.
 *
 * Why SQLite: transactions and many concurrent CLIs without a daemon, and no
 * half-written JSON files (podman moved to SQLite for the same reasons).  The
 * database runs in WAL mode with a busy timeout, so readers never block a
 * writer and concurrent writers queue instead of failing.
 *
 * The schema is a list of numbered migrations (see db.c), applied in one
 * IMMEDIATE transaction on open; PRAGMA user_version records how far it got.
 */
#ifndef BERTH_DB_H
#define BERTH_DB_H

#include <sqlite3.h>
#include "err.h"

/* Open (creating if needed) and migrate the database at path. */
int db_open(const char *path, sqlite3 **out, berr_t *err);
void db_close(sqlite3 *db);

/* The same for another database with its own migrations (the grader's
 * results.db uses it). */
int db_open_schema(const char *path, const char *const *migrations, int n_migrations, sqlite3 **out, berr_t *err);

/* Run SQL that returns no rows. */
int db_exec(sqlite3 *db, const char *sql, berr_t *err);

/* Prepare a statement; on failure fills err with SQLite's message.  The
 * statement may come from a per-connection cache: give it back with
 * db_stmt_release() (cleanup_stmt does), never sqlite3_finalize(). */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, berr_t *err);
void db_stmt_release(sqlite3_stmt *st);

/* Number of migrations this build knows; user_version after db_open. */
int db_schema_version(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  IMMEDIATE takes the write lock at
 * once, so two CLIs doing read-then-write cannot deadlock each other. */
int db_begin(sqlite3 *db, berr_t *err);
int db_commit(sqlite3 *db, berr_t *err);
void db_rollback(sqlite3 *db);

static inline void cleanup_stmtp(sqlite3_stmt **s)
{
	db_stmt_release(*s);
}
#define cleanup_stmt __attribute__((cleanup(cleanup_stmtp)))

#endif
