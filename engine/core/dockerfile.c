/* dockerfile.c: the Dockerfile parser, docker's word expansion and the
 * --check rules (see dockerfile.h).
 *
 * The shape follows buildkit's frontend/dockerfile/parser: lines are read
 * into logical instructions first (directives, comments, continuations,
 * heredoc bodies), then each instruction's arguments are split the way its
 * dispatch entry says (maybe-JSON, JSON-or-words, name=value pairs, words).
 * Nothing here expands variables: the builder does it, per instruction,
 * because only some instructions expand and the values change as the
 * stage goes on.
 */
#define _GNU_SOURCE
#include "dockerfile.h"
#include "util.h"
#include "cleanup.h"
#include "ref.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small string builder -------------------------------------------- */

struct sb {
	char *s;
	size_t n, cap;
};

static void sb_addn(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2 + 16;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}
static void sb_addc(struct sb *b, char c) { sb_addn(b, &c, 1); }
static void sb_adds(struct sb *b, const char *s) { sb_addn(b, s, strlen(s)); }
static char *sb_take(struct sb *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void strv_free_(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int perr(berr_t *err, const char *name, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int perr(berr_t *err, const char *name, int line, const char *fmt, ...)
{
	va_list ap;
	cleanup_free char *m = NULL;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	berr_make_status(err, 1, 0, "%s:%d: %s", name ? name : "Dockerfile", line, m ? m : "parse error");
	(*err)->plain = 1;
	return -1;
}

static const char *const known[] = {"add",     "arg",	      "cmd",   "copy",	     "entrypoint", "env",
				    "expose",  "from",	      "healthcheck", "label", "maintainer", "onbuild",
				    "run",     "shell",	      "stopsignal",  "user",  "volume",	    "workdir", NULL};

static bool is_known(const char *c)
{
	for (const char *const *k = known; *k; k++)
		if (strcmp(*k, c) == 0)
			return true;
	return false;
}

/* ---- argument splitting ------------------------------------------------ */

/* Whitespace-separated words, quotes and escapes kept (buildkit's
 * parseWords): the expansion removes them later. */
static char **split_blanks(const char *s)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	while (*s) {
		size_t l = strcspn(s, " \t\v\f\r");
		if (l)
			strv_push(&v, &n, xstrndup(s, l));
		s += l;
		s += strspn(s, " \t\v\f\r");
	}
	return v;
}

static char **split_words_raw(const char *s, char esc)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	struct sb w = {0};
	char q = 0;
	bool in = false;

	for (; *s; s++) {
		char c = *s;
		if (!q && isspace((unsigned char)c)) {
			if (in)
				strv_push(&v, &n, sb_take(&w));
			in = false;
			continue;
		}
		in = true;
		if (c == esc && s[1] && q != '\'') {
			sb_addc(&w, c);
			sb_addc(&w, *++s);
			continue;
		}
		if (!q && (c == '"' || c == '\''))
			q = c;
		else if (q == c)
			q = 0;
		sb_addc(&w, c);
	}
	if (in)
		strv_push(&v, &n, sb_take(&w));
	free(w.s);
	return v;
}

/* A JSON array of strings, or NULL. */
static char **parse_json_array(const char *s)
{
	json_error_t jerr;
	json_t *j, *e;
	size_t i;
	char **v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[')
		return NULL;
	j = json_loads(s, JSON_DECODE_ANY, &jerr);
	if (!json_is_array(j)) {
		json_decref(j);
		return NULL;
	}
	v = xcalloc(json_array_size(j) + 1, sizeof(char *));
	json_array_foreach(j, i, e) {
		if (!json_is_string(e)) {
			strv_free_(v);
			json_decref(j);
			return NULL;
		}
		v[i] = xstrdup(json_string_value(e));
	}
	json_decref(j);
	return v;
}

char **dockerfile_name_values(const char *cmd, const char *rest, char esc, berr_t *err)
{
	char **w = split_words_raw(rest, esc);
	char **out = xcalloc(1, sizeof(char *));
	size_t n = 0;
	const char *CMD = strcmp(cmd, "env") == 0 ? "ENV" : "LABEL";

	if (!w[0]) {
		strv_free_(w);
		free(out);
		berr_make_status(err, 1, 0, "%s requires at least one argument", CMD);
		return NULL;
	}
	if (!strchr(w[0], '=')) {
		/* legacy "ENV key value with spaces" */
		const char *v = rest;
		while (isspace((unsigned char)*v))
			v++;
		v += strlen(w[0]);
		while (isspace((unsigned char)*v))
			v++;
		if (!*v) {
			strv_free_(w);
			free(out);
			berr_make_status(err, 1, 0, "%s must have two arguments", CMD);
			return NULL;
		}
		/* The legacy value is one word: keep its spaces by quoting nothing;
		 * the builder expands it as a single word. */
		strv_push(&out, &n, xasprintf("%s=%s", w[0], v));
		strv_free_(w);
		return out;
	}
	for (char **p = w; *p; p++) {
		char *eq = strchr(*p, '=');
		if (!eq) {
			berr_make_status(err, 1, 0,
					 "Syntax error - can't find = in \"%s\". Must be of the form: name=value", *p);
			strv_free_(w);
			strv_free_(out);
			return NULL;
		}
		if (eq == *p) {
			berr_make_status(err, 1, 0, "%s names can not be blank", CMD);
			strv_free_(w);
			strv_free_(out);
			return NULL;
		}
		strv_push(&out, &n, xstrdup(*p));
	}
	strv_free_(w);
	return out;
}

/* ---- instructions ------------------------------------------------------ */

void df_instr_clear(struct df_instr *in)
{
	free(in->cmd);
	free(in->orig);
	strv_free_(in->flags);
	free(in->rest);
	strv_free_(in->args);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		free(in->heredocs[i].name);
		free(in->heredocs[i].content);
	}
	free(in->heredocs);
	if (in->sub) {
		df_instr_clear(in->sub);
		free(in->sub);
	}
	memset(in, 0, sizeof(*in));
}

void dockerfile_free(struct dockerfile *df)
{
	for (size_t i = 0; i < df->n; i++)
		df_instr_clear(&df->ins[i]);
	free(df->ins);
	free(df->syntax);
	free(df->check);
	for (size_t i = 0; i < df->n_warnings; i++) {
		free(df->warnings[i].rule);
		free(df->warnings[i].msg);
	}
	free(df->warnings);
	memset(df, 0, sizeof(*df));
}

/* Split an instruction's text (continuations joined) into its parts; the
 * heredoc bodies are attached by the caller.  Errors are bare messages. */
static int parse_instr_text(const char *text, char esc, struct df_instr *in, berr_t *err)
{
	const char *p = text, *w;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	w = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	in->cmd = xstrndup(w, (size_t)(p - w));
	for (char *c = in->cmd; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	in->orig = xstrdup(w);
	/* trim trailing whitespace of orig */
	for (size_t l = strlen(in->orig); l && isspace((unsigned char)in->orig[l - 1]); l--)
		in->orig[l - 1] = '\0';
	if (!is_known(in->cmd))
		return berr_make_status(err, 1, 0, "unknown instruction: %.*s", (int)(p - w), w);
	while (isspace((unsigned char)*p))
		p++;
	in->flags = xcalloc(1, sizeof(char *));
	/* Leading --flags (buildkit extracts them for every instruction). */
	while (p[0] == '-' && p[1] == '-') {
		const char *f = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		strv_push(&in->flags, &n, xstrndup(f, (size_t)(p - f)));
		while (isspace((unsigned char)*p))
			p++;
	}
	in->rest = xstrdup(p);
	for (size_t l = strlen(in->rest); l && isspace((unsigned char)in->rest[l - 1]); l--)
		in->rest[l - 1] = '\0';

	const char *c = in->cmd;
	if (!in->rest[0] && strcmp(c, "healthcheck") != 0) {
		char up[16];
		size_t k = 0;
		for (; c[k] && k < sizeof(up) - 1; k++)
			up[k] = (char)toupper((unsigned char)c[k]);
		up[k] = '\0';
		return berr_make_status(err, 1, 0, "%s requires at least one argument", up);
	}
	if (!strcmp(c, "run") || !strcmp(c, "cmd") || !strcmp(c, "entrypoint") || !strcmp(c, "shell")) {
		char **j = parse_json_array(in->rest);
		if (j) {
			in->args = j;
			in->json = true;
		} else {
			if (!strcmp(c, "shell"))
				return berr_make_status(err, 1, 0, "SHELL requires the arguments to be in JSON form");
			in->args = xcalloc(2, sizeof(char *));
			in->args[0] = xstrdup(in->rest);
		}
	} else if (!strcmp(c, "copy") || !strcmp(c, "add") || !strcmp(c, "volume")) {
		char **j = parse_json_array(in->rest);
		if (j) {
			in->args = j;
			in->json = true;
		} else if (!strcmp(c, "volume")) {
			/* BuildKit's parseStringsWhitespaceDelimited: split at blanks,
			 * quotes or not, so `VOLUME "/a b"` has the words `"/a` and
			 * `b"`, whose expansion then fails as docker's does */
			in->args = split_blanks(in->rest);
		} else {
			in->args = split_words_raw(in->rest, esc);
		}
	} else if (!strcmp(c, "env") || !strcmp(c, "label")) {
		in->args = dockerfile_name_values(c, in->rest, esc, err);
		if (!in->args)
			return -1;
	} else if (!strcmp(c, "healthcheck")) {
		char **words = split_words_raw(in->rest, esc);
		in->args = xcalloc(1, sizeof(char *));
		size_t k = 0;
		if (!words[0]) {
			strv_free_(words);
			return berr_make_status(err, 1, 0, "HEALTHCHECK requires at least one argument");
		}
		if (strcasecmp(words[0], "none") == 0) {
			if (words[1]) {
				strv_free_(words);
				return berr_make_status(err, 1, 0, "HEALTHCHECK NONE takes no arguments");
			}
			strv_push(&in->args, &k, xstrdup("NONE"));
		} else if (strcasecmp(words[0], "cmd") == 0) {
			const char *after = in->rest + 3;
			while (isspace((unsigned char)*after))
				after++;
			char **j = parse_json_array(after);
			if (j) {
				strv_push(&in->args, &k, xstrdup("CMD"));
				for (char **x = j; *x; x++)
					strv_push(&in->args, &k, *x);
				free(j);
				in->json = true;
			} else if (*after) {
				strv_push(&in->args, &k, xstrdup("CMD-SHELL"));
				strv_push(&in->args, &k, xstrdup(after));
			} else {
				strv_free_(words);
				return berr_make_status(err, 1, 0, "Missing command after HEALTHCHECK CMD");
			}
		} else {
			cleanup_free char *u = xstrdup(words[0]);
			strv_free_(words);
			return berr_make_status(err, 1, 0, "Unknown type \"%s\" in HEALTHCHECK (try CMD)", u);
		}
		strv_free_(words);
	} else if (!strcmp(c, "onbuild")) {
		in->sub = xcalloc(1, sizeof(*in->sub));
		if (parse_instr_text(in->rest, esc, in->sub, err) < 0)
			return -1;
		if (!strcmp(in->sub->cmd, "onbuild"))
			return berr_make_status(err, 1, 0, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
		if (!strcmp(in->sub->cmd, "from") || !strcmp(in->sub->cmd, "maintainer"))
			return berr_make_status(err, 1, 0, "%s isn't allowed as an ONBUILD trigger",
						!strcmp(in->sub->cmd, "from") ? "FROM" : "MAINTAINER");
		in->args = xcalloc(2, sizeof(char *));
		in->args[0] = xstrdup(in->rest);
	} else if (!strcmp(c, "maintainer") || !strcmp(c, "user") || !strcmp(c, "workdir") ||
		   !strcmp(c, "stopsignal")) {
		in->args = xcalloc(2, sizeof(char *));
		in->args[0] = xstrdup(in->rest);
	} else {
		/* from, arg, expose */
		in->args = split_words_raw(in->rest, esc);
	}
	return 0;
}

int dockerfile_parse_line(const char *text, char esc, struct df_instr *out, berr_t *err)
{
	memset(out, 0, sizeof(*out));
	out->line = out->end_line = 1;
	if (parse_instr_text(text, esc, out, err) < 0) {
		df_instr_clear(out);
		return -1;
	}
	return 0;
}

/* Heredoc markers in an instruction's text: <<[-]["']WORD["'] */
struct marker {
	char *name;
	bool strip, expand;
};

static size_t find_markers(const char *s, struct marker *m, size_t max)
{
	size_t n = 0;
	char q = 0;
	for (const char *p = s; *p && n < max; p++) {
		if (q) {
			if (*p == q)
				q = 0;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			/* a quoted word, unless it starts a marker (handled below) */
			q = *p;
			continue;
		}
		if (p[0] != '<' || p[1] != '<' || p[2] == '<')
			continue;
		if (p > s && p[-1] == '<')
			continue;
		const char *r = p + 2;
		bool strip = false, expand = true;
		char dq = 0;
		if (*r == '-') {
			strip = true;
			r++;
		}
		if (*r == '"' || *r == '\'') {
			dq = *r++;
			expand = false;
		}
		const char *nb = r;
		while (isalnum((unsigned char)*r) || *r == '_' || *r == '.' || *r == '-')
			r++;
		if (r == nb || !(isalpha((unsigned char)*nb) || *nb == '_'))
			continue;
		if (dq && *r != dq)
			continue;
		m[n].name = xstrndup(nb, (size_t)(r - nb));
		m[n].strip = strip;
		m[n].expand = expand;
		n++;
		p = dq ? r : r - 1;
	}
	return n;
}

static bool heredoc_cmd(const char *cmd)
{
	return !strcmp(cmd, "run") || !strcmp(cmd, "copy") || !strcmp(cmd, "add");
}

static void add_warning(struct dockerfile *df, int line, const char *rule, const char *msg)
{
	df->warnings = xrealloc(df->warnings, (df->n_warnings + 1) * sizeof(*df->warnings));
	df->warnings[df->n_warnings].line = line;
	df->warnings[df->n_warnings].rule = xstrdup(rule);
	df->warnings[df->n_warnings].msg = xstrdup(msg);
	df->n_warnings++;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

static bool is_comment(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '#';
}

/* Does the line end (before trailing whitespace) in the escape char? Then
 * *cut is where to cut it. */
static bool continues(const char *s, char esc, size_t *cut)
{
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	if (l && s[l - 1] == esc) {
		*cut = l - 1;
		return true;
	}
	return false;
}

int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *df, berr_t *err)
{
	char **lines = NULL;
	size_t nl = 0, i = 0;
	int rc = -1;

	memset(df, 0, sizeof(*df));
	df->escape = '\\';
	/* Split into lines ("\r\n" too); NUL bytes end the text. */
	{
		const char *p = text, *end = text + len;
		while (p < end) {
			const char *e = memchr(p, '\n', (size_t)(end - p));
			size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
			char *line = xstrndup(p, l);
			size_t ll = strlen(line);
			if (ll && line[ll - 1] == '\r')
				line[ll - 1] = '\0';
			strv_push(&lines, &nl, line);
			p = e ? e + 1 : end;
		}
	}
	/* Parser directives: only at the very top, each once. */
	for (; i < nl; i++) {
		const char *s = lines[i];
		char key[32], val[256];
		if (sscanf(s, " # %31[a-zA-Z] = %255[^\n]", key, val) != 2)
			break;
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		for (size_t l = strlen(val); l && isspace((unsigned char)val[l - 1]); l--)
			val[l - 1] = '\0';
		if (!strcmp(key, "escape")) {
			if (df->escape != '\\' || strlen(val) != 1 || (val[0] != '\\' && val[0] != '`')) {
				if (strlen(val) != 1 || (val[0] != '\\' && val[0] != '`')) {
					perr(err, name, (int)i + 1, "invalid escape token '%s' does not match ` or \\", val);
					goto out;
				}
				perr(err, name, (int)i + 1, "only one escape parser directive can be used");
				goto out;
			}
			df->escape = val[0];
		} else if (!strcmp(key, "syntax") && !df->syntax) {
			df->syntax = xstrdup(val);
		} else if (!strcmp(key, "check") && !df->check) {
			df->check = xstrdup(val);
		} else {
			break;
		}
	}
	while (i < nl) {
		const char *s = lines[i];
		if (blank(s) || is_comment(s)) {
			i++;
			continue;
		}
		int first = (int)i + 1;
		struct sb logical = {0};
		size_t cut;
		/* Join continuations; comment lines inside are dropped, empty
		 * ones too (docker warns about those). */
		while (i < nl) {
			s = lines[i++];
			if (continues(s, df->escape, &cut)) {
				sb_addn(&logical, s, cut);
				while (i < nl && (blank(lines[i]) || is_comment(lines[i]))) {
					if (blank(lines[i]))
						add_warning(df, (int)i + 1, "NoEmptyContinuation", "Empty continuation line");
					i++;
				}
				if (i >= nl)
					break;
				continue;
			}
			sb_adds(&logical, s);
			break;
		}
		cleanup_free char *ltext = sb_take(&logical);
		struct df_instr in = {0};
		in.line = first;
		in.end_line = (int)i;
		if (parse_instr_text(ltext, df->escape, &in, err) < 0) {
			/* A heredoc-only RUN ("RUN <<EOF") has args; others keep the error. */
			df_instr_clear(&in);
			cleanup_free char *m = xstrdup((*err)->msg);
			berr_free(err);
			perr(err, name, first, "%s", m);
			goto out;
		}
		if (heredoc_cmd(in.cmd)) {
			struct marker mk[8];
			size_t nm = find_markers(in.rest, mk, 8);
			for (size_t k = 0; k < nm; k++) {
				struct sb body = {0};
				bool found = false;
				sb_adds(&body, "");
				while (i < nl) {
					const char *b = lines[i++];
					if (mk[k].strip)
						while (*b == '\t')
							b++;
					if (!strcmp(b, mk[k].name)) {
						found = true;
						break;
					}
					sb_adds(&body, b);
					sb_addc(&body, '\n');
				}
				in.heredocs = xrealloc(in.heredocs, (in.n_heredocs + 1) * sizeof(*in.heredocs));
				in.heredocs[in.n_heredocs].name = mk[k].name;
				in.heredocs[in.n_heredocs].content = sb_take(&body);
				in.heredocs[in.n_heredocs].expand = mk[k].expand;
				in.n_heredocs++;
				if (!found) {
					for (size_t r = k + 1; r < nm; r++)
						free(mk[r].name);
					df_instr_clear(&in);
					perr(err, name, first, "unterminated heredoc");
					goto out;
				}
			}
		}
		if (in.n_heredocs)
			in.end_line = (int)i;
		df->ins = xrealloc(df->ins, (df->n + 1) * sizeof(*df->ins));
		df->ins[df->n++] = in;
	}
	if (df->n == 0) {
		berr_make_status(err, 1, 0, "the Dockerfile (%s) cannot be empty", name ? name : "Dockerfile");
		goto out;
	}
	rc = 0;
out:
	strv_free_(lines);
	if (rc < 0)
		dockerfile_free(df);
	return rc;
}

/* ---- expansion ---------------------------------------------------------- */

struct lex {
	const char *s;
	size_t i;
	char esc;
	df_lookup_fn lookup;
	df_used_fn used;
	void *ctx;
	berr_t *err;
	/* word splitting */
	bool split;
	char **words;
	size_t nw;
	struct sb cur;
	bool started;
	bool raw_quotes;   /* quotes are plain characters (heredoc bodies) */
};

static void emit_char(struct lex *L, struct sb *out, char c, bool quoted)
{
	if (L->split && out == &L->cur && !quoted && isspace((unsigned char)c)) {
		if (L->started)
			strv_push(&L->words, &L->nw, sb_take(&L->cur));
		L->started = false;
		return;
	}
	L->started = out == &L->cur ? true : L->started;
	sb_addc(out, c);
}

static int lex_until(struct lex *L, struct sb *out, char stop);

static bool name_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool name_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

static const char *lookup(struct lex *L, const char *n)
{
	if (L->used)
		L->used(L->ctx, n);
	return L->lookup ? L->lookup(L->ctx, n) : NULL;
}

/* After a '$': the expansion's value into *val (caller frees). */
static int lex_dollar(struct lex *L, char **val)
{
	const char *s = L->s;
	*val = NULL;
	if (s[L->i] == '{') {
		L->i++;
		size_t st = L->i;
		while (name_char(s[L->i]))
			L->i++;
		if (L->i == st)
			return berr_make_status(L->err, 1, 0, "bad substitution");
		cleanup_free char *n = xstrndup(s + st, L->i - st);
		const char *v = lookup(L, n);
		char c = s[L->i];
		if (c == '}') {
			L->i++;
			*val = xstrdup(v ? v : "");
			return 0;
		}
		bool colon = false;
		if (!c)
			return berr_make_status(L->err, 1, 0, "syntax error: missing '}'");
		if (c == ':') {
			colon = true;
			L->i++;
			c = s[L->i];
		}
		if (c != '-' && c != '+' && c != '?')
			return berr_make_status(L->err, 1, 0, colon ? "unsupported modifier (%c) in substitution"
								     : "missing ':' in substitution",
						c ? c : '}');
		L->i++;
		struct sb word = {0};
		sb_adds(&word, "");
		bool saved_split = L->split;
		L->split = false;
		int r = lex_until(L, &word, '}');
		L->split = saved_split;
		if (r < 0) {
			free(word.s);
			return -1;
		}
		if (s[L->i] != '}') {
			free(word.s);
			return berr_make_status(L->err, 1, 0, "syntax error: missing '}'");
		}
		L->i++;
		bool set = v != NULL, nonempty = v && *v;
		bool cond = colon ? nonempty : set;
		if (c == '-') {
			*val = cond ? xstrdup(v) : sb_take(&word);
		} else if (c == '+') {
			*val = cond ? sb_take(&word) : xstrdup("");
		} else {
			if (!cond) {
				int rr = berr_make_status(L->err, 1, 0, "%s: %s", n,
							  word.s && *word.s ? word.s : "is not allowed to be unset");
				free(word.s);
				return rr;
			}
			*val = xstrdup(v);
		}
		free(word.s);
		return 0;
	}
	if (name_start(s[L->i])) {
		size_t st = L->i;
		while (name_char(s[L->i]))
			L->i++;
		cleanup_free char *n = xstrndup(s + st, L->i - st);
		const char *v = lookup(L, n);
		*val = xstrdup(v ? v : "");
		return 0;
	}
	*val = xstrdup("$");
	return 0;
}

/* A $-expansion at L->i (on the '$'), its value emitted as the word's. */
static int emit_dollar(struct lex *L, struct sb *out, bool quoted)
{
	cleanup_free char *v = NULL;
	L->i++;
	if (lex_dollar(L, &v) < 0)
		return -1;
	for (char *p = v; *p; p++)
		emit_char(L, out, *p, quoted);
	return 0;
}

/* Process characters until `stop` (not consumed) or the end. */
static int lex_until(struct lex *L, struct sb *out, char stop)
{
	const char *s = L->s;
	while (s[L->i] && s[L->i] != stop) {
		char c = s[L->i];
		if (c == L->esc) {
			if (!s[L->i + 1]) {
				emit_char(L, out, c, true);
				L->i++;
				continue;
			}
			emit_char(L, out, s[L->i + 1], true);
			L->i += 2;
			continue;
		}
		if (c == '\'' && !L->raw_quotes) {
			L->i++;
			if (out == &L->cur)
				L->started = true;
			while (s[L->i] && s[L->i] != '\'')
				emit_char(L, out, s[L->i++], true);
			if (!s[L->i])
				return berr_make_status(L->err, 1, 0, "unexpected end of statement while looking for matching single-quote");
			L->i++;
			continue;
		}
		if (c == '"' && !L->raw_quotes) {
			L->i++;
			if (out == &L->cur)
				L->started = true;
			while (s[L->i] && s[L->i] != '"') {
				char d = s[L->i];
				if (d == L->esc && (s[L->i + 1] == '"' || s[L->i + 1] == '$' || s[L->i + 1] == L->esc)) {
					emit_char(L, out, s[L->i + 1], true);
					L->i += 2;
					continue;
				}
				if (d == '$') {
					if (emit_dollar(L, out, true) < 0)
						return -1;
					continue;
				}
				emit_char(L, out, d, true);
				L->i++;
			}
			if (!s[L->i])
				return berr_make_status(L->err, 1, 0, "unexpected end of statement while looking for matching double-quote");
			L->i++;
			continue;
		}
		if (c == '$') {
			if (emit_dollar(L, out, false) < 0)
				return -1;
			continue;
		}
		emit_char(L, out, c, false);
		L->i++;
	}
	return 0;
}

char *dockerfile_expand(const char *word, char esc, df_lookup_fn lk, df_used_fn used, void *ctx, berr_t *err)
{
	struct lex L = {.s = word, .esc = esc, .lookup = lk, .used = used, .ctx = ctx, .err = err};
	sb_adds(&L.cur, "");
	if (lex_until(&L, &L.cur, '\0') < 0) {
		free(L.cur.s);
		return NULL;
	}
	return sb_take(&L.cur);
}

char *dockerfile_expand_heredoc(const char *body, df_lookup_fn lk, df_used_fn used, void *ctx, berr_t *err)
{
	struct lex L = {.s = body, .esc = '\\', .lookup = lk, .used = used, .ctx = ctx, .err = err, .raw_quotes = true};
	sb_adds(&L.cur, "");
	if (lex_until(&L, &L.cur, '\0') < 0) {
		free(L.cur.s);
		return NULL;
	}
	return sb_take(&L.cur);
}

char **dockerfile_expand_words(const char *word, char esc, df_lookup_fn lk, df_used_fn used, void *ctx,
			       berr_t *err)
{
	struct lex L = {.s = word, .esc = esc, .lookup = lk, .used = used, .ctx = ctx, .err = err, .split = true};
	L.words = xcalloc(1, sizeof(char *));
	if (lex_until(&L, &L.cur, '\0') < 0) {
		free(L.cur.s);
		strv_free_(L.words);
		return NULL;
	}
	if (L.started)
		strv_push(&L.words, &L.nw, sb_take(&L.cur));
	free(L.cur.s);
	return L.words;
}

/* ---- platform args ---------------------------------------------------- */

const char *dockerfile_platform_arg(const char *n)
{
	static const char *const tab[][2] = {
		{"TARGETPLATFORM", "linux/amd64"}, {"TARGETOS", "linux"}, {"TARGETARCH", "amd64"},
		{"TARGETVARIANT", ""},		   {"BUILDPLATFORM", "linux/amd64"}, {"BUILDOS", "linux"},
		{"BUILDARCH", "amd64"},		   {"BUILDVARIANT", ""},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i][0], n))
			return tab[i][1];
	return NULL;
}

/* ---- --check ----------------------------------------------------------- */

static void warnf(struct dockerfile *df, int line, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void warnf(struct dockerfile *df, int line, const char *rule, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	add_warning(df, line, rule, m ? m : "");
	free(m);
}

/* "# check=skip=A,B;error=true" (buildkit's ParseLintOptions): drop the
 * skipped rules' warnings; keep the rest in line order, as docker prints
 * them. */
static void check_options(const char *check, char ***skip, bool *skip_all, bool *error)
{
	*skip = xcalloc(1, sizeof(char *));
	*skip_all = *error = false;
	size_t n = 0;
	if (!check)
		return;
	cleanup_free char *c = xstrdup(check);
	char *save = NULL;
	for (char *part = strtok_r(c, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(part, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *k = part, *v = eq + 1;
		while (isspace((unsigned char)*k))
			k++;
		for (size_t l = strlen(k); l && isspace((unsigned char)k[l - 1]); l--)
			k[l - 1] = '\0';
		while (isspace((unsigned char)*v))
			v++;
		for (size_t l = strlen(v); l && isspace((unsigned char)v[l - 1]); l--)
			v[l - 1] = '\0';
		if (!strcmp(k, "skip")) {
			if (!strcmp(v, "all")) {
				*skip_all = true;
				continue;
			}
			char *s2 = NULL;
			for (char *r = strtok_r(v, ",", &s2); r; r = strtok_r(NULL, ",", &s2)) {
				while (isspace((unsigned char)*r))
					r++;
				size_t l = strlen(r);
				while (l && isspace((unsigned char)r[l - 1]))
					l--;
				strv_push(skip, &n, xstrndup(r, l));
			}
		} else if (!strcmp(k, "error")) {
			*error = !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "t");
		}
	}
}

bool dockerfile_check_error(const struct dockerfile *df)
{
	char **skip;
	bool all, error;
	check_options(df->check, &skip, &all, &error);
	strv_free_(skip);
	return error;
}

static void apply_check_directive(struct dockerfile *df)
{
	char **skip;
	bool all, error;
	size_t k = 0;
	check_options(df->check, &skip, &all, &error);
	for (size_t i = 0; i < df->n_warnings; i++) {
		bool drop = all;
		for (char **r = skip; !drop && *r; r++)
			drop = !strcmp(*r, df->warnings[i].rule);
		if (drop) {
			free(df->warnings[i].rule);
			free(df->warnings[i].msg);
			continue;
		}
		df->warnings[k++] = df->warnings[i];
	}
	df->n_warnings = k;
	strv_free_(skip);
	/* by line, stable (insertion sort: a handful of warnings) */
	for (size_t i = 1; i < df->n_warnings; i++) {
		struct df_warning w = df->warnings[i];
		size_t j = i;
		while (j > 0 && df->warnings[j - 1].line > w.line) {
			df->warnings[j] = df->warnings[j - 1];
			j--;
		}
		df->warnings[j] = w;
	}
}

char *dockerfile_rule_url(const char *rule)
{
	/* docs.docker.com/go/dockerfile/rule/<kebab-case>/: JSONArgsRecommended
	 * -> json-args-recommended */
	struct sb b = {0};
	sb_adds(&b, "https://docs.docker.com/go/dockerfile/rule/");
	for (size_t i = 0; rule[i]; i++) {
		char c = rule[i];
		if (i && isupper((unsigned char)c) &&
		    (islower((unsigned char)rule[i - 1]) || (rule[i + 1] && islower((unsigned char)rule[i + 1]))))
			sb_addc(&b, '-');
		sb_addc(&b, (char)tolower((unsigned char)c));
	}
	sb_addc(&b, '/');
	return sb_take(&b);
}

/* A scope of variables as BuildKit's dispatcher sees it: "NAME=value"
 * in the order they were set (a base image's ENV, then ENV and ARG), the
 * ARG names declared (defined even without a value), and the names a
 * lookup missed, in order, for UndefinedVar. */
struct lint_env {
	char **kv;
	size_t n;
	char **args;
	size_t na;
	char **miss;
	size_t nmiss;
	bool known;            /* the base image's ENV is known */
	bool platform;         /* the global scope: the platform args count */
};

static void env_free(struct lint_env *e)
{
	strv_free_(e->kv);
	strv_free_(e->args);
	strv_free_(e->miss);
	memset(e, 0, sizeof(*e));
}

static void env_copy(struct lint_env *dst, const struct lint_env *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++)
		strv_push(&dst->kv, &dst->n, xstrdup(src->kv[i]));
	for (size_t i = 0; i < src->na; i++)
		strv_push(&dst->args, &dst->na, xstrdup(src->args[i]));
	dst->known = src->known;
}

static const char *env_get(const struct lint_env *e, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->kv[i], name, l) && e->kv[i][l] == '=')
			return e->kv[i] + l + 1;
	return NULL;
}

