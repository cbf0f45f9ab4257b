/* markdown.h: lesson Markdown to HTML through cmark-gfm, with GitHub's
 * table, strikethrough, autolink and task-list extensions. */
#ifndef BERTH_MARKDOWN_H
#define BERTH_MARKDOWN_H

#include <stdbool.h>

/* Render Markdown to an HTML fragment (malloc'd).  Raw HTML written in the
 * lesson is shown as text unless allow_html is set, and unsafe link
 * schemes (javascript:) are dropped either way unless allow_html. */
char *markdown_to_html(const char *md, bool allow_html);

#endif
