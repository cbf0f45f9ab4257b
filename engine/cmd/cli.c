/* cli.c: option parsing, help text and dispatch (see cli.h). */
#define _GNU_SOURCE
#include "cli.h"
#include "../core/util.h"
#include "../core/cleanup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *command_path;

void cli_set_path(const char *path)
{
	free(command_path);
	command_path = xstrdup(path);
}

const char *cli_path(void)
{
	return command_path ? command_path : "berth";
}

void strlist_push(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int cli_usage_error(berr_t *err, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	berr_make_status(err, BERTH_EXIT_ERROR, 0, "%s\nSee '%s --help'.", msg ? msg : "usage error", cli_path());
	(*err)->plain = 1;
	return -1;
}

static const char *metavar(const struct opt *o)
{
	if (o->metavar)
		return o->metavar;
	switch (o->type) {
	case OPT_STRING:
		return "string";
	case OPT_LIST:
		return "list";
	case OPT_INT:
		return "int";
	default:
		return "";
	}
}

void cli_print_help(const struct cli_spec *spec, FILE *to)
{
	size_t width = 0;

	fprintf(to, "\nUsage:  %s %s\n\n%s\n", cli_path(), spec->usage ? spec->usage : "", spec->summary);
	if (spec->aliases)
		fprintf(to, "\nAliases:\n  %s\n", spec->aliases);
	if (!spec->opts || !spec->opts[0].name)
		return;
	for (const struct opt *o = spec->opts; o->name; o++) {
		size_t w = 6 + 2 + strlen(o->name) + (o->type == OPT_BOOL ? 0 : 1 + strlen(metavar(o)));
		if (!o->hidden && w > width)
			width = w;
	}
	fprintf(to, "\nOptions:\n");
	for (const struct opt *o = spec->opts; o->name; o++) {
		char left[256];
		if (o->hidden)
			continue;
		if (o->shortname)
			snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->shortname, o->name,
				 o->type == OPT_BOOL ? "" : " ", metavar(o));
		else
			snprintf(left, sizeof(left), "      --%s%s%s", o->name, o->type == OPT_BOOL ? "" : " ",
				 metavar(o));
		fprintf(to, "%-*s   %s\n", (int)width, left, o->help ? o->help : "");
	}
}

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	for (const struct opt *o = opts; o && o->name; o++)
		if (o->shortname == c)
			return o;
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* Store value into o's destination; `shown` names the flag in errors. */
static int set_value(const struct opt *o, const char *value, const char *shown, berr_t *err)
{
	switch (o->type) {
	case OPT_BOOL: {
		bool b = true;
		if (value && parse_bool(value, &b) < 0)
			return cli_usage_error(err, "invalid argument \"%s\" for \"%s\" flag: not a boolean", value,
					       shown);
		*(bool *)o->dest = b;
		return 0;
	}
	case OPT_STRING:
		*(const char **)o->dest = value;
		return 0;
	case OPT_LIST:
		strlist_push(o->dest, value);
		return 0;
	case OPT_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || !*value || *end)
			return cli_usage_error(err, "invalid argument \"%s\" for \"%s\" flag: not an integer", value,
					       shown);
		*(long *)o->dest = v;
		return 0;
	}
	}
	return 0;
}

