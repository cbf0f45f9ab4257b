/* dockerfile.h: the Dockerfile parser and docker's word expansion.
 *
 * Parsing follows docker's reference (moby/buildkit frontend/dockerfile/
 * parser): parser directives at the very top (escape, syntax, check),
 * comments, line continuations with the escape character, leading --flags,
 * exec (JSON) form and shell form (an invalid JSON array falls back to the
 * shell form, as docker does), heredocs for RUN/COPY/ADD (`<<EOF`, `<<-EOF`
 * stripping leading tabs, quoted delimiters turning expansion off), ONBUILD
 * carrying a sub-instruction.  Every instruction keeps its first line.
 *
 * Expansion is separate (dockerfile_expand): the builder applies it only in
 * the instructions where docker does (ADD COPY ENV EXPOSE FROM LABEL
 * STOPSIGNAL USER VOLUME WORKDIR ARG ONBUILD-not, and their flags), with
 * docker's shell-word rules: $v ${v} ${v:-w} ${v-w} ${v:+w} ${v+w}
 * ${v:?msg} ${v?msg}, quotes removed, the escape character escaping.
 */
#ifndef BERTH_DOCKERFILE_H
#define BERTH_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

struct df_heredoc {
	char *name;      /* the delimiter */
	char *content;   /* the body, each line ending in '\n' */
	bool expand;     /* unquoted delimiter: variables expand in the body */
};

struct df_instr {
	char *cmd;       /* lower case: "run", "copy", ... */
	char *orig;      /* the instruction as written, continuations joined by nothing */
	int line;        /* first line, 1-based */
	int end_line;    /* last line (continuations, heredoc bodies) */
	char **flags;    /* leading "--name=value" words, NULL-terminated */
	char *rest;      /* the text after the flags */
	char **args;     /* exec form: the JSON strings; else the words (see dockerfile.c) */
	bool json;       /* exec form */
	struct df_heredoc *heredocs;
	size_t n_heredocs;
	struct df_instr *sub; /* ONBUILD's instruction */
};

struct df_warning {
	int line;
	char *rule;      /* "JSONArgsRecommended" */
	char *msg;
};

struct dockerfile {
	struct df_instr *ins;
	size_t n;
	char escape;
	char *syntax, *check;    /* directives, as written (or NULL) */
	struct df_warning *warnings; /* parse-time ones (empty continuation lines) */
	size_t n_warnings;
};

/* Parse text; `name` ("Dockerfile") prefixes errors: "Dockerfile:3: unknown
 * instruction: FOO" (status 1, printed as is). */
int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *out, berr_t *err);
/* Parse one instruction line (ONBUILD triggers of a base image). */
int dockerfile_parse_line(const char *text, char escape, struct df_instr *out, berr_t *err);
void dockerfile_free(struct dockerfile *df);
void df_instr_clear(struct df_instr *in);

/* The value of a name, or NULL when unset. */
typedef const char *(*df_lookup_fn)(void *ctx, const char *name);

/* Expand one word: variables, quotes, escapes.  Names looked up are
 * reported through `used` (may be NULL) so the cache can key on them.
 * Returns a new string, or NULL with err set (bad substitution, ${v:?}). */
typedef void (*df_used_fn)(void *ctx, const char *name);
char *dockerfile_expand(const char *word, char escape, df_lookup_fn lookup, df_used_fn used, void *ctx,
			berr_t *err);
/* A COPY/ADD heredoc body with an unquoted delimiter, as BuildKit expands
 * it: variables and backslash escapes (always '\\', whatever the escape
 * directive), quotes kept as they are, whitespace and newlines kept. */
char *dockerfile_expand_heredoc(const char *body, df_lookup_fn lookup, df_used_fn used, void *ctx, berr_t *err);
/* The same, split into words at unquoted whitespace (ProcessWords). */
char **dockerfile_expand_words(const char *word, char escape, df_lookup_fn lookup, df_used_fn used, void *ctx,
			       berr_t *err);

/* Split ENV/LABEL text into "key=value" pairs as docker's parser does
 * (quotes kept for the expansion to remove); the legacy "ENV key value"
 * gives one pair.  NULL with err on "ENV names can not be blank" etc. */
char **dockerfile_name_values(const char *cmd, const char *rest, char escape, berr_t *err);

/* What the linter needs from the build. */
struct df_lint_opts {
	char *const *build_args; /* NAME=VALUE or NAME (from the environment), NULL-terminated */
	const char *target;      /* --target; NULL or "": the last stage */
	bool all_stages;         /* --check without --target: every stage, as BuildKit lints */
	/* A base image's ENV ("K=V", NULL-terminated, freed by the linter), or
	 * NULL when unknown (UndefinedVar is then not checked in that stage). */
	char **(*image_env)(void *ctx, const char *image);
	void *ctx;
};

/* The lint rules of `build --check` (docker's names), appended to
 * df->warnings.  As BuildKit, the rules its dispatcher runs (UndefinedVar,
 * SecretsUsedInArgOrEnv, JSONArgsRecommended, ...) only look at the
 * stages being built; the parser's rules look at every stage.  o may be
 * NULL (no build args, the last stage). */
void dockerfile_lint(struct dockerfile *df, const struct df_lint_opts *o);
/* The `# check=` directive says error=true: warnings fail the build. */
bool dockerfile_check_error(const struct dockerfile *df);
/* The documentation address docker prints after a rule's name. */
char *dockerfile_rule_url(const char *rule);

/* Predefined platform args (TARGETPLATFORM, BUILDARCH, ...) for the host. */
const char *dockerfile_platform_arg(const char *name);

#endif
