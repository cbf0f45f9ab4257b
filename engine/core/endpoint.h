/* endpoint.h: a container on its networks, start to stop.
 *
 * The runtime calls four hooks (lifecycle.c):
 *
 *   endpoint_create   at create: one `endpoints` row per network the
 *                     container joins (HostConfig.NetworkMode, aliases);
 *   endpoint_up       before the container's process is cloned: a new
 *                     network namespace, configured completely from the
 *                     outside (a veth per network with its peer created
 *                     directly inside the namespace as eth0, eth1..., an
 *                     address from IPAM, the default route, lo up), the
 *                     published ports bound, and the hosts, resolv.conf and
 *                     hostname files written; the child then only joins the
 *                     namespace (setns), so a failure here leaves no process
 *                     behind and a container never runs half-connected;
 *   endpoint_started  after the clone: the port proxy is forked for it;
 *   endpoint_down     after it exited: proxy stopped, veths deleted,
 *                     addresses and ports released, peers' hosts files
 *                     rewritten without it.
 *
 * `network connect/disconnect` do the same for one network while the
 * container runs, through its /proc/PID/ns/net.
 */
#ifndef BERTH_ENDPOINT_H
#define BERTH_ENDPOINT_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>
#include "container.h"
#include "err.h"
#include "portfwd.h"
#include "root.h"

/* What one start holds between endpoint_up and endpoint_down. */
struct ctr_net {
	int netns_fd;                 /* the namespace to join; -1: none prepared */
	bool host;                    /* --network host: no namespace of its own */
	struct pf_listener *listeners;
	size_t n_listeners;
	struct in_addr backend;       /* the address the proxy forwards to */
	pid_t proxy;
	bool up;
};

void ctr_net_init(struct ctr_net *n);

/* NetworkMode as given to --network ("", "default", "bridge", "host",
 * "none", a name or id) checked, and the container's endpoint rows
 * written; aliases and ip only for user-defined networks (docker's
 * "network-scoped alias is supported only for containers in user defined
 * networks").  Call after the container row exists. */
int endpoint_create(struct berth *b, const struct container *c, char *const *aliases, const char *ip,
		    berr_t *err);

int endpoint_up(struct berth *b, struct container *c, struct ctr_net *net, berr_t *err);
int endpoint_started(struct berth *b, struct container *c, struct ctr_net *net, pid_t pid, int pidfd,
		     berr_t *err);
/* net may be NULL (the process that started it is gone). */
void endpoint_down(struct berth *b, const char *container_id, struct ctr_net *net);

int endpoint_connect(struct berth *b, const char *net_ref, const char *ctr_ref, char *const *aliases,
		     const char *ip, berr_t *err);
int endpoint_disconnect(struct berth *b, const char *net_ref, const char *ctr_ref, bool force, berr_t *err);

/* docker's NetworkSettings for inspect. */
json_t *endpoint_network_settings(struct berth *b, const struct container *c);

/* ps's PORTS ("0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 443/tcp") and
 * NETWORKS ("bridge") columns (caller frees). */
char *endpoint_ports_text(struct berth *b, const struct container *c);
char *endpoint_networks_text(struct berth *b, const struct container *c);

/* `berth port`: the bindings of a running container, as
 * "80/tcp -> 0.0.0.0:8080" lines; `filter` ("80", "80/udp") or NULL. */
int endpoint_port_lines(struct berth *b, const struct container *c, const char *filter, char ***out,
			berr_t *err);

#endif
