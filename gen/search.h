/* search.h: the offline search index, built at build time and written as a
 * JavaScript file that a <script> tag loads (file:// forbids fetch and
 * modules).  assets/search.js reads it.
 *
 * The inverted index maps each token to the pages that hold it; the text is
 * also kept cut into sentences, so a result can show the sentence that
 * matched (the search page looks for the tokens in the sentences of the
 * pages the index found).  Posting pages rather than sentences keeps the
 * file small: the course's index stays well under 300 KB.  Tokens:
 *   - Hangul (syllables U+AC00-U+D7A3): every syllable alone and every pair
 *     of neighbours (overlapping bigrams): "레이어" -> 레 이 어 레이 이어.
 *     Korean glues particles to words (레이어를, 레이어가), so whole words
 *     would not match; bigrams do, with no dictionary.
 *   - everything else that is a letter or digit: whole words, ASCII lower-
 *     cased ("Dockerfile" -> dockerfile).  A query word matches words it
 *     begins ("layer" finds "layers").
 * A query's tokens must all appear in one page (AND); pages where one
 * sentence holds them all rank first.
 *
 * Layout of the file (JSON inside `window.BERTH_SEARCH = ...;`):
 *   {"lang":"ko", "docs":[[url, title, [anchor,...]],...],
 *    "s":[[doc, anchor-index, kind, text],...],
 *    "t":{token: "posting list"}}
 * kind: 0 title, 1 heading, 2 prose, 3 code.  A posting list is the page
 * numbers, ascending, as differences from the
 * previous one in base 36, joined by ".": 3, 5, 100 -> "3.2.2j".
 */
#ifndef BERTH_SEARCH_H
#define BERTH_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

enum search_kind { SEARCH_TITLE, SEARCH_HEADING, SEARCH_PROSE, SEARCH_CODE };

struct search_index;
struct search_index *search_new(void);
void search_free(struct search_index *s);

/* A page (url relative to the search page, e.g. "what-is-a-container.html")
 * and its title; returns its number. */
int search_add_doc(struct search_index *s, const char *url, const char *title);
/* Text of a page under anchor ("" for the top): prose is cut into
 * sentences, code into lines. */
void search_add_text(struct search_index *s, int doc, const char *anchor, const char *text, enum search_kind kind);

/* The index as JavaScript (malloc'd). */
char *search_js(const struct search_index *s, const char *lang);

/* Run a query as assets/search.js does; fills docs with up to max page
 * numbers, best first, and returns how many matched. */
size_t search_query(const struct search_index *s, const char *query, int *docs, size_t max);

/* The tokens of text: with `query` set, a run of Hangul gives only its
 * bigrams (or its one syllable), as the search page looks them up. */
typedef void (*search_token_fn)(void *ctx, const char *tok, size_t len, bool hangul);
void search_tokens(const char *text, bool query, search_token_fn fn, void *ctx);

/* Counts, for tests and the build summary. */
size_t search_n_sentences(const struct search_index *s);
size_t search_n_tokens(const struct search_index *s);

#endif
