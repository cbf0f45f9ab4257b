/* strmap.h: a string-keyed hash map (open addressing, FNV-1a), for the
 * generator's sets of pages and anchors and the search index's tokens.
 * Keys are copied; values are opaque pointers-sized integers. */
#ifndef BERTH_STRMAP_H
#define BERTH_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

/* The slot of key (n bytes), added with value val when absent; *added
 * tells which.  Returns a pointer to the value. */
size_t *strmap_put(struct strmap *m, const char *key, size_t n, size_t val, bool *added);
/* The value of key, or NULL. */
size_t *strmap_get(const struct strmap *m, const char *key, size_t n);
void strmap_free(struct strmap *m);

#endif
