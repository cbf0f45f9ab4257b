/* highlight.c: see highlight.h.
 *
 * Small line-oriented scanners, one per language.  They aim at what lessons
 * show (a Dockerfile, a compose file, a terminal session), not at full
 * grammars: a token that is not recognised is simply left uncoloured, so a
 * mistake here costs colour, never text.  Every byte of the input appears in
 * the output exactly once, escaped.
 */
#define _GNU_SOURCE
#include "highlight.h"
#include "../engine/core/util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void esc(FILE *f, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != '&' && s[j] != '<' && s[j] != '>' && s[j] != '"')
			j++;
		fwrite(s + i, 1, j - i, f);
		if (j == n)
			break;
		switch (s[j]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		default: fputs("&quot;", f); break;
		}
		i = j + 1;
	}
}

static void tok(FILE *f, const char *cls, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (!cls) {
		esc(f, s, n);
		return;
	}
	fprintf(f, "<span class=\"hl-%s\">", cls);
	esc(f, s, n);
	fputs("</span>", f);
}

static const struct {
	const char *name;
	enum hl_lang lang;
} lang_names[] = {
	{"dockerfile", HL_DOCKERFILE}, {"docker", HL_DOCKERFILE}, {"containerfile", HL_DOCKERFILE},
	{"yaml", HL_YAML},             {"yml", HL_YAML},          {"sh", HL_SHELL},
	{"shell", HL_SHELL},           {"bash", HL_SHELL},        {"zsh", HL_SHELL},
	{"console", HL_CONSOLE},       {"shell-session", HL_CONSOLE}, {"terminal", HL_CONSOLE},
	{"json", HL_JSON},             {"jsonc", HL_JSON},
};

enum hl_lang hl_lang_from_info(const char *info)
{
	size_t n = 0;
	if (!info)
		return HL_NONE;
	while (info[n] && !isspace((unsigned char)info[n]))
		n++;
	for (size_t i = 0; i < sizeof(lang_names) / sizeof(lang_names[0]); i++)
		if (strlen(lang_names[i].name) == n && strncasecmp(lang_names[i].name, info, n) == 0)
			return lang_names[i].lang;
	return HL_NONE;
}

enum hl_lang hl_lang_from_filename(const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	const char *dot = strrchr(base, '.');
	if (strcasecmp(base, "Dockerfile") == 0 || strcasecmp(base, "Containerfile") == 0 ||
	    strncasecmp(base, "Dockerfile.", 11) == 0 || (dot && strcasecmp(dot, ".dockerfile") == 0))
		return HL_DOCKERFILE;
	if (!dot)
		return HL_NONE;
	if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
		return HL_YAML;
	if (strcasecmp(dot, ".sh") == 0 || strcasecmp(dot, ".bash") == 0)
		return HL_SHELL;
	if (strcasecmp(dot, ".json") == 0)
		return HL_JSON;
	return HL_NONE;
}

const char *hl_lang_name(enum hl_lang lang)
{
	switch (lang) {
	case HL_DOCKERFILE: return "dockerfile";
	case HL_YAML: return "yaml";
	case HL_SHELL: return "sh";
	case HL_CONSOLE: return "console";
	case HL_JSON: return "json";
	default: return "";
	}
}

/* ---- shell ---- */

static bool word_end(char c)
{
	return c == '\0' || isspace((unsigned char)c) || strchr("|&;<>()\"'`", c);
}

static bool is_shell_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {"if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while",
					 "until", "case", "esac", "function", "select", "!", NULL};
	for (const char *const *k = kw; *k; k++)
		if (strlen(*k) == n && strncmp(*k, s, n) == 0)
			return true;
	return false;
}

