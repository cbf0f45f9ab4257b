/* test_course.c: the course model as the site and the grader see it: the
 * real course loads, and glossary.yaml is validated with file:line. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../course/course.h"
#include "../../engine/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test_course.XXXXXX";

static void put(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *parent = xstrdup(p);
	*strrchr(parent, '/') = '\0';
	berr_t err = NULL;
	mkdir_p(parent, 0755, &err);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(parent);
	free(p);
}

static const char *load_error(void)
{
	static char msg[512];
	struct course *c = NULL;
	berr_t err = NULL;
	if (course_load(dir, &c, &err) == 0) {
		course_free(c);
		return "";
	}
	snprintf(msg, sizeof(msg), "%s", err->msg);
	berr_free(&err);
	return msg;
}

static void error_like(const char *needle, const char *what)
{
	const char *m = load_error();
	ok(strstr(m, needle) != NULL, "%s", what);
	if (!strstr(m, needle))
		printf("#   got: %s\n", m);
}

int main(void)
{
	/* make test runs from the top; BERTH_BUILD says where build/ is. */
	const char *build = getenv("BERTH_BUILD");
	char *real = build ? xasprintf("%s/../lessons", build) : xstrdup("lessons");
	struct course *c = NULL;
	berr_t err = NULL;
	ok(course_load(real, &c, &err) == 0, "the real course loads");
	if (err)
		printf("#   %s\n", err->msg);
	if (c) {
		ok(c->n_sections > 0 && c->n_lessons > 0, "it has sections and lessons");
		ok(c->n_lessons % COURSE_LANGS == 0, "every lesson in both languages");
		ok(c->n_terms >= 10, "the glossary has terms");
		const struct lesson *l = course_lesson(c, "what-is-a-container", "ko");
		ok(l && l->id_line == 2 && l->section_line == 4, "front matter lines are remembered");
		course_free(c);
	}
	berr_free(&err);
	free(real);

	if (!mkdtemp(dir))
		return 1;
	put("course.yaml", "sections:\n  - id: basics\n    title: {ko: 기초, en: Basics}\n");
	put("ko/01-a.md", "---\nid: a\ntitle: 가\nsection: basics\norder: 1\nsummary: s\n---\n본문\n");
	put("en/01-a.md", "---\nid: a\ntitle: A\nsection: basics\norder: 1\nsummary: s\n---\nbody\n");
	is_str(load_error(), "", "a course without a glossary loads");

	put("glossary.yaml", "terms:\n  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: meaning}\n"
			     "    see: [a]\n");
	is_str(load_error(), "", "a good glossary loads");
	put("glossary.yaml", "terms:\n  - id: layer\n    term: {ko: 레이어}\n    def: {ko: 뜻, en: meaning}\n");
	error_like("lessons/glossary.yaml:3: \"term\" has no en text", "a term missing its English word");
	put("glossary.yaml", "terms:\n  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: \"\"}\n");
	error_like("lessons/glossary.yaml:4: term \"layer\" has an empty en definition", "an empty definition");
	put("glossary.yaml", "terms:\n  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: m}\n"
			     "  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: m}\n");
	error_like("lessons/glossary.yaml:5: duplicate term id \"layer\" (also on line 2)", "a duplicate term");
	put("glossary.yaml", "terms:\n  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: m}\n"
			     "    see: [a, nowhere]\n");
	error_like("lessons/glossary.yaml:5: term \"layer\" points at lesson \"nowhere\"", "a term naming a missing lesson");
	put("glossary.yaml", "terms:\n  - id: Layer!\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: m}\n");
	error_like("lessons/glossary.yaml:2: a term needs an \"id\"", "a bad term id");
	put("glossary.yaml", "terms:\n  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: m}\n    colour: red\n");
	error_like("lessons/glossary.yaml:5: unknown key \"colour\"", "an unknown key");
	put("glossary.yaml", "words: []\n");
	error_like("lessons/glossary.yaml:1: needs a list of \"terms\"", "no terms list");
	put("glossary.yaml", "terms: [\n");
	error_like("lessons/glossary.yaml:", "a YAML error names the file");

	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	free(cmd);
	return done_testing();
}
