/* course.c: loading and validating sections and lessons (see course.h). */
#define _GNU_SOURCE
#include "course.h"
#include "../engine/core/yamltree.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const course_langs[COURSE_LANGS] = {"ko", "en"};

static void i18n_free(struct i18n *t)
{
	for (int i = 0; i < COURSE_LANGS; i++)
		free(t->text[i]);
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

char *course_default_dir(void)
{
	const char *env = getenv("BERTH_LAB_COURSE");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *bindir = dirname(self);
		/* An install keeps lessons in ../share/berth; a build tree (build/bin,
		 * build/asan/bin) has them a few directories up. */
		static const char *const candidates[] = {"%s/../share/berth/lessons", "%s/../../lessons",
							 "%s/../../../lessons"};
		for (size_t i = 0; i < sizeof(candidates) / sizeof(*candidates); i++) {
			char *p = xasprintf(candidates[i], bindir);
			char *yaml = xasprintf("%s/course.yaml", p);
			struct stat st;
			bool found = stat(yaml, &st) == 0 && S_ISREG(st.st_mode);
			free(yaml);
			if (found) {
				char *real = realpath(p, NULL);
				free(p);
				return real ? real : xstrdup("lessons");
			}
			free(p);
		}
	}
	return xstrdup("lessons");
}

int front_matter_split(const char *text, const char *name, char **yaml, const char **body, int *body_line,
		       berr_t *err)
{
	*yaml = NULL;
	*body = text;
	*body_line = 1;
	if (strncmp(text, "---\n", 4) != 0)
		return 0;
	const char *start = text + 4, *p = start;
	int line = 2;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len == 3 && strncmp(p, "---", 3) == 0) {
			*yaml = xstrndup(start, (size_t)(p - start));
			*body = eol ? eol + 1 : p + len;
			*body_line = line + 1;
			return 0;
		}
		if (!eol)
			break;
		p = eol + 1;
		line++;
	}
	return berr_make(err, 0, "%s:1: front matter starts with --- but never ends: add a closing --- line", name);
}

/* Read a {ko: ..., en: ...} map (or a plain string meaning both). */
int course_i18n(const struct ynode *n, const char *file, const char *key, struct i18n *out, bool required,
		berr_t *err)
{
	memset(out, 0, sizeof(*out));
	if (!n) {
		if (required)
			return berr_make(err, 0, "%s: missing \"%s\"", file, key);
		return 0;
	}
	if (n->kind == YNODE_SCALAR) {
		for (int i = 0; i < COURSE_LANGS; i++)
			out->text[i] = xstrdup(n->value);
		return 0;
	}
	if (n->kind != YNODE_MAP)
		return berr_make(err, 0, "%s:%d: \"%s\" must be text or a map of languages (ko, en)", file, n->line, key);
	for (int i = 0; i < COURSE_LANGS; i++) {
		const char *v = ynode_str(n, course_langs[i]);
		if (!v) {
			/* Leave nothing behind for the caller's cleanup to free twice. */
			i18n_free(out);
			memset(out, 0, sizeof(*out));
			return berr_make(err, 0, "%s:%d: \"%s\" has no %s text", file, n->line, key, course_langs[i]);
		}
		out->text[i] = xstrdup(v);
	}
	return 0;
}

/* A list of scalars as a NULL-terminated array. */
int course_strv(const struct ynode *n, const char *file, const char *key, char ***out, berr_t *err)
{
	*out = NULL;
	if (!n || ynode_is_null(n)) {
		*out = xcalloc(1, sizeof(char *));
		return 0;
	}
	if (n->kind != YNODE_SEQ)
		return berr_make(err, 0, "%s:%d: \"%s\" must be a list", file, n->line, key);
	char **v = xcalloc(n->n + 1, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->kind != YNODE_SCALAR) {
			strv_free(v);
			return berr_make(err, 0, "%s:%d: \"%s\" items must be text", file, n->items[i]->line, key);
		}
		v[i] = xstrdup(n->items[i]->value);
	}
	*out = v;
	return 0;
}

