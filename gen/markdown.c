/* markdown.c: see markdown.h.
 *
 * cmark-gfm's safe mode *drops* raw HTML ("raw HTML omitted"); a lesson
 * about containers often shows HTML on purpose (an nginx page, say), so
 * instead of losing it we turn each raw HTML node into literal text before
 * rendering.  The renderer then escapes it like any other text.
 *
 * Headings (to carry ids) and code blocks (to carry highlighting) are
 * swapped for custom blocks holding our own HTML just for the time of a
 * render, then put back: the tree stays as parsed, so it can be rendered
 * twice and its text read for the search index.  cmark prints custom
 * blocks as given even in safe mode, and everything we put in them is
 * escaped by us.
 */
#define _GNU_SOURCE
#include "markdown.h"
#include "highlight.h"
#include "page.h"
#include "../engine/core/util.h"

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct md_link_rec {
	cmark_node *node;
	char *url;     /* as written */
	bool image;
	int line;
};

struct md_doc {
	cmark_parser *parser;
	cmark_node *root;
	int opts;
	int first_line;
	struct md_heading *headings;
	cmark_node **hnodes;
	size_t n_headings;
	cmark_node **codes;
	size_t n_codes;
	struct md_link_rec *links;
	size_t n_links;
};

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
		if (cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK) {
			/* A block of HTML becomes a code block, so it stays readable. */
			cmark_node *code = cmark_node_new(CMARK_NODE_CODE_BLOCK);
			cmark_node_set_literal(code, cmark_node_get_literal(node));
			cmark_node_set_fence_info(code, "html");
			cmark_node_replace(node, code);
		} else {
			cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);
			cmark_node_set_literal(text, cmark_node_get_literal(node));
			cmark_node_replace(node, text);
		}
		cmark_node_free(node);
	}
	free(todo);
}

/* The plain text of a subtree: text, code spans, breaks as spaces. */
static void gather(cmark_node *n, FILE *f)
{
	for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE:
			fputs(cmark_node_get_literal(c), f);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			fputc(' ', f);
			break;
		default:
			gather(c, f);
		}
	}
}

static char *text_of(cmark_node *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	gather(n, f);
	fclose(f);
	return buf ? buf : xstrdup("");
}

char *md_slug(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const unsigned char *p = (const unsigned char *)text;
	bool dash = false, any = false;

	while (*p) {
		unsigned cp;
		size_t n = utf8_next(p, &cp, 0xFFFD);
		bool keep = false, sep = false;
		if (cp < 0x80) {
			if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
				keep = true;
			else if (cp >= 'A' && cp <= 'Z')
				keep = true, cp += 'a' - 'A';
			else if (cp == ' ' || cp == '-' || cp == '_' || cp == '\t')
				sep = true;
		} else if (cp != 0xFFFD && !(cp >= 0x2000 && cp <= 0x206F) && !(cp >= 0x3000 && cp <= 0x303F) &&
			   !(cp >= 0xFF00 && cp <= 0xFF0F) && !(cp >= 0x00A0 && cp <= 0x00BF)) {
			keep = true;
		}
		if (keep) {
			if (dash && any)
				fputc('-', f);
			dash = false;
			any = true;
			if (cp < 0x80)
				fputc((int)cp, f);
			else
				fwrite(p, 1, n, f);
		} else if (sep) {
			dash = true;
		}
		p += n;
	}
	fclose(f);
	if (!buf || !*buf) {
		free(buf);
		return xstrdup("section");
	}
	return buf;
}

static bool id_taken(const struct md_doc *d, const char *const *reserved, const char *id)
{
	for (const char *const *r = reserved; r && *r; r++)
		if (strcmp(*r, id) == 0)
			return true;
	for (size_t i = 0; i < d->n_headings; i++)
		if (strcmp(d->headings[i].id, id) == 0)
			return true;
	return false;
}

