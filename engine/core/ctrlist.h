/* ctrlist.h: containers as `ps` shows them: docker's status words
 * ("Up 3 seconds", "Exited (0) 5 seconds ago"), its COMMAND quoting and
 * truncation, and its --filter keys. */
#ifndef BERTH_CTRLIST_H
#define BERTH_CTRLIST_H

#include <jansson.h>
#include <stdbool.h>
#include "container.h"
#include "root.h"

/* "Up 3 seconds (Paused)", "Exited (0) 5 seconds ago", "Created", ... */
void container_status_text(const struct container *c, long long now, char *buf, size_t len);

/* The fields docker's ps template sees (ID, Image, Command, CreatedAt,
 * RunningFor, Ports, State, Status, Size, Names, Labels, Mounts, Networks,
 * LocalVolumes), as strings.  trunc: 12-char ids, 20-char commands. */
json_t *container_ps_json(struct berth *b, const struct container *c, bool trunc, long long now);

/* ps -s: the row's Size as docker shows it, "14B (virtual 1.99MB)": what
 * the container wrote, and that plus its image. */
void container_ps_set_size(struct berth *b, json_t *row, const struct container *c);

/* ps --filter: parsed "key=value" list; docker's "Invalid filter" errors
 * (status 1). */
struct ps_filter;
int ps_filter_parse(struct berth *b, char *const *filters, struct ps_filter **out, berr_t *err);
bool ps_filter_match(const struct ps_filter *f, const struct container *c);
/* True when a status= filter was given (then -a is implied, as docker). */
bool ps_filter_has_status(const struct ps_filter *f);
void ps_filter_free(struct ps_filter *f);

/* The column names of ps's table header. */
const char *ps_header_name(const char *field, void *ctx);

#endif
