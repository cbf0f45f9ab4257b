/* site.c: the course site, page by page (see site.h).
 *
 * Layout of the output, every link relative so it works from file:// and
 * under any sub-path:
 *   index.html           -> picks ko/ (the course is Korean first)
 *   ko/index.html        the course map in Korean; en/index.html in English
 *   ko/<lesson-id>.html  one page per lesson and language
 *   assets/              CSS, JS, SVG copied from assets/
 */
#define _GNU_SOURCE
#include "site.h"
#include "markdown.h"
#include "page.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int lang_index(const char *lang)
{
	for (int i = 0; i < COURSE_LANGS; i++)
		if (strcmp(course_langs[i], lang) == 0)
			return i;
	return 0;
}

static int copy_file(const char *from, const char *to, berr_t *err)
{
	cleanup_free char *data = NULL;
	size_t len;
	if (read_file(from, &data, &len, err) < 0)
		return -1;
	return write_file_atomic(to, data, len, 0644, err);
}

static int copy_dir(const char *from, const char *to, berr_t *err)
{
	cleanup_closedir DIR *d = opendir(from);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : berr_make(err, errno, "cannot read %s", from);
	if (mkdir_p(to, 0755, err) < 0)
		return -1;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *src = xasprintf("%s/%s", from, de->d_name);
		cleanup_free char *dst = xasprintf("%s/%s", to, de->d_name);
		if (lstat(src, &st) < 0)
			return berr_make(err, errno, "cannot read %s", src);
		if (S_ISDIR(st.st_mode)) {
			if (copy_dir(src, dst, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			if (copy_file(src, dst, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int load_template(const struct site_options *o, const char *name, char **out, berr_t *err)
{
	cleanup_free char *path = xasprintf("%s/%s", o->templates, name);
	return read_file(path, out, NULL, err);
}

static int write_page(const char *dir, const char *rel, const char *html, berr_t *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, rel);
	cleanup_free char *parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	if (mkdir_p(parent, 0755, err) < 0)
		return -1;
	return write_file_atomic(path, html, strlen(html), 0644, err);
}

/* The exercise as it appears inside a lesson: task, hints one at a time,
 * how to start and check it, and the folded reference solution. */
static char *exercise_html(const struct exercise *e, int li, bool no_solutions)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cleanup_free char *title = html_escape(e->title.text[li]);
	cleanup_free char *task = markdown_to_html(e->task.text[li], false);
	cleanup_free char *id = html_escape(e->id);
	const bool ko = li == 0;

	fprintf(f, "<section class=\"exercise\" id=\"exercise-%s\">\n<h2>%s: %s</h2>\n%s", id,
		ko ? "실습" : "Exercise", title, task);
	fprintf(f, "<pre class=\"console\"><code>$ berth lab start %s\n$ berth lab check %s</code></pre>\n", id, id);
	for (size_t i = 0; e->hints[li] && e->hints[li][i]; i++) {
		cleanup_free char *h = markdown_to_html(e->hints[li][i], false);
		fprintf(f, "<details class=\"hint\"><summary>%s %zu</summary>%s</details>\n", ko ? "힌트" : "Hint",
			i + 1, h);
	}
	if (!no_solutions) {
		cleanup_free char *path = xasprintf("%s/solution/%s", e->dir, e->answer);
		cleanup_free char *sol = NULL;
		berr_t err = NULL;
		if (read_file(path, &sol, NULL, &err) == 0) {
			cleanup_free char *esc = html_escape(sol);
			fprintf(f, "<details class=\"solution\"><summary>%s</summary><pre><code>%s</code></pre></details>\n",
				ko ? "모범 답안" : "Reference solution", esc);
		}
		berr_free(&err);
	}
	fputs("</section>\n", f);
	fclose(f);
	return buf;
}

static int render_lesson(const struct course *c, const struct lesson *l, const char *tmpl, const char *dir,
			 const struct site_options *o, berr_t *err)
{
	int li = lang_index(l->lang);
	const char *other = course_langs[1 - li];
	cleanup_free char *body = markdown_to_html(l->body, l->allow_html);
	cleanup_free char *title = html_escape(l->title);
	cleanup_free char *summary = html_escape(l->summary);
	char *ex = NULL, *obj = NULL;
	size_t exlen = 0, objlen = 0;
	FILE *exf = open_memstream(&ex, &exlen), *objf = open_memstream(&obj, &objlen);

	for (char **e = l->exercises; e && *e; e++) {
		cleanup_free char *h = exercise_html(course_exercise(c, *e), li, o->no_solutions);
		fputs(h, exf);
	}
	fclose(exf);
	for (char **p = l->objectives; p && *p; p++) {
		cleanup_free char *t = html_escape(*p);
		fprintf(objf, "<li>%s</li>\n", t);
	}
	fclose(objf);
	cleanup_free char *exs = ex, *objs = obj;
	cleanup_free char *other_href = xasprintf("../%s/%s.html", other, l->id);
	cleanup_free char *duration = xasprintf("%d", l->duration);
	const struct slot slots[] = {
		{"lang", l->lang},       {"title", title},        {"summary", summary},  {"objectives", objs},
		{"content", body},       {"exercises", exs},      {"other_lang", other}, {"other_href", other_href},
		{"duration", duration},  {"root", "../"},         {NULL, NULL},
	};
	cleanup_free char *html = page_fill(tmpl, slots);
	cleanup_free char *rel = xasprintf("%s/%s.html", l->lang, l->id);
	return write_page(dir, rel, html, err);
}

static int render_index(const struct course *c, const char *lang, const char *tmpl, const char *dir, berr_t *err)
{
	int li = lang_index(lang);
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);

	for (size_t s = 0; s < c->n_sections; s++) {
		cleanup_free char *st = html_escape(c->sections[s].title.text[li]);
		fprintf(f, "<section class=\"course-section\"><h2>%s</h2>\n<ol>\n", st);
		for (size_t i = 0; i < c->n_lessons; i++) {
			const struct lesson *l = &c->lessons[i];
			if (strcmp(l->lang, lang) != 0 || strcmp(l->section, c->sections[s].id) != 0)
				continue;
			cleanup_free char *t = html_escape(l->title), *sum = html_escape(l->summary);
			fprintf(f, "<li><a href=\"%s.html\">%s</a> <span class=\"summary\">%s</span></li>\n", l->id, t, sum);
		}
		fputs("</ol></section>\n", f);
	}
	fclose(f);
	cleanup_free char *lessons = list;
	const char *other = course_langs[1 - li];
	cleanup_free char *other_href = xasprintf("../%s/index.html", other);
	const struct slot slots[] = {
		{"lang", lang}, {"lessons", lessons}, {"other_lang", other}, {"other_href", other_href},
		{"root", "../"}, {NULL, NULL},
	};
	cleanup_free char *html = page_fill(tmpl, slots);
	cleanup_free char *rel = xasprintf("%s/index.html", lang);
	return write_page(dir, rel, html, err);
}

int site_build(const struct course *c, const struct site_options *o, berr_t *err)
{
	cleanup_free char *lesson_tmpl = NULL, *index_tmpl = NULL;
	cleanup_free char *tmp = xasprintf("%s.tmp-%d", o->out, (int)getpid());
	cleanup_free char *old = xasprintf("%s.old-%d", o->out, (int)getpid());
	cleanup_free char *assets = NULL;

	if (load_template(o, "lesson.html", &lesson_tmpl, err) < 0 ||
	    load_template(o, "index.html", &index_tmpl, err) < 0)
		return -1;
	if (remove_tree(tmp, err) < 0 || mkdir_p(tmp, 0755, err) < 0)
		return -1;
	for (size_t i = 0; i < c->n_lessons; i++)
		if (render_lesson(c, &c->lessons[i], lesson_tmpl, tmp, o, err) < 0)
			goto fail;
	for (int li = 0; li < COURSE_LANGS; li++)
		if (render_index(c, course_langs[li], index_tmpl, tmp, err) < 0)
			goto fail;
	{
		static const char redirect[] =
			"<!doctype html><meta charset=\"utf-8\"><title>berth</title>"
			"<meta http-equiv=\"refresh\" content=\"0; url=ko/index.html\">"
			"<a href=\"ko/index.html\">한국어</a> · <a href=\"en/index.html\">English</a>\n";
		if (write_page(tmp, "index.html", redirect, err) < 0)
			goto fail;
	}
	assets = xasprintf("%s/assets", tmp);
	if (copy_dir(o->assets, assets, err) < 0)
		goto fail;
	/* Swap the finished site in: rename the old one away first, so there
	 * is never a moment with a half-written site at o->out. */
	if (rename(o->out, old) < 0 && errno != ENOENT) {
		berr_make(err, errno, "cannot replace %s", o->out);
		goto fail;
	}
	if (rename(tmp, o->out) < 0) {
		berr_make(err, errno, "cannot move the new site to %s", o->out);
		rename(old, o->out);
		goto fail;
	}
	remove_tree(old, err);
	return 0;
fail:
	{
		berr_t ignore = NULL;
		remove_tree(tmp, &ignore);
		berr_free(&ignore);
	}
	return -1;
}
