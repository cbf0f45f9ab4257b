/* test_yamltree.c: YAML to a positioned tree — positions, anchors, merge
 * keys, and the hostile inputs (bombs, deep nesting, duplicates). */
#include "tap.h"
#include "../../engine/core/yamltree.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"
#include "../../course/course.h"

#include <stdlib.h>

static struct ynode *load(const char *text, berr_t *err)
{
	struct ynode *n = NULL;
	if (yaml_load(text, strlen(text), "t.yaml", &n, err) < 0)
		return NULL;
	return n;
}

int main(void)
{
	cleanup_berr berr_t err = NULL;
	struct ynode *n;

	n = load("a: 1\nb:\n  - x\n  - 'y'\nc: {d: e}\n", &err);
	ok(n && n->kind == YNODE_MAP && n->n == 3, "a mapping with three keys loads");
	is_str(ynode_str(n, "a"), "1", "scalars keep their text");
	ok(ynode_get(n, "b")->kind == YNODE_SEQ && ynode_get(n, "b")->n == 2, "sequences load");
	is_int(ynode_get(n, "b")->items[1]->line, 4, "items know their line");
	ok(!ynode_get(n, "b")->items[1]->plain && ynode_get(n, "b")->items[0]->plain, "quoted scalars are not plain");
	is_str(ynode_str(ynode_get(n, "c"), "d"), "e", "flow mappings load");
	is_int(n->key_lines[2], 5, "keys know their line");
	ynode_free(n);

	n = load("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n", &err);
	ok(n != NULL, "anchors, aliases and merge keys load");
	is_str(ynode_str(ynode_get(n, "use"), "x"), "1", "<< merges the anchored map");
	is_str(ynode_str(ynode_get(n, "use"), "y"), "3", "keys set beside << win over merged ones");
	is_int(ynode_get(n, "list")->n, 2, "aliases can be used twice");
	ynode_free(n);

	n = load("a:\n  <<: [{p: 1}, {p: 2, q: 3}]\n", &err);
	ok(n && !strcmp(ynode_str(ynode_get(n, "a"), "p"), "1") && !strcmp(ynode_str(ynode_get(n, "a"), "q"), "3"),
	   "a list of merges: the first one wins");
	ynode_free(n);

	n = load("m: &m\n  k: v\n<<: *m\nother: *m\n", &err);
	ok(n && ynode_get(n, "other") && !strcmp(ynode_str(n, "k"), "v"), "an anchor survives being merged");
	ynode_free(n);

	ok(load("a: 1\na: 2\n", &err) == NULL && strstr(err->msg, "t.yaml:2:1: duplicate key \"a\""),
	   "a duplicate key is refused with its position");
	ok(load("a: [1, 2\n", &err) == NULL && strstr(err->msg, "t.yaml:"), "a syntax error names the file");
	ok(load("a: *nope\n", &err) == NULL && strstr(err->msg, "t.yaml:1:4: unknown alias *nope"),
	   "an unknown alias is refused with its position");
	ok(load("a: 1\n---\nb: 2\n", &err) == NULL && strstr(err->msg, "only one YAML document"),
	   "a second document is refused");

	{
		/* 200 nested lists. */
		char deep[1000];
		memset(deep, '[', 200);
		deep[200] = '\0';
		ok(load(deep, &err) == NULL, "nesting beyond the limit is refused, not a stack overflow");
	}
	{
		/* Billion laughs: 9 levels of 9 aliases is 387M nodes expanded. */
		const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n"
				   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
				   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
				   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
				   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
				   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
				   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
				   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
				   "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
		ok(load(bomb, &err) == NULL && strstr(err->msg, "too large"), "an alias bomb is refused");
	}
	n = load("", &err);
	ok(n && n->kind == YNODE_MAP && n->n == 0, "an empty document is an empty mapping");
	ynode_free(n);

	/* Front matter splitting. */
	{
		char *yaml = NULL;
		const char *body;
		int line;
		ok(front_matter_split("---\na: 1\n---\nhello\n", "f.md", &yaml, &body, &line, &err) == 0 &&
			   !strcmp(yaml, "a: 1\n") && !strcmp(body, "hello\n") && line == 4,
		   "front matter splits into YAML and a body starting at line 4");
		free(yaml);
		ok(front_matter_split("no front matter\n", "f.md", &yaml, &body, &line, &err) == 0 && !yaml,
		   "a file without front matter has none");
		ok(front_matter_split("---\na: 1\n", "f.md", &yaml, &body, &line, &err) < 0 &&
			   strstr(err->msg, "f.md:1: front matter starts with --- but never ends"),
		   "unclosed front matter is an error at line 1");
	}
	return done_testing();
}
