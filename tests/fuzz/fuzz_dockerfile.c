/* fuzz_dockerfile.c: the Dockerfile parser, the --check rules and the word
 * expansion (both the single-word and the word-splitting forms, with both
 * escape characters) on arbitrary bytes. */
#include "../../engine/core/dockerfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "A"))
		return "value with spaces";
	if (!strcmp(name, "E"))
		return "";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	berr_t err = NULL;
	char *s = malloc(size + 1);
	char *const args[] = {"A=1", "TAG", NULL};

	memcpy(s, data, size);
	s[size] = '\0';
	if (dockerfile_parse(s, size, "Dockerfile", &df, &err) == 0) {
		{
		struct df_lint_opts lo = {.build_args = args, .all_stages = true};
		dockerfile_lint(&df, &lo);
		}
		for (size_t i = 0; i < df.n; i++)
			for (char **a = df.ins[i].args; a && *a; a++) {
				char *w = dockerfile_expand(*a, df.escape, lookup, NULL, NULL, &err);
				free(w);
				berr_free(&err);
			}
		dockerfile_free(&df);
	}
	berr_free(&err);
	for (int esc = 0; esc < 2; esc++) {
		char *w = dockerfile_expand(s, esc ? '`' : '\\', lookup, NULL, NULL, &err);
		free(w);
		berr_free(&err);
		char **v = dockerfile_expand_words(s, esc ? '`' : '\\', lookup, NULL, NULL, &err);
		for (char **p = v; p && *p; p++)
			free(*p);
		free(v);
		berr_free(&err);
	}
	{
		struct df_instr in;
		if (dockerfile_parse_line(s, '\\', &in, &err) == 0)
			df_instr_clear(&in);
		berr_free(&err);
	}
	free(s);
	return 0;
}