/* A $VAR, ${...} or $(/$? at s; returns its length (0: not a variable). */
static size_t var_len(const char *s, size_t n)
{
	if (n < 2 || s[0] != '$')
		return 0;
	if (s[1] == '{') {
		size_t i = 2;
		while (i < n && s[i] != '}')
			i++;
		return i < n ? i + 1 : n;
	}
	if (s[1] == '(')
		return 2;
	if (strchr("?!#$@*-0123456789", s[1]))
		return 2;
	size_t i = 1;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	return i > 1 ? i : 0;
}

/* One line of shell.  *cmd says whether the next word is in command
 * position; it carries over a continued line. */
static void shell_line(FILE *f, const char *s, size_t n, bool *cmd, bool assign_anywhere)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (isspace((unsigned char)c)) {
			size_t j = i;
			while (j < n && isspace((unsigned char)s[j]))
				j++;
			tok(f, NULL, s + i, j - i);
			i = j;
		} else if (c == '#' && (i == 0 || isspace((unsigned char)s[i - 1]))) {
			tok(f, "c", s + i, n - i);
			i = n;
		} else if (c == '\'') {
			size_t j = i + 1;
			while (j < n && s[j] != '\'')
				j++;
			j = j < n ? j + 1 : n;
			tok(f, "s", s + i, j - i);
			i = j;
			*cmd = false;
		} else if (c == '"') {
			size_t j = i + 1;
			while (j < n && s[j] != '"')
				j += s[j] == '\\' && j + 1 < n ? 2 : 1;
			j = j < n ? j + 1 : n;
			tok(f, "s", s + i, j - i);
			i = j;
			*cmd = false;
		} else if (c == '$' && var_len(s + i, n - i)) {
			size_t l = var_len(s + i, n - i);
			tok(f, "v", s + i, l);
			i += l;
		} else if (strchr("|&;", c)) {
			size_t j = i + 1;
			while (j < n && strchr("|&;", s[j]))
				j++;
			tok(f, "o", s + i, j - i);
			i = j;
			*cmd = true;
		} else if (strchr("<>()`", c)) {
			size_t j = i + 1;
			while (j < n && strchr("<>&", s[j]))
				j++;
			tok(f, "o", s + i, j - i);
			i = j;
		} else {
			size_t j = i;
			while (j < n && !word_end(s[j]) && !(s[j] == '$' && j > i))
				j++;
			if (j == i)
				j = i + 1;
			const char *eq = memchr(s + i, '=', j - i);
			if ((*cmd || assign_anywhere) && eq && eq > s + i && s[i] != '-') {
				/* NAME=value: an assignment, not the command. */
				tok(f, "v", s + i, (size_t)(eq - (s + i)));
				tok(f, "o", eq, 1);
				tok(f, NULL, eq + 1, (size_t)(s + j - eq - 1));
			} else if (*cmd && is_shell_keyword(s + i, j - i)) {
				tok(f, "k", s + i, j - i);
			} else if (*cmd && !(j - i == 1 && s[i] == '\\')) {
				tok(f, "b", s + i, j - i);
				*cmd = false;
			} else if (s[i] == '-' && j - i > 1) {
				tok(f, "f", s + i, j - i);
			} else {
				tok(f, NULL, s + i, j - i);
			}
			i = j;
		}
	}
}

/* The line [s, s+n) ends with a backslash (ignoring trailing blanks). */
static bool continues(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n > 0 && s[n - 1] == '\\';
}

typedef void (*line_fn)(FILE *f, const char *s, size_t n, void *state);

static void each_line(FILE *f, const char *code, line_fn fn, void *state)
{
	const char *p = code;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		fn(f, p, n, state);
		if (!eol)
			break;
		fputc('\n', f);
		p = eol + 1;
	}
}

struct shell_state {
	bool cmd;
};

static void shell_fn(FILE *f, const char *s, size_t n, void *st)
{
	struct shell_state *ss = st;
	shell_line(f, s, n, &ss->cmd, false);
	if (!continues(s, n))
		ss->cmd = true;
}

/* ---- console ---- */

struct console_state {
	bool cont;   /* the previous command line ended with a backslash */
	bool cmd;
};

