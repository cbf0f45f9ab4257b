/* rootfs.h: a container's root filesystem from an image's layers.
 *
 * The root is an overlayfs: the image's unpacked layers (layers/<chain>/,
 * shared read-only by every container) as lowerdirs, and the container's
 * own container_dir/upper and container_dir/work.  Nothing of the image is
 * copied per container.
 *
 * When the kernel refuses overlayfs here (berth's root on an overlay
 * itself, no overlay module, too many layers), rootfs_prepare falls back to
 * a flattened copy, container_dir/flat, built by applying each layer in
 * turn, and says so once on stderr.
 *
 * Whether overlayfs works depends only on the filesystem under the root,
 * so it is tried once (a mount in a throwaway mount namespace: unmounting
 * a writable overlay syncs, 5-20 ms) and the verdict kept in
 * layers/.overlay-verdict ("overlay" or "overlay volatile"); later
 * prepares only create directories.
 *
 * Use:
 *     struct rootfs r;
 *     rootfs_prepare(b, img, cdir, &r, &err);    // in the engine, before clone
 *     ...in the child's mount namespace:
 *     rootfs_mount_at(&r, "/path/to/merged", &err); then pivot_root into it
 *     rootfs_free(&r);
 *     ...when the container is removed:
 *     rootfs_remove(cdir, &err);
 */
#ifndef BERTH_ROOTFS_H
#define BERTH_ROOTFS_H

#include <stdbool.h>
#include "err.h"
#include "image.h"
#include "root.h"

struct rootfs {
	char *mount_data;  /* overlay options ("lowerdir=...,upperdir=...,workdir=..."), or NULL when flattened */
	char *flat_dir;    /* flattened copy (bind-mounted), when overlay is refused; else NULL */
	char *lower_base;  /* directory the lowerdir entries in mount_data are relative to */
	char *upper_dir;   /* container_dir/upper (the container's changes; `diff`, commit, export) */
	char *work_dir;    /* container_dir/work */
	char **lower_dirs; /* absolute layer dirs, top first (NULL-terminated) */
	bool volatile_ok;  /* overlayfs takes "volatile" here: a container nothing of which must survive a
			    * crash (run --rm) may append ",volatile" to mount_data, so its end needs no sync */
};

/* Create container_dir/upper and container_dir/work (or the flattened copy)
 * for img, and fill *out with what rootfs_mount_at needs.  container_dir
 * must exist.  Idempotent: preparing again (a restart) keeps the upper
 * dir's contents. */
int rootfs_prepare(struct berth *b, const struct image *img, const char *container_dir, struct rootfs *out,
		   berr_t *err);

/* mount(2) the root at target (an existing directory).  Meant to run in the
 * container's own mount namespace.  The overlay lowerdirs are short
 * relative names (layers/l/<12 hex>), so the option string stays well
 * under the page size with a hundred layers; this function chdirs to
 * lower_base for the mount and back again. */
int rootfs_mount_at(const struct rootfs *r, const char *target, berr_t *err);

void rootfs_free(struct rootfs *r);

/* Remove what rootfs_prepare made under container_dir (upper, work, flat).
 * The target must be unmounted already; container_dir itself is left. */
int rootfs_remove(const char *container_dir, berr_t *err);

/* Would the kernel mount overlay with these options?  Tries once, into a
 * scratch directory, in a child process with its own mount namespace. */
bool rootfs_overlay_works(const struct rootfs *r, const char *scratch_dir, int *errnum);

#endif
