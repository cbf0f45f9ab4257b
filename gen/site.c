/* site.c: the course site, page by page (see site.h).
 *
 * Layout of the output, every link relative so it works from file:// and
 * under any sub-path:
 *   index.html              picks a language (ko unless the learner chose en)
 *   404.html                for web servers; links from the site root
 *   ko/index.html           the course map; en/index.html in English
 *   ko/<lesson-id>.html     one page per lesson and language
 *   ko/search.html          search, with ko/search-index.js (gen/search.c)
 *   ko/glossary.html        the glossary, ko and en side by side
 *   ko/print.html           the whole course on one page
 *   exercises/<id>/starter/ starter files to download (solution/ too,
 *                           unless --no-solutions)
 *   assets/                 CSS, JS, SVG copied from assets/
 *
 * Every page is a site/ template filled into site/layout.html.  The build
 * runs in two passes: parse every lesson (headings give the anchors), then
 * check and rewrite links against all pages and render.  It writes into a
 * temporary directory and renames it into place at the end.
 */
#define _GNU_SOURCE
#include "site.h"
#include "highlight.h"
#include "links.h"
#include "markdown.h"
#include "page.h"
#include "progress.h"
#include "search.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- words of the interface, per language ---- */

struct tr {
	const char *key;
	const char *text[COURSE_LANGS];
};

static const struct tr strings[] = {
	{"lang_name", {"한국어", "English"}},
	{"course", {"berth 컨테이너 과정", "The berth container course"}},
	{"tagline",
	 {"인터넷 없이, 진짜 컨테이너 엔진으로 배우는 컨테이너", "Containers, learned offline on a real container engine"}},
	{"home", {"과정 지도", "Course map"}},
	{"search", {"검색", "Search"}},
	{"search_label", {"과정 검색", "Search the course"}},
	{"search_placeholder", {"레이어, Dockerfile…", "layer, Dockerfile…"}},
	{"search_nojs",
	 {"검색에는 JavaScript가 필요합니다. 과정 지도나 용어집, 인쇄용 전체 보기에서 찾아보세요.",
	  "Search needs JavaScript. The course map, the glossary and the printable course still work without it."}},
	{"glossary", {"용어집", "Glossary"}},
	{"glossary_intro",
	 {"과정에 나오는 용어를 한국어와 영어로 나란히 적었습니다.",
	  "The course's terms in Korean and English, side by side."}},
	{"print", {"인쇄용", "Print"}},
	{"print_title", {"과정 전체 (인쇄용)", "The whole course (for printing)"}},
	{"lessons", {"레슨", "Lessons"}},
	{"minutes", {"분", "min"}},
	{"objectives", {"학습 목표", "Objectives"}},
	{"toc", {"이 페이지에서", "On this page"}},
	{"previous", {"이전", "Previous"}},
	{"next", {"다음", "Next"}},
	{"exercise", {"실습", "Exercise"}},
	{"starter", {"시작 파일", "Starter files"}},
	{"download", {"내려받기", "Download"}},
	{"start_check", {"시작하고 채점하기", "Start and check"}},
	{"start_check_help",
	 {"작업 디렉터리를 받고, 답을 고친 다음, 채점을 받으세요.",
	  "Get a work directory, edit your answer, then have it checked."}},
	{"hint", {"힌트", "Hint"}},
	{"hints_help", {"막히면 하나씩 열어 보세요.", "Stuck? Open them one at a time."}},
	{"solution", {"모범 답안", "Reference solution"}},
	{"mark_done", {"이 레슨을 마쳤어요", "I finished this lesson"}},
	{"done", {"완료", "Done"}},
	{"theme", {"밝은/어두운 화면 전환", "Switch between light and dark"}},
	{"skip", {"본문으로 건너뛰기", "Skip to content"}},
	{"menu", {"메뉴", "Menu"}},
	{"breadcrumb", {"현재 위치", "You are here"}},
	{"results", {"검색 결과", "Results"}},
	{"no_results", {"찾는 내용이 없습니다.", "Nothing found."}},
	{"term_ko", {"한국어", "Korean"}},
	{"term_en", {"영어", "English"}},
	{"definition", {"뜻", "Meaning"}},
	{"see", {"레슨", "Lessons"}},
	{"passed", {"통과", "Passed"}},
	{"progress", {"마친 레슨", "Lessons done"}},
	{"copy", {"복사", "Copy"}},
	{"copied", {"복사했습니다", "Copied"}},
	{"lessons_count", {"레슨 %d개", "%d lessons"}},
	{"print_hint",
	 {"브라우저의 인쇄 기능으로 종이나 PDF로 만들 수 있습니다.", "Use your browser's Print command for paper or a PDF."}},
	{NULL, {NULL, NULL}},
};

static const char *tr(int li, const char *key)
{
	for (const struct tr *t = strings; t->key; t++)
		if (strcmp(t->key, key) == 0)
			return t->text[li];
	return key;
}

static int lang_index(const char *lang)
{
	for (int i = 0; i < COURSE_LANGS; i++)
		if (strcmp(course_langs[i], lang) == 0)
			return i;
	return 0;
}

/* ---- template slots ---- */

#define MAX_SLOTS 96

struct slots {
	struct slot v[MAX_SLOTS];
	char *owned[MAX_SLOTS];
	size_t n, n_owned;
};

static void slot(struct slots *s, const char *name, const char *value)
{
	if (s->n + 1 < MAX_SLOTS)
		s->v[s->n++] = (struct slot){name, value};
	s->v[s->n] = (struct slot){NULL, NULL};
}

/* A slot whose value the slots own (freed by slots_free). */
static void slot_own(struct slots *s, const char *name, char *value)
{
	if (s->n_owned < MAX_SLOTS)
		s->owned[s->n_owned++] = value;
	slot(s, name, value);
}

static void slots_free(struct slots *s)
{
	for (size_t i = 0; i < s->n_owned; i++)
		free(s->owned[i]);
	s->n = s->n_owned = 0;
}

static char string_slot_names[sizeof(strings) / sizeof(strings[0])][40];
static pthread_once_t string_slot_once = PTHREAD_ONCE_INIT;

