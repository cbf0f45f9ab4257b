/* fuzz_yaml.c: the YAML tree builder (front matter, exercise specs and
 * compose files all go through it) on arbitrary bytes. */
#include "../../engine/core/yamltree.h"
#include "../../course/course.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	berr_t err = NULL;
	struct ynode *n = NULL;
	if (yaml_load(text, size, "fuzz.yaml", &n, &err) == 0) {
		ynode_get(n, "id");
		ynode_free(n);
	}
	berr_free(&err);

	char *yaml = NULL;
	const char *body;
	int line;
	if (front_matter_split(text, "fuzz.md", &yaml, &body, &line, &err) == 0)
		free(yaml);
	berr_free(&err);
	free(text);
	return 0;
}
