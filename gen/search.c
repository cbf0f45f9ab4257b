/* search.c: see search.h.  The tokenizer here and the one in
 * assets/search.js must agree; tests/unit/test_search.c pins this one and
 * the browser tests the other against the same lessons. */
#define _GNU_SOURCE
#include "search.h"
#include "strmap.h"
#include "../engine/core/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTENCE_MAX 150     /* bytes of a sentence kept for the result list */
#define CODE_LINES_MAX 40
#define WORD_MAX 40

/* Words too common to be worth a posting list; the list travels in the
 * index so the search page drops the same ones from a query. */
static const char *const stop_words[] = {"a",   "an",  "and", "are", "as",  "at",   "be",   "by",  "for",
					 "if",  "in",  "is",  "it",  "its", "of",   "on",   "or",  "that",
					 "the", "then", "this", "to", "was", "with", "you", "your", NULL};

struct sentence {
	int doc;
	int anchor;
	int kind;
	char *text;
};

struct doc {
	char *url, *title;
	char **anchors;
	size_t n_anchors;
};

struct posting {
	int *ids;
	size_t n, cap;
};

struct search_index {
	struct doc *docs;
	size_t n_docs;
	struct sentence *sent;
	size_t n_sent;
	struct strmap tokens;   /* token -> index into post */
	struct posting *post;
	size_t n_post;
};

struct search_index *search_new(void)
{
	return xcalloc(1, sizeof(struct search_index));
}

void search_free(struct search_index *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_docs; i++) {
		free(s->docs[i].url);
		free(s->docs[i].title);
		for (size_t j = 0; j < s->docs[i].n_anchors; j++)
			free(s->docs[i].anchors[j]);
		free(s->docs[i].anchors);
	}
	free(s->docs);
	for (size_t i = 0; i < s->n_sent; i++)
		free(s->sent[i].text);
	free(s->sent);
	for (size_t i = 0; i < s->n_post; i++)
		free(s->post[i].ids);
	free(s->post);
	strmap_free(&s->tokens);
	free(s);
}

size_t search_n_sentences(const struct search_index *s)
{
	return s->n_sent;
}

size_t search_n_tokens(const struct search_index *s)
{
	return s->tokens.n;
}

int search_add_doc(struct search_index *s, const char *url, const char *title)
{
	s->docs = xrealloc(s->docs, (s->n_docs + 1) * sizeof(*s->docs));
	s->docs[s->n_docs] = (struct doc){.url = xstrdup(url), .title = xstrdup(title)};
	return (int)s->n_docs++;
}

/* ---- tokens ---- */

enum cclass { C_SEP, C_HANGUL, C_WORD };

/* Keep in step with charClass() in assets/search.js. */
static enum cclass char_class(unsigned cp)
{
	if (cp >= 0xAC00 && cp <= 0xD7A3)
		return C_HANGUL;
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
		return C_WORD;
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
		return C_SEP;
	if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	    (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || cp >= 0x1F000)
		return C_SEP;
	return C_WORD;
}

static bool is_stop(const char *w, size_t n)
{
	for (const char *const *s = stop_words; *s; s++)
		if (strlen(*s) == n && memcmp(*s, w, n) == 0)
			return true;
	return false;
}

