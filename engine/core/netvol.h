/* netvol.h: what run/create's networking and storage flags add to a
 * container: -p, -P, --expose, --network, --network-alias, --ip, -v,
 * --mount, --tmpfs.  Two hooks for lifecycle.c's create:
 *
 *   netvol_configure  before the container row exists: every flag checked
 *                     (bad input changes nothing), HostConfig and Config
 *                     filled as docker fills them (NetworkMode,
 *                     PortBindings, PublishAllPorts, ExposedPorts, Binds,
 *                     Mounts, Tmpfs, Volumes), and for `run` the fixed host
 *                     ports tried, so a port in use stops `run` before
 *                     anything is created;
 *   netvol_attach     after it exists: its endpoint rows (endpoint.h) and
 *                     its volumes and mounts (volume.h).
 */
#ifndef BERTH_NETVOL_H
#define BERTH_NETVOL_H

#include <stdbool.h>
#include "container.h"
#include "err.h"
#include "image.h"
#include "root.h"

struct netvol_opts {
	char **publish;          /* -p */
	bool publish_all;        /* -P */
	char **expose;           /* --expose */
	const char *network;     /* --network (NULL: default) */
	char **aliases;          /* --network-alias */
	const char *ip;          /* --ip */
	char **volumes;          /* -v */
	char **mounts;           /* --mount */
	char **tmpfs;            /* --tmpfs */
	bool check_ports;        /* run: try the host ports before creating */
};

int netvol_configure(struct berth *b, const struct netvol_opts *o, const struct image *img, struct container *c,
		     berr_t *err);
int netvol_attach(struct berth *b, const struct netvol_opts *o, struct container *c, berr_t *err);

#endif
