/* inspect.c: `berth inspect NAME|ID...`: docker's catch-all inspect.
 * Images are what exists so far; containers, volumes and networks are
 * tried first as those parts of the engine add their lookups here, the
 * order docker uses.  --type image restricts it, as docker's --type. */
#define _GNU_SOURCE
#include "commands.h"

#include "../core/util.h"

#include <stdlib.h>
#include <string.h>

int cmd_inspect(struct berth *b, int argc, char **argv, berr_t *err)
{
	/* With only images to look at, `inspect` is `image inspect` less the
	 * --type flag; strip it (after checking its value). */
	char **v = xcalloc((size_t)argc + 1, sizeof(char *));
	int n = 0, r;

	for (int i = 0; i < argc; i++) {
		const char *t = NULL;
		if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			t = argv[++i];
		else if (strncmp(argv[i], "--type=", 7) == 0)
			t = argv[i] + 7;
		if (t) {
			if (strcmp(t, "image") != 0) {
				free(v);
				return cli_usage_error(err, "\"%s\" is not a valid value for --type", t);
			}
			continue;
		}
		v[n++] = argv[i];
	}
	r = cmd_image_inspect(b, n, v, err);
	free(v);
	return r;
}
