/* objects.h: what docker's object commands (network, volume, image ls /
 * inspect / prune) share: the exit status of a daemon-side failure, the
 * --filter key=value lists, label filters and the LABELS column, the
 * inspect of several names, and prune's "Deleted ...:" report.  Only
 * output and argument handling; the core does the work. */
#ifndef BERTH_CMD_OBJECTS_H
#define BERTH_CMD_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>
#include "cli.h"

/* A daemon-side failure: exit status 1 (docker's CLI) unless the error
 * already carries another status or is a plain usage error.  Returns -1. */
int daemon_failure(berr_t *err);

/* One --filter key a command accepts, and the list its values go to. */
struct filter_key {
	const char *name;
	struct strlist *values;
	const char *const *one_of; /* NULL, or the only values allowed (NULL-terminated) */
};

/* docker's --filter KEY=VALUE list: each value to its key's list (keys
 * ends with a NULL name); "dangling" (true/1/false/0) to *dangling (1, 0;
 * -1 when absent) when dangling is not NULL.  An unknown key, a value
 * outside one_of or a missing '=' fails with docker's message, exit 1. */
int filters_parse(const struct strlist *in, const struct filter_key *keys, int *dangling, berr_t *err);

/* Does s pass a filter list: true when the list is empty, else when one
 * entry is a substring of s / a prefix of s / equal to s. */
bool filter_any_substr(const struct strlist *l, const char *s);
bool filter_any_prefix(const struct strlist *l, const char *s);
bool filter_any_equal(const struct strlist *l, const char *s);

/* docker's label filter: every entry "key" (present) or "key=value". */
bool labels_match(json_t *labels, const struct strlist *want);

/* The LABELS column: "k=v,k2=v2" (malloc'd). */
char *labels_string(json_t *labels);

/* docker's inspect output for a JSON array of objects, or --format. */
int print_inspect(json_t *arr, const char *format, berr_t *err);

/* The JSON of the object a name finds, or NULL with err set. */
typedef json_t *(*inspect_find_fn)(struct berth *b, const char *name, berr_t *err);

/* `docker X inspect NAME...`: every object found is printed (as one array
 * or through format); a miss after the first is printed as it comes, and
 * the first is the command's error, exit 1. */
int inspect_objects(struct berth *b, int n, char **names, inspect_find_fn find, const char *format, berr_t *err);

/* prune's report: "Deleted WHAT:", the names and a blank line; nothing
 * when names is empty. */
void print_deleted(const char *what, char *const *names);

#endif
