/* tabwriter.c: Go's text/tabwriter (see tabwriter.h).
 *
 * The structure follows Go's implementation so its behaviour carries over
 * case for case: the text is kept in one buffer, each line is a list of
 * cells (byte size, rune width), and format() walks the lines recursively,
 * one column at a time, finding each column block and its width before it
 * formats the columns to its right.
 */
#define _GNU_SOURCE
#include "tabwriter.h"
#include "util.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define TW_ESCAPE '\xff'

struct tw_cell {
	size_t size;   /* bytes */
	long width;    /* display columns (an unterminated escape can make it negative, as in Go) */
};

struct tw_line {
	struct tw_cell *cells;
	size_t n, cap;
};

struct tabwriter {
	FILE *out;
	size_t minwidth, padding;
	int tabwidth;

	char *buf;               /* all text not yet printed, cells back to back */
	size_t len, cap;
	size_t pos;              /* start of the text not yet counted in cell.width */
	struct tw_cell cell;     /* the cell being collected */
	bool in_escape;

	struct tw_line *lines;   /* never empty: the last one is being collected */
	size_t nlines, caplines;

	long *widths;            /* column widths while formatting */
	size_t nwidths, capwidths;
};

/* Width on a terminal, as go-runewidth's StringWidth gives it to docker's
 * fork: East Asian wide and fullwidth characters (Hangul, CJK, emoji) take
 * two columns, combining marks and control characters none, a malformed
 * byte one (it is shown as U+FFFD).  glibc's wcwidth() in the C.UTF-8
 * locale has the Unicode tables; the process keeps its "C" locale, so the
 * C.UTF-8 one is switched in for this thread only while measuring. */
static size_t display_width(const unsigned char *s, size_t n)
{
	static locale_t utf8;
	static bool tried;
	size_t i = 0, width = 0;
	locale_t old = (locale_t)0;

	if (!tried) {
		tried = true;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	while (i < n) {
		unsigned char c = s[i];
		size_t need = 0;
		unsigned int cp = 0, min = 0;

		if (c < 0x80) {
			/* control characters take no room */
			if (c >= 0x20 && c != 0x7f)
				width++;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07, min = 0x10000;
		size_t k = 1;
		for (; need && k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (need == 0 || k <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			width++;
			i++;
			continue;
		}
		i += need + 1;
		if (cp < 0xa0) {
			continue; /* C1 controls */
		}
		int w = -1;
		if (utf8) {
			old = uselocale(utf8);
			w = wcwidth((wchar_t)cp);
			uselocale(old);
		}
		width += w < 0 ? 1 : (size_t)w;
	}
	return width;
}

static struct tw_line *cur_line(struct tabwriter *tw)
{
	return &tw->lines[tw->nlines - 1];
}

static void add_line(struct tabwriter *tw)
{
	if (tw->nlines == tw->caplines) {
		tw->caplines = tw->caplines ? tw->caplines * 2 : 16;
		tw->lines = xrealloc(tw->lines, tw->caplines * sizeof(*tw->lines));
	}
	memset(&tw->lines[tw->nlines++], 0, sizeof(struct tw_line));
}

static void reset(struct tabwriter *tw)
{
	for (size_t i = 0; i < tw->nlines; i++)
		free(tw->lines[i].cells);
	tw->nlines = 0;
	tw->len = tw->pos = 0;
	memset(&tw->cell, 0, sizeof(tw->cell));
	tw->in_escape = false;
	tw->nwidths = 0;
	add_line(tw);
}

struct tabwriter *tw_new(FILE *out, int minwidth, int tabwidth, int padding)
{
	struct tabwriter *tw = xcalloc(1, sizeof(*tw));

	tw->out = out;
	tw->minwidth = minwidth > 0 ? (size_t)minwidth : 0;
	tw->padding = padding > 0 ? (size_t)padding : 0;
	tw->tabwidth = tabwidth;
	reset(tw);
	return tw;
}

void tw_free(struct tabwriter *tw)
{
	if (tw == NULL)
		return;
	for (size_t i = 0; i < tw->nlines; i++)
		free(tw->lines[i].cells);
	free(tw->lines);
	free(tw->buf);
	free(tw->widths);
	free(tw);
}

static void append_text(struct tabwriter *tw, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (tw->len + n > tw->cap) {
		while (tw->len + n > tw->cap)
			tw->cap = tw->cap ? tw->cap * 2 : 256;
		tw->buf = xrealloc(tw->buf, tw->cap);
	}
	memcpy(tw->buf + tw->len, s, n);
	tw->len += n;
	tw->cell.size += n;
}

static void update_width(struct tabwriter *tw)
{
	if (tw->len > tw->pos)
		tw->cell.width += (long)display_width((const unsigned char *)tw->buf + tw->pos, tw->len - tw->pos);
	tw->pos = tw->len;
}

static size_t terminate_cell(struct tabwriter *tw)
{
	struct tw_line *l = cur_line(tw);

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->cells = xrealloc(l->cells, l->cap * sizeof(*l->cells));
	}
	l->cells[l->n++] = tw->cell;
	memset(&tw->cell, 0, sizeof(tw->cell));
	return l->n;
}

static void end_escape(struct tabwriter *tw)
{
	update_width(tw);
	/* The escape bytes are written but take no room. */
	tw->cell.width -= 2;
	tw->in_escape = false;
}

static void write_padding(struct tabwriter *tw, long textw, long cellw)
{
	for (long i = textw; i < cellw; i++)
		fputc(' ', tw->out);
}

static size_t write_lines(struct tabwriter *tw, size_t pos, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		struct tw_line *l = &tw->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			struct tw_cell *c = &l->cells[j];
			if (c->size > 0) {
				fwrite(tw->buf + pos, 1, c->size, tw->out);
				pos += c->size;
			}
			if (j < tw->nwidths)
				write_padding(tw, c->width, tw->widths[j]);
		}
		if (i + 1 == tw->nlines) {
			/* The last line has no newline yet: write what it holds. */
			if (tw->cell.size)
				fwrite(tw->buf + pos, 1, tw->cell.size, tw->out);
			pos += tw->cell.size;
		} else {
			fputc('\n', tw->out);
		}
	}
	return pos;
}