static void string_slot_init(void)
{
	for (size_t i = 0; strings[i].key; i++)
		snprintf(string_slot_names[i], sizeof(string_slot_names[i]), "t_%s", strings[i].key);
}

/* Every interface word as {{t_key}}. */
static void slot_strings(struct slots *s, int li)
{
	pthread_once(&string_slot_once, string_slot_init);
	for (size_t i = 0; strings[i].key; i++)
		slot(s, string_slot_names[i], strings[i].text[li]);
}

/* ---- files ---- */

/* Plain writes: the whole site is in a temporary directory that is renamed
 * into place, so a page needs no fsync and rename of its own. */
static int write_whole(const char *path, const char *data, size_t len, berr_t *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return berr_make(err, errno, "cannot write %s", path);
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			berr_make(err, errno, "cannot write %s", path);
			close(fd);
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		return berr_make(err, errno, "cannot write %s", path);
	return 0;
}

static int copy_file(const char *from, const char *to, berr_t *err)
{
	cleanup_free char *data = NULL;
	size_t len;
	if (read_file(from, &data, &len, err) < 0)
		return -1;
	return write_whole(to, data, len, err);
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

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files under dir, as paths relative to it, sorted. */
static void list_files(const char *dir, const char *rel, char ***v, size_t *n)
{
	cleanup_free char *path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *full = xasprintf("%s/%s", path, de->d_name);
		char *r = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			list_files(dir, r, v, n);
			free(r);
		} else if (S_ISREG(st.st_mode)) {
			*v = xrealloc(*v, (*n + 2) * sizeof(char *));
			(*v)[(*n)++] = r;
			(*v)[*n] = NULL;
		} else {
			free(r);
		}
	}
	closedir(d);
	if (*v)
		qsort(*v, *n, sizeof(char *), name_cmp);
}

static int load_template(const struct site_options *o, const char *name, char **out, berr_t *err)
{
	cleanup_free char *path = xasprintf("%s/%s", o->templates, name);
	return read_file(path, out, NULL, err);
}

static int write_page(const char *dir, const char *rel, const char *html, berr_t *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, rel);
	return write_whole(path, html, strlen(html), err);
}

static char *memstream_take(FILE *f, char **buf)
{
	fclose(f);
	return *buf ? *buf : xstrdup("");
}

/* ---- the build ---- */

struct lesson_out {
	struct md_doc *doc;
	char *html;        /* the lesson body */
	char *print_html;  /* the same with ids prefixed for print.html */
	int index;         /* position among the lessons of its language */
	int lang_count;
};

struct build {
	const struct course *c;
	const struct site_options *o;
	const char *dir;                 /* the temporary output */
	struct lesson_out *lo;           /* parallel to c->lessons */
	struct link_index *links;
	char *tmpl_layout, *tmpl_index, *tmpl_lesson, *tmpl_search, *tmpl_glossary, *tmpl_print, *tmpl_404;
	char **passed;                   /* exercises passed, from a results export */
	bool compact_nav;                /* a big course: the sidebar lists only the current section */
	int *lsec, *llang;               /* each lesson's section and language, as indexes */
	char **etitle;                   /* each lesson's title, escaped */
	atomic_size_t pages;
	size_t sentences[COURSE_LANGS];
	int jobs;                        /* threads for the page loops */
	struct site_stats *stats;
};

/* Run fn(b, i) for i in [0, n) on b->jobs threads.  Items are independent;
 * if some fail, the error of the first one (in course order) is reported,
 * so a broken course gives the same message however the work was split. */
typedef int (*item_fn)(struct build *b, size_t i, berr_t *err);

struct par {
	struct build *b;
	item_fn fn;
	size_t n;
	atomic_size_t next;
	berr_t *errs;
};

static void *par_worker(void *arg)
{
	struct par *p = arg;
	size_t i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->b, i, &p->errs[i]);
	return NULL;
}

static int par_for(struct build *b, size_t n, item_fn fn, berr_t *err)
{
	struct par p = {.b = b, .fn = fn, .n = n, .errs = xcalloc(n ? n : 1, sizeof(berr_t))};
	pthread_t th[8];
	int started = 0, r = 0;

	atomic_init(&p.next, 0);
	for (int t = 1; t < b->jobs && (size_t)t < n && t < 8; t++)
		if (pthread_create(&th[started], NULL, par_worker, &p) == 0)
			started++;
	par_worker(&p);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	for (size_t i = 0; i < n; i++) {
		if (p.errs[i] && r == 0) {
			*err = p.errs[i];
			r = -1;
		} else if (p.errs[i]) {
			berr_free(&p.errs[i]);
		}
	}
	free(p.errs);
	return r;
}

static bool passed(const struct build *b, const char *exercise)
{
	for (char **p = b->passed; p && *p; p++)
		if (strcmp(*p, exercise) == 0)
			return true;
	return false;
}

