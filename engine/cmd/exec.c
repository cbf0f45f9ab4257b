/* exec.c: `berth exec` (`container exec`). */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/ctrops.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_exec(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool interactive = false, tty = false, detach = false, privileged = false;
	const char *workdir = NULL, *user = NULL, *detach_keys = NULL;
	struct strlist env = {0}, env_file = {0};
	const struct opt opts[] = {
		{"detach", 'd', OPT_BOOL, &detach, "Detached mode: run command in the background", NULL, false},
		{"detach-keys", 0, OPT_STRING, &detach_keys, "Override the key sequence for detaching a container", NULL, true},
		{"env", 'e', OPT_LIST, &env, "Set environment variables", NULL, false},
		{"env-file", 0, OPT_LIST, &env_file, "Read in a file of environment variables", NULL, true},
		{"interactive", 'i', OPT_BOOL, &interactive, "Keep STDIN open even if not attached", NULL, false},
		{"privileged", 0, OPT_BOOL, &privileged, "Give extended privileges to the command", NULL, false},
		{"tty", 't', OPT_BOOL, &tty, "Allocate a pseudo-TTY", NULL, false},
		{"user", 'u', OPT_STRING, &user, "Username or UID (format: \"<name|uid>[:<group|gid>]\")", NULL, false},
		{"workdir", 'w', OPT_STRING, &workdir, "Working directory inside the container", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] CONTAINER COMMAND [ARG...]", .summary = "Execute a command in a running container",
		.opts = opts, .stop_at_first_arg = true, .min_args = 2, .max_args = -1,
		.aliases = "berth container exec, berth exec",
	};
	struct cli_args a;
	struct container *c = NULL;
	int r, code = 0;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0) {
		strlist_free(&env);
		strlist_free(&env_file);
		return r < 0 ? -1 : 0;
	}
	if (workdir && *workdir && *workdir != '/') {
		r = berr_make_status(err, 1, 0, "Error response from daemon: the working directory '%s' is invalid, it needs to be an absolute path", workdir);
		goto out;
	}
	if (tty && interactive && !detach && !isatty(0)) {
		r = berr_make_status(err, 1, 0, "the input device is not a TTY");
		(*err)->plain = 1;
		goto out;
	}
	if (container_find(b, a.argv[0], &c, err) < 0) {
		berr_wrap(err, "Error response from daemon");
		(*err)->status = 1;
		r = -1;
		goto out;
	}
	struct exec_opts o = {
		.argv = a.argv + 1, .env = env.v, .workdir = workdir, .user = user,
		.interactive = interactive, .tty = tty, .detach = detach, .privileged = privileged,
	};
	if (ctr_exec(b, c, &o, &code, err) < 0) {
		(*err)->plain = 1;
		r = -1;
	} else {
		r = code;
	}
out:
	container_free(c);
	free(a.argv);
	strlist_free(&env);
	strlist_free(&env_file);
	return r;
}