void search_tokens(const char *text, bool query, search_token_fn fn, void *ctx)
{
	const unsigned char *p = (const unsigned char *)text;
	char word[WORD_MAX * 4 + 8];

	while (*p) {
		unsigned cp;
		size_t n = utf8_next(p, &cp, 0);
		enum cclass c = char_class(cp);
		if (c == C_SEP) {
			p += n;
			continue;
		}
		if (c == C_HANGUL) {
			/* A run of syllables: each one (indexing, or a one-
			 * syllable query) and each neighbouring pair. */
			const unsigned char *run = p;
			size_t count = 0;
			const unsigned char *q = p;
			while (*q) {
				unsigned c2;
				size_t n2 = utf8_next(q, &c2, 0);
				if (char_class(c2) != C_HANGUL)
					break;
				q += n2;
				count++;
			}
			/* Every Hangul syllable is 3 bytes in UTF-8. */
			for (size_t i = 0; i < count; i++) {
				if (!query || count == 1)
					fn(ctx, (const char *)run + 3 * i, 3, true);
				if (i + 1 < count)
					fn(ctx, (const char *)run + 3 * i, 6, true);
			}
			p = q;
			continue;
		}
		size_t len = 0;
		bool too_long = false;
		while (*p) {
			unsigned c2;
			size_t n2 = utf8_next(p, &c2, 0);
			if (char_class(c2) != C_WORD)
				break;
			if (len + n2 <= WORD_MAX) {
				for (size_t i = 0; i < n2; i++) {
					char ch = (char)p[i];
					word[len++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 'a' - 'A') : ch;
				}
			} else {
				too_long = true;
			}
			p += n2;
		}
		/* Hashes and other long strings are noise, not words. */
		if (!too_long && !is_stop(word, len))
			fn(ctx, word, len, false);
	}
}

struct add_ctx {
	struct search_index *s;
	int id;   /* the page the text belongs to */
};

static void add_token(void *vctx, const char *tok, size_t len, bool hangul)
{
	struct add_ctx *a = vctx;
	struct search_index *s = a->s;
	bool added;
	size_t *v = strmap_put(&s->tokens, tok, len, s->n_post, &added);
	if (added) {
		s->post = xrealloc(s->post, (s->n_post + 1) * sizeof(*s->post));
		s->post[s->n_post++] = (struct posting){0};
	}
	struct posting *p = &s->post[*v];
	if (p->n && p->ids[p->n - 1] == a->id)
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		p->ids = xrealloc(p->ids, p->cap * sizeof(int));
	}
	p->ids[p->n++] = a->id;
}

static int anchor_index(struct doc *d, const char *anchor)
{
	for (size_t i = d->n_anchors; i > 0; i--)
		if (strcmp(d->anchors[i - 1], anchor) == 0)
			return (int)i - 1;
	d->anchors = xrealloc(d->anchors, (d->n_anchors + 1) * sizeof(char *));
	d->anchors[d->n_anchors] = xstrdup(anchor);
	return (int)d->n_anchors++;
}

/* Cut s to at most max bytes on a character boundary, with an ellipsis. */
static char *clip(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return xstrndup(s, n);
	size_t k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	char *out = xmalloc(k + 4);
	memcpy(out, s, k);
	memcpy(out + k, "\xe2\x80\xa6", 4);
	return out;
}

static void add_sentence(struct search_index *s, int doc, int anchor, int kind, const char *text, size_t n,
			 size_t max)
{
	/* Squeeze runs of blanks: the text comes from wrapped source lines. */
	char *t = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = text[i] == '\n' || text[i] == '\t' ? ' ' : text[i];
		if (c == ' ' && (k == 0 || t[k - 1] == ' '))
			continue;
		t[k++] = c;
	}
	while (k && t[k - 1] == ' ')
		k--;
	t[k] = '\0';
	if (!k) {
		free(t);
		return;
	}
	struct add_ctx a = {.s = s, .id = doc};
	search_tokens(t, false, add_token, &a);
	if (max == 0) {
		free(t);
		return;
	}
	s->sent = xrealloc(s->sent, (s->n_sent + 1) * sizeof(*s->sent));
	s->sent[s->n_sent++] = (struct sentence){.doc = doc, .anchor = anchor, .kind = kind, .text = clip(t, k, max)};
	free(t);
}