static bool lesson_passed(const struct build *b, const struct lesson *l)
{
	if (!b->passed || !l->exercises || !l->exercises[0])
		return false;
	for (char **e = l->exercises; *e; e++)
		if (!passed(b, *e))
			return false;
	return true;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The sidebar: sections and their lessons, the current one marked. */
static char *sidebar_html(const struct build *b, int li, const struct lesson *cur, const char *cur_page)
{
	const struct course *c = b->c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fputs("<ul class=\"nav-pages\">\n", f);
	static const char *const pages[][2] = {{"index.html", "home"}, {"search.html", "search"},
					       {"glossary.html", "glossary"}};
	for (size_t i = 0; i < 3; i++)
		fprintf(f, "<li><a href=\"%s\"%s>%s</a></li>\n", pages[i][0],
			cur_page && strcmp(cur_page, pages[i][0]) == 0 ? " aria-current=\"page\"" : "",
			tr(li, pages[i][1]));
	fputs("</ul>\n<ol class=\"nav-sections\">\n", f);
	/* One pass over the lessons, which are sorted by section: this runs
	 * for every page, so it must not be sections x lessons. */
	int n = 0;
	long open_sec = -1;
	bool list = false;
	int cur_sec = cur ? b->lsec[cur - c->lessons] : -1;
	for (size_t i = 0; i <= c->n_lessons; i++) {
		const struct lesson *l = i < c->n_lessons ? &c->lessons[i] : NULL;
		if (l && b->llang[i] != li)
			continue;
		int sec = l ? b->lsec[i] : -1;
		if (sec != open_sec) {
			if (open_sec >= 0) {
				if (list)
					fputs("</ol>\n", f);
				else
					fprintf(f, "<a class=\"nav-more\" href=\"index.html#section-%s\">…</a>\n",
						c->sections[open_sec].id);
				fputs("</li>\n", f);
			}
			if (!l)
				break;
			open_sec = sec;
			cleanup_free char *st = html_escape(c->sections[sec].title.text[li]);
			bool current = sec == cur_sec;
			fprintf(f, "<li class=\"nav-section%s\"><span class=\"nav-section-title\">%s</span>\n",
				current ? " current" : "", st);
			list = !b->compact_nav || current;
			if (list)
				fputs("<ol>\n", f);
		}
		n++;
		if (!list)
			continue;
		fprintf(f, "<li><a href=\"%s.html\" data-lesson=\"%s\"%s><span class=\"n\">%d</span> %s</a></li>\n",
			l->id, l->id, l == cur ? " aria-current=\"page\"" : "", n, b->etitle[i]);
	}
	fputs("</ol>\n", f);
	return memstream_take(f, &buf);
}

/* Fill a page body into the layout and write it. */
static int emit(struct build *b, int li, const char *rel, const char *kind, const char *title, const char *body,
		const char *other_href, const char *sidebar, const char *head, const char *scripts, berr_t *err)
{
	struct slots s = {0};
	const char *lang = course_langs[li];
	cleanup_free char *etitle = html_escape(title);
	slot_strings(&s, li);
	slot(&s, "lang", lang);
	slot(&s, "root", "../");
	slot(&s, "kind", kind);
	slot(&s, "title", etitle);
	slot(&s, "content", body);
	slot(&s, "sidebar", sidebar ? sidebar : "");
	slot(&s, "head", head ? head : "");
	slot(&s, "scripts", scripts ? scripts : "");
	slot(&s, "other_lang", course_langs[1 - li]);
	slot(&s, "other_name", tr(1 - li, "lang_name"));
	slot(&s, "other_href", other_href);
	cleanup_free char *html = page_fill(b->tmpl_layout, s.v);
	slots_free(&s);
	b->pages++;
	return write_page(b->dir, rel, html, err);
}

static void code_file(FILE *f, const char *path, const char *name, const char *href, int li)
{
	cleanup_free char *data = NULL;
	berr_t e = NULL;
	size_t len = 0;
	cleanup_free char *ename = html_escape(name);
	fprintf(f, "<figure class=\"file\"><figcaption><code>%s</code>", ename);
	if (href)
		fprintf(f, " <a class=\"download\" href=\"%s\" download>%s</a>", href, tr(li, "download"));
	fputs("</figcaption>\n", f);
	if (read_file(path, &data, &len, &e) == 0 && len < 65536 && !memchr(data, '\0', len)) {
		enum hl_lang lang = hl_lang_from_filename(name);
		cleanup_free char *block = md_code_block(hl_lang_name(lang), data);
		fputs(block, f);
	}
	berr_free(&e);
	fputs("</figure>\n", f);
}

static void md_fragment(FILE *f, const char *md)
{
	cleanup_free char *h = markdown_to_html(md, false);
	fputs(h, f);
}

/* The exercise as it appears inside a lesson: task, starter files, how to
 * start and check it, hints one at a time, the folded reference solution.
 * `pre` prefixes ids (print.html). */
static char *exercise_html(const struct build *b, const struct exercise *e, int li, const char *pre)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cleanup_free char *title = html_escape(e->title.text[li]);
	const char *id = e->id;   /* validated: a-z, 0-9, - */

	fprintf(f, "<section class=\"exercise\" id=\"%sexercise-%s\" aria-labelledby=\"%sexercise-%s-title\">\n", pre,
		id, pre, id);
	fprintf(f, "<h2 id=\"%sexercise-%s-title\"><span class=\"badge\">%s</span> %s", pre, id, tr(li, "exercise"),
		title);
	if (passed(b, id))
		fprintf(f, " <span class=\"badge passed\">%s</span>", tr(li, "passed"));
	fputs("</h2>\n<div class=\"task\">\n", f);
	md_fragment(f, e->task.text[li]);
	fputs("</div>\n", f);

	cleanup_free char *sdir = xasprintf("%s/starter", e->dir);
	char **files = NULL;
	size_t nf = 0;
	list_files(sdir, "", &files, &nf);
	if (nf) {
		fprintf(f, "<h3>%s</h3>\n<div class=\"files\">\n", tr(li, "starter"));
		for (size_t i = 0; i < nf; i++) {
			cleanup_free char *p = xasprintf("%s/%s", sdir, files[i]);
			cleanup_free char *href = xasprintf("../exercises/%s/starter/%s", id, files[i]);
			code_file(f, p, files[i], href, li);
			free(files[i]);
		}
		fputs("</div>\n", f);
	}
	free(files);

	fprintf(f, "<h3>%s</h3>\n<p>%s</p>\n", tr(li, "start_check"), tr(li, "start_check_help"));
	cleanup_free char *cmds = xasprintf("$ berth lab start %s\n$ berth lab check %s\n", id, id);
	cleanup_free char *block = md_code_block("console", cmds);
	fputs(block, f);

	if (e->hints[li] && e->hints[li][0]) {
		fprintf(f, "<div class=\"hints\">\n<p class=\"hints-help\">%s</p>\n", tr(li, "hints_help"));
		for (size_t i = 0; e->hints[li][i]; i++) {
			fprintf(f, "<details class=\"hint\"><summary>%s %zu</summary>\n<div class=\"hint-body\">", tr(li, "hint"),
				i + 1);
			md_fragment(f, e->hints[li][i]);
			fputs("</div></details>\n", f);
		}
		fputs("</div>\n", f);
	}
	if (!b->o->no_solutions) {
		cleanup_free char *soldir = xasprintf("%s/solution", e->dir);
		char **sol = NULL;
		size_t ns = 0;
		list_files(soldir, "", &sol, &ns);
		fprintf(f, "<details class=\"solution\"><summary>%s</summary>\n", tr(li, "solution"));
		for (size_t i = 0; i < ns; i++) {
			cleanup_free char *p = xasprintf("%s/%s", soldir, sol[i]);
			cleanup_free char *href = xasprintf("../exercises/%s/solution/%s", id, sol[i]);
			code_file(f, p, sol[i], href, li);
			free(sol[i]);
		}
		free(sol);
		fputs("</details>\n", f);
	}
	fputs("</section>\n", f);
	return memstream_take(f, &buf);
}