static void env_set(struct lint_env *e, const char *name, const char *value)
{
	size_t l = strlen(name);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->kv[i], name, l) && e->kv[i][l] == '=') {
			free(e->kv[i]);
			e->kv[i] = xasprintf("%s=%s", name, value);
			return;
		}
	strv_push(&e->kv, &e->n, xasprintf("%s=%s", name, value));
}

static const char *env_lookup(void *ctx, const char *name)
{
	struct lint_env *e = ctx;
	const char *v = env_get(e, name);
	if (!v && e->platform)
		v = dockerfile_platform_arg(name);
	if (!v) {
		bool seen = false;
		for (size_t i = 0; i < e->nmiss && !seen; i++)
			seen = !strcmp(e->miss[i], name);
		if (!seen)
			strv_push(&e->miss, &e->nmiss, xstrdup(name));
	}
	return v;
}

/* Expand a word in a scope, the names it missed left in e->miss; NULL
 * when the expansion fails (the build reports that, not the linter). */
static char *env_expand(struct lint_env *e, const char *word, char esc, bool heredoc)
{
	berr_t err = NULL;
	strv_free_(e->miss);
	e->miss = NULL;
	e->nmiss = 0;
	char *v = heredoc ? dockerfile_expand_heredoc(word, env_lookup, NULL, e, &err)
			  : dockerfile_expand(word, esc, env_lookup, NULL, e, &err);
	berr_free(&err);
	return v;
}

