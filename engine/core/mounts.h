/* mounts.h: a container's volumes, bind mounts and tmpfs, mounted inside its
 * new mount namespace before pivot_root (runtime.c calls mounts_apply in
 * the child, after the root filesystem is mounted).
 *
 * The parent computes the list (volume.c: volume_mount_plan), so the child
 * runs only system calls.  Safety, for every mount:
 *  - the mountpoint is resolved inside the container's root with
 *    openat2(RESOLVE_IN_ROOT), missing directories created one component at
 *    a time below an fd, never through a symlink, so an image (or a
 *    previous container) whose /data is a symlink to /etc cannot make berth
 *    mount over the host's /etc;
 *  - the mount lands on that fd (move_mount with MOVE_MOUNT_T_EMPTY_PATH),
 *    not on a path looked up again;
 *  - a read-only bind is a detached clone of the source tree
 *    (open_tree(OPEN_TREE_CLONE|AT_RECURSIVE)) made read-only with
 *    mount_setattr(MOUNT_ATTR_RDONLY, AT_RECURSIVE) before it is attached,
 *    so no moment exists when it is writable, and submounts are read-only
 *    too.
 * A new volume is filled from the image's content at its path (docker's
 * copy-up) when it is empty, unless nocopy: files, directories, symlinks,
 * owners, modes and times, read through fds below the root.
 */
#ifndef BERTH_MOUNTS_H
#define BERTH_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

enum mount_op_kind {
	MO_BIND,    /* source: a host path (a bind source or a volume's _data) */
	MO_TMPFS,   /* data: tmpfs options */
	MO_DEVICE,  /* a local volume with -o type=...: mount(source, target, fstype, flags, data) */
};

struct mount_op {
	enum mount_op_kind kind;
	char *source;
	char *target;              /* absolute, inside the container */
	char *fstype;
	char *data;
	unsigned long flags;       /* MS_NOSUID, MS_NODEV, ... (tmpfs, device) */
	unsigned long propagation; /* MS_SHARED, MS_SLAVE... (0: private, the default) */
	bool readonly;
	bool copy_up;              /* a volume: fill from the image when empty */
};

/* Mount every op below rootfd (an O_PATH fd of the mounted root), in
 * order (parents first: the plan is sorted).  Runs in the child. */
int mounts_apply(int rootfd, const struct mount_op *ops, size_t n, berr_t *err);

/* Create a missing mountpoint's last component, leaf (one plain name),
 * below pfd (an fd of its parent inside the root): a directory, or an
 * empty file when !dir; one already there is fine.  Closes pfd.  0, or
 * -1 with errno. */
int mountpoint_create_leaf(int pfd, const char *leaf, bool dir);

/* Split a comma list of mount options into flags and data ("ro,size=1m"
 * -> MS_RDONLY, "size=1m"); unknown words go to data. */
void mount_options_split(const char *opts, unsigned long *flags, char **data);

void mount_ops_free(struct mount_op *ops, size_t n);

#endif
