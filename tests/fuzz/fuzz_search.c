/* fuzz_search.c: the search index builder on arbitrary text: tokens,
 * sentences, the JavaScript it writes, and queries made of the same bytes. */
#include "../../gen/search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void count(void *ctx, const char *tok, size_t len, bool hangul)
{
	(void)tok;
	(void)hangul;
	*(size_t *)ctx += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	size_t n = 0;
	search_tokens(text, false, count, &n);
	search_tokens(text, true, count, &n);

	struct search_index *s = search_new();
	int a = search_add_doc(s, "a.html", text);
	int b = search_add_doc(s, "b.html", "b");
	search_add_text(s, a, "", text, SEARCH_PROSE);
	search_add_text(s, b, text, text, SEARCH_CODE);
	search_add_text(s, a, "h", text, SEARCH_HEADING);
	free(search_js(s, "ko"));
	int docs[4];
	search_query(s, text, docs, 4);
	size_t half = size / 2;
	text[half] = '\0';
	search_query(s, text, docs, 4);
	search_free(s);
	free(text);
	return 0;
}
