/* tabwriter.c: see tabwriter.h. */
#define _GNU_SOURCE
#include "tabwriter.h"
#include "../core/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void tw_init(struct tabwriter *t)
{
	memset(t, 0, sizeof(*t));
	t->minwidth = 10;
	t->padding = 3;
}

void tw_row(struct tabwriter *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
		t->ncells = xrealloc(t->ncells, t->cap * sizeof(*t->ncells));
	}
	t->rows[t->nrows] = NULL;
	t->ncells[t->nrows] = 0;
	t->nrows++;
}

void tw_cell(struct tabwriter *t, const char *s)
{
	size_t r = t->nrows - 1, n = t->ncells[r];
	t->rows[r] = xrealloc(t->rows[r], (n + 1) * sizeof(char *));
	t->rows[r][n] = xstrdup(s ? s : "");
	t->ncells[r] = n + 1;
}

void tw_cellf(struct tabwriter *t, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	tw_cell(t, s ? s : "");
	free(s);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void tw_flush(struct tabwriter *t, FILE *out)
{
	size_t ncols = 0;
	size_t *w;

	for (size_t i = 0; i < t->nrows; i++)
		if (t->ncells[i] > ncols)
			ncols = t->ncells[i];
	w = xcalloc(ncols + 1, sizeof(size_t));
	/* Like text/tabwriter, a column's width is set by the rows that have
	 * a cell after it (the last cell of a row is not in a column). */
	for (size_t i = 0; i < t->nrows; i++)
		for (size_t j = 0; j + 1 < t->ncells[i]; j++) {
			size_t cw = width(t->rows[i][j]) + t->padding;
			if (cw < t->minwidth)
				cw = t->minwidth;
			if (cw > w[j])
				w[j] = cw;
		}
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t j = 0; j < t->ncells[i]; j++) {
			fputs(t->rows[i][j], out);
			if (j + 1 < t->ncells[i])
				for (size_t k = width(t->rows[i][j]); k < w[j]; k++)
					fputc(' ', out);
		}
		fputc('\n', out);
	}
	free(w);
	tw_free(t);
}

void tw_free(struct tabwriter *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t j = 0; j < t->ncells[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->ncells);
	t->rows = NULL;
	t->ncells = NULL;
	t->nrows = t->cap = 0;
}