/* Levenshtein distance, for BuildKit's "did you mean" (suggest.Search). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(size_t));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[lb];
	free(row);
	return d;
}

/* UndefinedVar for what the last env_expand missed: an ARG declared in the
 * stage counts as defined even without a value. */
static void report_undefined(struct dockerfile *df, struct lint_env *e, int line)
{
	if (!e->known)
		return;
	for (size_t i = 0; i < e->nmiss; i++) {
		const char *m = e->miss[i];
		bool declared = false;
		for (size_t k = 0; k < e->na && !declared; k++)
			declared = !strcmp(e->args[k], m);
		/* the SBOM scan args never reach the environment */
		if (declared || !strcmp(m, "BUILDKIT_SBOM_SCAN_CONTEXT") || !strcmp(m, "BUILDKIT_SBOM_SCAN_STAGE"))
			continue;
		size_t best = 3;
		cleanup_free char *match = NULL;
		for (size_t k = 0; k < e->n; k++) {
			cleanup_free char *opt = xstrndup(e->kv[k], strcspn(e->kv[k], "="));
			size_t d = distance(m, opt);
			if (d < best) {
				best = d;
				free(match);
				match = xstrdup(opt);
			}
		}
		if (match)
			warnf(df, line, "UndefinedVar", "Usage of undefined variable '$%s' (did you mean $%s?)", m, match);
		else
			warnf(df, line, "UndefinedVar", "Usage of undefined variable '$%s'", m);
	}
}