/* Pass 1, after parse_one: learn every page and anchor. */
static void parse_lessons(struct build *b)
{
	const struct course *c = b->c;
	int count[COURSE_LANGS] = {0};

	b->links = links_new();
	b->lsec = xcalloc(c->n_lessons + 1, sizeof(int));
	b->llang = xcalloc(c->n_lessons + 1, sizeof(int));
	b->etitle = xcalloc(c->n_lessons + 1, sizeof(char *));
	for (size_t i = 0; i < c->n_lessons; i++) {
		b->lsec[i] = course_section_index(c, c->lessons[i].section);
		b->llang[i] = lang_index(c->lessons[i].lang);
		b->etitle[i] = html_escape(c->lessons[i].title);
	}
	for (size_t i = 0; i < c->n_lessons; i++) {
		const struct lesson *l = &c->lessons[i];
		int li = lang_index(l->lang);
		b->lo[i].index = count[li]++;
		/* The anchors of a lesson page: its own (berth-lesson marks a
		 * lesson for print.html's links), its exercises, its headings. */
		cleanup_free char *page = xasprintf("%s/%s.html", l->lang, l->id);
		static const char *const own[] = {"berth-lesson", "main", "objectives"};
		for (size_t k = 0; k < 3; k++)
			links_add(b->links, page, own[k]);
		for (char **e = l->exercises; e && *e; e++) {
			cleanup_free char *a = xasprintf("exercise-%s", *e);
			links_add(b->links, page, a);
		}
		const struct md_heading *h;
		size_t nh = md_headings(b->lo[i].doc, &h);
		for (size_t k = 0; k < nh; k++)
			links_add(b->links, page, h[k].id);
		links_add_source(b->links, l->lang, base_name(l->path), l->id);
	}
	for (size_t i = 0; i < c->n_lessons; i++)
		b->lo[i].lang_count = count[lang_index(c->lessons[i].lang)];
	for (int li = 0; li < COURSE_LANGS; li++) {
		const char *lang = course_langs[li];
		static const char *const fixed[] = {"index.html", "search.html", "glossary.html", "print.html"};
		for (size_t k = 0; k < 4; k++) {
			cleanup_free char *p = xasprintf("%s/%s", lang, fixed[k]);
			links_add(b->links, p, "main");
		}
		cleanup_free char *ix = xasprintf("%s/index.html", lang);
		for (size_t s = 0; s < c->n_sections; s++) {
			cleanup_free char *a = xasprintf("section-%s", c->sections[s].id);
			links_add(b->links, ix, a);
		}
		cleanup_free char *g = xasprintf("%s/glossary.html", lang);
		for (size_t t = 0; t < c->n_terms; t++) {
			cleanup_free char *a = xasprintf("term-%s", c->terms[t].id);
			links_add(b->links, g, a);
		}
	}
}

struct link_cb {
	struct link_from from;
};

static int link_cb(void *ctx, const char *url, bool image, int line, char **new_url, berr_t *err)
{
	struct link_cb *cb = ctx;
	return links_resolve(&cb->from, url, image, line, new_url, err);
}

/* Parse one lesson ahead of parse_lessons (which then only registers
 * its anchors): cmark's work, the part worth spreading over threads. */
static int parse_one(struct build *b, size_t i, berr_t *err)
{
	const struct lesson *l = &b->c->lessons[i];
	size_t nex = 0;
	while (l->exercises && l->exercises[nex])
		nex++;
	const char **reserved = xcalloc(nex * 2 + 8, sizeof(char *));
	char **owned = xcalloc(nex * 2 + 1, sizeof(char *));
	size_t r = 0;
	static const char *const fixed[] = {"main", "objectives", "toc", "sidebar", "berth-lesson", "pager"};
	for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
		reserved[r++] = fixed[k];
	for (size_t k = 0; k < nex; k++) {
		owned[2 * k] = xasprintf("exercise-%s", l->exercises[k]);
		owned[2 * k + 1] = xasprintf("exercise-%s-title", l->exercises[k]);
		reserved[r++] = owned[2 * k];
		reserved[r++] = owned[2 * k + 1];
	}
	b->lo[i].doc = md_parse(l->body, l->body_line, l->allow_html, reserved);
	for (size_t k = 0; k < nex * 2; k++)
		free(owned[k]);
	free(owned);
	free(reserved);
	return 0;
}

/* Pass 2 for one lesson: links checked and rewritten, body rendered for its
 * page and for print.html. */
static int render_body(struct build *b, size_t i, berr_t *err)
{
	const struct lesson *l = &b->c->lessons[i];
	struct lesson_out *lo = &b->lo[i];
	cleanup_free char *page = xasprintf("%s/%s.html", l->lang, l->id);
	struct link_cb cb = {.from = {.index = b->links, .lang = l->lang, .page = page, .file = l->path,
				      .assets_dir = b->o->assets, .print = false}};

	if (md_links(lo->doc, link_cb, &cb, err) < 0)
		return -1;
	lo->html = md_render(lo->doc, NULL);
	cb.from.print = true;
	if (md_links(lo->doc, link_cb, &cb, err) < 0)
		return -1;
	cleanup_free char *prefix = xasprintf("%s--", l->id);
	lo->print_html = md_render(lo->doc, prefix);
	return 0;
}

static const struct lesson *neighbour(const struct course *c, size_t i, int dir)
{
	const struct lesson *l = &c->lessons[i];
	for (long j = (long)i + dir; j >= 0 && (size_t)j < c->n_lessons; j += dir)
		if (strcmp(c->lessons[j].lang, l->lang) == 0)
			return &c->lessons[j];
	return NULL;
}

