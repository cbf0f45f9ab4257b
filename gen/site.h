/* site.h: building the course site from the course model. */
#ifndef BERTH_SITE_H
#define BERTH_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include "../course/course.h"

struct site_options {
	const char *out;          /* final directory, e.g. build/site */
	const char *templates;    /* site/ */
	const char *assets;       /* assets/ */
	bool no_solutions;        /* leave reference solutions out (a classroom) */
	const char *results;      /* optional results.db: mark what `learner` passed */
	const char *learner;
};

/* What a build made, for the summary line and the tests. */
struct site_stats {
	size_t pages;
	size_t search_bytes[COURSE_LANGS];
	size_t search_sentences;
};

/* Render everything into a temporary directory next to out, then swap it
 * in: a failed build never leaves a half-written site. */
int site_build(const struct course *c, const struct site_options *o, struct site_stats *stats, berr_t *err);

#endif
