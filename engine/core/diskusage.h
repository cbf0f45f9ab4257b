/* diskusage.h: what `system df` reports for containers and local volumes,
 * counted as docker's daemon counts them. */
#ifndef BERTH_DISKUSAGE_H
#define BERTH_DISKUSAGE_H

#include <jansson.h>
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

/* system df -v rows, as docker's formatter fields: containers (ID, Image,
 * Command, LocalVolumes, Size, RunningFor, Status, Names) and volumes
 * (Name, Links, Size).  NULL with err set on failure. */
json_t *disk_usage_container_rows(struct berth *b, berr_t *err);
json_t *disk_usage_volume_rows(struct berth *b, berr_t *err);

#endif
