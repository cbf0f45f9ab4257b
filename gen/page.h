/* page.h: filling site/ templates.  A template holds {{name}} slots; each
 * value is inserted as given (callers escape text with html_escape). */
#ifndef BERTH_PAGE_H
#define BERTH_PAGE_H

#include <stddef.h>

struct slot {
	const char *name;
	const char *value;
};

/* Fill tmpl's {{name}} slots from slots[] (NULL-name terminated); an
 * unknown slot is left empty.  Returns a malloc'd string. */
char *page_fill(const char *tmpl, const struct slot *slots);

/* Escape &, <, >, " and ' for HTML text and attributes (malloc'd). */
char *html_escape(const char *s);

#endif
