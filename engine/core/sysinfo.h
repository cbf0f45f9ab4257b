/* sysinfo.h: what `berth info` and `berth version` report about the engine
 * and the host, gathered in one place so both commands (and tests) agree. */
#ifndef BERTH_SYSINFO_H
#define BERTH_SYSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include "root.h"

struct sysinfo {
	long containers, running, paused, stopped;
	long images;
	const char *storage_driver;
	const char *cgroup_version;
	bool seccomp;
	char kernel[128];
	char os[128];
	char arch[64];
	char hostname[256];
	long cpus;
	long long mem_total;
	char *engine_id;      /* stable per root, kept in berth.db */
	char *root;
};

int sysinfo_gather(struct berth *b, struct sysinfo *out, berr_t *err);
void sysinfo_free(struct sysinfo *s);

/* The architecture as OCI and docker name it (amd64, arm64), not uname's. */
const char *sysinfo_oci_arch(void);

/* "23.47GiB", as docker formats memory sizes (binary units). */
void format_bytes_binary(long long n, char *buf, size_t len);

#endif
