/* dockerignore.c: .dockerignore matching (see dockerignore.h). */
#define _GNU_SOURCE
#include "dockerignore.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* filepath.Clean for a '/'-separated relative path: no empty, "." or
 * leading ".." elements, no leading or trailing '/'. */

void dockerignore_parse(const char *text, size_t len, struct dockerignore *di)
{
	const char *p = text, *end = text + len;
	memset(di, 0, sizeof(*di));
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
		char *line = xstrndup(p, l);
		p = e ? e + 1 : end;
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		size_t sl = strlen(s);
		while (sl && isspace((unsigned char)s[sl - 1]))
			s[--sl] = '\0';
		if (!*s || *s == '#') {
			free(line);
			continue;
		}
		bool neg = false;
		if (*s == '!') {
			neg = true;
			s++;
			while (isspace((unsigned char)*s))
				s++;
		}
		char *c = path_clean_rel(s);
		free(line);
		if (!*c && !neg) {
			/* "/" or "." alone: docker ignores nothing for them */
			free(c);
			continue;
		}
		di->pat = xrealloc(di->pat, (di->n + 1) * sizeof(char *));
		di->neg = xrealloc(di->neg, (di->n + 1) * sizeof(bool));
		di->pat[di->n] = c;
		di->neg[di->n] = neg;
		di->n++;
		if (neg)
			di->has_exceptions = true;
	}
}

void dockerignore_free(struct dockerignore *di)
{
	for (size_t i = 0; i < di->n; i++)
		free(di->pat[i]);
	free(di->pat);
	free(di->neg);
	memset(di, 0, sizeof(*di));
}

/* Glob with '*', '?', '[...]', '\\' escapes and '**', memoized over
 * (pattern position, path position): patterns like "a*********b" would
 * otherwise backtrack exponentially (found by fuzz_dockerignore). */
struct gm {
	const char *p, *s;
	size_t pl, sl;
	unsigned char *memo; /* 0 unknown, 1 no, 2 yes */
};

static bool gm_at(struct gm *g, size_t pi, size_t si);

static bool gm_run(struct gm *g, size_t pi, size_t si)
{
	const char *p = g->p, *s = g->s;
	while (pi < g->pl) {
		if (p[pi] == '*' && p[pi + 1] == '*') {
			size_t rest = pi + 2;
			while (p[rest] == '*')
				rest++;
			if (p[rest] == '/') {
				/* "**\/x": x here or in any subdirectory */
				rest++;
				if (gm_at(g, rest, si))
					return true;
				for (size_t t = si; t < g->sl; t++)
					if (s[t] == '/' && gm_at(g, rest, t + 1))
						return true;
				return false;
			}
			/* "**" at the end or before text: anything, '/' included */
			for (size_t t = si;; t++) {
				if (gm_at(g, rest, t))
					return true;
				if (t >= g->sl)
					return false;
			}
		}
		if (p[pi] == '*') {
			for (size_t t = si;; t++) {
				if (gm_at(g, pi + 1, t))
					return true;
				if (t >= g->sl || s[t] == '/')
					return false;
			}
		}
		if (si >= g->sl)
			return false;
		if (p[pi] == '?') {
			if (s[si] == '/')
				return false;
			pi++;
			si++;
			continue;
		}
		if (p[pi] == '[') {
			size_t q = pi + 1;
			bool negate = false, found = false;
			if (p[q] == '^' || p[q] == '!') {
				negate = true;
				q++;
			}
			while (q < g->pl && p[q] != ']') {
				char lo = p[q], hi;
				if (lo == '\\' && q + 1 < g->pl)
					lo = p[++q];
				hi = lo;
				if (q + 2 < g->pl && p[q + 1] == '-' && p[q + 2] != ']') {
					hi = p[q + 2];
					q += 2;
					if (hi == '\\' && q + 1 < g->pl)
						hi = p[++q];
				}
				if (s[si] >= lo && s[si] <= hi)
					found = true;
				q++;
			}
			if (q >= g->pl)
				return false; /* bad pattern: no match */
			if (found == negate || s[si] == '/')
				return false;
			pi = q + 1;
			si++;
			continue;
		}
		if (p[pi] == '\\' && pi + 1 < g->pl)
			pi++;
		if (p[pi] != s[si])
			return false;
		pi++;
		si++;
	}
	return si == g->sl;
}

static bool gm_at(struct gm *g, size_t pi, size_t si)
{
	size_t k = pi * (g->sl + 1) + si;
	if (pi > g->pl || si > g->sl)
		return false;
	if (!g->memo[k])
		g->memo[k] = gm_run(g, pi, si) ? 2 : 1;
	return g->memo[k] == 2;
}

static bool gmatch(const char *p, const char *s)
{
	struct gm g = {.p = p, .s = s, .pl = strlen(p), .sl = strlen(s)};
	g.memo = xcalloc((g.pl + 1) * (g.sl + 1), 1);
	bool r = gm_at(&g, 0, 0);
	free(g.memo);
	return r;
}

bool dockerignore_match(const char *pattern, const char *path)
{
	return gmatch(pattern, path);
}

/* Does the pattern match the path or one of its parent directories? */
static bool matches_or_parent(const char *pat, const char *path)
{
	if (gmatch(pat, path))
		return true;
	char *copy = xstrdup(path);
	bool m = false;
	for (char *sl = strrchr(copy, '/'); sl && !m; sl = strrchr(copy, '/')) {
		*sl = '\0';
		m = gmatch(pat, copy);
	}
	free(copy);
	return m;
}

bool dockerignore_excluded(const struct dockerignore *di, const char *path)
{
	bool ex = false;
	for (size_t i = 0; i < di->n; i++) {
		/* a line can only change the answer: skip it otherwise */
		if (di->neg[i] != ex)
			continue;
		if (matches_or_parent(di->pat[i], path))
			ex = !di->neg[i];
	}
	return ex;
}
