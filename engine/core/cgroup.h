/* cgroup.h: which cgroup hierarchy this host runs, and (as the runtime
 * lands) creating, limiting and removing a container's cgroup on each. */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

enum cgroup_mode {
	CGROUP_NONE,    /* no cgroup filesystem mounted */
	CGROUP_V1,      /* legacy: one hierarchy per controller */
	CGROUP_HYBRID,  /* v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified */
	CGROUP_V2,      /* unified: /sys/fs/cgroup is cgroup2 */
};

enum cgroup_mode cgroup_detect(void);
const char *cgroup_mode_name(enum cgroup_mode m);

#endif
