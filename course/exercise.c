/* exercise.c: loading and validating one exercise spec (exercise.yaml).
 *
 * An exercise is a directory: exercise.yaml (the spec), starter/ (what the
 * learner gets), solution/ (the reference answer, which must pass) and
 * wrong/<name>/ (known-wrong answers, each of which must fail).  The same
 * files feed the site (task, hints, starter, solution) and the grader.
 */
#define _GNU_SOURCE
#include "course.h"
#include "../engine/core/yamltree.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void exercise_free(struct exercise *e)
{
	free(e->id);
	free(e->dir);
	for (int i = 0; i < COURSE_LANGS; i++) {
		free(e->title.text[i]);
		free(e->task.text[i]);
		strv_free(e->hints[i]);
	}
	free(e->answer);
	for (size_t i = 0; i < e->n_checks; i++) {
		free(e->checks[i].run);
		free(e->checks[i].stdout_has);
		free(e->checks[i].stderr_has);
	}
	free(e->checks);
	strv_free(e->wrong);
	memset(e, 0, sizeof(*e));
}

static int load_check(const struct ynode *n, const char *file, struct check *c, berr_t *err)
{
	static const char *const keys[] = {"run", "exit", "stdout", "stderr", NULL};
	memset(c, 0, sizeof(*c));
	c->line = n->line;
	c->exit_code = 0;
	if (n->kind != YNODE_MAP)
		return berr_make(err, 0, "%s:%d: a check is a mapping with \"run\"", file, n->line);
	for (size_t i = 0; i < n->n; i++) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok = ok || strcmp(*k, n->keys[i]) == 0;
		if (!ok)
			return berr_make(err, 0, "%s:%d: unknown check key \"%s\" (run, exit, stdout, stderr)", file,
					 n->key_lines[i], n->keys[i]);
	}
	const char *run = ynode_str(n, "run");
	if (!run || !*run)
		return berr_make(err, 0, "%s:%d: a check needs \"run\": the command to run", file, n->line);
	c->run = xstrdup(run);
	const char *ex = ynode_str(n, "exit");
	if (ex) {
		char *end;
		if (strcmp(ex, "any") == 0) {
			c->exit_code = -1;
		} else {
			long v = strtol(ex, &end, 10);
			if (!*ex || *end || v < 0 || v > 255)
				return berr_make(err, 0, "%s:%d: \"exit\" must be 0-255 or any, not \"%s\"", file,
						 ynode_get(n, "exit")->line, ex);
			c->exit_code = (int)v;
		}
	}
	if (ynode_str(n, "stdout"))
		c->stdout_has = xstrdup(ynode_str(n, "stdout"));
	if (ynode_str(n, "stderr"))
		c->stderr_has = xstrdup(ynode_str(n, "stderr"));
	return 0;
}

int exercise_load(const char *dir, struct exercise *e, berr_t *err)
{
	static const char *const keys[] = {"id", "title", "task", "hints", "answer", "timeout", "checks", NULL};
	cleanup_free char *path = xasprintf("%s/exercise.yaml", dir), *text = NULL;
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	cleanup_free char *file = xasprintf("lessons/exercises/%s/exercise.yaml", base);
	struct ynode *doc = NULL;
	size_t len;
	int r = -1;

	memset(e, 0, sizeof(*e));
	if (read_file(path, &text, &len, err) < 0)
		return -1;
	if (yaml_load(text, len, file, &doc, err) < 0)
		return -1;
	if (doc->kind != YNODE_MAP) {
		berr_make(err, 0, "%s:1: an exercise spec is a mapping", file);
		goto out;
	}
	for (size_t i = 0; i < doc->n; i++) {
		bool ok = false;
		for (const char *const *k = keys; *k; k++)
			ok = ok || strcmp(*k, doc->keys[i]) == 0;
		if (!ok) {
			berr_make(err, 0, "%s:%d: unknown key \"%s\"", file, doc->key_lines[i], doc->keys[i]);
			goto out;
		}
	}
	const char *id = ynode_str(doc, "id");
	if (!id) {
		berr_make(err, 0, "%s:1: needs \"id\"", file);
		goto out;
	}
	e->id = xstrdup(id);
	e->dir = xstrdup(dir);
	if (course_i18n(ynode_get(doc, "title"), file, "title", &e->title, true, err) < 0 ||
	    course_i18n(ynode_get(doc, "task"), file, "task", &e->task, true, err) < 0)
		goto out;
	struct ynode *hints = ynode_get(doc, "hints");
	for (int i = 0; i < COURSE_LANGS; i++) {
		if (course_strv(hints ? ynode_get(hints, course_langs[i]) : NULL, file, "hints", &e->hints[i], err) < 0)
			goto out;
	}
	e->answer = xstrdup(ynode_str(doc, "answer") ? ynode_str(doc, "answer") : "answer.sh");
	if (strchr(e->answer, '/') || e->answer[0] == '.') {
		berr_make(err, 0, "%s: \"answer\" is a file name in the work directory, not a path", file);
		goto out;
	}
	e->timeout = 60;
	if (ynode_str(doc, "timeout"))
		e->timeout = atoi(ynode_str(doc, "timeout"));
	if (e->timeout <= 0 || e->timeout > 3600) {
		berr_make(err, 0, "%s: \"timeout\" must be 1-3600 seconds", file);
		goto out;
	}
	struct ynode *checks = ynode_get(doc, "checks");
	if (!checks || checks->kind != YNODE_SEQ || checks->n == 0) {
		berr_make(err, 0, "%s:%d: needs a list of \"checks\"", file, checks ? checks->line : 1);
		goto out;
	}
	e->checks = xcalloc(checks->n, sizeof(*e->checks));
	for (size_t i = 0; i < checks->n; i++) {
		e->n_checks = i + 1;
		if (load_check(checks->items[i], file, &e->checks[i], err) < 0)
			goto out;
	}
	/* The files the spec promises must be there. */
	{
		struct stat st;
		cleanup_free char *sol = xasprintf("%s/solution/%s", dir, e->answer);
		cleanup_free char *start = xasprintf("%s/starter/%s", dir, e->answer);
		if (stat(sol, &st) < 0) {
			berr_make(err, 0, "%s: the reference solution solution/%s is missing", file, e->answer);
			goto out;
		}
		if (stat(start, &st) < 0) {
			berr_make(err, 0, "%s: the starter file starter/%s is missing", file, e->answer);
			goto out;
		}
	}
	{
		cleanup_free char *wdir = xasprintf("%s/wrong", dir);
		cleanup_closedir DIR *d = opendir(wdir);
		struct dirent *de;
		size_t n = 0;
		e->wrong = xcalloc(1, sizeof(char *));
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			e->wrong = xrealloc(e->wrong, (n + 2) * sizeof(char *));
			e->wrong[n++] = xstrdup(de->d_name);
			e->wrong[n] = NULL;
		}
		if (n == 0) {
			berr_make(err, 0, "%s: add at least one known-wrong answer under wrong/<name>/%s", file,
				  e->answer);
			goto out;
		}
	}
	r = 0;
out:
	ynode_free(doc);
	return r;
}
