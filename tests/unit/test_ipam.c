/* test_ipam.c: subnets (parse, overlap, the pool that avoids what is routed
 * and docker's 172.17.0.0/16), addresses (lowest free, never the gateway,
 * network or broadcast), allocation in berth.db (concurrent CLIs never
 * share an address), and the hosts file name resolution rests on. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/cleanup.h"
#include "../../engine/core/db.h"
#include "../../engine/core/etcfiles.h"
#include "../../engine/core/ipam.h"
#include "../../engine/core/util.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct ipv4_net net(const char *s)
{
	struct ipv4_net n = {0};
	cleanup_berr berr_t err = NULL;
	ipam_parse_cidr(s, &n, &err);
	return n;
}

static void cidr_bad(const char *s)
{
	struct ipv4_net n;
	cleanup_berr berr_t err = NULL;
	ok(ipam_parse_cidr(s, &n, &err) < 0, "'%s' is not a CIDR", s);
	if (err) {
		cleanup_free char *want = xasprintf("invalid CIDR address: %s", s);
		is_str(err->msg, want, "'%s': docker's message", s);
	}
}

static char *fmt(struct ipv4_net n)
{
	char buf[20];
	ipam_format_cidr(n, buf);
	return xstrdup(buf);
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	cleanup_berr berr_t err = NULL;
	return db_exec(db, sql, &err);
}

#define NET_ID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char *cid(int i)
{
	return xasprintf("%064d", i);
}

int main(void)
{
	cleanup_free char *tmp = xstrdup("/tmp/berth-ipam.XXXXXX");
	ok(mkdtemp(tmp) != NULL, "a scratch directory");

	/* Parsing and formatting. */
	{
		struct ipv4_net n = net("10.1.2.3/16");
		cleanup_free char *s = fmt(n);
		is_str(s, "10.1.0.0/16", "host bits are cleared when printed");
		is_int(n.prefix, 16, "prefix");
	}
	cidr_bad("10.0.0.0/33");
	cidr_bad("10.0.0.0");
	cidr_bad("10.0.0/8");
	cidr_bad("10.0.0.0/");
	cidr_bad("/8");
	cidr_bad("10.0.0.0/08");
	cidr_bad("300.0.0.0/8");
	cidr_bad("10.0.0.0/8x");
	{
		uint32_t a;
		char b[16];
		ok(ipv4_parse("192.168.1.254", &a) == 0 && a == 0xc0a801feu, "dotted quads parse");
		ok(ipv4_parse("0x0a.1.2.3", &a) < 0 && ipv4_parse("10.1", &a) < 0, "only dotted quads");
		ipv4_format(0xac120002u, b);
		is_str(b, "172.18.0.2", "addresses format");
	}

	/* Overlaps. */
	ok(ipam_overlaps(net("10.0.0.0/8"), net("10.9.0.0/16")), "a /16 inside a /8 overlaps");
	ok(ipam_overlaps(net("10.9.0.0/16"), net("10.0.0.0/8")), "either way round");
	ok(!ipam_overlaps(net("10.1.0.0/16"), net("10.2.0.0/16")), "neighbours do not");
	ok(ipam_overlaps(net("172.18.0.0/24"), net("172.18.0.0/24")), "equal ones do");
	ok(ipam_contains(net("172.18.0.0/24"), 0xac1200ffu), "the broadcast address is in the subnet");
	ok(!ipam_contains(net("172.18.0.0/24"), 0xac120100u), "the next subnet's first is not");

	/* Choosing a subnet. */
	{
		struct ipv4_net out;
		cleanup_free char *s = NULL;
		ok(ipam_choose_subnet(NULL, 0, &out) == 0, "a subnet on an empty host");
		s = fmt(out);
		is_str(s, "172.18.0.0/24", "the pool's first /24");
		ok(!ipam_overlaps(out, net("172.17.0.0/16")), "never docker's default bridge");

		struct ipv4_net used[] = {net("172.18.0.0/16"), net("172.19.0.0/24"), net("172.19.1.0/24")};
		ok(ipam_choose_subnet(used, 3, &out) == 0, "a subnet around routed ones");
		free(s);
		s = fmt(out);
		is_str(s, "172.19.2.0/24", "the first /24 clear of all of them");

		struct ipv4_net all[] = {net("172.16.0.0/12")};
		ok(ipam_choose_subnet(all, 1, &out) == 0, "a host routing all of 172.16/12");
		free(s);
		s = fmt(out);
		is_str(s, "192.168.0.0/24", "moves on to 192.168");

		struct ipv4_net full[] = {net("172.16.0.0/12"), net("192.168.0.0/16")};
		ok(ipam_choose_subnet(full, 2, &out) < 0, "an exhausted pool says so");

		/* A default route overlaps everything; the host routes list
		 * leaves it out. */
		struct ipv4_net *r = NULL;
		size_t nr = 0;
		cleanup_berr berr_t err = NULL;
		ok(ipam_host_routes(&r, &nr, &err) == 0, "the host's routes read through netlink");
		bool dflt = false;
		for (size_t i = 0; i < nr; i++)
			dflt |= r[i].prefix == 0;
		ok(!dflt, "without the default route");
		ok(ipam_choose_subnet(r, nr, &out) == 0, "a subnet clear of this host's routes");
		bool clash = false;
		for (size_t i = 0; i < nr; i++)
			clash |= ipam_overlaps(r[i], out);
		ok(!clash, "that overlaps none of them");
		free(r);
	}

	/* Picking addresses. */
	{
		uint32_t a;
		struct ipv4_net s = net("10.5.0.0/24");
		uint32_t taken[] = {0x0a050002u, 0x0a050004u};
		ok(ipam_pick_address(s, 0x0a050001u, NULL, 0, &a) == 0 && a == 0x0a050002u, "the first after the gateway");
		ok(ipam_pick_address(s, 0x0a050001u, taken, 2, &a) == 0 && a == 0x0a050003u, "the lowest free one");
		ok(ipam_pick_address(s, 0x0a0500feu, NULL, 0, &a) == 0 && a == 0x0a050001u, "a gateway elsewhere frees .1");
		struct ipv4_net tiny = net("10.6.0.0/30");
		uint32_t t2[] = {0x0a060002u};
		ok(ipam_pick_address(tiny, 0x0a060001u, t2, 1, &a) < 0, "a full /30 has no room (.0 and .3 are never given)");
		ok(ipam_pick_address(net("10.7.0.0/31"), 0, NULL, 0, &a) < 0, "a /31 has no room");
	}

	/* Allocation in berth.db: twenty processes, twenty addresses. */
	{
		cleanup_free char *path = xasprintf("%s/berth.db", tmp);
		cleanup_berr berr_t err = NULL;
		sqlite3 *db;
		ok(db_open(path, &db, &err) == 0, "berth.db with its migrations");
		exec_sql(db, "INSERT INTO networks (id, name, driver, created, subnet, gateway) VALUES ('" NET_ID
			     "', 'n', 'bridge', 0, '10.9.0.0/24', '10.9.0.1')");
		for (int i = 0; i < 21; i++) {
			cleanup_free char *id = cid(i);
			cleanup_free char *sql = xasprintf(
				"INSERT INTO containers (id, name, image_id, image_ref, created, config, host_config) VALUES "
				"('%s', 'c%d', 'x', 'x', 0, '{}', '{}');"
				"INSERT INTO endpoints (network_id, container_id, endpoint_id, idx) VALUES ('" NET_ID "', '%s', '', 0);",
				id, i, id);
			if (exec_sql(db, sql) < 0)
				break;
		}
		db_close(db);
		for (int i = 0; i < 20; i++) {
			if (fork() == 0) {
				sqlite3 *d2;
				cleanup_berr berr_t e2 = NULL;
				cleanup_free char *id = cid(i);
				uint32_t a;
				if (db_open(path, &d2, &e2) < 0 ||
				    ipam_alloc(d2, NET_ID, id, net("10.9.0.0/24"), 0x0a090001u, 0, &a, &e2) < 0)
					_exit(1);
				_exit(0);
			}
		}
		int failed = 0, st;
		while (wait(&st) > 0)
			failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		is_int(failed, 0, "twenty concurrent allocations succeed");
		ok(db_open(path, &db, &err) == 0, "reopened");
		{
			cleanup_stmt sqlite3_stmt *q = NULL;
			sqlite3_prepare_v2(db, "SELECT count(DISTINCT ip), min(ip), count(*) FROM endpoints WHERE ip IS NOT NULL", -1,
					   &q, NULL);
			sqlite3_step(q);
			is_int(sqlite3_column_int(q, 0), 20, "twenty distinct addresses");
			is_int(sqlite3_column_int(q, 2), 20, "for twenty endpoints");
		}
		uint32_t a;
		cleanup_free char *id20 = cid(20);
		cleanup_free char *id3 = cid(3);
		ok(ipam_alloc(db, NET_ID, id20, net("10.9.0.0/24"), 0x0a090001u, 0x0a090002u, &a, &err) < 0,
		   "a wanted address that is taken is refused");
		if (err)
			is_str(err->msg, "Address already in use", "docker's message");
		berr_free(&err);
		ok(ipam_alloc(db, NET_ID, id20, net("10.9.0.0/24"), 0x0a090001u, 0x0a090064u, &a, &err) == 0 && a == 0x0a090064u,
		   "a wanted free address is given");
		ok(ipam_release(db, NET_ID, id3, &err) == 0, "an address is released when its container stops");
		ok(ipam_alloc(db, NET_ID, id3, net("10.9.0.0/24"), 0x0a090001u, 0, &a, &err) == 0, "and given again");
		db_close(db);
	}

	/* The hosts file. */
	{
		char *al[] = {"web", "api", NULL};
		struct hosts_peer p[] = {
			{"172.18.1.3", "db", NULL, "1234567890abcdef"},
			{"172.18.1.4", "front", al, "abcdef1234567890"},
		};
		cleanup_free char *h = etc_hosts_render("172.18.1.2", "c1", p, 2);
		ok(str_has_prefix(h, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"), "localhost first");
		ok(strstr(h, "\n172.18.1.2\tc1\n") != NULL, "its own name");
		ok(strstr(h, "\n172.18.1.3\tdb 1234567890ab\n") != NULL, "a peer by name and short id");
		ok(strstr(h, "\n172.18.1.4\tfront web api abcdef123456\n") != NULL, "and by its aliases");
		cleanup_free char *none = etc_hosts_render(NULL, "c1", NULL, 0);
		ok(strstr(none, "c1") == NULL, "no address, no line of its own (--network none)");
	}
	{
		cleanup_free char *r = etc_resolv_conf();
		ok(strstr(r, "nameserver 127.") == NULL, "no loopback nameserver reaches a container");
		ok(strstr(r, "nameserver ") != NULL, "but some nameserver does");
	}
	{
		cleanup_berr berr_t err = NULL;
		remove_tree(tmp, &err);
	}
	return done_testing();
}