/* cmark-gfm's parser is not thread-safe: while a parser with extensions
 * runs it adds their special characters ('|', '~') to one global table and
 * takes them out again in cmark_parser_finish, so a parse finishing on one
 * thread breaks table and strikethrough parsing on another.  Parsing is
 * serialised; rendering and everything else runs in parallel. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

struct md_doc *md_parse(const char *md, int first_line, bool allow_html, const char *const *reserved)
{
	struct md_doc *d = xcalloc(1, sizeof(*d));
	cmark_iter *it;
	cmark_event_type ev;

	pthread_mutex_lock(&parse_lock);
	cmark_gfm_core_extensions_ensure_registered();
	d->opts = CMARK_OPT_DEFAULT | CMARK_OPT_GITHUB_PRE_LANG | CMARK_OPT_FOOTNOTES;
	if (allow_html)
		d->opts |= CMARK_OPT_UNSAFE;
	d->first_line = first_line > 0 ? first_line : 1;
	d->parser = cmark_parser_new(d->opts);
	attach(d->parser, "table");
	attach(d->parser, "strikethrough");
	attach(d->parser, "autolink");
	attach(d->parser, "tasklist");
	cmark_parser_feed(d->parser, md, strlen(md));
	d->root = cmark_parser_finish(d->parser);
	pthread_mutex_unlock(&parse_lock);
	if (!allow_html)
		html_to_text(d->root);

	it = cmark_iter_new(d->root);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_HEADING: {
			struct md_heading h = {.level = cmark_node_get_heading_level(n),
					       .line = d->first_line + cmark_node_get_start_line(n) - 1,
					       .text = text_of(n)};
			char *base = md_slug(h.text);
			h.id = xstrdup(base);
			for (int k = 1; id_taken(d, reserved, h.id); k++) {
				free(h.id);
				h.id = xasprintf("%s-%d", base, k);
			}
			free(base);
			d->headings = xrealloc(d->headings, (d->n_headings + 1) * sizeof(*d->headings));
			d->hnodes = xrealloc(d->hnodes, (d->n_headings + 1) * sizeof(*d->hnodes));
			d->hnodes[d->n_headings] = n;
			d->headings[d->n_headings++] = h;
			break;
		}
		case CMARK_NODE_CODE_BLOCK:
			d->codes = xrealloc(d->codes, (d->n_codes + 1) * sizeof(*d->codes));
			d->codes[d->n_codes++] = n;
			break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE: {
			/* Inline nodes know their line; a few (autolinks) may
			 * not, so fall back to their block's. */
			int line = cmark_node_get_start_line(n);
			for (cmark_node *p = n; line <= 0 && p; p = cmark_node_parent(p))
				line = cmark_node_get_start_line(p);
			d->links = xrealloc(d->links, (d->n_links + 1) * sizeof(*d->links));
			d->links[d->n_links++] = (struct md_link_rec){
				.node = n,
				.url = xstrdup(cmark_node_get_url(n) ? cmark_node_get_url(n) : ""),
				.image = cmark_node_get_type(n) == CMARK_NODE_IMAGE,
				.line = d->first_line + (line > 0 ? line : 1) - 1,
			};
			break;
		}
		default:
			break;
		}
	}
	cmark_iter_free(it);
	return d;
}

void md_free(struct md_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_headings; i++) {
		free(d->headings[i].text);
		free(d->headings[i].id);
	}
	free(d->headings);
	free(d->hnodes);
	free(d->codes);
	for (size_t i = 0; i < d->n_links; i++)
		free(d->links[i].url);
	free(d->links);
	cmark_node_free(d->root);
	cmark_parser_free(d->parser);
	free(d);
}

size_t md_headings(const struct md_doc *d, const struct md_heading **out)
{
	*out = d->headings;
	return d->n_headings;
}

int md_links(struct md_doc *d, md_link_fn fn, void *ctx, berr_t *err)
{
	for (size_t i = 0; i < d->n_links; i++) {
		struct md_link_rec *l = &d->links[i];
		char *new_url = NULL;
		if (fn(ctx, l->url, l->image, l->line, &new_url, err) < 0) {
			free(new_url);
			return -1;
		}
		cmark_node_set_url(l->node, new_url ? new_url : l->url);
		free(new_url);
	}
	return 0;
}

