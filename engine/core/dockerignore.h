/* dockerignore.h: .dockerignore patterns, with docker's rules
 * (moby/patternmatcher): one pattern a line, '#' comments, blank lines
 * skipped, surrounding whitespace trimmed, paths cleaned (a leading '/'
 * or "./" means the context root), '*' and '?' within one path element,
 * '**' any number of elements, '!' re-includes, the last matching line
 * wins, and a pattern that matches a directory matches everything in it.
 */
#ifndef BERTH_DOCKERIGNORE_H
#define BERTH_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

struct dockerignore {
	char **pat;     /* cleaned patterns */
	bool *neg;      /* '!' lines */
	size_t n;
	bool has_exceptions;
};

void dockerignore_parse(const char *text, size_t len, struct dockerignore *out);
void dockerignore_free(struct dockerignore *di);
/* Is the context path (relative, '/'-separated, no leading "./") excluded? */
bool dockerignore_excluded(const struct dockerignore *di, const char *path);
/* One pattern against one path, '**' included (exposed for the tests). */
bool dockerignore_match(const char *pattern, const char *path);

#endif