void search_add_text(struct search_index *s, int doc, const char *anchor, const char *text, enum search_kind kind)
{
	int a = anchor_index(&s->docs[doc], anchor ? anchor : "");
	const char *p = text;

	if (kind == SEARCH_CODE) {
		int lines = 0;
		/* In a console session only the commands are worth finding: the
		 * output (ids, digests, tables) is noise and most of the index's
		 * weight. */
		bool console = strncmp(p, "$ ", 2) == 0 || strstr(p, "\n$ ") != NULL;
		while (*p && lines < CODE_LINES_MAX) {
			const char *eol = strchr(p, '\n');
			size_t n = eol ? (size_t)(eol - p) : strlen(p);
			bool prompt = n >= 2 && p[0] == '$' && p[1] == ' ';
			if (console && !prompt) {
				if (!eol)
					break;
				p = eol + 1;
				continue;
			}
			/* Console prompts are not part of what people search for. */
			if (prompt)
				p += 2, n -= 2;
			/* Code lines are found through their words but not kept as
			 * result sentences: the prose around a block says what it
			 * does, and keeping every line would push the course's index
			 * past its 300 KB budget. */
			add_sentence(s, doc, a, kind, p, n, 0);
			lines++;
			if (!eol)
				break;
			p = eol + 1;
		}
		return;
	}
	if (kind != SEARCH_PROSE) {
		add_sentence(s, doc, a, kind, p, strlen(p), SENTENCE_MAX);
		return;
	}
	/* Sentences end in . ? ! or 。 followed by a blank or the end. */
	const char *start = p;
	while (*p) {
		bool end = false;
		size_t skip = 1;
		if ((*p == '.' || *p == '?' || *p == '!') && (p[1] == ' ' || p[1] == '\n' || p[1] == '\0'))
			end = true;
		else if (strncmp(p, "\xe3\x80\x82", 3) == 0)
			end = true, skip = 3;
		p += skip;
		if (end) {
			add_sentence(s, doc, a, kind, start, (size_t)(p - start), SENTENCE_MAX);
			start = p;
		}
	}
	add_sentence(s, doc, a, kind, start, (size_t)(p - start), SENTENCE_MAX);
}

/* ---- output ---- */

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void b36(FILE *f, unsigned v)
{
	char buf[16];
	int i = 15;
	buf[i] = '\0';
	do {
		buf[--i] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		v /= 36;
	} while (v);
	fputs(buf + i, f);
}

char *search_js(const struct search_index *s, const char *lang)
{
	json_t *root = json_object(), *docs = json_array(), *sent = json_array(), *toks = json_object();
	json_t *stop = json_array();

	for (const char *const *w = stop_words; *w; w++)
		json_array_append_new(stop, json_string(*w));
	for (size_t i = 0; i < s->n_docs; i++) {
		json_t *anchors = json_array();
		for (size_t j = 0; j < s->docs[i].n_anchors; j++)
			json_array_append_new(anchors, json_string(s->docs[i].anchors[j]));
		json_array_append_new(docs, json_pack("[ssO]", s->docs[i].url, s->docs[i].title, anchors));
		json_decref(anchors);
	}
	for (size_t i = 0; i < s->n_sent; i++)
		json_array_append_new(sent, json_pack("[iiis]", s->sent[i].doc, s->sent[i].anchor, s->sent[i].kind,
						      s->sent[i].text));
	/* Tokens in sorted order: the same lessons give the same file. */
	char **keys = xcalloc(s->tokens.n + 1, sizeof(char *));
	size_t nk = 0;
	for (size_t i = 0; i < s->tokens.cap; i++)
		if (s->tokens.keys[i])
			keys[nk++] = s->tokens.keys[i];
	qsort(keys, nk, sizeof(char *), key_cmp);
	for (size_t i = 0; i < nk; i++) {
		struct posting *p = &s->post[*strmap_get(&s->tokens, keys[i], strlen(keys[i]))];
		qsort(p->ids, p->n, sizeof(int), int_cmp);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		int prev = 0;
		for (size_t j = 0; j < p->n; j++) {
			if (j && p->ids[j] == prev)
				continue;   /* a page added in two pieces */
			if (j)
				fputc('.', f);
			b36(f, (unsigned)(p->ids[j] - prev));
			prev = p->ids[j];
		}
		fclose(f);
		json_object_set_new(toks, keys[i], json_string(buf));
		free(buf);
	}
	free(keys);
	json_object_set_new(root, "lang", json_string(lang));
	json_object_set_new(root, "stop", stop);
	json_object_set_new(root, "docs", docs);
	json_object_set_new(root, "s", sent);
	json_object_set_new(root, "t", toks);
	char *json = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	char *js = xasprintf("/* berth search index (gen/search.c); loaded by a script tag. */\n"
			     "window.BERTH_SEARCH=%s;\n",
			     json);
	free(json);
	return js;
}

