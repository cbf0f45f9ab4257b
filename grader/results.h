/* results.h: every graded attempt, recorded in SQLite (results.db).
 *
 * One file holds a learner's history on a laptop, or a whole class's on a
 * teacher's machine: who, which exercise, when, pass or fail, how long,
 * and what the checks printed. */
#ifndef BERTH_RESULTS_H
#define BERTH_RESULTS_H

#include <sqlite3.h>
#include <stdbool.h>
#include "../engine/core/err.h"

struct attempt {
	const char *learner;
	const char *exercise;
	long long started_ns;
	long long duration_ms;
	bool passed;
	int checks_passed, checks_total;
	const char *report;      /* what the learner was told */
};

/* Default: $BERTH_LAB_DB, else <berth root>/lab/results.db. */
char *results_default_path(void);
int results_open(const char *path, sqlite3 **db, berr_t *err);
int results_record(sqlite3 *db, const struct attempt *a, long long *id, berr_t *err);

#endif