static void console_fn(FILE *f, const char *s, size_t n, void *st)
{
	struct console_state *cs = st;
	if (cs->cont || (n >= 2 && s[0] == '$' && s[1] == ' ') || (n == 1 && s[0] == '$')) {
		size_t start = 0;
		if (!cs->cont) {
			tok(f, "p", s, n >= 2 ? 2 : 1);
			start = n >= 2 ? 2 : 1;
			cs->cmd = true;
		}
		fputs("<span class=\"hl-cmd\">", f);
		shell_line(f, s + start, n - start, &cs->cmd, false);
		fputs("</span>", f);
		cs->cont = continues(s, n);
	} else {
		tok(f, "out", s, n);
	}
}

/* ---- Dockerfile ---- */

struct docker_state {
	bool cont;
	bool shell;   /* continuation lines are shell (RUN) */
	bool cmd;
};

static bool is_instruction(const char *s, size_t n)
{
	static const char *const ins[] = {"FROM",   "RUN",  "CMD",       "LABEL", "MAINTAINER", "EXPOSE",
					  "ENV",    "ADD",  "COPY",      "ENTRYPOINT", "VOLUME",  "USER",
					  "WORKDIR", "ARG", "ONBUILD",   "STOPSIGNAL", "HEALTHCHECK", "SHELL",
					  NULL};
	for (const char *const *k = ins; *k; k++)
		if (strlen(*k) == n && strncasecmp(*k, s, n) == 0)
			return true;
	return false;
}

static void json_text(FILE *f, const char *s, size_t n);

static void docker_fn(FILE *f, const char *s, size_t n, void *st)
{
	struct docker_state *ds = st;
	size_t i = 0;
	if (ds->cont) {
		if (ds->shell)
			shell_line(f, s, n, &ds->cmd, false);
		else
			shell_line(f, s, n, &(bool){false}, true);
		ds->cont = continues(s, n);
		return;
	}
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	tok(f, NULL, s, i);
	if (i < n && s[i] == '#') {
		tok(f, "c", s + i, n - i);
		return;
	}
	size_t j = i;
	while (j < n && isalpha((unsigned char)s[j]))
		j++;
	if (!is_instruction(s + i, j - i)) {
		shell_line(f, s + i, n - i, &(bool){false}, false);
		ds->cont = continues(s, n);
		return;
	}
	tok(f, "k", s + i, j - i);
	const char *ins = s + i;
	size_t inslen = j - i;
	const char *rest = s + j;
	size_t rn = n - j;
	ds->shell = (inslen == 3 && strncasecmp(ins, "RUN", 3) == 0) ||
		    (inslen == 3 && strncasecmp(ins, "CMD", 3) == 0) ||
		    (inslen == 10 && strncasecmp(ins, "ENTRYPOINT", 10) == 0);
	size_t k = 0;
	while (k < rn && isspace((unsigned char)rest[k]))
		k++;
	if (ds->shell && k < rn && rest[k] == '[') {
		/* The exec form is a JSON array. */
		tok(f, NULL, rest, k);
		json_text(f, rest + k, rn - k);
	} else if (inslen == 4 && strncasecmp(ins, "FROM", 4) == 0) {
		size_t p = 0;
		while (p < rn) {
			size_t q = p;
			if (isspace((unsigned char)rest[p])) {
				while (q < rn && isspace((unsigned char)rest[q]))
					q++;
				tok(f, NULL, rest + p, q - p);
			} else {
				while (q < rn && !isspace((unsigned char)rest[q]))
					q++;
				const char *cls = NULL;
				if (q - p == 2 && strncasecmp(rest + p, "AS", 2) == 0)
					cls = "k";
				else if (rest[p] == '-')
					cls = "f";
				else if (rest[p] == '$')
					cls = "v";
				tok(f, cls, rest + p, q - p);
			}
			p = q;
		}
	} else {
		bool cmd = ds->shell;
		bool assign = (inslen == 3 && strncasecmp(ins, "ENV", 3) == 0) ||
			      (inslen == 3 && strncasecmp(ins, "ARG", 3) == 0) ||
			      (inslen == 5 && strncasecmp(ins, "LABEL", 5) == 0);
		shell_line(f, rest, rn, &cmd, assign);
		ds->cmd = cmd;
	}
	ds->cont = continues(s, n);
}