/* ---- query (the same algorithm as assets/search.js) ---- */

struct qtok {
	char *t;
	bool hangul;
};

struct qctx {
	struct qtok *v;
	size_t n;
};

static void collect(void *vctx, const char *tok, size_t len, bool hangul)
{
	struct qctx *q = vctx;
	q->v = xrealloc(q->v, (q->n + 1) * sizeof(*q->v));
	q->v[q->n++] = (struct qtok){.t = xstrndup(tok, len), .hangul = hangul};
}

/* The pages a query token is in, as a 0/1 array over pages. */
static void match_token(const struct search_index *s, const struct qtok *t, unsigned char *hit)
{
	memset(hit, 0, s->n_docs);
	size_t tl = strlen(t->t);
	for (size_t i = 0; i < s->tokens.cap; i++) {
		const char *k = s->tokens.keys[i];
		if (!k)
			continue;
		/* Hangul tokens match exactly; a word matches words it begins. */
		bool m = t->hangul ? strcmp(k, t->t) == 0 : strncmp(k, t->t, tl) == 0;
		if (!m)
			continue;
		const struct posting *p = &s->post[s->tokens.vals[i]];
		for (size_t j = 0; j < p->n; j++)
			hit[p->ids[j]] = 1;
	}
}

struct has_ctx {
	const struct qtok *t;
	bool found;
};

static void has_word(void *vctx, const char *tok, size_t len, bool hangul)
{
	struct has_ctx *h = vctx;
	size_t tl = strlen(h->t->t);
	if (!hangul && len >= tl && memcmp(tok, h->t->t, tl) == 0)
		h->found = true;
}

/* Does a sentence hold the token?  Hangul: as written; a word: as the
 * beginning of one of its words. */
static bool sentence_has(const char *text, const struct qtok *t)
{
	if (t->hangul)
		return strstr(text, t->t) != NULL;
	struct has_ctx h = {.t = t};
	search_tokens(text, true, has_word, &h);
	return h.found;
}

size_t search_query(const struct search_index *s, const char *query, int *docs, size_t max)
{
	struct qctx q = {0};
	size_t found = 0;

	search_tokens(query, true, collect, &q);
	if (q.n == 0 || s->n_docs == 0)
		goto out;
	unsigned char *all = xmalloc(s->n_docs), *one = xmalloc(s->n_docs);
	memset(all, 1, s->n_docs);
	for (size_t i = 0; i < q.n; i++) {
		match_token(s, &q.v[i], one);
		for (size_t j = 0; j < s->n_docs; j++)
			all[j] &= one[j];
	}
	/* Score a page by its sentences that hold every token: a title counts
	 * most, then headings, then prose and code. */
	long *score = xcalloc(s->n_docs, sizeof(long));
	static const long weight[] = {100, 10, 2, 1};
	for (size_t d = 0; d < s->n_docs; d++)
		score[d] = all[d] ? 1 : 0;
	for (size_t j = 0; j < s->n_sent; j++) {
		const struct sentence *st = &s->sent[j];
		if (!all[st->doc])
			continue;
		bool every = true;
		for (size_t i = 0; i < q.n && every; i++)
			every = sentence_has(st->text, &q.v[i]);
		if (every)
			score[st->doc] += weight[st->kind];
	}
	for (;;) {
		long best = 0;
		int bi = -1;
		for (size_t d = 0; d < s->n_docs; d++)
			if (score[d] > best)
				best = score[d], bi = (int)d;
		if (bi < 0)
			break;
		if (found < max)
			docs[found] = bi;
		found++;
		score[bi] = 0;
	}
	free(score);
	free(all);
	free(one);
out:
	for (size_t i = 0; i < q.n; i++)
		free(q.v[i].t);
	free(q.v);
	return found;
}