static void expand_report(struct dockerfile *df, struct lint_env *e, const char *word, int line, bool live,
			  bool heredoc)
{
	free(env_expand(e, word, df->escape, heredoc));
	if (live)
		report_undefined(df, e, line);
}

/* BuildKit's secret-looking names: a "_"-separated word of the name is one
 * of its tokens, and none is one of the allowed ones (getSecretsRegex). */
static bool has_word(const char *name, const char *const *words)
{
	cleanup_free char *c = xstrdup(name);
	char *save = NULL;
	for (char *w = strtok_r(c, "_", &save); w; w = strtok_r(NULL, "_", &save))
		for (const char *const *t = words; *t; t++)
			if (!strcasecmp(w, *t))
				return true;
	return false;
}

static void check_secret(struct dockerfile *df, const char *instr, const char *key, int line)
{
	static const char *const deny[] = {"apikey", "auth",	"credential", "credentials", "key", "password",
					   "pword",  "passwd", "secret",     "token",	    NULL};
	static const char *const allow[] = {"public", "file", "version", NULL};
	if (has_word(key, deny) && !has_word(key, allow))
		warnf(df, line, "SecretsUsedInArgOrEnv",
		      "Do not use ARG or ENV instructions for sensitive data (%s \"%s\")", instr, key);
}