static int parse_int(const struct ynode *n, const char *file, const char *key, int *out, berr_t *err)
{
	char *end;
	if (!n || n->kind != YNODE_SCALAR)
		return berr_make(err, 0, "%s:%d: \"%s\" must be a number", file, n ? n->line : 1, key);
	errno = 0;
	long v = strtol(n->value, &end, 10);
	if (errno || !*n->value || *end || v < 0 || v > 100000)
		return berr_make(err, 0, "%s:%d: \"%s\" must be a whole number, not \"%s\"", file, n->line, key,
				 n->value);
	*out = (int)v;
	return 0;
}

static int check_keys(const struct ynode *map, const char *file, const char *const *allowed, berr_t *err)
{
	for (size_t i = 0; i < map->n; i++) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok = ok || strcmp(*a, map->keys[i]) == 0;
		if (!ok)
			return berr_make(err, 0, "%s:%d: unknown key \"%s\"", file, map->key_lines[i], map->keys[i]);
	}
	return 0;
}

static void lesson_free(struct lesson *l)
{
	free(l->id);
	free(l->lang);
	free(l->path);
	free(l->title);
	free(l->section);
	free(l->summary);
	strv_free(l->objectives);
	strv_free(l->exercises);
	free(l->body);
}

static int lesson_load(const char *path, const char *shown, const char *lang, struct lesson *l, berr_t *err)
{
	static const char *const keys[] = {"id",       "title",     "section",    "order", "summary",
					   "objectives", "duration", "exercises", "allow_html", NULL};
	cleanup_free char *text = NULL, *yaml = NULL;
	const char *body;
	struct ynode *fm = NULL;
	int r = -1;

	memset(l, 0, sizeof(*l));
	if (read_file(path, &text, NULL, err) < 0)
		return -1;
	if (front_matter_split(text, shown, &yaml, &body, &l->body_line, err) < 0)
		return -1;
	if (!yaml)
		return berr_make(err, 0, "%s:1: a lesson starts with front matter (---, YAML, ---)", shown);
	/* Front matter line numbers are offset by the opening --- line. */
	cleanup_free char *padded = xasprintf("\n%s", yaml);
	if (yaml_load(padded, strlen(padded), shown, &fm, err) < 0)
		return -1;
	if (fm->kind != YNODE_MAP) {
		berr_make(err, 0, "%s:%d: front matter must be a mapping of keys", shown, fm->line);
		goto out;
	}
	if (check_keys(fm, shown, keys, err) < 0)
		goto out;
	static const char *const required[] = {"id", "title", "section", "order", "summary", NULL};
	for (const char *const *k = required; *k; k++) {
		const struct ynode *v = ynode_get(fm, *k);
		if (!v || v->kind != YNODE_SCALAR || !*v->value) {
			berr_make(err, 0, "%s:%d: front matter needs \"%s\"", shown, v ? v->line : 2, *k);
			goto out;
		}
	}
	l->id = xstrdup(ynode_str(fm, "id"));
	for (const char *c = l->id; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) {
			berr_make(err, 0, "%s:%d: id \"%s\" may use only a-z, 0-9 and -", shown,
				  ynode_get(fm, "id")->line, l->id);
			goto out;
		}
	}
	l->id_line = ynode_get(fm, "id")->line;
	l->section_line = ynode_get(fm, "section")->line;
	l->exercises_line = ynode_get(fm, "exercises") ? ynode_get(fm, "exercises")->line : 2;
	l->lang = xstrdup(lang);
	l->path = xstrdup(shown);
	l->title = xstrdup(ynode_str(fm, "title"));
	l->section = xstrdup(ynode_str(fm, "section"));
	l->summary = xstrdup(ynode_str(fm, "summary"));
	if (parse_int(ynode_get(fm, "order"), shown, "order", &l->order, err) < 0)
		goto out;
	if (ynode_get(fm, "duration") && parse_int(ynode_get(fm, "duration"), shown, "duration", &l->duration, err) < 0)
		goto out;
	if (course_strv(ynode_get(fm, "objectives"), shown, "objectives", &l->objectives, err) < 0 ||
	    course_strv(ynode_get(fm, "exercises"), shown, "exercises", &l->exercises, err) < 0)
		goto out;
	const char *html = ynode_str(fm, "allow_html");
	l->allow_html = html && strcmp(html, "true") == 0;
	l->body = xstrdup(body);
	r = 0;
