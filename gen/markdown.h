/* markdown.h: lesson Markdown to HTML through cmark-gfm, with GitHub's
 * table, strikethrough, autolink and task-list extensions.
 *
 * A lesson is parsed once into an md_doc; the site then reads its headings
 * (for the table of contents and anchors), visits its links (the link
 * checker rewrites them), reads its text (the search index) and renders it
 * (once for the lesson page, once for print.html with prefixed ids).
 * Code blocks are highlighted at build time (highlight.h).
 */
#ifndef BERTH_MARKDOWN_H
#define BERTH_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include "../engine/core/err.h"

struct md_doc;

struct md_heading {
	int level;     /* 1-6 */
	int line;      /* in the file (first_line based) */
	char *text;    /* plain text */
	char *id;      /* the anchor: a slug of the text, unique in the page */
};

/* Parse md, whose first line is line first_line of its file.  Raw HTML is
 * shown as text unless allow_html.  Ids in reserved (NULL-terminated, may
 * be NULL) are never given to a heading: the page uses them itself. */
struct md_doc *md_parse(const char *md, int first_line, bool allow_html, const char *const *reserved);
void md_free(struct md_doc *d);

size_t md_headings(const struct md_doc *d, const struct md_heading **out);

/* Visit every link and image.  url is always the URL as written.  The
 * callback may set *new_url (malloc'd) to replace what is rendered, and
 * returns -1 with err set to stop the walk. */
typedef int (*md_link_fn)(void *ctx, const char *url, bool image, int line, char **new_url, berr_t *err);
int md_links(struct md_doc *d, md_link_fn fn, void *ctx, berr_t *err);

/* Render to an HTML fragment (malloc'd).  Heading ids get id_prefix ("" or
 * NULL for none). */
char *md_render(struct md_doc *d, const char *id_prefix);

/* Visit the text of the document block by block, with the id of the
 * heading it falls under ("" before the first). */
enum md_text_kind { MD_TEXT_HEADING, MD_TEXT_PROSE, MD_TEXT_CODE };
typedef void (*md_text_fn)(void *ctx, const char *anchor, const char *text, enum md_text_kind kind);
void md_texts(const struct md_doc *d, md_text_fn fn, void *ctx);

/* A heading's anchor: lower-cased ASCII letters and digits, Hangul and
 * other letters kept, spaces to '-', punctuation dropped ("section" when
 * nothing is left).  malloc'd. */
char *md_slug(const char *text);

/* A highlighted code block as the site shows it (with its copy data). */
char *md_code_block(const char *info, const char *code);

/* One-shot: Markdown to HTML (exercise tasks, hints, glossary text). */
char *markdown_to_html(const char *md, bool allow_html);

#endif
