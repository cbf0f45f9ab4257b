/* lab.c: `berth lab ARGS` runs `berth-lab ARGS`, git-style, so a learner
 * needs one name.  berth-lab is looked up next to this binary first (a
 * build tree or an install prefix keeps them together), then on PATH. */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/util.h"
#include "../core/cleanup.h"

#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_lab(struct berth *b, int argc, char **argv, berr_t *err)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char **args = xcalloc((size_t)argc + 1, sizeof(char *));

	args[0] = "berth-lab";
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	/* berth-lab inherits the root berth was told about. */
	setenv("BERTH_ROOT", b->root, 1);
	if (n > 0) {
		self[n] = '\0';
		cleanup_free char *sibling = xasprintf("%s/berth-lab", dirname(self));
		execv(sibling, args);
	}
	execvp("berth-lab", args);
	int e = errno;
	free(args);
	return berr_make(err, e, "cannot run berth-lab (looked next to berth and on PATH)");
}