static void objectives_html(FILE *f, const struct lesson *l, int li, const char *pre)
{
	if (!l->objectives || !l->objectives[0])
		return;
	fprintf(f, "<section class=\"objectives\" aria-labelledby=\"%sobjectives\">\n<h2 id=\"%sobjectives\">%s</h2>\n<ul>\n",
		pre, pre, tr(li, "objectives"));
	for (char **p = l->objectives; *p; p++) {
		cleanup_free char *t = html_escape(*p);
		fprintf(f, "<li>%s</li>\n", t);
	}
	fputs("</ul>\n</section>\n", f);
}

static char *exercises_of(const struct build *b, const struct lesson *l, int li, const char *pre)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (char **e = l->exercises; e && *e; e++) {
		cleanup_free char *h = exercise_html(b, course_exercise(b->c, *e), li, pre);
		fputs(h, f);
	}
	return memstream_take(f, &buf);
}

static int render_lesson(struct build *b, size_t i, berr_t *err)
{
	const struct course *c = b->c;
	const struct lesson *l = &c->lessons[i];
	const struct lesson_out *lo = &b->lo[i];
	int li = lang_index(l->lang);
	int si = course_section_index(c, l->section);
	cleanup_free char *title = html_escape(l->title);
	cleanup_free char *summary = html_escape(l->summary);
	cleanup_free char *section = html_escape(c->sections[si].title.text[li]);
	char *tb = NULL, *ob = NULL, *pb = NULL, *crb = NULL;
	size_t tl = 0, ol = 0, pl = 0, crl = 0;

	/* Table of contents: the lesson's h2/h3, then its exercises. */
	FILE *tf = open_memstream(&tb, &tl);
	const struct md_heading *h;
	size_t nh = md_headings(lo->doc, &h);
	size_t entries = 0;
	fprintf(tf, "<nav class=\"toc\" id=\"toc\" aria-labelledby=\"toc-title\">\n<h2 id=\"toc-title\">%s</h2>\n<ol>\n",
		tr(li, "toc"));
	if (l->objectives && l->objectives[0]) {
		fprintf(tf, "<li class=\"toc-2\"><a href=\"#objectives\">%s</a></li>\n", tr(li, "objectives"));
		entries++;
	}
	for (size_t k = 0; k < nh; k++) {
		if (h[k].level < 2 || h[k].level > 3)
			continue;
		cleanup_free char *t = html_escape(h[k].text), *id = html_escape(h[k].id);
		fprintf(tf, "<li class=\"toc-%d\"><a href=\"#%s\">%s</a></li>\n", h[k].level, id, t);
		entries++;
	}
	for (char **e = l->exercises; e && *e; e++) {
		const struct exercise *ex = course_exercise(c, *e);
		cleanup_free char *t = html_escape(ex->title.text[li]);
		fprintf(tf, "<li class=\"toc-2 toc-exercise\"><a href=\"#exercise-%s\">%s: %s</a></li>\n", ex->id,
			tr(li, "exercise"), t);
		entries++;
	}
	fputs("</ol>\n</nav>\n", tf);
	cleanup_free char *toc = memstream_take(tf, &tb);
	if (!entries)
		toc[0] = '\0';

	FILE *of = open_memstream(&ob, &ol);
	objectives_html(of, l, li, "");
	cleanup_free char *objectives = memstream_take(of, &ob);

	cleanup_free char *exs = exercises_of(b, l, li, "");

	FILE *pf = open_memstream(&pb, &pl);
	const struct lesson *prev = neighbour(c, i, -1), *next = neighbour(c, i, +1);
	fprintf(pf, "<nav class=\"pager\" id=\"pager\" aria-label=\"%s / %s\">\n", tr(li, "previous"), tr(li, "next"));
	if (prev) {
		cleanup_free char *t = html_escape(prev->title);
		fprintf(pf, "<a class=\"prev\" rel=\"prev\" href=\"%s.html\"><span>%s</span> %s</a>\n", prev->id,
			tr(li, "previous"), t);
	}
	if (next) {
		cleanup_free char *t = html_escape(next->title);
		fprintf(pf, "<a class=\"next\" rel=\"next\" href=\"%s.html\"><span>%s</span> %s</a>\n", next->id,
			tr(li, "next"), t);
	}
	fputs("</nav>\n", pf);
	cleanup_free char *pager = memstream_take(pf, &pb);

	FILE *cf = open_memstream(&crb, &crl);
	fprintf(cf,
		"<nav class=\"crumbs\" aria-label=\"%s\"><ol><li><a href=\"index.html\">%s</a></li>"
		"<li><a href=\"index.html#section-%s\">%s</a></li><li><span aria-current=\"page\">%s</span></li></ol></nav>\n",
		tr(li, "breadcrumb"), tr(li, "home"), l->section, section, title);
	cleanup_free char *crumbs = memstream_take(cf, &crb);

	struct slots s = {0};
	slot_strings(&s, li);
	slot(&s, "id", l->id);
	slot(&s, "title", title);
	slot(&s, "summary", summary);
	slot(&s, "section", section);
	slot(&s, "crumbs", crumbs);
	slot(&s, "objectives", objectives);
	slot(&s, "toc", toc);
	slot(&s, "content", lo->html);
	slot(&s, "exercises", exs);
	slot(&s, "pager", pager);
	slot_own(&s, "number", xasprintf("%d", lo->index + 1));
	slot_own(&s, "count", xasprintf("%d", lo->lang_count));
	slot_own(&s, "duration", l->duration ? xasprintf("%d%s%s", l->duration, li == 0 ? "" : " ", tr(li, "minutes"))
					     : xstrdup(""));
	slot(&s, "passed", lesson_passed(b, l) ? tr(li, "passed") : "");
	cleanup_free char *body = page_fill(b->tmpl_lesson, s.v);
	slots_free(&s);

	cleanup_free char *sidebar = sidebar_html(b, li, l, NULL);
	cleanup_free char *other = xasprintf("../%s/%s.html", course_langs[1 - li], l->id);
	cleanup_free char *rel = xasprintf("%s/%s.html", l->lang, l->id);
	return emit(b, li, rel, "lesson", l->title, body, other, sidebar, NULL, NULL, err);
}

