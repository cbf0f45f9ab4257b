/* objects.c: see objects.h. */
#define _GNU_SOURCE
#include "objects.h"
#include "format.h"
#include "../core/cleanup.h"
#include "../core/oci.h"
#include "../core/template.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int daemon_failure(berr_t *err)
{
	if (*err && (*err)->status == BERTH_EXIT_ERROR && !(*err)->plain)
		(*err)->status = 1;
	return -1;
}

/* ---- filters ------------------------------------------------------------ */

static bool is_one_of(const char *const *allowed, const char *v)
{
	for (; *allowed; allowed++)
		if (strcmp(*allowed, v) == 0)
			return true;
	return false;
}

int filters_parse(const struct strlist *in, const struct filter_key *keys, int *dangling, berr_t *err)
{
	if (dangling)
		*dangling = -1;
	for (size_t i = 0; i < in->n; i++) {
		const char *s = in->v[i], *eq = strchr(s, '=');
		if (!eq)
			return berr_make_status(err, 1, 0, "bad format of filter (expected name=value)");
		size_t kl = (size_t)(eq - s);
		const char *v = eq + 1;
		const struct filter_key *k;
		for (k = keys; k->name; k++)
			if (strlen(k->name) == kl && strncmp(s, k->name, kl) == 0)
				break;
		if (k->name) {
			if (k->one_of && !is_one_of(k->one_of, v))
				return berr_make_status(err, 1, 0, "invalid filter: '%s'='%s'", k->name, v);
			strlist_push(k->values, v);
		} else if (dangling && kl == 8 && strncmp(s, "dangling", 8) == 0) {
			if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
				*dangling = 1;
			else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
				*dangling = 0;
			else
				return berr_make_status(err, 1, 0, "Invalid filter 'dangling=%s'", v);
		} else {
			return berr_make_status(err, 1, 0, "Invalid filter '%.*s'", (int)kl, s);
		}
	}
	return 0;
}

bool filter_any_substr(const struct strlist *l, const char *s)
{
	if (l->n == 0)
		return true;
	for (size_t i = 0; i < l->n; i++)
		if (strstr(s, l->v[i]))
			return true;
	return false;
}

bool filter_any_prefix(const struct strlist *l, const char *s)
{
	if (l->n == 0)
		return true;
	for (size_t i = 0; i < l->n; i++)
		if (str_has_prefix(s, l->v[i]))
			return true;
	return false;
}

bool filter_any_equal(const struct strlist *l, const char *s)
{
	if (l->n == 0)
		return true;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(s, l->v[i]) == 0)
			return true;
	return false;
}

/* ---- labels ------------------------------------------------------------- */

bool labels_match(json_t *labels, const struct strlist *want)
{
	for (size_t i = 0; i < want->n; i++) {
		const char *w = want->v[i], *eq = strchr(w, '=');
		cleanup_free char *k = eq ? xstrndup(w, (size_t)(eq - w)) : xstrdup(w);
		json_t *v = json_object_get(labels, k);
		if (!v || (eq && strcmp(json_string_value(v) ? json_string_value(v) : "", eq + 1) != 0))
			return false;
	}
	return true;
}

char *labels_string(json_t *labels)
{
	const char *k;
	json_t *v;
	size_t len = 0;
	char *s = NULL;
	FILE *m = open_memstream(&s, &len);
	bool first = true;
	json_object_foreach(labels, k, v) {
		fprintf(m, "%s%s=%s", first ? "" : ",", k, json_string_value(v) ? json_string_value(v) : "");
		first = false;
	}
	fclose(m);
	return s;
}

/* ---- inspect ------------------------------------------------------------ */

int print_inspect(json_t *arr, const char *format, berr_t *err)
{
	if (format && *format) {
		struct tmpl *t = NULL;
		size_t i;
		json_t *it;
		if (format_parse(format, &t, err) < 0)
			return -1;
		json_array_foreach(arr, i, it) {
			if (format_inspect_one(t, it, err) < 0) {
				tmpl_free(t);
				return -1;
			}
		}
		tmpl_free(t);
		return 0;
	}
	cleanup_free char *out = oci_dump_docker(arr, true);
	printf("%s\n", out);
	return 0;
}

int inspect_objects(struct berth *b, int n, char **names, inspect_find_fn find, const char *format, berr_t *err)
{
	cleanup_berr berr_t first = NULL;
	json_t *arr = json_array();
	int r, failed = 0;

	for (int i = 0; i < n; i++) {
		cleanup_berr berr_t e = NULL;
		json_t *obj = find(b, names[i], &e);
		if (!obj) {
			if (!first)
				first = steal_pointer(&e);
			else
				fprintf(stderr, "Error: %s\n", e->msg);
			failed++;
			continue;
		}
		json_array_append_new(arr, obj);
	}
	r = print_inspect(arr, format, err);
	json_decref(arr);
	if (r < 0)
		return -1;
	if (failed) {
		*err = steal_pointer(&first);
		return daemon_failure(err);
	}
	return 0;
}

/* ---- prune -------------------------------------------------------------- */

void print_deleted(const char *what, char *const *names)
{
	if (!names || !names[0])
		return;
	printf("Deleted %s:\n", what);
	for (char *const *p = names; *p; p++)
		printf("%s\n", *p);
	printf("\n");
}
