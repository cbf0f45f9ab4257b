/* fuzz_markdown.c: lesson Markdown through the whole page pipeline on
 * arbitrary bytes: parse, headings and anchors, link visiting (with the
 * link checker), text for the search index, rendering twice, and the
 * highlighter on the bytes as each language. */
#include "../../gen/highlight.h"
#include "../../gen/links.h"
#include "../../gen/markdown.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int on_link(void *ctx, const char *url, bool image, int line, char **new_url, berr_t *err)
{
	const struct link_from *from = ctx;
	berr_t e = NULL;
	if (links_resolve(from, url, image, line, new_url, &e) < 0)
		berr_free(&e);
	return 0;
}

static void on_text(void *ctx, const char *anchor, const char *text, enum md_text_kind kind)
{
	(void)ctx;
	(void)anchor;
	(void)text;
	(void)kind;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *md = malloc(size + 1);
	memcpy(md, data, size);
	md[size] = '\0';

	static const char *const reserved[] = {"objectives", "main", NULL};
	struct md_doc *d = md_parse(md, 9, size && data[0] & 1, reserved);
	const struct md_heading *h;
	size_t n = md_headings(d, &h);
	struct link_index *x = links_new();
	for (size_t i = 0; i < n; i++)
		links_add(x, "ko/a.html", h[i].id);
	struct link_from from = {.index = x, .lang = "ko", .page = "ko/a.html", .file = "fuzz.md", .assets_dir = "/nonexistent"};
	berr_t err = NULL;
	md_links(d, on_link, &from, &err);
	berr_free(&err);
	md_texts(d, on_text, NULL);
	free(md_render(d, NULL));
	from.print = true;
	md_links(d, on_link, &from, &err);
	berr_free(&err);
	free(md_render(d, "a--"));
	md_free(d);
	links_free(x);

	for (int lang = HL_NONE; lang <= HL_JSON; lang++)
		free(highlight((enum hl_lang)lang, md));
	free(console_commands(md));
	free(md_slug(md));
	free(url_decode(md));
	free(md);
	return 0;
}
