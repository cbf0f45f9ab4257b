/* yamltree.c: libyaml events to a positioned tree (see yamltree.h).
 *
 * Why not libyaml's own document API: it loses nothing we need, but its
 * nodes are addressed by index and aliases would have to be chased by
 * callers; one small builder here keeps every caller simple.
 */
#define _GNU_SOURCE
#include "yamltree.h"
#include "util.h"
#include "cleanup.h"

#include <string.h>
#include <yaml.h>

/* Nesting deeper than this is refused: hostile input must not exhaust the
 * stack, and no lesson or compose file comes near it. */
#define MAX_DEPTH 64
/* Alias expansion is a copy; cap the total so a "billion laughs" document
 * cannot blow up memory. */
#define MAX_NODES 1000000

struct anchor {
	char *name;
	struct ynode *node;
};

struct builder {
	yaml_parser_t parser;
	const char *name;
	struct anchor *anchors;
	size_t n_anchors;
	size_t n_nodes;
};

static struct ynode *node_new(struct builder *bld, enum ynode_kind kind, yaml_mark_t mark)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	bld->n_nodes++;
	return n;
}

void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		ynode_free(n->items[i]);
		if (n->keys)
			free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->key_lines);
	free(n->key_cols);
	free(n->value);
	free(n);
}

static struct ynode *node_copy(struct builder *bld, const struct ynode *src)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	*n = *src;
	bld->n_nodes++;
	n->value = src->value ? xstrdup(src->value) : NULL;
	n->items = src->n ? xcalloc(src->n, sizeof(*n->items)) : NULL;
	if (src->keys) {
		n->keys = xcalloc(src->n ? src->n : 1, sizeof(char *));
		n->key_lines = xcalloc(src->n ? src->n : 1, sizeof(int));
		n->key_cols = xcalloc(src->n ? src->n : 1, sizeof(int));
	}
	for (size_t i = 0; i < src->n; i++) {
		n->items[i] = node_copy(bld, src->items[i]);
		if (src->keys) {
			n->keys[i] = xstrdup(src->keys[i]);
			n->key_lines[i] = src->key_lines[i];
			n->key_cols[i] = src->key_cols[i];
		}
	}
	return n;
}

static void append(struct ynode *parent, struct ynode *child)
{
	parent->items = xrealloc(parent->items, (parent->n + 1) * sizeof(*parent->items));
	parent->items[parent->n++] = child;
}

static void map_set(struct ynode *map, const char *key, int line, int col, struct ynode *val, bool replace)
{
	for (size_t i = 0; i < map->n; i++) {
		if (strcmp(map->keys[i], key) == 0) {
			if (replace) {
				ynode_free(map->items[i]);
				map->items[i] = val;
			} else {
				ynode_free(val);
			}
			return;
		}
	}
	map->keys = xrealloc(map->keys, (map->n + 1) * sizeof(char *));
	map->key_lines = xrealloc(map->key_lines, (map->n + 1) * sizeof(int));
	map->key_cols = xrealloc(map->key_cols, (map->n + 1) * sizeof(int));
	map->keys[map->n] = xstrdup(key);
	map->key_lines[map->n] = line;
	map->key_cols[map->n] = col;
	append(map, val);
}

static int parse_error(struct builder *bld, berr_t *err)
{
	yaml_parser_t *p = &bld->parser;
	return berr_make(err, 0, "%s:%zu:%zu: %s%s%s", bld->name, p->problem_mark.line + 1,
			 p->problem_mark.column + 1, p->problem ? p->problem : "invalid YAML",
			 p->context ? " " : "", p->context ? p->context : "");
}

/* Anchors keep a copy of their node: the node itself may be freed later
 * (a merged `<<: &x {...}` is), and an alias must still find it. */
static struct ynode *node_copy(struct builder *bld, const struct ynode *src);
static void remember_anchor(struct builder *bld, const yaml_char_t *anchor, struct ynode *n)
{
	if (!anchor)
		return;
	n = node_copy(bld, n);
	bld->anchors = xrealloc(bld->anchors, (bld->n_anchors + 1) * sizeof(*bld->anchors));
	bld->anchors[bld->n_anchors].name = xstrdup((const char *)anchor);
	bld->anchors[bld->n_anchors].node = n;
	bld->n_anchors++;
}

