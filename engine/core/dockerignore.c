/* dockerignore.c: .dockerignore matching (see dockerignore.h). */
#define _GNU_SOURCE
#include "dockerignore.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* filepath.Clean for a '/'-separated relative path: no empty, "." or
 * leading ".." elements, no leading or trailing '/'. */
static char *clean(const char *p)
{
	char *out = xmalloc(strlen(p) + 2);
	size_t n = 0;
	const char *s = p;

	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, '/');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == 1 && s[0] == '.') {
			/* skip */
		} else if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n)
				out[n++] = '/';
			memcpy(out + n, s, l);
			n += l;
		}
		s += l;
	}
	out[n] = '\0';
	return out;
}

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
		char *c = clean(s);
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

/* Glob with '*', '?', '[...]', '\\' escapes and '**'. */
static bool gmatch(const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;
			if (*rest == '/') {
				/* "**\/x": x here or in any subdirectory */
				rest++;
				if (gmatch(rest, s))
					return true;
				for (const char *t = s; *t; t++)
					if (*t == '/' && gmatch(rest, t + 1))
						return true;
				return false;
			}
			/* "**" at the end or before text: anything, '/' included */
			for (const char *t = s;; t++) {
				if (gmatch(rest, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (gmatch(p + 1, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		}
		if (!*s)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			bool negate = false, found = false;
			if (*q == '^' || *q == '!') {
				negate = true;
				q++;
			}
			while (*q && *q != ']') {
				char lo = *q, hi;
				if (lo == '\\' && q[1])
					lo = *++q;
				hi = lo;
				if (q[1] == '-' && q[2] && q[2] != ']') {
					hi = q[2];
					if (hi == '\\' && q[3])
						hi = q[3], q++;
					q += 2;
				}
				if (*s >= lo && *s <= hi)
					found = true;
				q++;
			}
			if (!*q)
				return false; /* bad pattern: no match */
			if (found == negate || *s == '/')
				return false;
			p = q + 1;
			s++;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *s == '\0';
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