/* ---- YAML ---- */

struct yaml_state {
	int block_indent;   /* > -1: inside a block scalar more indented than this */
};

static bool yaml_literal(const char *s, size_t n)
{
	static const char *const lit[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "True", "False",
					  "TRUE", "FALSE", "Null", "NULL", NULL};
	for (const char *const *l = lit; *l; l++)
		if (strlen(*l) == n && strncmp(*l, s, n) == 0)
			return true;
	if (n == 0)
		return false;
	size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	bool digit = false;
	for (; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			digit = true;
		else if (s[i] != '.' && s[i] != '_' && s[i] != 'e' && s[i] != 'E')
			return false;
	}
	return digit;
}

/* A value after "key: " or "- ", up to an end-of-line comment. */
static void yaml_value(FILE *f, const char *s, size_t n, struct yaml_state *ys, int indent)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	tok(f, NULL, s, i);
	if (i == n)
		return;
	if (s[i] == '#') {
		tok(f, "c", s + i, n - i);
		return;
	}
	if (s[i] == '|' || s[i] == '>') {
		size_t j = i + 1;
		while (j < n && strchr("+-0123456789", s[j]))
			j++;
		tok(f, "o", s + i, j - i);
		tok(f, NULL, s + j, n - j);
		ys->block_indent = indent;
		return;
	}
	if (s[i] == '"' || s[i] == '\'') {
		char q = s[i];
		size_t j = i + 1;
		while (j < n && s[j] != q)
			j += (q == '"' && s[j] == '\\' && j + 1 < n) ? 2 : 1;
		j = j < n ? j + 1 : n;
		tok(f, "s", s + i, j - i);
		yaml_value(f, s + j, n - j, ys, indent);
		return;
	}
	if (s[i] == '&' || s[i] == '*') {
		size_t j = i;
		while (j < n && s[j] != ' ')
			j++;
		tok(f, "v", s + i, j - i);
		yaml_value(f, s + j, n - j, ys, indent);
		return;
	}
	/* A plain scalar runs to " #" or the end of the line. */
	size_t j = i;
	while (j < n && !(s[j] == '#' && s[j - 1] == ' '))
		j++;
	size_t e = j;
	while (e > i && s[e - 1] == ' ')
		e--;
	const char *cls = yaml_literal(s + i, e - i) ? "n" : (s[i] == '[' || s[i] == '{') ? NULL : "s";
	tok(f, cls, s + i, e - i);
	tok(f, NULL, s + e, j - e);
	if (j < n)
		tok(f, "c", s + j, n - j);
}

static void yaml_fn(FILE *f, const char *s, size_t n, void *st)
{
	struct yaml_state *ys = st;
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	if (ys->block_indent >= 0) {
		if (i == n || (int)i > ys->block_indent) {
			tok(f, "s", s, n);
			return;
		}
		ys->block_indent = -1;
	}
	tok(f, NULL, s, i);
	if (i == n)
		return;
	if (s[i] == '#') {
		tok(f, "c", s + i, n - i);
		return;
	}
	if (n - i >= 3 && (strncmp(s + i, "---", 3) == 0 || strncmp(s + i, "...", 3) == 0) && i == 0) {
		tok(f, "o", s, n);
		return;
	}
	int indent = (int)i;
	while (i < n && s[i] == '-' && (i + 1 == n || s[i + 1] == ' ')) {
		tok(f, "o", s + i, 1);
		i++;
		size_t j = i;
		while (j < n && s[j] == ' ')
			j++;
		tok(f, NULL, s + i, j - i);
		indent = (int)i;
		i = j;
	}
	/* key: a plain or quoted scalar followed by ": " or ":" at the end. */
	size_t k = i;
	if (k < n && (s[k] == '"' || s[k] == '\'')) {
		char q = s[k++];
		while (k < n && s[k] != q)
			k++;
		if (k < n)
			k++;
	} else {
		while (k < n && s[k] != ':' && !(s[k] == ' ' && k + 1 < n && s[k + 1] == '#'))
			k++;
	}
	if (k < n && s[k] == ':' && (k + 1 == n || s[k + 1] == ' ') && k > i) {
		tok(f, "a", s + i, k - i);
		tok(f, NULL, s + k, 1);
		yaml_value(f, s + k + 1, n - k - 1, ys, indent);
	} else {
		yaml_value(f, s + i, n - i, ys, indent);
	}
}

