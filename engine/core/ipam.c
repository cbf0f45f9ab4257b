/* ipam.c: subnets and addresses (see ipam.h). */
#define _GNU_SOURCE
#include "ipam.h"
#include "cleanup.h"
#include "db.h"
#include "netlink.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipv4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;
	/* inet_pton takes exactly a dotted quad of decimal numbers, unlike
	 * inet_aton ("10.1" or "0x0a.1.2.3"), which docker refuses too. */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

void ipv4_format(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

uint32_t ipv4_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~0u << (32 - prefix);
}

int ipam_parse_cidr(const char *s, struct ipv4_net *out, berr_t *err)
{
	const char *slash = strchr(s, '/');
	char addr[32];
	char *end;
	long p;

	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(addr) || !isdigit((unsigned char)slash[1]))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (*end || errno || p < 0 || p > 32 || (slash[1] == '0' && slash[2]))
		goto bad;
	if (ipv4_parse(addr, &out->addr) < 0)
		goto bad;
	out->prefix = (int)p;
	return 0;
bad:
	return berr_make_status(err, 1, 0, "invalid CIDR address: %s", s);
}

struct ipv4_net ipam_network(struct ipv4_net n)
{
	n.addr &= ipv4_mask(n.prefix);
	return n;
}

void ipam_format_cidr(struct ipv4_net n, char buf[20])
{
	char a[16];
	ipv4_format(n.addr & ipv4_mask(n.prefix), a);
	snprintf(buf, 20, "%s/%d", a, n.prefix);
}

bool ipam_overlaps(struct ipv4_net a, struct ipv4_net b)
{
	/* Two prefixes overlap exactly when the shorter one contains the
	 * other's network address. */
	uint32_t m = ipv4_mask(a.prefix < b.prefix ? a.prefix : b.prefix);
	return (a.addr & m) == (b.addr & m);
}

bool ipam_contains(struct ipv4_net n, uint32_t a)
{
	uint32_t m = ipv4_mask(n.prefix);
	return (n.addr & m) == (a & m);
}

/* berth's pool, in the order subnets are tried. */
static const struct {
	uint32_t base;  /* first address */
	int prefix;     /* size of the range */
} pools[] = {
	{0xac120000u, 15}, /* 172.18.0.0 - 172.19.255.255 */
	{0xac140000u, 14}, /* 172.20.0.0 - 172.23.255.255 */
	{0xac180000u, 13}, /* 172.24.0.0 - 172.31.255.255 */
	{0xc0a80000u, 16}, /* 192.168.0.0/16 */
};

#define POOL_SUBNET 24

int ipam_choose_subnet(const struct ipv4_net *used, size_t n_used, struct ipv4_net *out)
{
	/* docker's default bridge: never ours, present or not. */
	const struct ipv4_net docker0 = {0xac110000u, 16};

	for (size_t p = 0; p < sizeof(pools) / sizeof(pools[0]); p++) {
		uint32_t count = 1u << (POOL_SUBNET - pools[p].prefix);
		for (uint32_t i = 0; i < count; i++) {
			struct ipv4_net c = {pools[p].base + (i << (32 - POOL_SUBNET)), POOL_SUBNET};
			bool clash = ipam_overlaps(c, docker0);
			for (size_t u = 0; !clash && u < n_used; u++)
				clash = ipam_overlaps(c, used[u]);
			if (!clash) {
				*out = c;
				return 0;
			}
		}
	}
	return -1;
}

int ipam_pick_address(struct ipv4_net subnet, uint32_t gateway, const uint32_t *taken, size_t n_taken,
		      uint32_t *out)
{
	uint32_t net = subnet.addr & ipv4_mask(subnet.prefix);
	uint32_t size = subnet.prefix >= 31 ? 0 : (uint32_t)(1ull << (32 - subnet.prefix));

	/* /31 and /32 have no room for a gateway and a container. */
	for (uint32_t i = 1; size && i < size - 1; i++) {
		uint32_t a = net + i;
		bool busy = a == gateway;
		for (size_t t = 0; !busy && t < n_taken; t++)
			busy = taken[t] == a;
		if (!busy) {
			*out = a;
			return 0;
		}
	}
	return -1;
}

int ipam_host_routes(struct ipv4_net **out, size_t *n, berr_t *err)
{
	struct nl nl;
	struct nl_route *r = NULL;
	size_t nr = 0, k = 0;
	struct ipv4_net *v;

	if (nl_open(&nl, err) < 0)
		return -1;
	if (nl_route_list(&nl, &r, &nr, err) < 0) {
		nl_close(&nl);
		return -1;
	}
	nl_close(&nl);
	v = xcalloc(nr + 1, sizeof(*v));
	for (size_t i = 0; i < nr; i++) {
		if (r[i].prefix == 0)
			continue; /* a default route overlaps everything and says nothing */
		v[k].addr = ntohl(r[i].dst.s_addr);
		v[k].prefix = r[i].prefix;
		k++;
	}
	free(r);
	*out = v;
	*n = k;
	return 0;
}

static int taken_addresses(sqlite3 *db, const char *network_id, const char *container_id, uint32_t **out,
			   size_t *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	size_t cap = 16, k = 0;
	uint32_t *v = xmalloc(cap * sizeof(*v));

	if (db_prepare(db, "SELECT ip FROM endpoints WHERE network_id = ? AND container_id != ? AND ip IS NOT NULL",
		       &st, err) < 0) {
		free(v);
		return -1;
	}
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, container_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint32_t a;
		if (ipv4_parse((const char *)sqlite3_column_text(st, 0), &a) < 0)
			continue;
		if (k == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[k++] = a;
	}
	*out = v;
	*n = k;
	return 0;
}

int ipam_alloc(sqlite3 *db, const char *network_id, const char *container_id, struct ipv4_net subnet,
	       uint32_t gateway, uint32_t want, uint32_t *out, berr_t *err)
{
	cleanup_free uint32_t *taken = NULL;
	cleanup_stmt sqlite3_stmt *st = NULL;
	bool own_tx = sqlite3_get_autocommit(db) != 0;
	size_t n = 0;
	uint32_t a = 0;
	char s[16];

	if (own_tx && db_begin(db, err) < 0)
		return -1;
	if (taken_addresses(db, network_id, container_id, &taken, &n, err) < 0)
		goto fail;
	if (want) {
		bool busy = want == gateway;
		for (size_t i = 0; !busy && i < n; i++)
			busy = taken[i] == want;
		if (busy) {
			berr_make(err, 0, "Address already in use");
			goto fail;
		}
		if (!ipam_contains(subnet, want)) {
			char w[16];
			ipv4_format(want, w);
			berr_make(err, 0, "no configured subnet contains IP address %s", w);
			goto fail;
		}
		a = want;
	} else if (ipam_pick_address(subnet, gateway, taken, n, &a) < 0) {
		berr_make(err, 0, "no available IPv4 addresses on this network's address pools");
		goto fail;
	}
	ipv4_format(a, s);
	if (db_prepare(db, "UPDATE endpoints SET ip = ? WHERE network_id = ? AND container_id = ?", &st, err) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, container_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
		goto fail;
	}
	if (sqlite3_changes(db) != 1) {
		berr_make(err, 0, "container %s is not connected to network %s", container_id, network_id);
		goto fail;
	}
	if (own_tx && db_commit(db, err) < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	if (own_tx)
		db_rollback(db);
	return -1;
}

int ipam_release(sqlite3 *db, const char *network_id, const char *container_id, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_prepare(db, "UPDATE endpoints SET ip = NULL WHERE network_id = ? AND container_id = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, container_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}
