/* ipam.h: IPv4 subnets and addresses for bridge networks.
 *
 * Two halves.  Pure arithmetic (parse, format, overlap, pick a free subnet
 * from berth's pool, pick the lowest free address) that the unit tests
 * drive directly; and the allocation of a container's address on a network,
 * a row in berth.db's `endpoints` table, inside one IMMEDIATE transaction
 * with a UNIQUE (network, ip) index, so two CLIs starting containers at
 * once can never hand out the same address.
 *
 * Subnets come from berth's pool of /24s in 172.18.0.0-172.31.255.0 and
 * then 192.168.0.0/16: a network is one /24 (254 containers is plenty for
 * a course, and small subnets leave room for many roots and for docker).
 * A subnet is never chosen when it overlaps anything routed on the host
 * (read from the kernel, every table but `local`), any network already in
 * this root, or docker's default 172.17.0.0/16 even when docker0 is absent
 * (dockerd takes it whenever it starts).
 */
#ifndef BERTH_IPAM_H
#define BERTH_IPAM_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* Addresses in host byte order. */
struct ipv4_net {
	uint32_t addr;
	int prefix;
};

/* "10.1.2.3" -> host order; -1 when it is not a dotted quad. */
int ipv4_parse(const char *s, uint32_t *out);
void ipv4_format(uint32_t a, char buf[16]);
uint32_t ipv4_mask(int prefix);

/* "10.1.0.0/16" (host bits may be set, as docker allows).  Errors are
 * docker's: "invalid CIDR address: X". */
int ipam_parse_cidr(const char *s, struct ipv4_net *out, berr_t *err);
/* "10.1.0.0/16" with host bits cleared. */
void ipam_format_cidr(struct ipv4_net n, char buf[20]);
struct ipv4_net ipam_network(struct ipv4_net n);

bool ipam_overlaps(struct ipv4_net a, struct ipv4_net b);
bool ipam_contains(struct ipv4_net n, uint32_t a);

/* The first /24 of the pool that overlaps none of `used`; -1 when the
 * pool is exhausted. */
int ipam_choose_subnet(const struct ipv4_net *used, size_t n_used, struct ipv4_net *out);

/* The lowest host address of `subnet` that is neither its network nor
 * broadcast address, nor the gateway, nor in `taken`.  -1 when full. */
int ipam_pick_address(struct ipv4_net subnet, uint32_t gateway, const uint32_t *taken, size_t n_taken,
		      uint32_t *out);

/* Everything routed on the host, as subnets (default routes left out). */
int ipam_host_routes(struct ipv4_net **out, size_t *n, berr_t *err);

/* Give the endpoint (network_id, container_id) an address: `want` (0 =
 * any) if free, else the lowest free one.  The endpoint row must exist.
 * Errors: "Address already in use" for a taken `want`, docker's
 * "no available IPv4 addresses on this network's address pools" when full. */
int ipam_alloc(sqlite3 *db, const char *network_id, const char *container_id, struct ipv4_net subnet,
	       uint32_t gateway, uint32_t want, uint32_t *out, berr_t *err);

/* Forget the endpoint's address (the container stopped). */
int ipam_release(sqlite3 *db, const char *network_id, const char *container_id, berr_t *err);

#endif
