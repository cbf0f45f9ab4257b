/* lab/main.c: berth-lab, the course tool — its command table and nothing
 * else.  `berth lab ARGS` runs this program, so learners need one name.
 *
 *   berth-lab build [--out DIR] [--no-solutions] [--results DB]   render the course site
 *   berth-lab list                                  the exercises
 *   berth-lab start EXERCISE [DIR]                  hand out the starter files
 *   berth-lab check EXERCISE [DIR]                  grade an attempt, record it
 */
#define _GNU_SOURCE
#include "../engine/cmd/cli.h"
#include "../engine/core/cleanup.h"
#include "../engine/core/util.h"
#include "../engine/core/version.h"
#include "../course/course.h"
#include "../gen/site.h"
#include "../grader/grade.h"
#include "../grader/results.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *course_flag;
static const struct opt no_opts[] = {{NULL, 0, 0, NULL, NULL, NULL, false}};

/* The directory of this binary: berth is expected beside it. */
static char *self_dir(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return xstrdup(".");
	self[n] = '\0';
	return xstrdup(dirname(self));
}

static int load_course(struct course **c, berr_t *err)
{
	cleanup_free char *dir = course_flag ? xstrdup(course_flag) : course_default_dir();
	return course_load(dir, c, err);
}

static int cmd_build(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *out = "build/site", *results = NULL, *learner = NULL;
	bool no_solutions = false, quiet = false;
	const struct opt opts[] = {
		{"out", 'o', OPT_STRING, &out, "Directory to write the site to", NULL, false},
		{"no-solutions", 0, OPT_BOOL, &no_solutions, "Leave reference solutions out (for a class)", NULL, false},
		{"results", 0, OPT_STRING, &results, "Show what a learner passed, from this results.db", NULL, false},
		{"learner", 0, OPT_STRING, &learner, "The learner whose results to show (default $USER)", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Print nothing on success", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {.usage = "[OPTIONS]", .summary = "Render the course into a static site",
				      .opts = opts, .min_args = 0, .max_args = 0};
	struct cli_args a;
	struct course *c = NULL;
	struct site_stats st;
	int r = cli_parse(&spec, argc, argv, &a, err);
	if (r)
		return r < 0 ? -1 : 0;
	free(a.argv);
	long long t0 = monotonic_ns();
	if (load_course(&c, err) < 0)
		return berr_make_status(err, 1, 0, "%s", (*err)->msg);
	if (results && !learner)
		learner = getenv("USER") ? getenv("USER") : "learner";
	cleanup_free char *tmpl = xasprintf("%s/../site", c->dir), *assets = xasprintf("%s/../assets", c->dir);
	struct site_options o = {.out = out, .templates = tmpl, .assets = assets, .no_solutions = no_solutions,
				 .results = results, .learner = learner};
	r = site_build(c, &o, &st, err);
	if (r == 0 && !quiet)
		printf("Built %zu lesson pages (%zu pages in all) into %s in %lld ms; search index %zu + %zu bytes\n",
		       c->n_lessons, st.pages, out, (monotonic_ns() - t0) / 1000000, st.search_bytes[0],
		       st.search_bytes[1]);
	course_free(c);
	if (r < 0)
		(*err)->status = 1;
	return r < 0 ? -1 : 0;
}

static int cmd_list(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct cli_spec spec = {.usage = "", .summary = "List the exercises", .opts = no_opts, .max_args = 0};
	struct cli_args a;
	struct course *c = NULL;
	int r = cli_parse(&spec, argc, argv, &a, err);
	if (r)
		return r < 0 ? -1 : 0;
	free(a.argv);
	if (load_course(&c, err) < 0)
		return -1;
	printf("%-28s %s\n", "EXERCISE", "TITLE");
	for (size_t i = 0; i < c->n_exercises; i++)
		printf("%-28s %s\n", c->exercises[i].id, c->exercises[i].title.text[0]);
	course_free(c);
	return 0;
}

static int cmd_start(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct cli_spec spec = {.usage = "EXERCISE [DIR]",
				      .summary = "Copy an exercise's starter files into DIR (default ./EXERCISE)",
				      .opts = no_opts, .min_args = 1, .max_args = 2};
	struct cli_args a;
	struct course *c = NULL;
	int r = cli_parse(&spec, argc, argv, &a, err);
	if (r)
		return r < 0 ? -1 : 0;
	cleanup_free char **args = a.argv;
	if (load_course(&c, err) < 0)
		return -1;
	const struct exercise *e = course_exercise(c, args[0]);
	if (!e) {
		berr_make(err, 0, "no exercise \"%s\": 'berth lab list' shows them", args[0]);
		course_free(c);
		return -1;
	}
	const char *dir = a.argc > 1 ? args[1] : e->id;
	cleanup_free char *from = xasprintf("%s/starter/%s", e->dir, e->answer);
	cleanup_free char *to = xasprintf("%s/%s", dir, e->answer);
	cleanup_free char *data = NULL;
	size_t len;
	struct stat st;
	if (stat(to, &st) == 0) {
		printf("%s already exists: keeping your work. Edit it, then run: berth lab check %s %s\n", to, e->id,
		       dir);
		course_free(c);
		return 0;
	}
	r = mkdir_p(dir, 0755, err) < 0 || read_file(from, &data, &len, err) < 0 ||
			    write_file_atomic(to, data, len, 0644, err) < 0
		    ? -1
		    : 0;
	if (r == 0)
		printf("Started %s: edit %s, then run: berth lab check %s %s\n", e->id, to, e->id, dir);
	course_free(c);
	return r;
}

static int cmd_check(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *learner = getenv("BERTH_LAB_LEARNER");
	const char *db_path = NULL;
	const struct opt opts[] = {
		{"learner", 0, OPT_STRING, &learner, "Who is being graded (default $BERTH_LAB_LEARNER or $USER)", NULL,
		 false},
		{"db", 0, OPT_STRING, &db_path, "Results database (default $BERTH_LAB_DB or ROOT/lab/results.db)", NULL,
		 false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {.usage = "[OPTIONS] EXERCISE [DIR]",
				      .summary = "Grade your answer in DIR (default ./EXERCISE) and record the attempt",
				      .opts = opts, .min_args = 1, .max_args = 2};
	struct cli_args a;
	struct course *c = NULL;
	struct grade_result res;
	sqlite3 *db = NULL;
	int r = cli_parse(&spec, argc, argv, &a, err);
	if (r)
		return r < 0 ? -1 : 0;
	cleanup_free char **args = a.argv;
	if (!learner || !*learner)
		learner = getenv("USER") ? getenv("USER") : "learner";
	if (load_course(&c, err) < 0)
		return -1;
	const struct exercise *e = course_exercise(c, args[0]);
	if (!e) {
		berr_make(err, 0, "no exercise \"%s\": 'berth lab list' shows them", args[0]);
		course_free(c);
		return -1;
	}
	const char *dir = a.argc > 1 ? args[1] : e->id;
	cleanup_free char *bindir = self_dir();
	cleanup_free char *dbp = db_path ? xstrdup(db_path) : results_default_path();
	long long t0 = now_ns(), m0 = monotonic_ns();
	if (grade_attempt(e, dir, bindir, &res, err) < 0) {
		course_free(c);
		return -1;
	}
	struct attempt at = {.learner = learner, .exercise = e->id, .started_ns = t0,
			     .duration_ms = (monotonic_ns() - m0) / 1000000, .passed = res.passed,
			     .checks_passed = res.checks_passed, .checks_total = res.checks_total,
			     .report = res.report};
	long long id = 0;
	r = results_open(dbp, &db, err) < 0 || results_record(db, &at, &id, err) < 0 ? -1 : 0;
	if (r == 0) {
		fputs(res.report, stdout);
		printf("%s: %d/%d checks passed (attempt %lld)\n", res.passed ? "PASSED" : "NOT YET", res.checks_passed,
		       res.checks_total, id);
		r = res.passed ? 0 : 1;
	}
	sqlite3_close(db);
	grade_result_free(&res);
	course_free(c);
	return r;
}

static int cmd_version(struct berth *b, int argc, char **argv, berr_t *err)
{
	printf("berth-lab version %s, build %s\n", BERTH_VERSION, BERTH_GIT_COMMIT);
	return 0;
}

static const struct command commands[] = {
	{"build", cmd_build, NULL, "Render the course into a static site", "common", false},
	{"list", cmd_list, NULL, "List the exercises", "common", false},
	{"start", cmd_start, NULL, "Hand out an exercise's starter files", "common", false},
	{"check", cmd_check, NULL, "Grade an attempt and record it", "common", false},
	{"version", cmd_version, NULL, "Show the version", NULL, false},
	{NULL, NULL, NULL, NULL, NULL, false},
};

int main(int argc, char **argv)
{
	cleanup_berr berr_t err = NULL;
	int i, status;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--course") == 0 && i + 1 < argc) {
			course_flag = argv[++i];
		} else if (strncmp(argv[i], "--course=", 9) == 0) {
			course_flag = argv[i] + 9;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			break;
		} else {
			fprintf(stderr, "unknown flag: %s\nSee 'berth-lab --help'.\n", argv[i]);
			return BERTH_EXIT_ERROR;
		}
	}
	cli_set_path("berth-lab");
	status = cli_dispatch(commands, "berth-lab", NULL, argc - i, argv + i, &err);
	if (status < 0)
		status = berr_report(&err, NULL);
	return status;
}
