/* test_links.c: the link checker resolves links to lessons, anchors and
 * assets, rewrites them relative to the page, and refuses what would break
 * (a missing page or anchor, an absolute path, an image from the web),
 * naming file:line. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../gen/links.h"
#include "../../gen/markdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct link_index *x;
static struct link_from from;

static char *resolve(const char *url, bool image, char **msg)
{
	berr_t err = NULL;
	char *out = NULL;
	*msg = NULL;
	if (links_resolve(&from, url, image, 7, &out, &err) < 0) {
		*msg = strdup(err->msg);
		berr_free(&err);
		return NULL;
	}
	return out;
}

static void is_link(const char *url, const char *want, const char *what)
{
	char *msg, *got = resolve(url, false, &msg);
	is_str(got, want, "%s", what);
	if (msg)
		printf("#   %s\n", msg);
	free(got);
	free(msg);
}

static void is_broken(const char *url, bool image, const char *needle, const char *what)
{
	char *msg, *got = resolve(url, image, &msg);
	ok(!got && msg && strstr(msg, needle), "%s", what);
	if (msg && !strstr(msg, needle))
		printf("#   message: %s\n", msg);
	if (msg && strncmp(msg, "lessons/ko/01-a.md:7: ", 22) != 0)
		ok(0, "message names file:line: %s", msg);
	free(got);
	free(msg);
}

int main(void)
{
	char assets[] = "/tmp/test_links.XXXXXX";
	ok(mkdtemp(assets) != NULL, "a temporary assets dir");
	char *dd = NULL;
	if (asprintf(&dd, "%s/diagrams", assets) < 0)
		return 1;
	mkdir(dd, 0755);
	char *svg = NULL;
	if (asprintf(&svg, "%s/image-layers.svg", dd) < 0)
		return 1;
	FILE *f = fopen(svg, "w");
	fputs("<svg/>", f);
	fclose(f);

	x = links_new();
	links_add(x, "ko/a.html", "berth-lesson");
	links_add(x, "ko/a.html", "프로세스-하나-벽-여러-개");
	links_add(x, "ko/b.html", "berth-lesson");
	links_add(x, "ko/b.html", "layers");
	links_add(x, "en/b.html", "layers");
	links_add(x, "ko/glossary.html", "term-layer");
	links_add_source(x, "ko", "01-a.md", "a");
	links_add_source(x, "ko", "02-b.md", "b");
	links_add_source(x, "en", "02-b.md", "b");
	from = (struct link_from){.index = x, .lang = "ko", .page = "ko/a.html", .file = "lessons/ko/01-a.md",
				  .assets_dir = assets};

	ok(links_has_page(x, "ko/b.html"), "pages are known");
	ok(links_has_anchor(x, "ko/b.html", "layers"), "anchors are known");
	ok(!links_has_anchor(x, "ko/b.html", "nope"), "unknown anchors are not");

	is_link("02-b.md", "b.html", "a lesson's source file becomes its page");
	is_link("b.md", "b.html", "so does other-id.md");
	is_link("b.html", "b.html", "a page link stays");
	is_link("b.html#layers", "b.html#layers", "an anchor in another lesson is checked and kept");
	is_link("02-b.md#layers", "b.html#layers", "source link with an anchor");
	is_link("../en/02-b.md#layers", "../en/b.html#layers", "the same lesson in the other language");
	is_link("#프로세스-하나-벽-여러-개", "#프로세스-하나-벽-여러-개", "a Hangul anchor in the same page");
	is_link("#%ED%94%84%EB%A1%9C%EC%84%B8%EC%8A%A4-%ED%95%98%EB%82%98-%EB%B2%BD-%EC%97%AC%EB%9F%AC-%EA%B0%9C",
		"#%ED%94%84%EB%A1%9C%EC%84%B8%EC%8A%A4-%ED%95%98%EB%82%98-%EB%B2%BD-%EC%97%AC%EB%9F%AC-%EA%B0%9C",
		"a percent-encoded Hangul anchor is decoded for the check");
	is_link("glossary.html#term-layer", "glossary.html#term-layer", "the glossary's terms are anchors");
	is_link("../assets/diagrams/image-layers.svg", "../assets/diagrams/image-layers.svg",
		"a link to a file in assets/");
	is_link("https://docs.docker.com/", "https://docs.docker.com/", "a web link is allowed (it is not fetched)");
	is_link("mailto:teacher@example.org", "mailto:teacher@example.org", "mailto is allowed");

	char *msg = NULL, *img = resolve("../assets/diagrams/image-layers.svg", true, &msg);
	is_str(img, "../assets/diagrams/image-layers.svg", "an image from assets/");
	free(img);
	free(msg);

	is_broken("c.md", false, "no page ko/c.html", "a missing lesson is refused");
	is_broken("b.html#nope", false, "has no heading or anchor \"#nope\"", "a missing anchor is refused");
	is_broken("#nope", false, "ko/a.html has no heading", "a missing anchor in the same page is refused");
	is_broken("../assets/diagrams/missing.svg", true, "no file diagrams/missing.svg in assets/",
		  "a missing image is refused");
	is_broken("https://example.org/x.png", true, "not fetched from elsewhere", "an image from the web is refused");
	is_broken("/assets/style.css", false, "use a relative link", "an absolute path is refused");
	is_broken("javascript:alert(1)", false, "only http(s) and mailto", "other schemes are refused");
	is_broken("../../../etc/passwd", false, "climbs out of the site", "climbing out of the site is refused");
	is_broken("", false, "no target", "an empty link is refused");
	is_broken("b.html", true, "must be a file under assets/", "a page is not an image");

	/* print.html: links into lessons of the same language become in-page. */
	from.print = true;
	is_link("02-b.md#layers", "#b--layers", "print: another lesson's anchor becomes #id--anchor");
	is_link("b.html", "#b", "print: another lesson becomes #id");
	is_link("#프로세스-하나-벽-여러-개", "#a--프로세스-하나-벽-여러-개", "print: an anchor in the same lesson gets its prefix");
	is_link("../en/b.html#layers", "../en/b.html#layers", "print: the other language stays a page link");
	from.print = false;

	/* Headings get stable anchors, Hangul kept. */
	char *s = md_slug("프로세스 하나, 벽 여러 개");
	is_str(s, "프로세스-하나-벽-여러-개", "a Hangul heading keeps its letters");
	free(s);
	s = md_slug("How is that different from a VM?");
	is_str(s, "how-is-that-different-from-a-vm", "English is lower-cased, punctuation dropped");
	free(s);
	s = md_slug("`berth run` — 옵션 (--rm)");
	is_str(s, "berth-run-옵션-rm", "code, dashes and brackets");
	free(s);
	s = md_slug("bad\xff byte");
	is_str(s, "bad-byte", "a byte that is not UTF-8 is dropped");
	free(s);
	s = md_slug("!!!");
	is_str(s, "section", "nothing left: a fallback id");
	free(s);

	struct md_doc *d = md_parse("# 제목\n\n## 같은 제목\n\n## 같은 제목\n\n## objectives\n\n[x](02-b.md)\n", 10, false,
				    (const char *[]){"objectives", NULL});
	const struct md_heading *h;
	size_t nh = md_headings(d, &h);
	is_int(nh, 4, "four headings");
	is_str(h[1].id, "같은-제목", "first of two equal headings");
	is_str(h[2].id, "같은-제목-1", "the second gets -1");
	is_str(h[3].id, "objectives-1", "a reserved id is never given to a heading");
	is_int(h[1].line, 12, "heading lines count from the file's body line");
	md_free(d);

	links_free(x);
	unlink(svg);
	rmdir(dd);
	rmdir(assets);
	free(svg);
	free(dd);
	return done_testing();
}