out:
	ynode_free(fm);
	return r;
}

static int load_sections(struct course *c, berr_t *err)
{
	cleanup_free char *path = xasprintf("%s/course.yaml", c->dir), *text = NULL;
	struct ynode *doc = NULL;
	size_t len;
	int r = -1;

	if (read_file(path, &text, &len, err) < 0)
		return -1;
	if (yaml_load(text, len, "course.yaml", &doc, err) < 0)
		return -1;
	struct ynode *secs = ynode_get(doc, "sections");
	if (!secs || secs->kind != YNODE_SEQ || secs->n == 0) {
		berr_make(err, 0, "course.yaml:%d: needs a list of \"sections\"", doc->line);
		goto out;
	}
	c->sections = xcalloc(secs->n, sizeof(*c->sections));
	for (size_t i = 0; i < secs->n; i++) {
		struct ynode *s = secs->items[i];
		const char *id = ynode_str(s, "id");
		if (!id) {
			berr_make(err, 0, "course.yaml:%d: a section needs an id", s->line);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->sections[j].id, id) == 0) {
				berr_make(err, 0, "course.yaml:%d: duplicate section id \"%s\"", s->line, id);
				goto out;
			}
		}
		c->sections[i].id = xstrdup(id);
		c->n_sections = i + 1;
		if (course_i18n(ynode_get(s, "title"), "course.yaml", "title", &c->sections[i].title, true, err) < 0)
			goto out;
	}
	r = 0;
out:
	ynode_free(doc);
	return r;
}

static int lesson_cmp(const void *a, const void *b, void *arg)
{
	const struct lesson *x = a, *y = b;
	const struct course *c = arg;
	int sx = course_section_index(c, x->section), sy = course_section_index(c, y->section);
	if (sx != sy)
		return sx - sy;
	if (x->order != y->order)
		return x->order - y->order;
	int cmp = strcmp(x->id, y->id);
	return cmp ? cmp : strcmp(x->lang, y->lang);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries in dir ending in suffix ("" for all but dot files). */
static int list_dir(const char *dir, const char *suffix, char ***out, size_t *n, berr_t *err)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : berr_make(err, errno, "cannot read %s", dir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, suffix))
			continue;
		v = xrealloc(v, (k + 2) * sizeof(char *));
		v[k++] = xstrdup(de->d_name);
		v[k] = NULL;
	}
	if (v)
		qsort(v, k, sizeof(char *), name_cmp);
	*out = v;
	*n = k;
	return 0;
}