static int render_index(struct build *b, int li, berr_t *err)
{
	const struct course *c = b->c;
	const char *lang = course_langs[li];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int total = 0, n = 0;

	for (size_t i = 0; i < c->n_lessons; i++)
		total += strcmp(c->lessons[i].lang, lang) == 0;
	for (size_t s = 0; s < c->n_sections; s++) {
		int count = 0, minutes = 0;
		for (size_t i = 0; i < c->n_lessons; i++) {
			const struct lesson *l = &c->lessons[i];
			if (strcmp(l->lang, lang) == 0 && strcmp(l->section, c->sections[s].id) == 0)
				count++, minutes += l->duration;
		}
		if (!count)
			continue;
		cleanup_free char *st = html_escape(c->sections[s].title.text[li]);
		cleanup_free char *cnt = xasprintf(tr(li, "lessons_count"), count);
		fprintf(f,
			"<section class=\"course-section\" id=\"section-%s\" aria-labelledby=\"section-%s-title\">\n"
			"<h2 id=\"section-%s-title\"><span class=\"section-n\">%zu</span> %s</h2>\n"
			"<p class=\"section-meta\">%s",
			c->sections[s].id, c->sections[s].id, c->sections[s].id, s + 1, st, cnt);
		if (minutes)
			fprintf(f, " · %d%s%s", minutes, li == 0 ? "" : " ", tr(li, "minutes"));
		fputs("</p>\n<ol class=\"lesson-list\">\n", f);
		for (size_t i = 0; i < c->n_lessons; i++) {
			const struct lesson *l = &c->lessons[i];
			if (strcmp(l->lang, lang) != 0 || strcmp(l->section, c->sections[s].id) != 0)
				continue;
			n++;
			cleanup_free char *t = html_escape(l->title), *sum = html_escape(l->summary);
			bool p = lesson_passed(b, l);
			fprintf(f, "<li class=\"lesson-card%s\" data-lesson=\"%s\">\n<a href=\"%s.html\">"
				"<span class=\"lesson-n\" aria-hidden=\"true\">%d</span>"
				"<span class=\"lesson-title\">%s</span></a>\n<p class=\"lesson-summary\">%s</p>\n"
				"<p class=\"lesson-meta\">",
				p ? " passed" : "", l->id, l->id, n, t, sum);
			if (l->duration)
				fprintf(f, "<span>%d%s%s</span>", l->duration, li == 0 ? "" : " ", tr(li, "minutes"));
			size_t ne = 0;
			while (l->exercises && l->exercises[ne])
				ne++;
			if (ne)
				fprintf(f, "<span>%s %zu</span>", tr(li, "exercise"), ne);
			if (p)
				fprintf(f, "<span class=\"badge passed\">%s</span>", tr(li, "passed"));
			fprintf(f, "<span class=\"lesson-status\" data-lesson=\"%s\"></span></p>\n</li>\n", l->id);
		}
		fputs("</ol>\n</section>\n", f);
	}
	cleanup_free char *sections = memstream_take(f, &buf);

	struct slots s = {0};
	slot_strings(&s, li);
	slot(&s, "sections", sections);
	slot_own(&s, "total", xasprintf("%d", total));
	cleanup_free char *body = page_fill(b->tmpl_index, s.v);
	slots_free(&s);
	cleanup_free char *sidebar = sidebar_html(b, li, NULL, "index.html");
	cleanup_free char *other = xasprintf("../%s/index.html", course_langs[1 - li]);
	cleanup_free char *rel = xasprintf("%s/index.html", lang);
	return emit(b, li, rel, "home", tr(li, "home"), body, other, sidebar, NULL, NULL, err);
}

static int render_search(struct build *b, int li, berr_t *err)
{
	struct slots s = {0};
	slot_strings(&s, li);
	cleanup_free char *body = page_fill(b->tmpl_search, s.v);
	slots_free(&s);
	cleanup_free char *sidebar = sidebar_html(b, li, NULL, "search.html");
	cleanup_free char *other = xasprintf("../%s/search.html", course_langs[1 - li]);
	cleanup_free char *rel = xasprintf("%s/search.html", course_langs[li]);
	static const char scripts[] = "<script src=\"search-index.js\"></script>\n"
				      "<script src=\"../assets/search.js\"></script>\n";
	return emit(b, li, rel, "search", tr(li, "search"), body, other, sidebar, NULL, scripts, err);
}

static int term_cmp(const void *a, const void *b, void *arg)
{
	const struct glossary_term *x = *(const struct glossary_term *const *)a;
	const struct glossary_term *y = *(const struct glossary_term *const *)b;
	int li = *(const int *)arg;
	int r = strcasecmp(x->term.text[li], y->term.text[li]);
	return r ? r : strcmp(x->id, y->id);
}