static int build_node(struct builder *bld, yaml_event_t *ev, int depth, struct ynode **out, berr_t *err);

/* Merge `src` (a map, or a sequence of maps) into map without overriding
 * keys the map sets itself: YAML's `<<` merge key. */
static int merge_into(struct builder *bld, struct ynode *map, struct ynode *src, berr_t *err)
{
	if (src->kind == YNODE_MAP) {
		for (size_t i = 0; i < src->n; i++)
			map_set(map, src->keys[i], src->key_lines[i], src->key_cols[i], node_copy(bld, src->items[i]),
				false);
		return 0;
	}
	if (src->kind == YNODE_SEQ) {
		for (size_t i = 0; i < src->n; i++)
			if (merge_into(bld, map, src->items[i], err) < 0)
				return -1;
		return 0;
	}
	return berr_make(err, 0, "%s:%d:%d: the merge key << needs a mapping or a list of mappings", bld->name,
			 src->line, src->col);
}

/* Merge sources are applied when the mapping ends, so keys written in the
 * mapping itself win wherever they appear, and are never "duplicates" of
 * merged ones. */
static int apply_merges(struct builder *bld, struct ynode *n, struct ynode **merges, size_t nm, int r, berr_t *err)
{
	for (size_t i = 0; i < nm; i++) {
		if (r == 0 && merge_into(bld, n, merges[i], err) < 0)
			r = -1;
		ynode_free(merges[i]);
	}
	free(merges);
	return r;
}

static int build_children(struct builder *bld, struct ynode *n, int depth, berr_t *err)
{
	struct ynode **merges = NULL;
	size_t nm = 0;

	for (;;) {
		yaml_event_t ev;
		struct ynode *child = NULL;

		if (!yaml_parser_parse(&bld->parser, &ev))
			return apply_merges(bld, n, merges, nm, parse_error(bld, err), err);
		if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return apply_merges(bld, n, merges, nm, 0, err);
		}
		if (n->kind == YNODE_SEQ) {
			if (build_node(bld, &ev, depth + 1, &child, err) < 0)
				return apply_merges(bld, n, merges, nm, -1, err);
			append(n, child);
			continue;
		}
		/* A map: ev is the key. */
		struct ynode *key = NULL;
		if (build_node(bld, &ev, depth + 1, &key, err) < 0)
			return apply_merges(bld, n, merges, nm, -1, err);
		if (key->kind != YNODE_SCALAR) {
			int l = key->line, c = key->col;
			ynode_free(key);
			berr_make(err, 0, "%s:%d:%d: a mapping key must be a plain value", bld->name, l, c);
			return apply_merges(bld, n, merges, nm, -1, err);
		}
		yaml_event_t vev;
		if (!yaml_parser_parse(&bld->parser, &vev)) {
			ynode_free(key);
			return apply_merges(bld, n, merges, nm, parse_error(bld, err), err);
		}
		if (build_node(bld, &vev, depth + 1, &child, err) < 0) {
			ynode_free(key);
			return apply_merges(bld, n, merges, nm, -1, err);
		}
		if (key->plain && strcmp(key->value, "<<") == 0) {
			merges = xrealloc(merges, (nm + 1) * sizeof(*merges));
			merges[nm++] = child;
			ynode_free(key);
			continue;
		}
		for (size_t i = 0; i < n->n; i++) {
			if (strcmp(n->keys[i], key->value) == 0) {
				berr_make(err, 0, "%s:%d:%d: duplicate key \"%s\" (first at line %d)", bld->name,
					  key->line, key->col, key->value, n->key_lines[i]);
				ynode_free(child);
				ynode_free(key);
				return apply_merges(bld, n, merges, nm, -1, err);
			}
		}
		map_set(n, key->value, key->line, key->col, child, true);
		ynode_free(key);
	}
}

