/* fuzz_dockerignore.c: .dockerignore parsing and matching on arbitrary
 * bytes: the first line is the path, the rest the patterns (each also
 * matched on its own, '**' and '[' classes included). */
#include "../../engine/core/dockerignore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerignore di;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = strchr(s, '\n');
	const char *path = s, *rules = "";
	if (nl) {
		*nl = '\0';
		rules = nl + 1;
	}
	dockerignore_parse(rules, strlen(rules), &di);
	dockerignore_excluded(&di, path);
	for (size_t i = 0; i < di.n; i++)
		dockerignore_match(di.pat[i], path);
	dockerignore_free(&di);
	free(s);
	return 0;
}
