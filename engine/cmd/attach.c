/* attach.c: `berth attach` (`container attach`): parse, then the core's
 * ctr_attach (engine/core/attach.c) does the rest. */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/attach.h"
#include "../core/container.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_attach(struct berth *b, int argc, char **argv, berr_t *err)
{
	struct attach_opts ao = {.sig_proxy = true};
	const struct opt opts[] = {
		{"detach-keys", 0, OPT_STRING, &ao.detach_keys, "Override the key sequence for detaching a container", "string", false},
		{"no-stdin", 0, OPT_BOOL, &ao.no_stdin, "Do not attach STDIN", NULL, false},
		{"sig-proxy", 0, OPT_BOOL, &ao.sig_proxy, "Proxy all received signals to the process (default true)", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER",
		.summary = "Attach local standard input, output, and error streams to a running container",
		.opts = opts, .min_args = 1, .max_args = 1,
		.aliases = "berth container attach, berth attach",
	};
	struct cli_args args;
	struct container *c = NULL;
	int rc, code = 0;

	if ((rc = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return rc < 0 ? -1 : 0;
	rc = container_find(b, args.argv[0], &c, err);
	if (rc == 0)
		rc = ctr_attach(b, c, &ao, &code, err);
	fflush(stdout);
	container_free(c);
	free(args.argv);
	return rc < 0 ? -1 : code;
}
