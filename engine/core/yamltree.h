/* yamltree.h: a YAML document as a tree of nodes that remember their line
 * and column, built from libyaml's event stream.
 *
 * Lesson front matter, exercise specs and compose files are all validated
 * against what a person wrote, so every node keeps its position: errors can
 * say "file:line:col: key: message".  Anchors and aliases are resolved by
 * copying; the merge key `<<` is applied to mappings, as YAML 1.1 (and
 * docker compose) do.
 */
#ifndef BERTH_YAMLTREE_H
#define BERTH_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	int line, col;          /* 1-based */
	char *value;            /* scalar text */
	bool plain;             /* an unquoted scalar (may be null/bool/number) */
	size_t n;               /* items in a sequence, pairs in a map */
	struct ynode **items;   /* sequence items, or map values */
	char **keys;            /* map keys (scalars only) */
	int *key_lines, *key_cols;
};

/* Parse exactly one document from buf.  `name` is used in messages. */
int yaml_load(const char *buf, size_t len, const char *name, struct ynode **out, berr_t *err);
void ynode_free(struct ynode *n);

/* The value of key in a map, or NULL (also when n is not a map). */
struct ynode *ynode_get(const struct ynode *n, const char *key);
/* The scalar text of key in a map, or NULL. */
const char *ynode_str(const struct ynode *n, const char *key);
/* A plain scalar that YAML would read as null ("", ~, null). */
bool ynode_is_null(const struct ynode *n);

#endif
