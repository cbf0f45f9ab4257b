/* strmap.c: see strmap.h. */
#include "strmap.h"
#include "../engine/core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t find(const struct strmap *m, const char *key, size_t n)
{
	size_t i = (size_t)hash(key, n) & (m->cap - 1);
	while (m->keys[i] && !(strncmp(m->keys[i], key, n) == 0 && m->keys[i][n] == '\0'))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void grow(struct strmap *m)
{
	struct strmap bigger = {.cap = m->cap ? m->cap * 2 : 64};
	bigger.keys = xcalloc(bigger.cap, sizeof(char *));
	bigger.vals = xcalloc(bigger.cap, sizeof(size_t));
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = find(&bigger, m->keys[i], strlen(m->keys[i]));
		bigger.keys[j] = m->keys[i];
		bigger.vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	bigger.n = m->n;
	*m = bigger;
}

size_t *strmap_put(struct strmap *m, const char *key, size_t n, size_t val, bool *added)
{
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	size_t i = find(m, key, n);
	if (added)
		*added = !m->keys[i];
	if (!m->keys[i]) {
		m->keys[i] = xstrndup(key, n);
		m->vals[i] = val;
		m->n++;
	}
	return &m->vals[i];
}

size_t *strmap_get(const struct strmap *m, const char *key, size_t n)
{
	if (!m->cap)
		return NULL;
	size_t i = find(m, key, n);
	return m->keys[i] ? &m->vals[i] : NULL;
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