static int render_glossary(struct build *b, int li, berr_t *err)
{
	const struct course *c = b->c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const struct glossary_term **order = xcalloc(c->n_terms + 1, sizeof(*order));

	/* Sorted by the word in the page's language (Hangul sorts in
	 * dictionary order by code point). */
	for (size_t t = 0; t < c->n_terms; t++)
		order[t] = &c->terms[t];
	qsort_r(order, c->n_terms, sizeof(*order), term_cmp, &li);
	fprintf(f, "<table class=\"glossary\">\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
		tr(li, li == 0 ? "term_ko" : "term_en"), tr(li, li == 0 ? "term_en" : "term_ko"), tr(li, "definition"));
	for (size_t t = 0; t < c->n_terms; t++) {
		const struct glossary_term *g = order[t];
		cleanup_free char *mine = html_escape(g->term.text[li]), *theirs = html_escape(g->term.text[1 - li]);
		fprintf(f, "<tr id=\"term-%s\"><th scope=\"row\" lang=\"%s\">%s</th><td lang=\"%s\">%s</td><td>", g->id,
			course_langs[li], mine, course_langs[1 - li], theirs);
		md_fragment(f, g->def.text[li]);
		if (g->see && g->see[0]) {
			fprintf(f, "<p class=\"see\">%s: ", tr(li, "see"));
			for (char **p = g->see; *p; p++) {
				const struct lesson *l = course_lesson(c, *p, course_langs[li]);
				cleanup_free char *lt = html_escape(l->title);
				fprintf(f, "%s<a href=\"%s.html\">%s</a>", p == g->see ? "" : ", ", l->id, lt);
			}
			fputs("</p>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	free(order);
	cleanup_free char *table = memstream_take(f, &buf);

	struct slots s = {0};
	slot_strings(&s, li);
	slot(&s, "terms", table);
	cleanup_free char *body = page_fill(b->tmpl_glossary, s.v);
	slots_free(&s);
	cleanup_free char *sidebar = sidebar_html(b, li, NULL, "glossary.html");
	cleanup_free char *other = xasprintf("../%s/glossary.html", course_langs[1 - li]);
	cleanup_free char *rel = xasprintf("%s/glossary.html", course_langs[li]);
	return emit(b, li, rel, "glossary", tr(li, "glossary"), body, other, sidebar, NULL, NULL, err);
}

static int render_print(struct build *b, int li, berr_t *err)
{
	const struct course *c = b->c;
	const char *lang = course_langs[li];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	/* A table of contents first, then each lesson as a section whose ids
	 * carry the lesson id ("<id>--<anchor>"), so they stay unique. */
	fprintf(f, "<nav class=\"print-toc\" aria-labelledby=\"print-toc-title\">\n<h2 id=\"print-toc-title\">%s</h2>\n<ol>\n",
		tr(li, "lessons"));
	for (size_t i = 0; i < c->n_lessons; i++) {
		const struct lesson *l = &c->lessons[i];
		if (strcmp(l->lang, lang) != 0)
			continue;
		cleanup_free char *t = html_escape(l->title);
		fprintf(f, "<li><a href=\"#%s\">%s</a></li>\n", l->id, t);
	}
	fputs("</ol>\n</nav>\n", f);
	for (size_t i = 0; i < c->n_lessons; i++) {
		const struct lesson *l = &c->lessons[i];
		if (strcmp(l->lang, lang) != 0)
			continue;
		cleanup_free char *t = html_escape(l->title), *sum = html_escape(l->summary);
		cleanup_free char *pre = xasprintf("%s--", l->id);
		fprintf(f, "<article class=\"print-lesson\" id=\"%s\" aria-labelledby=\"%s--title\">\n"
			   "<h1 id=\"%s--title\">%s</h1>\n<p class=\"summary\">%s</p>\n",
			l->id, l->id, l->id, t, sum);
		objectives_html(f, l, li, pre);
		fputs(b->lo[i].print_html, f);
		cleanup_free char *exs = exercises_of(b, l, li, pre);
		fputs(exs, f);
		fputs("</article>\n", f);
	}
	cleanup_free char *lessons = memstream_take(f, &buf);
	struct slots s = {0};
	slot_strings(&s, li);
	slot(&s, "lessons", lessons);
	cleanup_free char *body = page_fill(b->tmpl_print, s.v);
	slots_free(&s);
	cleanup_free char *other = xasprintf("../%s/print.html", course_langs[1 - li]);
	cleanup_free char *rel = xasprintf("%s/print.html", lang);
	return emit(b, li, rel, "print", tr(li, "print_title"), body, other, NULL, NULL, NULL, err);
}

/* ---- search ---- */

struct text_cb {
	struct search_index *s;
	int doc;
	const char *prefix;   /* anchors of exercise text live under the exercise */
};

static void text_cb(void *ctx, const char *anchor, const char *text, enum md_text_kind kind)
{
	struct text_cb *t = ctx;
	enum search_kind k = kind == MD_TEXT_HEADING ? SEARCH_HEADING : kind == MD_TEXT_CODE ? SEARCH_CODE : SEARCH_PROSE;
	search_add_text(t->s, t->doc, t->prefix ? t->prefix : anchor, text, k);
}

static void index_markdown(struct search_index *s, int doc, const char *anchor, const char *md)
{
	struct md_doc *d = md_parse(md, 1, false, NULL);
	struct text_cb t = {.s = s, .doc = doc, .prefix = anchor};
	md_texts(d, text_cb, &t);
	md_free(d);
}

static int build_search(struct build *b, int li, berr_t *err)
{
	const struct course *c = b->c;
	const char *lang = course_langs[li];
	struct search_index *s = search_new();

	for (size_t i = 0; i < c->n_lessons; i++) {
		const struct lesson *l = &c->lessons[i];
		if (strcmp(l->lang, lang) != 0)
			continue;
		cleanup_free char *url = xasprintf("%s.html", l->id);
		int doc = search_add_doc(s, url, l->title);
		search_add_text(s, doc, "", l->title, SEARCH_TITLE);
		search_add_text(s, doc, "", l->summary, SEARCH_PROSE);
		for (char **o = l->objectives; o && *o; o++)
			search_add_text(s, doc, "objectives", *o, SEARCH_PROSE);
		struct text_cb t = {.s = s, .doc = doc};
		md_texts(b->lo[i].doc, text_cb, &t);
		/* Exercises: title and task.  Never the solution, so
		 * --no-solutions has nothing to leave out here; and not the
		 * hints, which a search result would hand out unasked (and which
		 * would push the index past its 300 KB budget). */
		for (char **e = l->exercises; e && *e; e++) {
			const struct exercise *ex = course_exercise(c, *e);
			cleanup_free char *a = xasprintf("exercise-%s", ex->id);
			search_add_text(s, doc, a, ex->title.text[li], SEARCH_HEADING);
			index_markdown(s, doc, a, ex->task.text[li]);
		}
	}
	if (c->n_terms) {
		int doc = search_add_doc(s, "glossary.html", tr(li, "glossary"));
		for (size_t t = 0; t < c->n_terms; t++) {
			const struct glossary_term *g = &c->terms[t];
			cleanup_free char *a = xasprintf("term-%s", g->id);
			cleanup_free char *head = xasprintf("%s (%s)", g->term.text[li], g->term.text[1 - li]);
			search_add_text(s, doc, a, head, SEARCH_HEADING);
			index_markdown(s, doc, a, g->def.text[li]);
		}
	}
	cleanup_free char *js = search_js(s, lang);
	if (b->stats)
		b->stats->search_bytes[li] = strlen(js);
	b->sentences[li] = search_n_sentences(s);
	search_free(s);
	cleanup_free char *rel = xasprintf("%s/search-index.js", lang);
	return write_page(b->dir, rel, js, err);
}

/* ---- files of exercises ---- */

static int copy_exercises(struct build *b, berr_t *err)
{
	for (size_t i = 0; i < b->c->n_exercises; i++) {
		const struct exercise *e = &b->c->exercises[i];
		cleanup_free char *from = xasprintf("%s/starter", e->dir);
		cleanup_free char *to = xasprintf("%s/exercises/%s/starter", b->dir, e->id);
		if (copy_dir(from, to, err) < 0)
			return -1;
		if (b->o->no_solutions)
			continue;
		cleanup_free char *sfrom = xasprintf("%s/solution", e->dir);
		cleanup_free char *sto = xasprintf("%s/exercises/%s/solution", b->dir, e->id);
		if (copy_dir(sfrom, sto, err) < 0)
			return -1;
	}
	return 0;
}

static void build_free(struct build *b)
{
	for (size_t i = 0; b->lo && i < b->c->n_lessons; i++) {
		md_free(b->lo[i].doc);
		free(b->lo[i].html);
		free(b->lo[i].print_html);
	}
	free(b->lo);
	for (size_t i = 0; b->etitle && i < b->c->n_lessons; i++)
		free(b->etitle[i]);
	free(b->etitle);
	free(b->lsec);
	free(b->llang);
	links_free(b->links);
	free(b->tmpl_layout);
	free(b->tmpl_index);
	free(b->tmpl_lesson);
	free(b->tmpl_search);
	free(b->tmpl_glossary);
	free(b->tmpl_print);
	free(b->tmpl_404);
	for (char **p = b->passed; p && *p; p++)
		free(*p);
	free(b->passed);
}

static int lesson_page(struct build *b, size_t i, berr_t *err)
{
	return render_body(b, i, err) < 0 ? -1 : render_lesson(b, i, err);
}

/* The pages of one language besides its lessons. */
static int language_pages(struct build *b, size_t i, berr_t *err)
{
	int li = (int)i;
	if (render_index(b, li, err) < 0 || render_search(b, li, err) < 0 || render_glossary(b, li, err) < 0 ||
	    render_print(b, li, err) < 0 || build_search(b, li, err) < 0)
		return -1;
	return 0;
}

static int build_all(struct build *b, berr_t *err)
{
	const struct course *c = b->c;
	const struct site_options *o = b->o;
	static const char *const names[] = {"layout.html", "index.html", "lesson.html", "search.html",
					    "glossary.html", "print.html", "404.html"};
	char **slots[] = {&b->tmpl_layout, &b->tmpl_index, &b->tmpl_lesson, &b->tmpl_search,
			  &b->tmpl_glossary, &b->tmpl_print, &b->tmpl_404};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (load_template(o, names[i], slots[i], err) < 0)
			return -1;
	if (o->results && progress_passed(o->results, o->learner ? o->learner : "", &b->passed, err) < 0)
		return -1;
	b->compact_nav = c->n_lessons / COURSE_LANGS > 60;
	b->lo = xcalloc(c->n_lessons ? c->n_lessons : 1, sizeof(*b->lo));
	if (par_for(b, c->n_lessons, parse_one, err) < 0)
		return -1;
	parse_lessons(b);
	for (int li = 0; li < COURSE_LANGS; li++) {
		cleanup_free char *d = xasprintf("%s/%s", b->dir, course_langs[li]);
		if (mkdir_p(d, 0755, err) < 0)
			return -1;
	}
	if (par_for(b, c->n_lessons, lesson_page, err) < 0 || par_for(b, COURSE_LANGS, language_pages, err) < 0)
		return -1;
	if (b->stats)
		for (int li = 0; li < COURSE_LANGS; li++)
			b->stats->search_sentences += b->sentences[li];
	{
		struct slots s = {0};
		slot(&s, "course_ko", tr(0, "course"));
		slot(&s, "course_en", tr(1, "course"));
		cleanup_free char *html = page_fill(b->tmpl_404, s.v);
		slots_free(&s);
		if (write_page(b->dir, "404.html", html, err) < 0)
			return -1;
		b->pages++;
	}
	{
		/* The front door: the learner's last language, Korean first. */
		static const char redirect[] =
			"<!doctype html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<title>berth</title>\n"
			"<script>try{if(localStorage.getItem('berth-lang')==='en')location.replace('en/index.html')}catch(e){}"
			"</script>\n<meta http-equiv=\"refresh\" content=\"0; url=ko/index.html\">\n</head>\n<body>\n"
			"<p><a href=\"ko/index.html\">한국어</a> · <a href=\"en/index.html\" lang=\"en\">English</a></p>\n"
			"</body>\n</html>\n";
		if (write_page(b->dir, "index.html", redirect, err) < 0)
			return -1;
		b->pages++;
	}
	cleanup_free char *assets = xasprintf("%s/assets", b->dir);
	if (copy_dir(o->assets, assets, err) < 0 || copy_exercises(b, err) < 0)
		return -1;
	return 0;
}

int site_build(const struct course *c, const struct site_options *o, struct site_stats *stats, berr_t *err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp-%d", o->out, (int)getpid());
	cleanup_free char *old = xasprintf("%s.old-%d", o->out, (int)getpid());
	struct build b = {.c = c, .o = o, .dir = tmp, .stats = stats};
	int r;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *jobs = getenv("BERTH_LAB_JOBS");

	/* Pages are independent once every lesson is parsed: one thread per
	 * core (at most 8), or BERTH_LAB_JOBS. */
	b.jobs = jobs && atoi(jobs) > 0 ? atoi(jobs) : cpus > 0 ? (int)cpus : 1;
	if (b.jobs > 8)
		b.jobs = 8;
	atomic_init(&b.pages, 0);
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (remove_tree(tmp, err) < 0 || mkdir_p(tmp, 0755, err) < 0)
		return -1;
	r = build_all(&b, err);
	if (stats)
		stats->pages = b.pages;
	build_free(&b);
	if (r < 0)
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
