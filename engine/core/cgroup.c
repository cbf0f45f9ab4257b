/* cgroup.c: detecting the cgroup layout (see cgroup.h).
 *
 * Three layouts exist in the wild and berth must run on all of them; crun
 * refuses the hybrid one, which is exactly what some hosts (this project's
 * CI among them) have.  Detection is by filesystem magic, not by parsing
 * /proc/mounts, so it costs two statfs calls.
 */
#include "cgroup.h"

#include <linux/magic.h>
#include <sys/vfs.h>

enum cgroup_mode cgroup_detect(void)
{
	struct statfs fs;

	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return CGROUP_NONE;
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_V2;
	if (fs.f_type != TMPFS_MAGIC)
		return CGROUP_NONE;
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_HYBRID;
	return CGROUP_V1;
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_V1:
		return "1";
	case CGROUP_HYBRID:
		return "1 (hybrid: v1 controllers with a cgroup2 hierarchy)";
	case CGROUP_V2:
		return "2";
	default:
		return "none";
	}
}