/* A build arg's value: "K=V", or "K" taking K from the environment. */
static const char *given_arg(char *const *build_args, const char *name, bool *given)
{
	size_t l = strlen(name);
	*given = false;
	const char *v = NULL;
	for (char *const *b = build_args; b && *b; b++) {
		if (strncmp(*b, name, l) != 0)
			continue;
		if ((*b)[l] == '=') {
			*given = true;
			v = *b + l + 1;
		} else if (!(*b)[l] && getenv(name)) {
			*given = true;
			v = getenv(name);
		}
	}
	return v;
}

struct lint_stage {
	size_t first, end;      /* instructions [first, end) */
	char *name;             /* lower case, or NULL */
	bool needed;
	struct lint_env env;    /* at the end of the stage */
};

static int stage_index(struct lint_stage *st, size_t before, const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);
	if (*name && !*end && n >= 0 && (size_t)n < before)
		return (int)n;
	for (size_t i = 0; i < before; i++)
		if (st[i].name && !strcasecmp(st[i].name, name))
			return (int)i;
	return -1;
}

static void mark_needed(struct dockerfile *df, struct lint_stage *st, size_t idx, struct lint_env *meta)
{
	if (st[idx].needed)
		return;
	st[idx].needed = true;
	struct df_instr *from = &df->ins[st[idx].first];
	if (from->args[0]) {
		cleanup_free char *base = env_expand(meta, from->args[0], df->escape, false);
		int d = base && !isdigit((unsigned char)base[0]) ? stage_index(st, idx, base) : -1;
		if (d >= 0)
			mark_needed(df, st, (size_t)d, meta);
	}
	for (size_t i = st[idx].first + 1; i < st[idx].end; i++)
		for (char **f = df->ins[i].flags; f && *f; f++)
			if (str_has_prefix(*f, "--from=") && !strcmp(df->ins[i].cmd, "copy")) {
				int d = stage_index(st, idx, *f + 7);
				if (d >= 0)
					mark_needed(df, st, (size_t)d, meta);
			}
}