int course_load(const char *dir, struct course **out, berr_t *err)
{
	struct course *c = xcalloc(1, sizeof(*c));

	c->dir = xstrdup(dir);
	if (load_sections(c, err) < 0)
		goto fail;
	for (int li = 0; li < COURSE_LANGS; li++) {
		cleanup_free char *ldir = xasprintf("%s/%s", dir, course_langs[li]);
		cleanup_strv char **names = NULL;
		size_t n;
		if (list_dir(ldir, ".md", &names, &n, err) < 0)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *path = xasprintf("%s/%s", ldir, names[i]);
			cleanup_free char *shown = xasprintf("lessons/%s/%s", course_langs[li], names[i]);
			struct lesson l;
			if (lesson_load(path, shown, course_langs[li], &l, err) < 0) {
				lesson_free(&l);
				goto fail;
			}
			c->lessons = xrealloc(c->lessons, (c->n_lessons + 1) * sizeof(*c->lessons));
			c->lessons[c->n_lessons++] = l;
			if (course_section_index(c, l.section) < 0) {
				berr_make(err, 0, "%s:%d: unknown section \"%s\" (course.yaml lists the sections)", shown,
					  l.section_line, l.section);
				goto fail;
			}
			for (size_t j = 0; j + 1 < c->n_lessons; j++) {
				const struct lesson *o = &c->lessons[j];
				if (strcmp(o->id, l.id) == 0 && strcmp(o->lang, l.lang) == 0) {
					berr_make(err, 0, "%s:%d: duplicate lesson id \"%s\" (also in %s)", shown,
						  l.id_line, l.id, o->path);
					goto fail;
				}
			}
		}
	}
	/* Every lesson exists in every language: one lesson, two languages. */
	for (size_t i = 0; i < c->n_lessons; i++) {
		const struct lesson *l = &c->lessons[i];
		for (int li = 0; li < COURSE_LANGS; li++) {
			if (!course_lesson(c, l->id, course_langs[li])) {
				berr_make(err, 0, "%s:%d: lesson \"%s\" has no %s version: add lessons/%s/ with id: %s",
					  l->path, l->id_line, l->id, course_langs[li], course_langs[li], l->id);
				goto fail;
			}
		}
	}
	/* Exercises: every directory under exercises/ holds one. */
	{
		cleanup_free char *edir = xasprintf("%s/exercises", dir);
		cleanup_strv char **names = NULL;
		size_t n;
		if (list_dir(edir, "", &names, &n, err) < 0)
			goto fail;
		c->exercises = xcalloc(n ? n : 1, sizeof(*c->exercises));
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *path = xasprintf("%s/%s", edir, names[i]);
			if (exercise_load(path, &c->exercises[i], err) < 0) {
				exercise_free(&c->exercises[i]);
				goto fail;
			}
			c->n_exercises = i + 1;
			if (strcmp(c->exercises[i].id, names[i]) != 0) {
				berr_make(err, 0, "lessons/exercises/%s/exercise.yaml:1: id \"%s\" must match its directory",
					  names[i], c->exercises[i].id);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < c->n_lessons; i++) {
		const struct lesson *l = &c->lessons[i];
		for (char **e = l->exercises; e && *e; e++) {
			if (!course_exercise(c, *e)) {
				berr_make(err, 0, "%s:%d: exercise \"%s\" does not exist (no lessons/exercises/%s/)",
					  l->path, l->exercises_line, *e, *e);
				goto fail;
			}
		}
	}
	qsort_r(c->lessons, c->n_lessons, sizeof(*c->lessons), lesson_cmp, c);
	if (glossary_load(c, err) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	course_free(c);
	return -1;
}

void course_free(struct course *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_sections; i++) {
		free(c->sections[i].id);
		i18n_free(&c->sections[i].title);
	}
	free(c->sections);
	for (size_t i = 0; i < c->n_lessons; i++)
		lesson_free(&c->lessons[i]);
	free(c->lessons);
	for (size_t i = 0; i < c->n_exercises; i++)
		exercise_free(&c->exercises[i]);
	free(c->exercises);
	glossary_free(c);
	free(c->dir);
	free(c);
}

const struct exercise *course_exercise(const struct course *c, const char *id)
{
	for (size_t i = 0; i < c->n_exercises; i++)
		if (c->exercises[i].id && strcmp(c->exercises[i].id, id) == 0)
			return &c->exercises[i];
	return NULL;
}

const struct lesson *course_lesson(const struct course *c, const char *id, const char *lang)
{
	for (size_t i = 0; i < c->n_lessons; i++)
		if (strcmp(c->lessons[i].id, id) == 0 && strcmp(c->lessons[i].lang, lang) == 0)
			return &c->lessons[i];
	return NULL;
}

int course_section_index(const struct course *c, const char *id)
{
	for (size_t i = 0; i < c->n_sections; i++)
		if (strcmp(c->sections[i].id, id) == 0)
			return (int)i;
	return -1;
}
