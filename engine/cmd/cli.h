/* cli.h: docker-compatible option parsing and help for every command.
 *
 * docker's CLI uses cobra/pflag; learners type its conventions, so berth
 * follows them: `--name value`, `--name=value`, `-n value`, `-nvalue`,
 * clustered booleans (`-it`), `--flag=false`, `--` ending options, `-` as a
 * plain argument, repeatable list flags (`-e A -e B`).  Commands that take a
 * command line of their own (run, exec, create) stop at the first positional
 * argument; the others accept options anywhere, as docker does.
 *
 * Errors read as docker's: "unknown flag: --foo" then "See 'berth run --help'."
 * and exit 125; a wrong argument count exits 1 with the usage, as docker.
 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "../core/err.h"
#include "../core/root.h"

enum opt_type {
	OPT_BOOL,    /* bool *            */
	OPT_STRING,  /* const char **     (last one wins) */
	OPT_LIST,    /* struct strlist *  (repeatable)    */
	OPT_INT,     /* long *            */
};

struct strlist {
	char **v;    /* NULL-terminated */
	size_t n;
};
void strlist_push(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

struct opt {
	const char *name;      /* long name, without "--" */
	char shortname;        /* 0 when it has none */
	enum opt_type type;
	void *dest;
	const char *help;
	const char *metavar;   /* shown after the name in help: "string", "list", "int" */
	bool hidden;
};

struct cli_spec {
	const char *usage;     /* after the command path: "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
	const char *summary;   /* one line */
	const struct opt *opts;/* terminated by an entry with name == NULL */
	bool stop_at_first_arg;/* run/exec/create: options end at the image */
	int min_args;
	int max_args;          /* -1: unlimited */
	const char *aliases;   /* shown in help: "berth container ls, berth ps" */
};

/* Positional arguments left after the options. */
struct cli_args {
	int argc;
	char **argv;           /* points into the original argv */
};

/* Parse argv (argv[0] is the command word).  Returns 0 to go on, 1 when
 * --help was printed (the command should exit 0), -1 with err set. */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *out, berr_t *err);

/* The command path used in messages, e.g. "berth container ls". */
void cli_set_path(const char *path);
const char *cli_path(void);

void cli_print_help(const struct cli_spec *spec, FILE *to);

/* An error about bad usage: "MSG\nSee 'PATH --help'.", exit 125. */
int cli_usage_error(berr_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A command: argv[0] is its own name.  Returns an exit status >= 0, or -1
 * with err set. */
typedef int (*cmd_fn)(struct berth *b, int argc, char **argv, berr_t *err);

struct command {
	const char *name;
	cmd_fn fn;                       /* NULL for a management command */
	const struct command *subs;      /* management commands: their table */
	const char *summary;
	const char *group;               /* "common", "management", NULL (other) */
	bool hidden;
};

/* Dispatch argv[0] among a table; `path` is the prefix for messages. */
int cli_dispatch(const struct command *table, const char *path, struct berth *b, int argc, char **argv,
		 berr_t *err);

#endif