static int count_error(const struct cli_spec *spec, int n, berr_t *err)
{
	const char *what;
	int want;

	if (spec->max_args == 0) {
		berr_make_status(err, 1, 0, "\"%s\" accepts no arguments.\nSee '%s --help'.\n\nUsage:  %s %s\n\n%s",
				 cli_path(), cli_path(), cli_path(), spec->usage, spec->summary);
		(*err)->plain = 1;
		return -1;
	}
	if (spec->min_args == spec->max_args) {
		what = "exactly";
		want = spec->min_args;
	} else if (n < spec->min_args) {
		what = "at least";
		want = spec->min_args;
	} else {
		what = "at most";
		want = spec->max_args;
	}
	berr_make_status(err, 1, 0, "\"%s\" requires %s %d argument%s.\nSee '%s --help'.\n\nUsage:  %s %s\n\n%s",
			 cli_path(), what, want, want == 1 ? "" : "s", cli_path(), cli_path(), spec->usage,
			 spec->summary);
	(*err)->plain = 1;
	return -1;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv, struct cli_args *out, berr_t *err)
{
	char **pos = xcalloc((size_t)argc + 1, sizeof(char *));
	int npos = 0;
	bool only_args = false;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (only_args || a[0] != '-' || a[1] == '\0') {
			pos[npos++] = a;
			if (spec->stop_at_first_arg)
				only_args = true;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt *o = find_long(spec->opts, name, len);
			char shown[128];

			if (!o && len == 4 && strncmp(name, "help", 4) == 0) {
				cli_print_help(spec, stdout);
				free(pos);
				return 1;
			}
			if (!o) {
				free(pos);
				return cli_usage_error(err, "unknown flag: --%.*s", (int)len, name);
			}
			snprintf(shown, sizeof(shown), "--%s", o->name);
			const char *value = eq ? eq + 1 : NULL;
			if (!value && o->type != OPT_BOOL) {
				if (i + 1 >= argc) {
					free(pos);
					return cli_usage_error(err, "flag needs an argument: --%s", o->name);
				}
				value = argv[++i];
			}
			if (set_value(o, value, shown, err) < 0) {
				free(pos);
				return -1;
			}
			continue;
		}
		/* A cluster of short flags: -it, -p8080:80, -e=A=B. */
		for (char *c = a + 1; *c; c++) {
			const struct opt *o = find_short(spec->opts, *c);
			char shown[128];

			if (!o && *c == 'h') {
				cli_print_help(spec, stdout);
				free(pos);
				return 1;
			}
			if (!o) {
				free(pos);
				return cli_usage_error(err, "unknown shorthand flag: '%c' in %s", *c, a);
			}
			snprintf(shown, sizeof(shown), "-%c, --%s", o->shortname, o->name);
			if (o->type == OPT_BOOL) {
				if (c[1] == '=') {
					if (set_value(o, c + 2, shown, err) < 0) {
						free(pos);
						return -1;
					}
					break;
				}
				*(bool *)o->dest = true;
				continue;
			}
			const char *value = c[1] ? c + 1 + (c[1] == '=') : NULL;
			if (!value) {
				if (i + 1 >= argc) {
					free(pos);
					return cli_usage_error(err, "flag needs an argument: '%c' in %s", *c, a);
				}
				value = argv[++i];
			}
			if (set_value(o, value, shown, err) < 0) {
				free(pos);
				return -1;
			}
			break;
		}
	}
	if (npos < spec->min_args || (spec->max_args >= 0 && npos > spec->max_args)) {
		free(pos);
		return count_error(spec, npos, err);
	}
	out->argc = npos;
	out->argv = pos;
	return 0;
}

static void print_table_help(const struct command *table, const char *path)
{
	static const struct {
		const char *group, *title;
	} groups[] = {{"common", "Common Commands"}, {"management", "Management Commands"}, {NULL, "Commands"}};

	printf("\nUsage:  %s [OPTIONS] COMMAND\n\n", path);
	if (strcmp(path, "berth") == 0)
		printf("A container engine for learning: docker's commands, no daemon\n");
	for (size_t g = 0; g < 3; g++) {
		bool any = false;
		for (const struct command *c = table; c->name; c++) {
			bool in = groups[g].group ? (c->group && strcmp(c->group, groups[g].group) == 0) : !c->group;
			if (!in || c->hidden)
				continue;
			if (!any)
				printf("\n%s:\n", groups[g].title);
			any = true;
			printf("  %-11s %s\n", c->name, c->summary);
		}
	}
	if (strcmp(path, "berth") == 0) {
		printf("\nGlobal Options:\n"
		       "      --root string    State directory (default \"%s\"; or $BERTH_ROOT)\n"
		       "  -D, --debug          Enable debug mode\n"
		       "  -v, --version        Print version information and quit\n",
		       "/var/lib/berth");
	}
	printf("\nRun '%s COMMAND --help' for more information on a command.\n", path);
}

int cli_dispatch(const struct command *table, const char *path, struct berth *b, int argc, char **argv,
		 berr_t *err)
{
	cleanup_free char *sub = NULL;

	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0) {
		print_table_help(table, path);
		return 0;
	}
	for (const struct command *c = table; c->name; c++) {
		if (strcmp(c->name, argv[0]) != 0)
			continue;
		sub = xasprintf("%s %s", path, c->name);
		cli_set_path(sub);
		if (c->subs) {
			if (argc < 2) {
				print_table_help(c->subs, sub);
				return 0;
			}
			return cli_dispatch(c->subs, sub, b, argc - 1, argv + 1, err);
		}
		return c->fn(b, argc, argv, err);
	}
	cli_set_path(path);
	if (argv[0][0] == '-')
		return cli_usage_error(err, "unknown flag: %s", argv[0]);
	return cli_usage_error(err, "%s: unknown command: \"%s\"", path, argv[0]);
}
