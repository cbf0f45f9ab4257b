/* ctrprune.c: see ctrprune.h. */
#define _GNU_SOURCE
#include "ctrprune.h"
#include "cleanup.h"
#include "container.h"
#include "diskusage.h"
#include "lifecycle.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool label_matches(json_t *labels, const char *spec)
{
	cleanup_free char *k = xstrdup(spec);
	char *eq = strchr(k, '=');
	json_t *v;
	if (eq)
		*eq = '\0';
	v = json_object_get(labels, k);
	return json_is_string(v) && (!eq || strcmp(json_string_value(v), eq + 1) == 0);
}

static bool passes(const struct image_prune_filter *f, const struct container *c)
{
	json_t *labels = json_object_get(c->config, "Labels");
	if (!f)
		return true;
	if (f->until && c->created >= f->until * 1000000000LL)
		return false;
	for (char *const *l = f->labels; l && *l; l++)
		if (!label_matches(labels, *l))
			return false;
	for (char *const *l = f->not_labels; l && *l; l++)
		if (label_matches(labels, *l))
			return false;
	return true;
}

int container_prune(struct berth *b, const struct image_prune_filter *f, char ***removed, long long *reclaimed,
		    berr_t *err)
{
	struct container **v = NULL;
	size_t n = 0, k = 0;
	char **out;

	*removed = NULL;
	*reclaimed = 0;
	if (container_list(b, &v, &n, err) < 0)
		return -1;
	out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		cleanup_berr berr_t e = NULL;
		if (v[i]->state != CS_EXITED && v[i]->state != CS_CREATED && v[i]->state != CS_DEAD)
			continue;
		if (!passes(f, v[i]))
			continue;
		long long size = container_rw_size(b, v[i]->id);
		if (ctr_remove(b, v[i], false, &e) < 0) {
			fprintf(stderr, "%s\n", e->msg);
			continue;
		}
		out[k++] = xstrdup(v[i]->id);
		*reclaimed += size;
	}
	container_list_free(v, n);
	ctr_sweep_trash(b);
	*removed = out;
	return 0;
}
