/* fuzz_portspec.c: docker's -p grammar (portspec_parse) and --expose on
 * arbitrary bytes; every accepted spec must also turn into PortBindings. */
#include "../../engine/core/portfwd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	berr_t err = NULL;
	struct port_mapping *m = NULL;
	size_t n = 0;
	if (portspec_parse(text, &m, &n, &err) == 0) {
		/* What parses has sane fields. */
		for (size_t i = 0; i < n; i++)
			if (m[i].container_port < 1 || m[i].container_port > 65535 ||
			    (strcmp(m[i].proto, "tcp") != 0 && strcmp(m[i].proto, "udp") != 0))
				abort();
		free(m);
		char *specs[] = {text, NULL};
		json_t *pb = json_object(), *ex = json_object();
		if (portspec_to_json(specs, pb, ex, &err) < 0)
			abort();
		json_decref(pb);
		json_decref(ex);
	}
	berr_free(&err);
	{
		char *specs[] = {text, NULL};
		json_t *ex = json_object();
		portspec_expose(specs, ex, &err);
		json_decref(ex);
		berr_free(&err);
	}
	free(text);
	return 0;
}