/* ---- JSON ---- */

static void json_text(FILE *f, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < n && s[j] != '"' && s[j] != '\n')
				j += s[j] == '\\' && j + 1 < n ? 2 : 1;
			j = j < n && s[j] == '"' ? j + 1 : j;
			size_t k = j;
			while (k < n && (s[k] == ' ' || s[k] == '\t'))
				k++;
			tok(f, k < n && s[k] == ':' ? "a" : "s", s + i, j - i);
			i = j;
		} else if (c == '-' || isdigit((unsigned char)c)) {
			size_t j = i + 1;
			while (j < n && (isdigit((unsigned char)s[j]) || strchr(".eE+-", s[j])))
				j++;
			tok(f, "n", s + i, j - i);
			i = j;
		} else if (isalpha((unsigned char)c)) {
			size_t j = i;
			while (j < n && isalpha((unsigned char)s[j]))
				j++;
			bool lit = (j - i == 4 && (strncmp(s + i, "true", 4) == 0 || strncmp(s + i, "null", 4) == 0)) ||
				   (j - i == 5 && strncmp(s + i, "false", 5) == 0);
			tok(f, lit ? "k" : NULL, s + i, j - i);
			i = j;
		} else {
			tok(f, NULL, s + i, 1);
			i++;
		}
	}
}

char *highlight(enum hl_lang lang, const char *code)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	switch (lang) {
	case HL_SHELL: {
		struct shell_state st = {.cmd = true};
		each_line(f, code, shell_fn, &st);
		break;
	}
	case HL_CONSOLE: {
		struct console_state st = {0};
		each_line(f, code, console_fn, &st);
		break;
	}
	case HL_DOCKERFILE: {
		struct docker_state st = {0};
		each_line(f, code, docker_fn, &st);
		break;
	}
	case HL_YAML: {
		struct yaml_state st = {.block_indent = -1};
		each_line(f, code, yaml_fn, &st);
		break;
	}
	case HL_JSON:
		json_text(f, code, strlen(code));
		break;
	default:
		esc(f, code, strlen(code));
	}
	fclose(f);
	return buf ? buf : xstrdup("");
}

char *console_commands(const char *code)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool cont = false, first = true;
	const char *p = code;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = NULL;
		size_t sn = 0;
		if (cont) {
			/* A continued line joins the command with one space. */
			s = p;
			sn = n;
			while (sn && (*s == ' ' || *s == '\t'))
				s++, sn--;
			fputc(' ', f);
		} else if (n >= 2 && p[0] == '$' && p[1] == ' ') {
			s = p + 2;
			sn = n - 2;
			if (!first)
				fputc('\n', f);
			first = false;
		}
		if (s) {
			while (sn && (s[sn - 1] == ' ' || s[sn - 1] == '\t' || s[sn - 1] == '\r'))
				sn--;
			cont = sn && s[sn - 1] == '\\';
			if (cont) {
				sn--;
				while (sn && (s[sn - 1] == ' ' || s[sn - 1] == '\t'))
					sn--;
			}
			fwrite(s, 1, sn, f);
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	fclose(f);
	return buf ? buf : xstrdup("");
}
