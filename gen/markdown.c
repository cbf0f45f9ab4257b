/* markdown.c: see markdown.h.
 *
 * cmark-gfm's safe mode *drops* raw HTML ("raw HTML omitted"); a lesson
 * about containers often shows HTML on purpose (an nginx page, say), so
 * instead of losing it we turn each raw HTML node into literal text before
 * rendering.  The renderer then escapes it like any other text.
 */
#include "markdown.h"
#include "../engine/core/util.h"

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <stdlib.h>
#include <string.h>

static void attach(cmark_parser *p, const char *name)
{
	cmark_syntax_extension *ext = cmark_find_syntax_extension(name);
	if (ext)
		cmark_parser_attach_syntax_extension(p, ext);
}

static void html_to_text(cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	cmark_node **todo = NULL;
	size_t n = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_HTML_BLOCK || t == CMARK_NODE_HTML_INLINE)) {
			todo = xrealloc(todo, (n + 1) * sizeof(*todo));
			todo[n++] = node;
		}
	}
	cmark_iter_free(it);
	/* Replace after iterating: the iterator must not see a changing tree. */
	for (size_t i = 0; i < n; i++) {
		cmark_node *node = todo[i];
		cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
		cmark_node_set_literal(text, cmark_node_get_literal(node));
		if (cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK) {
			/* A block of HTML becomes a code block, so it stays readable. */
			cmark_node *code = cmark_node_new(CMARK_NODE_CODE_BLOCK);
			cmark_node_set_literal(code, cmark_node_get_literal(node));
			cmark_node_set_fence_info(code, "html");
			cmark_node_free(text);
			cmark_node_replace(node, code);
		} else {
			cmark_node_replace(node, text);
		}
		cmark_node_free(node);
	}
	free(todo);
}

char *markdown_to_html(const char *md, bool allow_html)
{
	int opts = CMARK_OPT_DEFAULT | CMARK_OPT_GITHUB_PRE_LANG | CMARK_OPT_FOOTNOTES;
	cmark_parser *p;
	cmark_node *doc;
	char *html, *out;

	cmark_gfm_core_extensions_ensure_registered();
	if (allow_html)
		opts |= CMARK_OPT_UNSAFE;
	p = cmark_parser_new(opts);
	attach(p, "table");
	attach(p, "strikethrough");
	attach(p, "autolink");
	attach(p, "tasklist");
	cmark_parser_feed(p, md, strlen(md));
	doc = cmark_parser_finish(p);
	if (!allow_html)
		html_to_text(doc);
	html = cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p));
	out = xstrdup(html);
	/* cmark allocated html with its default allocator (malloc). */
	free(html);
	cmark_node_free(doc);
	cmark_parser_free(p);
	return out;
}
