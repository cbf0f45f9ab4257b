/* tabwriter.h: docker's table output (Go's text/tabwriter with docker's
 * settings: minimum cell width 10, padding 3, spaces).  Rows are added
 * cell by cell and printed at the end, when every column's width is known;
 * the last column is never padded. */
#ifndef BERTH_TABWRITER_H
#define BERTH_TABWRITER_H

#include <stddef.h>
#include <stdio.h>

struct tabwriter {
	char ***rows;     /* rows[i][j] */
	size_t *ncells;
	size_t nrows, cap;
	size_t minwidth, padding;
};

void tw_init(struct tabwriter *t);
/* Start a row; cells follow with tw_cell / tw_cellf. */
void tw_row(struct tabwriter *t);
void tw_cell(struct tabwriter *t, const char *s);
void tw_cellf(struct tabwriter *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tw_flush(struct tabwriter *t, FILE *out);
void tw_free(struct tabwriter *t);

#endif
