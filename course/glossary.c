/* glossary.c: loading and validating glossary.yaml, the course's terms in
 * Korean and English side by side (see lessons/README.md).  Part of the
 * course model, so the site and any other reader see the same checks. */
#define _GNU_SOURCE
#include "course.h"
#include "../engine/core/yamltree.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_NAME "lessons/glossary.yaml"

static void term_free(struct glossary_term *t)
{
	free(t->id);
	for (int i = 0; i < COURSE_LANGS; i++) {
		free(t->term.text[i]);
		free(t->def.text[i]);
	}
	for (char **p = t->see; p && *p; p++)
		free(*p);
	free(t->see);
}

void glossary_free(struct course *c)
{
	for (size_t i = 0; i < c->n_terms; i++)
		term_free(&c->terms[i]);
	free(c->terms);
	c->terms = NULL;
	c->n_terms = 0;
}

static bool valid_id(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static int load_term(struct course *c, const struct ynode *n, struct glossary_term *t, berr_t *err)
{
	static const char *const keys[] = {"id", "term", "def", "see", NULL};
	memset(t, 0, sizeof(*t));
	t->line = n->line;
	if (n->kind != YNODE_MAP)
		return berr_make(err, 0, FILE_NAME ":%d: a term is a mapping with id, term, def", n->line);
	for (size_t i = 0; i < n->n; i++) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok = ok || strcmp(*k, n->keys[i]) == 0;
		if (!ok)
			return berr_make(err, 0, FILE_NAME ":%d: unknown key \"%s\" (id, term, def, see)", n->key_lines[i],
					 n->keys[i]);
	}
	const char *id = ynode_str(n, "id");
	if (!id || !valid_id(id))
		return berr_make(err, 0, FILE_NAME ":%d: a term needs an \"id\" of a-z, 0-9 and -",
				 ynode_get(n, "id") ? ynode_get(n, "id")->line : n->line);
	t->id = xstrdup(id);
	/* Both languages are required: the page shows them side by side. */
	const struct ynode *term = ynode_get(n, "term"), *def = ynode_get(n, "def");
	if (!term || term->kind != YNODE_MAP)
		return berr_make(err, 0, FILE_NAME ":%d: term \"%s\" needs \"term: {ko: ..., en: ...}\"",
				 term ? term->line : n->line, id);
	if (!def || def->kind != YNODE_MAP)
		return berr_make(err, 0, FILE_NAME ":%d: term \"%s\" needs \"def: {ko: ..., en: ...}\"",
				 def ? def->line : n->line, id);
	if (course_i18n(term, FILE_NAME, "term", &t->term, true, err) < 0 ||
	    course_i18n(def, FILE_NAME, "def", &t->def, true, err) < 0)
		return -1;
	for (int i = 0; i < COURSE_LANGS; i++) {
		if (!*t->term.text[i])
			return berr_make(err, 0, FILE_NAME ":%d: term \"%s\" has an empty %s word", term->line, id,
					 course_langs[i]);
		if (!*t->def.text[i])
			return berr_make(err, 0, FILE_NAME ":%d: term \"%s\" has an empty %s definition", def->line,
					 id, course_langs[i]);
	}
	const struct ynode *see = ynode_get(n, "see");
	if (course_strv(see, FILE_NAME, "see", &t->see, err) < 0)
		return -1;
	for (size_t i = 0; t->see[i]; i++) {
		if (!course_lesson(c, t->see[i], course_langs[0]))
			return berr_make(err, 0, FILE_NAME ":%d: term \"%s\" points at lesson \"%s\", which does not exist",
					 see->items[i]->line, id, t->see[i]);
	}
	return 0;
}

int glossary_load(struct course *c, berr_t *err)
{
	cleanup_free char *path = xasprintf("%s/glossary.yaml", c->dir), *text = NULL;
	struct ynode *doc = NULL;
	struct stat st;
	size_t len;
	int r = -1;

	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (read_file(path, &text, &len, err) < 0)
		return -1;
	if (yaml_load(text, len, FILE_NAME, &doc, err) < 0)
		return -1;
	const struct ynode *terms = ynode_get(doc, "terms");
	if (!terms || terms->kind != YNODE_SEQ) {
		berr_make(err, 0, FILE_NAME ":%d: needs a list of \"terms\"", doc->line);
		goto out;
	}
	c->terms = xcalloc(terms->n ? terms->n : 1, sizeof(*c->terms));
	for (size_t i = 0; i < terms->n; i++) {
		c->n_terms = i + 1;
		if (load_term(c, terms->items[i], &c->terms[i], err) < 0)
			goto out;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->terms[j].id, c->terms[i].id) == 0) {
				berr_make(err, 0, FILE_NAME ":%d: duplicate term id \"%s\" (also on line %d)",
					  c->terms[i].line, c->terms[i].id, c->terms[j].line);
				goto out;
			}
		}
	}
	r = 0;
out:
	ynode_free(doc);
	return r;
}
