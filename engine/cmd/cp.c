/* cp.c: `berth cp` and `berth export` (`container cp|export`). */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/ctrops.h"
#include "../core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_cp(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool archive = false, follow = false, quiet = false;
	const struct opt opts[] = {
		{"archive", 'a', OPT_BOOL, &archive, "Archive mode (copy all uid/gid information)", NULL, false},
		{"follow-link", 'L', OPT_BOOL, &follow, "Always follow symbol link in SRC_PATH", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Suppress progress output during copy", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
		.summary = "Copy files/folders between a container and the local filesystem",
		.opts = opts, .min_args = 2, .max_args = 2, .aliases = "berth container cp, berth cp",
	};
	struct cli_args a;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	r = ctr_cp(b, a.argv[0], a.argv[1], err);
	if (r < 0 && str_has_prefix((*err)->msg, "No such container")) {
		berr_wrap(err, "Error response from daemon");
		(*err)->status = 1;
	}
	if (r < 0)
		(*err)->plain = 1;
	free(a.argv);
	return r;
}

int cmd_export(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *output = NULL;
	const struct opt opts[] = {
		{"output", 'o', OPT_STRING, &output, "Write to a file, instead of STDOUT", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER", .summary = "Export a container's filesystem as a tar archive",
		.opts = opts, .min_args = 1, .max_args = 1, .aliases = "berth container export, berth export",
	};
	struct cli_args a;
	struct container *c = NULL;
	int r, fd = 1;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (!output && isatty(1)) {
		free(a.argv);
		return berr_make_status(err, 1, 0, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
	}
	if (container_find(b, a.argv[0], &c, err) < 0) {
		free(a.argv);
		berr_wrap(err, "Error response from daemon");
		(*err)->status = 1;
		return -1;
	}
	if (output) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = berr_make_status(err, 1, errno, "failed to export container: open %s", output);
			goto out;
		}
	}
	r = ctr_export(b, c, fd, err);
	if (fd != 1)
		close(fd);
out:
	container_free(c);
	free(a.argv);
	return r;
}