/* BuildKit's reference.ParseNormalizedNamed: berth's reference parser
 * takes the same names. */
static bool valid_base(const char *s)
{
	struct ref r;
	berr_t e = NULL;
	if (!*s || ref_parse(s, &r, &e) < 0) {
		berr_free(&e);
		return false;
	}
	ref_free(&r);
	return true;
}

/* The rules BuildKit's dispatcher runs, for one instruction of a stage
 * (`live`: the stage is being built, or --check looks at every stage). */
static void lint_dispatch(struct dockerfile *df, struct df_instr *in, struct lint_env *e, struct lint_env *meta,
			  char *const *build_args, bool live)
{
	const char *c = in->cmd;
	int line = in->line;
	if (!strcmp(c, "env") || !strcmp(c, "label")) {
		bool env = !strcmp(c, "env");
		char **keys = NULL, **vals = NULL;
		size_t nk = 0, nv = 0;
		for (char **a = in->args; a && *a; a++) {
			const char *eq = strchr(*a, '=');
			cleanup_free char *k = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
			char *kx = env_expand(e, k, df->escape, false);
			if (live)
				report_undefined(df, e, line);
			char *vx = env_expand(e, eq ? eq + 1 : "", df->escape, false);
			if (live)
				report_undefined(df, e, line);
			strv_push(&keys, &nk, kx ? kx : xstrdup(k));
			strv_push(&vals, &nv, vx ? vx : xstrdup(""));
		}
		/* BuildKit: the expansion (UndefinedVar), then the format, then
		 * the names (SecretsUsedInArgOrEnv) */
		cleanup_strv char **w = split_words_raw(in->rest, df->escape);
		if (live && w[0] && !strchr(w[0], '='))
			warnf(df, line, "LegacyKeyValueFormat",
			      "\"%s key=value\" should be used instead of legacy \"%s key value\" format", env ? "ENV" : "LABEL",
			      env ? "ENV" : "LABEL");
		for (size_t i = 0; i < nk; i++) {
			if (env) {
				if (live)
					check_secret(df, "ENV", keys[i], line);
				env_set(e, keys[i], vals[i]);
			}
		}
		strv_free_(keys);
		strv_free_(vals);
	} else if (!strcmp(c, "copy") || !strcmp(c, "add")) {
		for (char **f = in->flags; f && *f; f++)
			if (str_has_prefix(*f, "--chown=") || str_has_prefix(*f, "--chmod="))
				expand_report(df, e, *f + 8, line, live, false);
		for (char **a = in->args; a && *a; a++)
			if (in->json || !str_has_prefix(*a, "<<"))
				expand_report(df, e, *a, line, live, false);
		for (size_t k = 0; k < in->n_heredocs; k++)
			if (in->heredocs[k].expand)
				expand_report(df, e, in->heredocs[k].content, line, live, true);
	} else if (!strcmp(c, "workdir") || !strcmp(c, "user") || !strcmp(c, "stopsignal") ||
		   !strcmp(c, "volume")) {
		for (char **a = in->args; a && *a; a++)
			expand_report(df, e, *a, line, live, false);
	} else if (!strcmp(c, "arg")) {
		for (char **a = in->args; a && *a; a++) {
			const char *eq = strchr(*a, '=');
			cleanup_free char *k = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
			if (live)
				check_secret(df, "ARG", k, line);
			bool given;
			const char *v = given_arg(build_args, k, &given);
			cleanup_free char *val = NULL;
			if (given) {
				val = xstrdup(v);
			} else if (eq) {
				val = env_expand(e, eq + 1, df->escape, false);
				if (live)
					report_undefined(df, e, line);
			} else {
				const char *g = env_get(meta, k);
				if (!g)
					g = dockerfile_platform_arg(k);
				if (g)
					val = xstrdup(g);
			}
			if (val && strcmp(k, "BUILDKIT_SBOM_SCAN_CONTEXT") && strcmp(k, "BUILDKIT_SBOM_SCAN_STAGE"))
				env_set(e, k, val);
			strv_push(&e->args, &e->na, xstrdup(k));
		}
	}
}

