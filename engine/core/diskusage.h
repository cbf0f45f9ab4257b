/* diskusage.h: what `system df` reports for containers and local volumes,
 * counted as docker's daemon counts them. */
#ifndef BERTH_DISKUSAGE_H
#define BERTH_DISKUSAGE_H

#include "err.h"
#include "root.h"

struct disk_usage {
	long total, active;        /* containers: running, paused or restarting; volumes: used by one */
	long long size;            /* bytes */
	long long reclaimable;     /* bytes of the inactive ones */
};

/* Bytes a container wrote: its upper directory, as docker's SizeRw (every
 * non-directory's size, hard links once). */
long long container_rw_size(struct berth *b, const char *id);

int disk_usage_containers(struct berth *b, struct disk_usage *u, berr_t *err);
int disk_usage_volumes(struct berth *b, struct disk_usage *u, berr_t *err);

#endif
