/* progress.h: what a learner has passed, read from a results export
 * (the grader's results.db), so a built site can show it on the course map
 * beside what the browser remembers (localStorage). */
#ifndef BERTH_PROGRESS_H
#define BERTH_PROGRESS_H

#include "../engine/core/err.h"

/* The exercise ids `learner` has passed at least once, NULL-terminated
 * (malloc'd, free with each string). */
int progress_passed(const char *db_path, const char *learner, char ***out, berr_t *err);

#endif
