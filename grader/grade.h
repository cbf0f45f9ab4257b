/* grade.h: grading one attempt at an exercise.
 *
 * The learner's work directory is copied into a fresh sandbox directory
 * with a berth root of its own, and each check of the spec runs there as
 * `sh -c RUN` in its own process group with a time limit, so an attempt can
 * neither see another learner's state nor outlive its budget. */
#ifndef BERTH_GRADE_H
#define BERTH_GRADE_H

#include <stdbool.h>
#include "../course/course.h"

struct grade_result {
	bool passed;
	int checks_passed;
	int checks_total;
	char *report;        /* one line per check, for the learner */
};

/* berth_dir: the directory holding the berth binary the checks must use. */
int grade_attempt(const struct exercise *e, const char *workdir, const char *berth_dir, struct grade_result *out,
		  berr_t *err);
void grade_result_free(struct grade_result *r);

#endif
