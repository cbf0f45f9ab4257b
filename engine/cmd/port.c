/* port.c: `berth port CONTAINER [PRIVATE_PORT[/PROTO]]` (and `container port`). */
#define _GNU_SOURCE
#include "commands.h"
#include "../core/cleanup.h"
#include "../core/container.h"
#include "../core/endpoint.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_port(struct berth *b, int argc, char **argv, berr_t *err)
{
	const struct opt opts[] = {{NULL, 0, 0, NULL, NULL, NULL, false}};
	const struct cli_spec spec = {
		.usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
		.summary = "List port mappings or a specific mapping for the container", .opts = opts, .min_args = 1,
		.max_args = 2, .aliases = "berth container port, berth port",
	};
	struct cli_args a;
	struct container *c = NULL;
	cleanup_strv char **lines = NULL;
	int r;

	if ((r = cli_parse(&spec, argc, argv, &a, err)) != 0)
		return r < 0 ? -1 : 0;
	if (a.argc == 2) {
		/* docker checks the port's shape before anything else. */
		const char *p = a.argv[1], *slash = strchr(p, '/');
		size_t digits = strspn(p, "0123456789");
		if (digits == 0 || (slash ? (size_t)(slash - p) != digits : p[digits] != '\0') ||
		    (slash && strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0 &&
		     strcmp(slash + 1, "sctp") != 0)) {
			r = berr_make(err, 0, "Error: invalid port (%s): invalid syntax", p);
			(*err)->plain = 1;
			goto out;
		}
	}
	if (container_find(b, a.argv[0], &c, err) < 0) {
		r = -1;
		goto out;
	}
	if (endpoint_port_lines(b, c, a.argc == 2 ? a.argv[1] : NULL, &lines, err) < 0) {
		r = -1;
		goto out;
	}
	if (a.argc == 2 && !lines[0]) {
		r = berr_make_status(err, 1, 0, "No public port '%s' published for %s", a.argv[1], a.argv[0]);
		goto out;
	}
	for (char **l = lines; *l; l++)
		printf("%s\n", *l);
	r = 0;
out:
	container_free(c);
	free(a.argv);
	return r;
}
