/* test_tabwriter.c: columns line up the way docker's tabwriter lines them up.
 *
 * Expected outputs follow Go's text/tabwriter algorithm (column blocks,
 * minwidth, padding, the unaligned last cell) with docker's fork's widths
 * (display columns: a Hangul syllable is two); the docker-style tables were
 * checked against `docker volume ls --format 'table ...'`.
 */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/tabwriter.h"

#include <stdlib.h>

/* Write the pieces (NULL-terminated) through a tabwriter, flush, return the output. */
static char *run(int minwidth, int padding, const char *const *pieces)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tabwriter *tw = tw_new(f, minwidth, 1, padding);

	for (size_t i = 0; pieces[i]; i++)
		tw_puts(tw, pieces[i]);
	tw_flush(tw);
	tw_free(tw);
	fclose(f);
	return buf;
}

#define PIECES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void check(int minwidth, int padding, const char *const *pieces, const char *want, const char *what)
{
	char *got = run(minwidth, padding, pieces);
	is_str(got, want, "%s", what);
	free(got);
}

int main(void)
{
	check(0, 1, PIECES("a\tb\tc\n"), "a b c\n", "cells are separated by one space of padding");
	check(0, 1, PIECES("aaaa\tb\nc\td\n"), "aaaa b\nc    d\n", "a column is as wide as its widest cell");
	check(0, 1, PIECES("a\tshort\nb\ta much longer last cell\n"), "a short\nb a much longer last cell\n",
	      "the text after the last tab is not a column and is not padded");
	check(10, 3, PIECES("a\tb\n"), "a         b\n", "minwidth makes a narrow column ten wide (docker's setting)");
	check(10, 3, PIECES("CONTAINER ID\tNAMES\n0123456789ab\tweb\n"),
	      "CONTAINER ID   NAMES\n0123456789ab   web\n", "a wide column gets three spaces of padding");
	check(0, 1, PIECES("aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n"),
	      "aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n",
	      "a column block ends at a line without that column (Go's doc example)");
	check(0, 1, PIECES("a\tb\nxxxxxx\nccc\td\n"), "a b\nxxxxxx\nccc d\n",
	      "a line without a tab ends every block");
	check(0, 1, PIECES("\ta\n\tb\n"), " a\n b\n", "empty cells are padded too");
	check(0, 1, PIECES("a\tb\t\nccc\td\t\n"), "a   b \nccc d \n",
	      "a trailing tab makes the last column a cell, padded like the rest");
	check(0, 1, PIECES("a\tb"), "a b", "flush without a final newline writes the pending cell");
	check(0, 1, PIECES("ab", "c\td", "\n"), "abc d\n", "a cell may arrive in several writes");
	check(0, 1, PIECES("a\tb\fccc\td\n"), "a b\nccc d\n", "a formfeed ends the blocks and prints as a newline");
	check(0, 1, PIECES(""), "", "nothing written, nothing printed");
	check(0, 1, PIECES("\n\n"), "\n\n", "empty lines pass through");
	check(0, 1, PIECES("이름\tx\nab\ty\n"), "이름 x\nab   y\n", "a Hangul syllable is two columns wide, as in docker");
	check(0, 1, PIECES("日本\tx\nabcd\ty\n"), "日本 x\nabcd y\n", "CJK ideographs are two columns wide");
	check(0, 1, PIECES("e\xcc\x81\tx\nab\ty\n"), "e\xcc\x81  x\nab y\n", "a combining accent takes no room");
	/* "a<TAB>b" measures 2: the escapes are not counted, the tab is a control character */
	check(0, 1, PIECES("\xff\x61\tb\xff\tc\nxyz\td\n"), "\xff\x61\tb\xff  c\nxyz d\n",
	      "an escaped segment keeps its tab and is measured without the escapes");
	check(0, 1, PIECES("\xfe\tx\nab\ty\n"), "\xfe  x\nab y\n", "a malformed byte counts as one column");
	check(0, 0, PIECES("a\tb\nc\td\n"), "ab\ncd\n", "padding 0 and minwidth 0 butt the cells together");
	check(10, 3,
	      PIECES("VOLUME NAME\tDRIVER\tLABELS\n", "a_long_volume_name_here\tlocal\tx=1\n", "v1\tlocal\ta=b\n",
		     "vol3\tlocal\tk=한국어\n"),
	      "VOLUME NAME               DRIVER    LABELS\n"
	      "a_long_volume_name_here   local     x=1\n"
	      "v1                        local     a=b\n"
	      "vol3                      local     k=한국어\n",
	      "a docker volume ls table comes out as docker prints it");
	check(10, 3, PIECES("LABELS\tNAME\n", "a=b,c.d=<x>&\tv1\n", "k=한국어\tvol3\n"),
	      "LABELS         NAME\na=b,c.d=<x>&   v1\nk=한국어       vol3\n",
	      "a Korean cell is padded to the same screen column as docker pads it");

	/* The writer can be used again after a flush. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct tabwriter *tw = tw_new(f, 0, 1, 1);
		tw_puts(tw, "aaa\tb\n");
		tw_flush(tw);
		tw_puts(tw, "c\td\n");
		tw_flush(tw);
		tw_free(tw);
		fclose(f);
		is_str(buf, "aaa b\nc d\n", "after a flush, new lines start new blocks");
		free(buf);
	}
	return done_testing();
}
