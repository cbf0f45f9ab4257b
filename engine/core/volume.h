/* volume.h: volumes, and the mounts a container is created with.
 *
 * A volume is a row in berth.db's `volumes` table and a directory
 * ROOT/volumes/<name>/_data (the Mountpoint docker shows).  Named volumes
 * come from `volume create` or from first use (-v NAME:/path); anonymous
 * ones (a random 64-hex name) from -v /path, --mount without a source, and
 * the image's VOLUME lines.  Data outlives the container: `rm` leaves every
 * volume, `rm -v` and `run --rm` remove the container's anonymous volumes
 * when no other container uses them, and `volume prune` removes unused
 * anonymous volumes (every unused volume with -a).
 *
 * The local driver's -o options work as docker's: `-o type=tmpfs -o
 * device=tmpfs -o o=size=64m` mounts that filesystem (mount(2) with those
 * arguments) where the volume is used, `-o type=none -o o=bind -o
 * device=/path` binds a host directory.  (docker mounts such a volume once
 * on the host and shares it; berth mounts it in each container's own
 * namespace, which is the same for a bind and gives each container its own
 * tmpfs.)
 *
 * A container's mounts are resolved at create into berth.db's `mounts`
 * table (anonymous volumes named, -v's missing host directories made), so
 * every start mounts the same things; volume_mount_plan turns them into
 * the list the runtime mounts (mounts.h).
 */
#ifndef BERTH_VOLUME_H
#define BERTH_VOLUME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "container.h"
#include "err.h"
#include "mounts.h"
#include "root.h"

struct volume {
	char *name;
	char *driver;
	long long created;      /* seconds */
	json_t *labels;         /* object */
	json_t *options;        /* object, or NULL */
	bool anonymous;
	char *mountpoint;       /* ROOT/volumes/<name>/_data */
};

void volume_free(struct volume *v);
void volume_list_free(struct volume **v, size_t n);

/* Create a volume (name NULL: a random one).  An existing volume of that
 * name is returned as it is, as docker does.  Errors (status 1): an invalid
 * name, a driver other than local, an unknown -o key. */
int volume_create(struct berth *b, const char *name, const char *driver, char *const *labels, char *const *opts,
		  bool anonymous, struct volume **out, berr_t *err);

/* "get NAME: no such volume" (status 1) when missing. */
int volume_get(struct berth *b, const char *name, struct volume **out, berr_t *err);

/* Sorted by name. */
int volume_list(struct berth *b, struct volume ***out, size_t *n, berr_t *err);

/* Ids of the containers (any state) that mount it (caller frees). */
char **volume_users(struct berth *b, const char *name);

/* Refused while a container uses it: "remove NAME: volume is in use -
 * [ID, ...]". */
int volume_remove(struct berth *b, const char *name, berr_t *err);

/* Unused anonymous volumes (all unused ones with `all`).  Names removed
 * (caller frees with the strv cleanup) and bytes reclaimed. */
int volume_prune(struct berth *b, bool all, char ***removed, long long *reclaimed, berr_t *err);

/* Bytes under its _data (what `system df -v` and prune report). */
long long volume_size(const struct volume *v);

json_t *volume_inspect_json(const struct volume *v);

/* ---- a container's mounts ---------------------------------------------------- */

/* What run/create were given. */
struct volume_flags {
	char *const *volumes;    /* -v */
	char *const *mounts;     /* --mount */
	char *const *tmpfs;      /* --tmpfs */
};

/* Before the container exists: parse and check everything (duplicate
 * mountpoints, --mount bind sources that do not exist, volume names), and
 * fill HostConfig.Binds, .Mounts and .Tmpfs as docker does.  Nothing is
 * created, so bad input changes nothing. */
int volume_check_flags(const struct volume_flags *f, json_t *host_config, berr_t *err);

/* After the container row exists: named volumes created if missing,
 * anonymous ones created (for -v /path, --mount without a source and the
 * image's VOLUME paths not otherwise mounted), -v's missing bind sources
 * made, and the `mounts` rows written.  On failure, what it created is
 * removed again. */
int volume_setup_container(struct berth *b, const struct container *c, const struct volume_flags *f,
			   berr_t *err);

/* At rm: forget its mounts; remove_anonymous (rm -v, --rm) also removes its
 * anonymous volumes no other container uses.  Call before the container
 * row is deleted. */
int volume_release_container(struct berth *b, const char *container_id, bool remove_anonymous, berr_t *err);

/* What the runtime mounts at start, parents before children. */
int volume_mount_plan(struct berth *b, const struct container *c, struct mount_op **ops, size_t *n, berr_t *err);

/* docker's inspect "Mounts", and ps's MOUNTS column ("vol,/host/dir"). */
json_t *volume_mounts_json(struct berth *b, const struct container *c);
char *volume_mounts_text(struct berth *b, const struct container *c, bool trunc);

#endif
