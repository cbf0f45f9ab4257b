/* page.c: see page.h. */
#define _GNU_SOURCE
#include "page.h"
#include "../engine/core/util.h"

#include <stdio.h>
#include <string.h>

char *page_fill(const char *tmpl, const struct slot *slots)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	const char *p = tmpl;

	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(open - p), out);
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			fputs(open, out);
			break;
		}
		size_t nlen = (size_t)(close - open - 2);
		for (const struct slot *s = slots; s->name; s++) {
			if (strlen(s->name) == nlen && strncmp(s->name, open + 2, nlen) == 0) {
				fputs(s->value ? s->value : "", out);
				break;
			}
		}
		p = close + 2;
	}
	fclose(out);
	return buf ? buf : xstrdup("");
}

char *html_escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	/* Copy runs of ordinary bytes at once: this runs for every text on
	 * every page. */
	while (s && *s) {
		size_t run = strcspn(s, "&<>\"'");
		fwrite(s, 1, run, out);
		s += run;
		if (!*s)
			break;
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputs("&#39;", out); break;
		}
		s++;
	}
	fclose(out);
	return buf ? buf : xstrdup("");
}
