/* tabwriter.h: Go's text/tabwriter, as docker's CLI uses it to align tables.
 *
 * Text written to the writer is cut into cells at each '\t' (or '\v'); a
 * column block is a run of consecutive lines that have a cell in that
 * column, and every cell of a block is padded with spaces to the block's
 * widest cell plus `padding`, but to at least `minwidth`.  The text after a
 * line's last tab is not a cell and is never padded.  A line without any
 * tab ends all blocks, so the writer prints what it holds at that point;
 * tw_flush() prints the rest.  Text between two 0xff bytes is written as
 * it is and tabs in it do not cut cells (Go's Escape); the two 0xff bytes
 * are written too but not counted.
 *
 * Width is what a terminal shows, not Go's rune count: docker's CLI uses
 * its own fork of text/tabwriter (cli/command/formatter/tabwriter) that
 * measures cells with go-runewidth, so "k=한국어" is 8 columns wide there,
 * and a Korean column lines up.  berth does the same (wide and fullwidth
 * characters count 2, combining marks 0; ambiguous-width ones 1).
 *
 * docker: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0) for list tables,
 * (out, 20, 1, 1, ' ', 0) for `docker version`.  Padding is always with
 * spaces (padchar ' ', flags 0), so tabwidth only exists for parity with
 * Go's constructor and has no effect.
 */
#ifndef BERTH_TABWRITER_H
#define BERTH_TABWRITER_H

#include <stddef.h>
#include <stdio.h>

struct tabwriter;

struct tabwriter *tw_new(FILE *out, int minwidth, int tabwidth, int padding);
void tw_write(struct tabwriter *tw, const char *s, size_t n);
void tw_puts(struct tabwriter *tw, const char *s);
/* Print everything buffered; the writer can be used again afterwards. */
void tw_flush(struct tabwriter *tw);
/* Does not flush: call tw_flush() first if the buffered text is wanted. */
void tw_free(struct tabwriter *tw);

#endif
