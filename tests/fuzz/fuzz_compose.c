/* fuzz_compose.c: the compose loader on arbitrary bytes: YAML tree,
 * interpolation, schema validation, project checks, normalisation, config
 * output and hashes — everything `berth compose config` does with a file. */
#define _GNU_SOURCE
#include "../../engine/core/compose.h"
#include "../../engine/core/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_compose.%d", (int)getpid());
		berr_t e = NULL;
		mkdir_p(dir, 0755, &e);
		berr_free(&e);
	}
	char *path = xasprintf("%s/compose.yaml", dir);
	berr_t err = NULL;
	if (write_file_atomic(path, data, size, 0644, &err) < 0) {
		berr_free(&err);
		free(path);
		return 0;
	}
	char *files[] = {path, NULL};
	struct compose_options o = {0};
	o.files = files;
	o.project_name = "fuzz";
	struct compose_project *p = NULL;
	if (compose_load(&o, &p, &err) == 0) {
		char *s = compose_emit_string(p->model);
		free(s);
		struct ynode *svcs = ynode_get(p->model, "services");
		for (size_t i = 0; svcs && i < svcs->n; i++)
			free(compose_service_hash(svcs->items[i]));
		size_t n;
		char **order = compose_service_order(svcs, &n);
		for (size_t i = 0; order && i < n; i++)
			free(order[i]);
		free(order);
		compose_project_free(p);
	}
	berr_free(&err);

	/* Interpolation on its own, on the raw bytes. */
	char *text = xstrndup((const char *)data, size);
	struct compose_env env = {0};
	compose_env_set(&env, "A", "x", true);
	char *out = NULL, *why = NULL;
	if (compose_interpolate(text, &env, &out, &why) == 0)
		free(out);
	free(why);
	struct compose_port *ports;
	size_t np;
	why = NULL;
	if (compose_port_parse(text, &ports, &np, &why) == 0)
		compose_ports_free(ports, np);
	free(why);
	compose_env_free(&env);
	free(text);
	free(path);
	return 0;
}
