/* links.h: the link checker.  Every link and image in a lesson is resolved
 * against the site being built: other lessons (written as `other-id.md`,
 * `NN-other-id.md` or `other-id.html`, with an optional #anchor), anchors
 * in the same page, and files under assets/.  A link that leads nowhere
 * stops the build with file:line; so does anything that would make a page
 * request something outside the site (an image from the web) or that
 * breaks under file:// or a sub-path (an absolute /path).
 *
 * A link is rewritten to the page it names, relative to the page it is on,
 * so lessons can link to their Markdown sources and still work on GitHub.
 */
#ifndef BERTH_LINKS_H
#define BERTH_LINKS_H

#include <stdbool.h>
#include "../engine/core/err.h"

/* The pages of a site and the anchors in each, by site-relative path
 * ("ko/what-is-a-container.html"). */
struct link_index;
struct link_index *links_new(void);
void links_free(struct link_index *x);
/* Add a page (anchor NULL) or an anchor in a page (the page is added too). */
void links_add(struct link_index *x, const char *page, const char *anchor);
bool links_has_page(const struct link_index *x, const char *page);
bool links_has_anchor(const struct link_index *x, const char *page, const char *anchor);
/* A lesson's source file name in a language ("01-what-is-a-container.md")
 * and the id it has, so links to Markdown files can be followed. */
void links_add_source(struct link_index *x, const char *lang, const char *file, const char *id);

struct link_from {
	const struct link_index *index;
	const char *lang;         /* the directory of the page: "ko" */
	const char *page;         /* the page's site path: "ko/what-is-a-container.html" */
	const char *file;         /* the source, for messages: lessons/ko/01-what-is-a-container.md */
	const char *assets_dir;   /* assets/ on disk, to check ../assets/ links */
	/* print.html: links into lessons of the same language become in-page
	 * anchors "#<id>--<anchor>" (or "#<id>" for the lesson itself). */
	bool print;
};

/* Resolve url (as written at line); on success *out is what to render
 * (malloc'd).  On failure err says "file:line: ...". */
int links_resolve(const struct link_from *from, const char *url, bool image, int line, char **out, berr_t *err);

/* Percent-decode s (malloc'd); invalid escapes are kept as written. */
char *url_decode(const char *s);

#endif
