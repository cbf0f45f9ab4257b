/* registry.c: `berth pull`, `push`, `login`, `logout`: arguments only; the
 * work is in engine/core/registry*.c and auth.c. */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/auth.h"
#include "../core/cleanup.h"
#include "../core/ref.h"
#include "../core/registry.h"
#include "../core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int cmd_pull(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, quiet = false, no_trust = true;
	const char *platform = NULL;
	const struct opt opts[] = {
		{"all-tags", 'a', OPT_BOOL, &all, "Download all tagged images in the repository", NULL, false},
		{"disable-content-trust", 0, OPT_BOOL, &no_trust, "Skip image verification (default true)", NULL, false},
		{"platform", 0, OPT_STRING, &platform, "Set platform if server is multi-platform capable", NULL, false},
		{"quiet", 'q', OPT_BOOL, &quiet, "Suppress verbose output", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NAME[:TAG|@DIGEST]", .summary = "Download an image from a registry", .opts = opts,
		.min_args = 1, .max_args = 1, .aliases = "berth image pull, berth pull",
	};
	struct cli_args args;
	struct pull_options o = {0};
	int r;

	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	cleanup_free char **pos = args.argv;
	o.platform = platform && *platform ? platform : NULL;
	o.quiet = quiet;
	o.all_tags = all;
	o.out = stdout;
	if (registry_pull(b, pos[0], &o, err) < 0)
		return -1;
	/* docker ends with the full name of what it pulled, -q or not. */
	{
		struct ref ref;
		berr_t e = NULL;
		if (ref_parse(pos[0], &ref, &e) == 0) {
			if (!ref.tag && !ref.digest && !all)
				ref.tag = xstrdup(REF_DEFAULT_TAG);
			cleanup_free char *full = ref_string(&ref);
			printf("%s\n", full);
			ref_free(&ref);
		}
		berr_free(&e);
	}
	return 0;
}

int cmd_push(struct berth *b, int argc, char **argv, berr_t *err)
{
	bool all = false, quiet = false, no_trust = true;
	const char *platform = NULL;
	const struct opt opts[] = {
		{"all-tags", 'a', OPT_BOOL, &all, "Push all tags of an image to the repository", NULL, false},
		{"disable-content-trust", 0, OPT_BOOL, &no_trust, "Skip image signing (default true)", NULL, false},
		{"platform", 0, OPT_STRING, &platform, "Push a platform-specific manifest (berth images have one)",
		 NULL, true},
		{"quiet", 'q', OPT_BOOL, &quiet, "Suppress verbose output", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] NAME[:TAG]", .summary = "Upload an image to a registry", .opts = opts,
		.min_args = 1, .max_args = 1, .aliases = "berth image push, berth push",
	};
	struct cli_args args;
	struct push_options o = {0};
	int r;

	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	cleanup_free char **pos = args.argv;
	o.quiet = quiet;
	o.all_tags = all;
	o.out = stdout;
	if (registry_push(b, pos[0], &o, err) < 0)
		return -1;
	return 0;
}

/* A line from stdin without its newline (caller frees), or NULL at EOF. */
static char *read_line(FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* Read a password from the terminal without echoing it. */
static char *read_password(void)
{
	struct termios old, quiet;
	bool restore = false;
	char *line;

	if (tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	line = read_line(stdin);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stdout);
	}
	return line;
}

/* All of stdin, less one trailing newline (docker's --password-stdin). */
static int read_stdin_password(char **out, berr_t *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (cap - len < 256) {
			cap = cap ? cap * 2 : 1024;
			if (cap > 1024 * 1024)
				return berr_make_status(err, 1, 0, "password on stdin is too long");
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_make_status(err, 1, errno, "cannot read the password from stdin");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf)
		buf = xstrdup("");
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

int cmd_login(struct berth *b, int argc, char **argv, berr_t *err)
{
	const char *user = NULL, *pass = NULL;
	bool pass_stdin = false;
	const struct opt opts[] = {
		{"password", 'p', OPT_STRING, &pass, "Password", NULL, false},
		{"password-stdin", 0, OPT_BOOL, &pass_stdin, "Take the password from stdin", NULL, false},
		{"username", 'u', OPT_STRING, &user, "Username", NULL, false},
		{NULL, 0, 0, NULL, NULL, NULL, false},
	};
	const struct cli_spec spec = {
		.usage = "[OPTIONS] [SERVER]",
		.summary = "Log in to a registry.\nIf no server is specified, the default is defined by the daemon.",
		.opts = opts, .min_args = 0, .max_args = 1,
	};
	struct cli_args args;
	cleanup_free char *u = NULL, *p = NULL, *key = NULL, *path = NULL;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	cleanup_free char **pos = args.argv;
	const char *server = args.argc > 0 ? pos[0] : NULL;

	if (pass && pass_stdin)
		return berr_make_status(err, 1, 0, "conflicting options: cannot specify both --password and --password-stdin");
	if (pass_stdin && (!user || !*user))
		return berr_make_status(err, 1, 0, "the --password-stdin option requires --username to be set");
	if (pass)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
	if (pass_stdin) {
		if (read_stdin_password(&p, err) < 0)
			return -1;
	} else if (pass) {
		p = xstrdup(pass);
	}
	if (user && *user)
		u = xstrdup(user);
	if (!u || !p) {
		if (!isatty(STDIN_FILENO))
			return berr_make_status(err, 1, 0, "Cannot perform an interactive login from a non TTY device");
		if (!u) {
			printf("Username: ");
			fflush(stdout);
			u = read_line(stdin);
			if (!u || !*u)
				return berr_make_status(err, 1, 0, "Username is required");
		}
		if (!p) {
			printf("Password: ");
			fflush(stdout);
			p = read_password();
			if (!p || !*p)
				return berr_make_status(err, 1, 0, "Password is required");
		}
	}
	if (registry_login(b, server, u, p, &key, err) < 0)
		return -1;
	path = auth_config_path();
	fprintf(stderr,
		"\nWARNING! Your credentials are stored unencrypted in '%s'.\n"
		"Configure a credential helper to remove this warning. See\n"
		"https://docs.docker.com/go/credential-store/\n\n",
		path);
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct opt opts[] = {{NULL, 0, 0, NULL, NULL, NULL, false}};
	const struct cli_spec spec = {
		.usage = "[SERVER]",
		.summary = "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
		.opts = opts, .min_args = 0, .max_args = 1,
	};
	struct cli_args args;
	cleanup_free char *domain = NULL, *key = NULL;
	bool found;
	int r;

	(void)b;
	if ((r = cli_parse(&spec, argc, argv, &args, err)) != 0)
		return r < 0 ? -1 : 0;
	cleanup_free char **pos = args.argv;
	if (registry_server_domain(args.argc > 0 ? pos[0] : NULL, &domain, err) < 0)
		return -1;
	key = auth_server_key(domain);
	/* docker says this whether or not there was anything to remove. */
	printf("Removing login credentials for %s\n", key);
	if (auth_cred_erase(NULL, domain, &found, err) < 0)
		return -1;
	return 0;
}
