/* sysinfo.h: what `berth info` and `berth version` report about the engine
 * and the host, gathered in one place so both commands (and tests) agree. */
#ifndef BERTH_SYSINFO_H
#define BERTH_SYSINFO_H

#include <jansson.h>
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

/* The data `berth version --format` runs over, shaped and named like
 * docker's: {"Client": {"Version", "ApiVersion", "GitCommit", "Os",
 * "Arch", "BuildTime", ...}, "Server": {"Components": [...], "Version",
 * ...}}.  berth has no daemon, so Server describes the same engine, with
 * its libraries as components (docker lists containerd and runc there).
 * Touches no state.  Caller decrefs. */
json_t *sysinfo_version_json(void);

/* The data `berth info --format` runs over, with docker's field names and
 * order (ID, Containers, ..., ServerVersion, SecurityOptions, ClientInfo);
 * DockerRootDir is berth's root.  NULL with err set if the state root
 * cannot be read.  Caller decrefs. */
json_t *sysinfo_info_json(struct berth *b, berr_t *err);

/* The architecture as OCI and docker name it (amd64, arm64), not uname's. */
const char *sysinfo_oci_arch(void);

/* "23.47GiB", as docker formats memory sizes (binary units). */
void format_bytes_binary(long long n, char *buf, size_t len);

#endif
