/* usergroup.h: docker's -u/--user, resolved against the container's own
 * /etc/passwd and /etc/group.
 *
 * The files are the image's, not the host's, and are opened with
 * openat2(RESOLVE_IN_ROOT) below the container's root, so a symlink in the
 * image cannot point the lookup at a host file.
 *
 * Rules (runc's GetExecUser, which docker uses):
 *   ""              root, or uid 0's passwd entry
 *   "name"|"uid"    the passwd entry; a numeric uid without one is allowed
 *                   (gid 0, HOME /)
 *   "u:g"           group by name (must exist) or number
 * Supplementary groups: the groups listing the user by name, or else the
 * primary group alone.
 */
#ifndef BERTH_USERGROUP_H
#define BERTH_USERGROUP_H

#include <sys/types.h>
#include "err.h"

#define USER_MAX_GROUPS 64

struct exec_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[USER_MAX_GROUPS];
	size_t ngroups;
	char home[256];
};

/* rootfd: an O_PATH or directory fd of the container's root. */
int user_resolve(int rootfd, const char *spec, struct exec_user *out, berr_t *err);

/* Open a path below rootfd, never leaving it (RESOLVE_IN_ROOT, no magic
 * links).  Returns an fd or -1 with errno. */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode);

#endif
