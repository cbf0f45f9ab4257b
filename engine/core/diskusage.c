/* diskusage.c: see diskusage.h.
 *
 * docker's daemon sums a container's read-write layer with
 * pkg/directory.Size: the size of every entry that is not a directory,
 * a hard-linked inode once.  Volumes are counted by volume_size(). */
#define _XOPEN_SOURCE 700
#define _GNU_SOURCE
#include "diskusage.h"
#include "cleanup.h"
#include "container.h"
#include "ctrlist.h"
#include "image.h"
#include "units.h"
#include "util.h"
#include "volume.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* nftw has no context pointer; one walk at a time. */
static struct {
	long long total;
	struct {
		dev_t dev;
		ino_t ino;
	} *seen;
	size_t n, cap;
} walk;

static int rw_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)path;
	(void)f;
	if (type == FTW_D || type == FTW_DP || type == FTW_DNR || type == FTW_NS || st->st_size == 0)
		return 0;
	if (st->st_nlink > 1) {
		for (size_t i = 0; i < walk.n; i++)
			if (walk.seen[i].dev == st->st_dev && walk.seen[i].ino == st->st_ino)
				return 0;
		if (walk.n == walk.cap) {
			walk.cap = walk.cap ? walk.cap * 2 : 16;
			walk.seen = xrealloc(walk.seen, walk.cap * sizeof(walk.seen[0]));
		}
		walk.seen[walk.n].dev = st->st_dev;
		walk.seen[walk.n++].ino = st->st_ino;
	}
	walk.total += st->st_size;
	return 0;
}

long long container_rw_size(struct berth *b, const char *id)
{
	cleanup_free char *dir = container_dir(b, id);
	cleanup_free char *upper = xasprintf("%s/upper", dir);
	long long total;

	memset(&walk, 0, sizeof(walk));
	nftw(upper, rw_cb, 32, FTW_PHYS | FTW_MOUNT);
	total = walk.total;
	free(walk.seen);
	memset(&walk, 0, sizeof(walk));
	return total;
}

int disk_usage_containers(struct berth *b, struct disk_usage *u, berr_t *err)
{
	struct container **v = NULL;
	size_t n = 0;

	memset(u, 0, sizeof(*u));
	if (container_list(b, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		long long size = container_rw_size(b, v[i]->id);
		bool active = v[i]->state == CS_RUNNING || v[i]->state == CS_PAUSED || v[i]->state == CS_RESTARTING;
		u->total++;
		u->size += size;
		if (active)
			u->active++;
		else
			u->reclaimable += size;
	}
	container_list_free(v, n);
	return 0;
}

int disk_usage_volumes(struct berth *b, struct disk_usage *u, berr_t *err)
{
	struct volume **v = NULL;
	size_t n = 0;

	memset(u, 0, sizeof(*u));
	if (volume_list(b, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		long long size = volume_size(v[i]);
		cleanup_strv char **users = volume_users(b, v[i]->name);
		u->total++;
		u->size += size;
		if (users && users[0])
			u->active++;
		else
			u->reclaimable += size;
	}
	volume_list_free(v, n);
	return 0;
}

json_t *disk_usage_container_rows(struct berth *b, berr_t *err)
{
	struct container **v = NULL;
	size_t n = 0;
	long long now = now_ns();
	json_t *rows;

	if (container_list_summary(b, &v, &n, err) < 0)
		return NULL;
	rows = json_array();
	for (size_t i = 0; i < n; i++) {
		char size[32];
		json_t *row = container_ps_json(b, v[i], true, now);
		/* go-units HumanSizeWithPrecision(SizeRw, 3) */
		human_size_decimal3((double)container_rw_size(b, v[i]->id), size, sizeof(size));
		json_object_set_new(row, "Size", json_string(size));
		json_array_append_new(rows, row);
	}
	container_list_free(v, n);
	return rows;
}

json_t *disk_usage_volume_rows(struct berth *b, berr_t *err)
{
	struct volume **v = NULL;
	size_t n = 0;
	json_t *rows;

	if (volume_list(b, &v, &n, err) < 0)
		return NULL;
	rows = json_array();
	for (size_t i = 0; i < n; i++) {
		char size[32];
		size_t links = 0;
		cleanup_strv char **users = volume_users(b, v[i]->name);
		while (users && users[links])
			links++;
		/* go-units HumanSize: four significant digits */
		human_size_decimal((double)volume_size(v[i]), size, sizeof(size));
		json_array_append_new(rows, json_pack("{s:s, s:o, s:s}", "Name", v[i]->name, "Links",
						      json_sprintf("%zu", links), "Size", size));
	}
	volume_list_free(v, n);
	return rows;
}