/* Build the node that starts with ev (which this function deletes). */
static int build_node(struct builder *bld, yaml_event_t *ev, int depth, struct ynode **out, berr_t *err)
{
	struct ynode *n = NULL;
	int r = 0;

	if (depth > MAX_DEPTH || bld->n_nodes > MAX_NODES) {
		r = berr_make(err, 0, "%s:%zu:%zu: document nests too deeply or is too large", bld->name,
			      ev->start_mark.line + 1, ev->start_mark.column + 1);
		yaml_event_delete(ev);
		return r;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(bld, YNODE_SCALAR, ev->start_mark);
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		remember_anchor(bld, ev->data.scalar.anchor, n);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		n = node_new(bld, seq ? YNODE_SEQ : YNODE_MAP, ev->start_mark);
		if (!seq) {
			n->keys = xcalloc(1, sizeof(char *));
			n->key_lines = xcalloc(1, sizeof(int));
			n->key_cols = xcalloc(1, sizeof(int));
		}
		const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
		cleanup_free char *anchor_name = anchor ? xstrdup((const char *)anchor) : NULL;
		r = build_children(bld, n, depth, err);
		/* An anchor refers to the finished node, so it is recorded after
		 * its children (a node cannot contain an alias to itself). */
		if (r == 0)
			remember_anchor(bld, (const yaml_char_t *)anchor_name, n);
		break;
	}
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		for (size_t i = bld->n_anchors; i-- > 0;) {
			if (strcmp(bld->anchors[i].name, name) == 0) {
				n = node_copy(bld, bld->anchors[i].node);
				n->line = (int)ev->start_mark.line + 1;
				n->col = (int)ev->start_mark.column + 1;
				break;
			}
		}
		if (!n)
			r = berr_make(err, 0, "%s:%zu:%zu: unknown alias *%s", bld->name, ev->start_mark.line + 1,
				      ev->start_mark.column + 1, name);
		break;
	}
	default:
		r = berr_make(err, 0, "%s:%zu:%zu: unexpected YAML event", bld->name, ev->start_mark.line + 1,
			      ev->start_mark.column + 1);
	}
	yaml_event_delete(ev);
	if (r < 0) {
		ynode_free(n);
		return -1;
	}
	*out = n;
	return 0;
}

int yaml_load(const char *buf, size_t len, const char *name, struct ynode **out, berr_t *err)
{
	struct builder bld = {.name = name};
	struct ynode *root = NULL;
	int r = -1;

	if (!yaml_parser_initialize(&bld.parser))
		return berr_make(err, 0, "%s: cannot initialise the YAML parser", name);
	yaml_parser_set_input_string(&bld.parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&bld.parser, &ev)) {
			parse_error(&bld, err);
			goto out;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (root) {
			berr_make(err, 0, "%s:%zu: only one YAML document is allowed", name, ev.start_mark.line + 1);
			yaml_event_delete(&ev);
			goto out;
		}
		if (build_node(&bld, &ev, 0, &root, err) < 0)
			goto out;
	}
	if (!root) {
		/* An empty document is an empty mapping: nothing was set. */
		yaml_mark_t m = {0, 0, 0};
		root = node_new(&bld, YNODE_MAP, m);
		root->keys = xcalloc(1, sizeof(char *));
		root->key_lines = xcalloc(1, sizeof(int));
		root->key_cols = xcalloc(1, sizeof(int));
	}
	*out = root;
	root = NULL;
	r = 0;
out:
	ynode_free(root);
	for (size_t i = 0; i < bld.n_anchors; i++) {
		free(bld.anchors[i].name);
		ynode_free(bld.anchors[i].node);
	}
	free(bld.anchors);
	yaml_parser_delete(&bld.parser);
	return r;
}

struct ynode *ynode_get(const struct ynode *n, const char *key)
{
	if (!n || n->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->keys[i], key) == 0)
			return n->items[i];
	return NULL;
}

const char *ynode_str(const struct ynode *n, const char *key)
{
	struct ynode *v = ynode_get(n, key);
	return v && v->kind == YNODE_SCALAR ? v->value : NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	if (!n)
		return true;
	return n->kind == YNODE_SCALAR && n->plain &&
	       (!*n->value || !strcmp(n->value, "~") || !strcmp(n->value, "null") || !strcmp(n->value, "Null") ||
		!strcmp(n->value, "NULL"));
}
