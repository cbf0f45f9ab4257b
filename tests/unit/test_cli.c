/* test_cli.c: options are parsed the way docker's (pflag) parses them. */
#include "tap.h"
#include "../../engine/cmd/cli.h"
#include "../../engine/core/cleanup.h"

#include <stdlib.h>

static bool detach, interactive, tty;
static const char *name;
static struct strlist env;
static long timeout = 10;

static const struct opt opts[] = {
	{"detach", 'd', OPT_BOOL, &detach, "Run in background", NULL, false},
	{"interactive", 'i', OPT_BOOL, &interactive, "Keep STDIN open", NULL, false},
	{"tty", 't', OPT_BOOL, &tty, "Allocate a pseudo-TTY", NULL, false},
	{"name", 0, OPT_STRING, &name, "Assign a name", NULL, false},
	{"env", 'e', OPT_LIST, &env, "Set environment variables", NULL, false},
	{"time", 0, OPT_INT, &timeout, "Seconds to wait", NULL, false},
	{NULL, 0, 0, NULL, NULL, NULL, false},
};

static const struct cli_spec run_spec = {
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]", .summary = "Run", .opts = opts,
	.stop_at_first_arg = true, .min_args = 1, .max_args = -1,
};
static const struct cli_spec rm_spec = {
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]", .summary = "Remove", .opts = opts,
	.stop_at_first_arg = false, .min_args = 1, .max_args = -1,
};

static void reset(void)
{
	detach = interactive = tty = false;
	name = NULL;
	strlist_free(&env);
	timeout = 10;
}

static int parse(const struct cli_spec *spec, struct cli_args *a, berr_t *err, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	reset();
	return cli_parse(spec, argc, argv, a, err);
}

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

int main(void)
{
	cleanup_berr berr_t err = NULL;
	struct cli_args a = {0};

	cli_set_path("berth run");
	ok(parse(&run_spec, &a, &err, ARGV("run", "-it", "--name", "web", "-e", "A=1", "-eB=2", "busybox", "sh", "-c",
					   "echo -d")) == 0,
	   "a typical run line parses");
	ok(interactive && tty && !detach, "-it sets both -i and -t");
	is_str(name, "web", "--name takes the next word");
	is_int(env.n, 2, "-e is repeatable, and -eB=2 is attached");
	is_str(env.n > 1 ? env.v[1] : NULL, "B=2", "the attached value keeps its =");
	is_int(a.argc, 4, "options stop at the image: the command keeps its own flags");
	is_str(a.argv[3], "echo -d", "arguments after the image are untouched");
	free(a.argv);

	ok(parse(&run_spec, &a, &err, ARGV("run", "--name=db", "--detach=false", "--time=3", "img")) == 0,
	   "--flag=value forms parse");
	ok(name && !strcmp(name, "db") && !detach && timeout == 3, "values from = are used, --detach=false is false");
	free(a.argv);

	cli_set_path("berth rm");
	ok(parse(&rm_spec, &a, &err, ARGV("rm", "one", "-d", "two")) == 0 && detach && a.argc == 2,
	   "other commands accept options after arguments");
	free(a.argv);
	ok(parse(&rm_spec, &a, &err, ARGV("rm", "--", "-weird")) == 0 && a.argc == 1 && !strcmp(a.argv[0], "-weird"),
	   "-- ends the options");
	free(a.argv);
	ok(parse(&rm_spec, &a, &err, ARGV("rm", "-")) == 0 && a.argc == 1, "a lone - is an argument");
	free(a.argv);

	ok(parse(&rm_spec, &a, &err, ARGV("rm", "--foo", "x")) < 0, "an unknown long flag is an error");
	is_str(err->msg, "unknown flag: --foo\nSee 'berth rm --help'.", "with docker's wording");
	is_int(err->status, 125, "and exit status 125");
	ok(parse(&rm_spec, &a, &err, ARGV("rm", "-dz", "x")) < 0 && strstr(err->msg, "unknown shorthand flag: 'z' in -dz"),
	   "an unknown short flag names the letter");
	ok(parse(&rm_spec, &a, &err, ARGV("rm", "x", "--name")) < 0 &&
		   strstr(err->msg, "flag needs an argument: --name"),
	   "a missing value is named");
	ok(parse(&rm_spec, &a, &err, ARGV("rm", "--time", "soon", "x")) < 0 &&
		   strstr(err->msg, "invalid argument \"soon\" for \"--time\" flag"),
	   "a bad integer is refused");
	ok(parse(&rm_spec, &a, &err, ARGV("rm")) < 0 && err->status == 1 &&
		   strstr(err->msg, "\"berth rm\" requires at least 1 argument."),
	   "too few arguments: docker's message and exit 1");
	reset();
	return done_testing();
}
