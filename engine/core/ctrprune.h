/* ctrprune.h: docker container prune, for `container prune` and
 * `system prune`. */
#ifndef BERTH_CTRPRUNE_H
#define BERTH_CTRPRUNE_H

#include "err.h"
#include "image.h"
#include "root.h"

/* Remove every stopped (created, exited, dead) container that passes f
 * (until, label, label!=; NULL: all).  *removed: their full ids
 * (NULL-terminated; cleanup_strv frees it); *reclaimed: the bytes they had
 * written, as docker's SpaceReclaimed.  A container that cannot be
 * removed is reported on stderr and skipped, as the daemon does. */
int container_prune(struct berth *b, const struct image_prune_filter *f, char ***removed, long long *reclaimed,
		    berr_t *err);

#endif
