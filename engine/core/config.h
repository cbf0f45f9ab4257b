/* config.h: berth's own configuration file, in the format of docker's
 * daemon.json.
 *
 * berth has no daemon, but learners meet docker's daemon.json in the
 * lessons, so berth reads the same keys from the same kind of file:
 *
 *   {
 *     "registry-mirrors": ["http://127.0.0.1:5000"],
 *     "insecure-registries": ["myregistry:5000", "10.0.0.0/8"],
 *     "max-concurrent-downloads": 3,
 *     "max-concurrent-uploads": 5
 *   }
 *
 * The file is ROOT/daemon.json when it exists (each state root, and so
 * each test, has its own), else /etc/berth/daemon.json; BERTH_CONFIG names
 * another one.  A missing file is an empty configuration.  Keys berth does
 * not know are ignored (docker's daemon.json has many); the ones it knows
 * are checked as dockerd checks them, and a bad value is an error naming
 * the file rather than a silent default.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "root.h"

struct berth_config {
	char *path;                    /* the file read, or NULL when there was none */
	char **registry_mirrors;       /* "http://127.0.0.1:5000" (no trailing '/'), NULL-terminated */
	char **insecure_registries;    /* "host[:port]" or a CIDR ("10.0.0.0/8"), NULL-terminated */
	int max_concurrent_downloads;  /* docker's default 3 */
	int max_concurrent_uploads;    /* docker's default 5 */
};

/* The file that would be read (caller frees). */
char *config_path(struct berth *b);

/* Read and check the configuration; an absent file gives the defaults. */
int config_load(struct berth *b, struct berth_config *c, berr_t *err);

/* Parse a daemon.json held in memory (what config_load does after reading;
 * `origin` names it in errors).  Exposed for tests and the fuzzer. */
int config_parse(const char *buf, size_t len, const char *origin, struct berth_config *c, berr_t *err);

void config_clear(struct berth_config *c);

/* Does berth talk plain HTTP to this registry ("host[:port]")?  True for
 * localhost, loopback addresses (docker's default 127.0.0.0/8) and the
 * insecure-registries entries: an exact "host[:port]" or a CIDR holding
 * the host's address. */
bool config_registry_insecure(const struct berth_config *c, const char *domain);

#endif
