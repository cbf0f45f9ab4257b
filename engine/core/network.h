/* network.h: network records and their bridges.
 *
 * A network is a row in berth.db's `networks` table.  Three are predefined,
 * as in docker: `bridge` (the default for containers; no name resolution
 * between its containers), `host` (the host's own stack) and `none`
 * (loopback only).  `network create` adds user-defined bridge networks,
 * on which containers find each other by name and alias.
 *
 * Every bridge network has a device of its own: `berth0` (`berth1`... for
 * a second state root on the same host) for the default one, and
 * `br-<first 12 hex of its id>` for the others, like docker's.  The device
 * is created with its firewall rules (nat.h) by `network create`, and for
 * the default network when its first container starts; `network rm`
 * removes both.  Each device carries an alias naming the state root that
 * owns it, so a device whose root has since been deleted (a test's
 * temporary root, say) is recognised and removed the next time berth
 * creates a bridge.
 *
 * Host-wide steps (choosing a subnet, naming and creating a device) run
 * under a lock file in /run/berth, so two roots, or two CLIs, never pick
 * the same subnet or name.
 */
#ifndef BERTH_NETWORK_H
#define BERTH_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "ipam.h"
#include "root.h"

struct network {
	char id[65];
	char *name;
	char *driver;          /* "bridge", "host", "null" */
	long long created;     /* ns */
	bool internal, attachable, predefined;
	bool has_subnet;
	struct ipv4_net subnet;
	uint32_t gateway;      /* host order; 0 when none */
	json_t *ipam_config;   /* IPAM.Config as given ([] for automatic) */
	char *bridge;          /* device name, or NULL */
	json_t *labels, *options;
};

void network_free(struct network *n);

/* The predefined networks, created on first use. */
int network_ensure_predefined(struct berth *b, berr_t *err);

/* By full id, name, or unique id prefix, as docker resolves it: an exact
 * name wins, then a full id, then a prefix.  "network X not found"
 * (status 1) when nothing matches. */
int network_find(struct berth *b, const char *ref, struct network **out, berr_t *err);

/* All networks, sorted by name. */
int network_list(struct berth *b, struct network ***out, size_t *n, berr_t *err);
void network_list_free(struct network **v, size_t n);

struct network_create_opts {
	const char *name;
	const char *driver;    /* NULL = bridge */
	const char *subnet;    /* NULL = automatic */
	const char *gateway;
	bool internal, attachable;
	char **labels;         /* "k=v" */
	char **options;        /* -o "k=v" */
};

/* Create a bridge network and its device.  Errors are docker's (status
 * 1): "network with name X already exists", "Pool overlaps with other
 * one on this address space", "invalid CIDR address: X", ... */
int network_create(struct berth *b, const struct network_create_opts *o, char **id_out, berr_t *err);

/* Remove a network: refused for predefined ones and while a running
 * container is attached ("error while removing network: network X id Y has
 * active endpoints"). */
int network_remove(struct berth *b, const char *ref, berr_t *err);

/* Remove every user-defined network no container uses; names removed
 * returned (caller frees with the strv cleanup).  Bridges (and their
 * rules) of state roots that no longer exist go too. */
int network_prune(struct berth *b, char ***removed, berr_t *err);

/* Is any container (running or not) attached to it? */
bool network_in_use(struct berth *b, const char *id);

/* docker's `network inspect` object. */
json_t *network_inspect_json(struct berth *b, const struct network *n);

/* Make sure a bridge network's device and firewall rules exist (creating
 * them, and choosing the default network's subnet again if something else
 * took it meanwhile).  Cheap when the device is there: one netlink lookup. */
int network_ensure_device(struct berth *b, struct network *n, berr_t *err);

/* Remove bridges whose state root no longer exists, and their rules
 * (never one with a port: a running container uses it).  Host lock held. */
void network_gc_orphans(void);

/* The host-wide lock for networking changes: returns a fd to close. */
int network_host_lock(berr_t *err);

/* The root-wide lock that serialises rewriting containers' hosts files:
 * returns a fd to close. */
int network_root_lock(struct berth *b, berr_t *err);

#endif