char *md_code_block(const char *info, const char *code)
{
	enum hl_lang lang = hl_lang_from_info(info);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char *hl = highlight(lang, code);
	size_t hn = strlen(hl);

	/* cmark keeps the final newline of a block; <pre> would show it. */
	if (hn && hl[hn - 1] == '\n')
		hl[--hn] = '\0';
	fputs("<div class=\"code\"", f);
	if (lang != HL_NONE)
		fprintf(f, " data-lang=\"%s\"", hl_lang_name(lang));
	if (lang == HL_CONSOLE) {
		char *cmds = console_commands(code);
		char *e = html_escape(cmds);
		fprintf(f, " data-copy=\"%s\"", e);
		free(e);
		free(cmds);
	}
	/* tabindex: a block that scrolls sideways must be reachable by keyboard. */
	fprintf(f, "><pre tabindex=\"0\"><code>%s</code></pre></div>\n", hl);
	free(hl);
	fclose(f);
	return buf;
}

/* The inside of a rendered heading: "<h2>inner</h2>\n" -> "inner". */
static char *heading_inner(struct md_doc *d, cmark_node *h)
{
	char *html = cmark_render_html(h, d->opts, cmark_parser_get_syntax_extensions(d->parser));
	char *open = strchr(html, '>');
	char *close = strrchr(html, '<');
	char *inner = (open && close && close > open) ? xstrndup(open + 1, (size_t)(close - open - 1)) : xstrdup("");
	free(html);
	return inner;
}

char *md_render(struct md_doc *d, const char *id_prefix)
{
	size_t n = d->n_headings + d->n_codes;
	cmark_node **orig = xcalloc(n ? n : 1, sizeof(*orig));
	cmark_node **swap = xcalloc(n ? n : 1, sizeof(*swap));
	size_t k = 0;
	char *html, *out;

	if (!id_prefix)
		id_prefix = "";
	for (size_t i = 0; i < d->n_headings; i++) {
		cmark_node *h = d->hnodes[i];
		char *inner = heading_inner(d, h);
		char *eid = html_escape(d->headings[i].id);
		char *pre = html_escape(id_prefix);
		int lvl = d->headings[i].level;
		char *block = xasprintf("<h%d id=\"%s%s\">%s</h%d>\n", lvl, pre, eid, inner, lvl);
		cmark_node *cb = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
		cmark_node_set_on_enter(cb, block);
		free(block);
		free(inner);
		free(eid);
		free(pre);
		orig[k] = h;
		swap[k++] = cb;
	}
	for (size_t i = 0; i < d->n_codes; i++) {
		cmark_node *c = d->codes[i];
		char *block = md_code_block(cmark_node_get_fence_info(c), cmark_node_get_literal(c));
		cmark_node *cb = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
		cmark_node_set_on_enter(cb, block);
		free(block);
		orig[k] = c;
		swap[k++] = cb;
	}
	for (size_t i = 0; i < k; i++)
		cmark_node_replace(orig[i], swap[i]);
	html = cmark_render_html(d->root, d->opts, cmark_parser_get_syntax_extensions(d->parser));
	for (size_t i = 0; i < k; i++) {
		cmark_node_replace(swap[i], orig[i]);
		cmark_node_free(swap[i]);
	}
	free(orig);
	free(swap);
	out = xstrdup(html);
	/* cmark allocated html with its default allocator (malloc). */
	free(html);
	return out;
}

void md_texts(const struct md_doc *d, md_text_fn fn, void *ctx)
{
	cmark_iter *it = cmark_iter_new(d->root);
	cmark_event_type ev;
	const char *anchor = "";
	size_t h = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node_type t = cmark_node_get_type(n);
		const char *ts = cmark_node_get_type_string(n);
		if (t == CMARK_NODE_HEADING) {
			if (h < d->n_headings && d->hnodes[h] == n)
				anchor = d->headings[h++].id;
			char *s = text_of(n);
			fn(ctx, anchor, s, MD_TEXT_HEADING);
			free(s);
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
		} else if (t == CMARK_NODE_PARAGRAPH || strcmp(ts, "table_cell") == 0) {
			char *s = text_of(n);
			fn(ctx, anchor, s, MD_TEXT_PROSE);
			free(s);
			cmark_iter_reset(it, n, CMARK_EVENT_EXIT);
		} else if (t == CMARK_NODE_CODE_BLOCK) {
			fn(ctx, anchor, cmark_node_get_literal(n), MD_TEXT_CODE);
		}
	}
	cmark_iter_free(it);
}

char *markdown_to_html(const char *md, bool allow_html)
{
	struct md_doc *d = md_parse(md, 1, allow_html, NULL);
	char *html = md_render(d, NULL);
	md_free(d);
	return html;
}
