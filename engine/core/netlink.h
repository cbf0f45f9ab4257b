/* netlink.h: the few rtnetlink operations berth's networking needs, over
 * libmnl, with no `ip` command involved.
 *
 * A `struct nl` is one NETLINK_ROUTE socket, bound to the network namespace
 * that was current when it was opened: nl_open() for the caller's own
 * namespace, nl_open_netns() for a container's (the socket is created while
 * the calling thread is briefly inside that namespace; a socket keeps the
 * namespace it was born in).  Every request asks for an ACK, so each call
 * returns only once the kernel has done it or said why not.
 *
 * Addresses are IPv4, in network byte order (struct in_addr).
 */
#ifndef BERTH_NETLINK_H
#define BERTH_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "err.h"

struct nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
};

int nl_open(struct nl *nl, berr_t *err);
/* A socket inside the network namespace `netns_fd` refers to. */
int nl_open_netns(struct nl *nl, int netns_fd, berr_t *err);
void nl_close(struct nl *nl);

/* Index of a link by name: >0, 0 when there is no such link, -1 on error. */
int nl_link_index(struct nl *nl, const char *name, berr_t *err);

/* A bridge, down, with an alias (IFLA_IFALIAS: berth marks its own so a
 * later run can tell them from anyone else's).  EEXIST is an error. */
int nl_bridge_add(struct nl *nl, const char *name, const char *alias, berr_t *err);

/* A veth pair: `name` here, `peer` created directly inside the namespace
 * peer_netns_fd (or here when it is -1), with the given MAC (6 bytes, or
 * NULL for a random one). */
int nl_veth_add(struct nl *nl, const char *name, const char *peer, int peer_netns_fd, const uint8_t *peer_mac,
		berr_t *err);

/* Delete a link by name; a missing link is not an error (returns 0). */
int nl_link_del(struct nl *nl, const char *name, berr_t *err);

int nl_link_up(struct nl *nl, int ifindex, berr_t *err);
/* Enslave to a bridge (master > 0) or release (master == 0). */
int nl_link_set_master(struct nl *nl, int ifindex, int master, berr_t *err);
/* Move a link into another namespace, by fd (netns_fd >= 0) or pid. */
int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd, int pid, berr_t *err);

/* Add addr/prefix to a link (with the broadcast address set, as `ip addr
 * add ... brd +` does). EEXIST is not an error. */
int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, int prefix, berr_t *err);

/* A default route via gw (out of ifindex). */
int nl_route_add_default(struct nl *nl, struct in_addr gw, int ifindex, berr_t *err);

/* Every IPv4 route in the main table (and local ones too when `all`). */
struct nl_route {
	struct in_addr dst;
	int prefix;
	int oif;
};
int nl_route_list(struct nl *nl, struct nl_route **out, size_t *n, berr_t *err);

/* Every link: index, name, kind ("bridge", "veth", "" when none), alias
 * ("" when none) and master index. */
struct nl_link {
	int index;
	int master;
	char name[16];
	char kind[16];
	char alias[256];
	bool up;
};
int nl_link_list(struct nl *nl, struct nl_link **out, size_t *n, berr_t *err);
/* One link by name: 1 and *out filled, 0 when there is none, -1 on error. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out, berr_t *err);

/* Every IPv4 address of the host (for the listener's view of "all
 * addresses"); ifindex and prefix along. */
struct nl_addr {
	int ifindex;
	struct in_addr addr;
	int prefix;
};
int nl_addr_list(struct nl *nl, struct nl_addr **out, size_t *n, berr_t *err);

/* Enter the network namespace of netns_fd on this thread, keeping a way
 * back: returns an fd for the original namespace (pass it to
 * netns_leave). */
int netns_enter(int netns_fd, berr_t *err);
int netns_leave(int orig_fd, berr_t *err);

/* A new, empty network namespace (only a down `lo`), held by the returned
 * fd; the caller's own namespace is unchanged. */
int netns_new(berr_t *err);

#endif