static const char *lint_lookup(void *ctx, const char *n)
{
	struct lint_env *g = ctx;
	if (env_get(g, n))
		return "x";
	for (size_t i = 0; i < g->na; i++)
		if (!strcmp(g->args[i], n))
			return "x";
	if (dockerfile_platform_arg(n))
		return "x";
	return NULL;
}

static bool all_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (islower((unsigned char)s[i]))
			return false;
	return true;
}

void dockerfile_lint(struct dockerfile *df, const struct df_lint_opts *o)
{
	static const struct df_lint_opts none = {0};
	if (!o)
		o = &none;
	char *const *build_args = o->build_args;
	/* global ARGs: as given (meta), and with their defaults only
	 * (InvalidDefaultArgInFrom) */
	struct lint_env meta = {.platform = true, .known = true}, defaults = {.platform = true, .known = true};
	size_t upper = 0, lower = 0;
	char **stages = NULL;
	size_t ns = 0;
	struct lint_stage *st = NULL;
	size_t nst = 0;

	for (size_t i = 0; i < df->n; i++) {
		const char *o2 = df->ins[i].orig;
		size_t l = strcspn(o2, " \t");
		if (all_upper(o2, l))
			upper++;
		else
			lower++;
		if (!strcmp(df->ins[i].cmd, "from")) {
			st = xrealloc(st, (nst + 1) * sizeof(*st));
			memset(&st[nst], 0, sizeof(*st));
			st[nst].first = i;
			char **a = df->ins[i].args;
			if (a[0] && a[1] && a[2] && !strcasecmp(a[1], "as")) {
				st[nst].name = xstrdup(a[2]);
				for (char *p = st[nst].name; *p; p++)
					*p = (char)tolower((unsigned char)*p);
			}
			nst++;
		} else if (nst) {
			st[nst - 1].end = i + 1;
		} else if (!strcmp(df->ins[i].cmd, "arg")) {
			for (char **w = df->ins[i].args; *w; w++) {
				const char *eq = strchr(*w, '=');
				cleanup_free char *k = eq ? xstrndup(*w, (size_t)(eq - *w)) : xstrdup(*w);
				bool given;
				const char *v = given_arg(build_args, k, &given);
				cleanup_free char *def = eq ? env_expand(&defaults, eq + 1, df->escape, false) : NULL;
				if (def)
					env_set(&defaults, k, def);
				cleanup_free char *mv = given ? xstrdup(v) : eq ? env_expand(&meta, eq + 1, df->escape, false) : NULL;
				if (mv)
					env_set(&meta, k, mv);
				strv_push(&meta.args, &meta.na, xstrdup(k));
			}
		}
		if (nst && st[nst - 1].end <= st[nst - 1].first)
			st[nst - 1].end = st[nst - 1].first + 1;
	}
	/* the stages BuildKit dispatches: all of them for --check without a
	 * target, else the target (or last) stage and what it needs */
	if (nst) {
		size_t target = nst - 1;
		if (o->target && *o->target)
			for (size_t k = 0; k < nst; k++)
				if (st[k].name && !strcasecmp(st[k].name, o->target))
					target = k;
		if (o->all_stages && !(o->target && *o->target))
			for (size_t k = 0; k < nst; k++)
				st[k].needed = true;
		else
			mark_needed(df, st, target, &meta);
	}

	size_t cur = 0;
	bool in_stage = false, workdir_set = false, live = false;
	int cmd_count = 0, ep_count = 0, cmd_line = 0, ep_line = 0;
	struct lint_env env = {0};
	for (size_t i = 0; i < df->n; i++) {
		struct df_instr *in = &df->ins[i];
		const char *o2 = in->orig;
		size_t l = strcspn(o2, " \t");
		bool up = all_upper(o2, l);
		if ((upper >= lower) != up)
			warnf(df, in->line, "ConsistentInstructionCasing",
			      "Command '%.*s' should match the case of the command majority (%s)", (int)l, o2,
			      upper >= lower ? "uppercase" : "lowercase");
		if (!strcmp(in->cmd, "from")) {
			if (in_stage) {
				if (live && cmd_count > 1)
					warnf(df, cmd_line, "MultipleInstructionsDisallowed",
					      "Multiple CMD instructions should not be used in the same stage because only the last one will be used");
				if (live && ep_count > 1)
					warnf(df, ep_line, "MultipleInstructionsDisallowed",
					      "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used");
				env_copy(&st[cur].env, &env);
				env_free(&env);
				cur++;
			}
			in_stage = true;
			live = st[cur].needed;
			workdir_set = false;
			cmd_count = ep_count = 0;
			char **a = in->args;
			if (a[0] && a[1] && a[2] && !strcasecmp(a[1], "as")) {
				bool as_up = all_upper(a[1], 2);
				if (as_up != up)
					warnf(df, in->line, "FromAsCasing", "'%s' and '%.*s' keywords' casing do not match",
					      a[1], (int)l, o2);
				for (const char *c = a[2]; *c; c++)
					if (isupper((unsigned char)*c)) {
						warnf(df, in->line, "StageNameCasing", "Stage name '%s' should be lowercase",
						      a[2]);
						break;
					}
				/* buildkit compares stage names lower-cased, and quotes them with %q */
				cleanup_free char *lname = xstrdup(a[2]);
				for (char *c = lname; *c; c++)
					*c = (char)tolower((unsigned char)*c);
				if (!strcmp(lname, "scratch") || !strcmp(lname, "context"))
					warnf(df, in->line, "ReservedStageName",
					      "Stage name should not use the same name as reserved stage \"%s\"", lname);
				for (size_t k = 0; k < ns; k++)
					if (!strcmp(stages[k], lname)) {
						warnf(df, in->line, "DuplicateStageName",
						      "Duplicate stage name \"%s\", stage names should be unique", lname);
						break;
					}
				strv_push(&stages, &ns, xstrdup(lname));
			}
			/* the base image with the global ARGs' defaults only, no
			 * --build-arg: empty or not a reference warns */
			if (a[0]) {
				berr_t e2 = NULL;
				cleanup_free char *b = dockerfile_expand(a[0], df->escape, env_lookup, NULL, &defaults, &e2);
				berr_free(&e2);
				if (b && !valid_base(b))
					warnf(df, in->line, "InvalidDefaultArgInFrom",
					      "Default value for ARG %s results in empty or invalid base image name", a[0]);
			}
			/* Undefined args in FROM: only global ARGs count. */
			for (char **w = in->args; *w && w == in->args; w++) {
				const char *p = *w;
				while ((p = strchr(p, '$'))) {
					p++;
					if (*p == '{')
						p++;
					size_t nl = 0;
					while (name_char(p[nl]))
						nl++;
					if (!nl)
						continue;
					cleanup_free char *n = xstrndup(p, nl);
					bool defined = lint_lookup(&meta, n) != NULL;
					for (char *const *b = build_args; !defined && b && *b; b++)
						if (!strncmp(*b, n, nl) && ((*b)[nl] == '=' || !(*b)[nl]))
							defined = true;
					if (!defined)
						warnf(df, in->line, "UndefinedArgInFrom", "FROM argument '%s' is not declared", n);
					p += nl;
				}
			}
			/* the stage's scope: a stage it is built on, or the base
			 * image's ENV (when the caller knows it); PATH always */
			memset(&env, 0, sizeof(env));
			cleanup_free char *base = a[0] ? env_expand(&meta, a[0], df->escape, false) : NULL;
			int dep = base && !isdigit((unsigned char)base[0]) ? stage_index(st, cur, base) : -1;
			if (dep >= 0) {
				env_copy(&env, &st[dep].env);
			} else if (base && !strcasecmp(base, "scratch")) {
				env.known = true;
			} else if (base && o->image_env) {
				char **ie = o->image_env(o->ctx, base);
				env.known = ie != NULL;
				for (char **p = ie; p && *p; p++) {
					cleanup_free char *k = xstrndup(*p, strcspn(*p, "="));
					env_set(&env, k, strchr(*p, '=') ? strchr(*p, '=') + 1 : "");
				}
				strv_free_(ie);
			}
			if (!env_get(&env, "PATH"))
				env_set(&env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
		} else if (!in_stage) {
			/* global ARGs: read above */
		} else if (!strcmp(in->cmd, "maintainer")) {
			warnf(df, in->line, "MaintainerDeprecated",
			      "Maintainer instruction is deprecated in favor of using label");
		} else if ((!strcmp(in->cmd, "cmd") || !strcmp(in->cmd, "entrypoint")) && !in->json) {
			if (live)
				warnf(df, in->line, "JSONArgsRecommended",
				      "JSON arguments recommended for %s to prevent unintended behavior related to OS signals",
				      !strcmp(in->cmd, "cmd") ? "CMD" : "ENTRYPOINT");
		} else if ((!strcmp(in->cmd, "env") || !strcmp(in->cmd, "label"))) {
			lint_dispatch(df, in, &env, &meta, build_args, live);
		} else if (!strcmp(in->cmd, "workdir")) {
			lint_dispatch(df, in, &env, &meta, build_args, live);
			/* buildkit: only the stage's first WORKDIR is checked (fixing
			 * it fixes the ones after), and only a relative path warns */
			const char *w = in->args[0];
			if (live && !workdir_set && w[0] != '/' && w[0] != '$')
				warnf(df, in->line, "WorkdirRelativePath",
				      "Relative workdir \"%s\" can have unexpected results if the base image changes", w);
			workdir_set = true;
		} else {
			lint_dispatch(df, in, &env, &meta, build_args, live);
		}
		if (!strcmp(in->cmd, "cmd")) {
			cmd_count++;
			cmd_line = in->line;
		}
		if (!strcmp(in->cmd, "entrypoint")) {
			ep_count++;
			ep_line = in->line;
		}
	}
	if (live && cmd_count > 1)
		warnf(df, cmd_line, "MultipleInstructionsDisallowed",
		      "Multiple CMD instructions should not be used in the same stage because only the last one will be used");
	if (live && ep_count > 1)
		warnf(df, ep_line, "MultipleInstructionsDisallowed",
		      "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used");
	env_free(&env);
	for (size_t k = 0; k < nst; k++) {
		free(st[k].name);
		env_free(&st[k].env);
	}
	free(st);
	strv_free_(stages);
	apply_check_directive(df);
	env_free(&meta);
	env_free(&defaults);
}
