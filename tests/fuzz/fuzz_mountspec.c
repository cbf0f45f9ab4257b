/* fuzz_mountspec.c: -v, --mount and --tmpfs parsing (docker's rules) and
 * the path cleaning they use, on arbitrary bytes.  A spec that parses
 * always has an absolute, clean target that is not "/". */
#include "../../engine/core/mountspec.h"
#include "../../engine/core/mounts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const struct mount_spec *m)
{
	if (!m->target || m->target[0] != '/' || strcmp(m->target, "/") == 0 || strstr(m->target, "//") ||
	    strstr(m->target, "/../") || strstr(m->target, "/./"))
		abort();
	if (m->kind == MK_BIND && (!m->source || m->source[0] != '/'))
		abort();
	if (m->kind == MK_VOLUME && m->source && !volume_name_valid(m->source))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	berr_t err = NULL;
	struct mount_spec m;
	if (mountspec_parse_volume(text, &m, &err) == 0)
		check(&m);
	mount_spec_clear(&m);
	berr_free(&err);
	if (mountspec_parse_mount(text, &m, &err) == 0)
		check(&m);
	mount_spec_clear(&m);
	berr_free(&err);
	if (mountspec_parse_tmpfs(text, &m, &err) == 0)
		check(&m);
	mount_spec_clear(&m);
	berr_free(&err);

	char *c = path_clean(text);
	free(c);
	unsigned long fl = 0;
	char *d = NULL;
	mount_options_split(text, &fl, &d);
	free(d);
	free(text);
	return 0;
}
