/* test_dockerignore.c: .dockerignore rules as docker's patternmatcher has them. */
#include "tap.h"
#include "../../engine/core/dockerignore.h"

#include <string.h>

static bool excl(const char *rules, const char *path)
{
	struct dockerignore di;
	dockerignore_parse(rules, strlen(rules), &di);
	bool r = dockerignore_excluded(&di, path);
	dockerignore_free(&di);
	return r;
}

static const struct {
	const char *rules, *path;
	bool excluded;
} rows[] = {
	{"*.log", "a.log", true},
	{"*.log", "dir/a.log", false},
	{"**/*.log", "dir/a.log", true},
	{"**/*.log", "a.log", true},
	{"**/*.log", "x/y/z/a.log", true},
	{"dir", "dir/file", true},
	{"dir/", "dir/file", true},
	{"/dir", "dir/file", true},
	{"./dir", "dir/file", true},
	{"dir", "other/dir", false},
	{"*/temp*", "somedir/temporary.txt", true},
	{"*/*/temp*", "a/b/temp", true},
	{"temp?", "temp1", true},
	{"temp?", "temp12", false},
	{"*.md\n!README.md", "README.md", false},
	{"*.md\n!README.md", "CHANGES.md", true},
	{"!README.md\n*.md", "README.md", true},
	{"# comment\n\n  a.txt  ", "a.txt", true},
	{"# a.txt", "a.txt", false},
	{"node_modules\n!node_modules/keep", "node_modules/keep", false},
	{"node_modules\n!node_modules/keep", "node_modules/drop", true},
	{"**", "anything/at/all", true},
	{"**\n!src", "src/main.c", false},
	{"[ab].txt", "a.txt", true},
	{"[ab].txt", "c.txt", false},
	{"a/**/b", "a/b", true},
	{"a/**/b", "a/x/y/b", true},
	{"a/../b", "b", true},
	{"\\*", "*", true},
	{".git", ".git/config", true},
	/* found by fuzz_dockerignore: exponential backtracking before memoization */
	{"a/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/x", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/y", false},
	{"a*********************************b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ok(excl(rows[i].rules, rows[i].path) == rows[i].excluded, "row %zu: %s -> %s", i, rows[i].path,
		   rows[i].excluded ? "excluded" : "kept");
	{
		struct dockerignore di;
		const char *r = "a\n!b\n";
		dockerignore_parse(r, strlen(r), &di);
		ok(di.n == 2 && di.has_exceptions, "exceptions are noted");
		dockerignore_free(&di);
	}
	ok(dockerignore_match("a*", "abc") && !dockerignore_match("a*", "a/b"), "* stays within one element");
	return done_testing();
}