static void push_width(struct tabwriter *tw, long w)
{
	if (tw->nwidths == tw->capwidths) {
		tw->capwidths = tw->capwidths ? tw->capwidths * 2 : 8;
		tw->widths = xrealloc(tw->widths, tw->capwidths * sizeof(*tw->widths));
	}
	tw->widths[tw->nwidths++] = w;
}

/* Go's Writer.format: format lines [line0, line1) from column len(widths)
 * on; returns the buffer position after the text written. */
static size_t format(struct tabwriter *tw, size_t pos, size_t line0, size_t line1)
{
	size_t column = tw->nwidths;

	for (size_t this = line0; this < line1; this++) {
		/* The last cell of a line is the text before the newline: not a column. */
		if (column + 1 >= tw->lines[this].n)
			continue;
		/* A block starts here: print the lines before it first. */
		pos = write_lines(tw, pos, line0, this);
		line0 = this;

		long width = (long)tw->minwidth;
		for (; this < line1; this++) {
			struct tw_line *l = &tw->lines[this];
			if (column + 1 >= l->n)
				break;
			long w = l->cells[column].width + (long)tw->padding;
			if (w > width)
				width = w;
		}
		push_width(tw, width);
		pos = format(tw, pos, line0, this);
		tw->nwidths--;
		line0 = this;
	}
	return write_lines(tw, pos, line0, line1);
}

static void flush_internal(struct tabwriter *tw)
{
	if (tw->cell.size > 0) {
		if (tw->in_escape)
			end_escape(tw);
		terminate_cell(tw);
	}
	format(tw, 0, 0, tw->nlines);
	reset(tw);
}

void tw_write(struct tabwriter *tw, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (tw->in_escape) {
			if (ch == TW_ESCAPE) {
				append_text(tw, s + start, i + 1 - start);
				start = i + 1;
				end_escape(tw);
			}
			continue;
		}
		switch (ch) {
		case '\t':
		case '\v':
		case '\n':
		case '\f': {
			append_text(tw, s + start, i - start);
			update_width(tw);
			start = i + 1;
			size_t ncells = terminate_cell(tw);
			if (ch == '\n' || ch == '\f') {
				add_line(tw);
				/* A line of one cell cannot affect the alignment of
				 * the lines after it: everything so far can go out. */
				if (ch == '\f' || ncells == 1)
					flush_internal(tw);
			}
			break;
		}
		case TW_ESCAPE:
			append_text(tw, s + start, i - start);
			update_width(tw);
			start = i;
			tw->in_escape = true;
			break;
		default:
			break;
		}
	}
	append_text(tw, s + start, n - start);
}

void tw_puts(struct tabwriter *tw, const char *s)
{
	tw_write(tw, s, strlen(s));
}

void tw_flush(struct tabwriter *tw)
{
	flush_internal(tw);
	fflush(tw->out);
}
