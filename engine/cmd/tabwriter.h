/* tabwriter.h: docker's table output (Go's text/tabwriter with docker's
 * settings: minimum cell width 10, padding 3, spaces).  Rows are added
 * cell by cell and printed at the end, when every column's width is known;
 * the last column is never padded. */
#ifndef BERTH_TABWRITER_H
#define BERTH_TABWRITER_H

#include <stddef.h>
#include <stdio.h>

/* Integration fix (runtime branch, merging images + template): the
 * template branch brings engine/core/tabwriter.{h,c} with the same symbol
 * names; until the two are unified, this command-side one is renamed. */
#define tabwriter cmd_tabwriter
#define tw_init cmd_tw_init
#define tw_row cmd_tw_row
#define tw_cell cmd_tw_cell
#define tw_cellf cmd_tw_cellf
#define tw_flush cmd_tw_flush
#define tw_free cmd_tw_free

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
