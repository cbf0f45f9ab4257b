/* test_search.c: the search index builder: Hangul bigrams and single
 * syllables, Latin words whole and lower-cased, the query rules the search
 * page uses, and the JavaScript it writes. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../gen/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct toks {
	char buf[4096];
};

static void add(void *ctx, const char *tok, size_t len, bool hangul)
{
	struct toks *t = ctx;
	size_t n = strlen(t->buf);
	snprintf(t->buf + n, sizeof(t->buf) - n, "%s%.*s%s", n ? " " : "", (int)len, tok, hangul ? "" : "/w");
}

static const char *tokens(const char *text, bool query)
{
	static struct toks t;
	t.buf[0] = '\0';
	search_tokens(text, query, add, &t);
	return t.buf;
}

int main(void)
{
	/* The tokenizer. */
	is_str(tokens("레이어", false), "레 레이 이 이어 어", "indexing 레이어: each syllable and each pair");
	is_str(tokens("레이어", true), "레이 이어", "a query of 레이어 looks up its bigrams");
	is_str(tokens("레", true), "레", "a one-syllable query looks up the syllable");
	is_str(tokens("Dockerfile", false), "dockerfile/w", "Latin words are whole and lower-cased");
	is_str(tokens("The layer, and THE layers.", false), "layer/w layers/w", "stop words are left out");
	is_str(tokens("레이어를 docker로", false), "레 레이 이 이어 어 어를 를 docker/w 로",
	       "Hangul and Latin runs split where the script changes");
	is_str(tokens("berth-lab v0.1", false), "berth/w lab/w v0/w 1/w", "punctuation separates words");
	is_str(tokens("sha256:0123456789abcdef0123456789abcdef0123456789abcdef", false), "sha256/w",
	       "a word longer than 40 bytes is noise, not indexed");
	is_str(tokens("「컨테이너」…", true), "컨테 테이 이너", "CJK punctuation is a separator");
	is_str(tokens("café", false), "café/w", "other letters stay in words");
	is_str(tokens("\xff\xfe", false), "", "bytes that are not UTF-8 are separators");

	/* An index of three pages. */
	struct search_index *s = search_new();
	int layers = search_add_doc(s, "image-layers.html", "이미지 레이어");
	search_add_text(s, layers, "", "이미지 레이어", SEARCH_TITLE);
	search_add_text(s, layers, "union", "이미지는 레이어를 겹친 것입니다. 각 레이어는 읽기 전용입니다.", SEARCH_PROSE);
	search_add_text(s, layers, "build", "FROM busybox\nCOPY app.sh /app.sh\n", SEARCH_CODE);
	int build = search_add_doc(s, "dockerfile.html", "Dockerfile 쓰기");
	search_add_text(s, build, "", "Dockerfile 쓰기", SEARCH_TITLE);
	search_add_text(s, build, "", "A Dockerfile adds one layer per step. Each layers stack.", SEARCH_PROSE);
	int vm = search_add_doc(s, "vm.html", "가상 머신");
	search_add_text(s, vm, "", "가상 머신은 커널을 부팅합니다. 레이스 조건과는 상관없습니다.", SEARCH_PROSE);

	int docs[8];
	size_t n = search_query(s, "레이어", docs, 8);
	is_int(n, 1, "레이어 finds one page");
	is_int(docs[0], layers, "... the layers lesson");
	n = search_query(s, "레이", docs, 8);
	is_int(n, 2, "레이 finds the layers page and the one with 레이스");
	is_int(docs[0], layers, "... the title hit first");
	n = search_query(s, "layer", docs, 8);
	is_int(n, 1, "layer finds the page that says layer and layers");
	is_int(docs[0], build, "... the Dockerfile page");
	n = search_query(s, "Dockerfile", docs, 8);
	is_int(n, 1, "Dockerfile (any case) finds its page");
	is_int(docs[0], build, "... the Dockerfile page");
	n = search_query(s, "busybox", docs, 8);
	is_int(n, 1, "words in code blocks are found");
	is_int(docs[0], layers, "... on the page with the code");
	is_int(search_query(s, "레이어 docker", docs, 8), 0, "all tokens must be on one page");
	is_int(search_query(s, "the", docs, 8), 0, "a stop word alone finds nothing");
	is_int(search_query(s, "", docs, 8), 0, "an empty query finds nothing");
	is_int(search_query(s, "커널", docs, 8), 1, "커널 finds the VM page");

	char *js = search_js(s, "ko");
	ok(strncmp(strstr(js, "window.BERTH_SEARCH={"), "window.BERTH_SEARCH={", 21) == 0,
	   "the index is a script assigning window.BERTH_SEARCH");
	ok(strstr(js, "\"레이\":") != NULL, "bigrams are keys, written as UTF-8");
	ok(strstr(js, "\"dockerfile\":\"1\"") != NULL, "a posting list names the pages (base 36 deltas)");
	ok(strstr(js, "\"layer\":\"1\"") != NULL, "the word layer is posted to page 1");
	ok(strstr(js, "\"레\":\"0.2\"") != NULL, "레 is on pages 0 and 2: deltas 0 and 2");
	ok(strstr(js, "\"각 레이어는 읽기 전용입니다.\"") != NULL, "sentences are kept for the result list");
	ok(strstr(js, "\"stop\":[") != NULL, "the stop words travel with the index");
	char *again = search_js(s, "ko");
	is_str(again, js, "the same input gives the same file");
	free(again);
	free(js);
	ok(search_n_sentences(s) > 5, "sentences were split");
	search_free(s);

	/* Long text is clipped on a character boundary. */
	s = search_new();
	int d = search_add_doc(s, "x.html", "x");
	char longtext[2000] = "";
	for (int i = 0; i < 150; i++)
		strcat(longtext, "가나");
	search_add_text(s, d, "", longtext, SEARCH_PROSE);
	js = search_js(s, "ko");
	ok(strstr(js, "\xe2\x80\xa6\"") != NULL, "a long sentence ends in an ellipsis");
	is_int(search_query(s, "가나", docs, 8), 1, "and is still found");
	free(js);
	search_free(s);
	return done_testing();
}
