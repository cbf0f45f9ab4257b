/* endpoint.c: a container on its networks (see endpoint.h). */
#define _GNU_SOURCE
#include "endpoint.h"
#include "cleanup.h"
#include "db.h"
#include "etcfiles.h"
#include "ipam.h"
#include "netlink.h"
#include "network.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void ctr_net_init(struct ctr_net *n)
{
	memset(n, 0, sizeof(*n));
	n->netns_fd = -1;
	n->proxy = -1;
}

/* ---- rows ------------------------------------------------------------------ */

struct ep_row {
	char network_id[65];
	char *net_name, *driver, *bridge;
	bool predefined, internal, has_subnet;
	struct ipv4_net subnet;
	uint32_t gateway;
	int idx;
	json_t *aliases;
	char *want_ip, *ip, *mac, *veth, *endpoint_id;
};

static void rows_free(struct ep_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].net_name);
		free(v[i].driver);
		free(v[i].bridge);
		json_decref(v[i].aliases);
		free(v[i].want_ip);
		free(v[i].ip);
		free(v[i].mac);
		free(v[i].veth);
		free(v[i].endpoint_id);
	}
	free(v);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? xstrdup(s) : NULL;
}

static int load_rows(sqlite3 *db, const char *cid, struct ep_row **out, size_t *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	size_t cap = 4, k = 0;
	struct ep_row *v;

	if (db_prepare(db,
		       "SELECT e.network_id, n.name, n.driver, n.predefined, n.internal, n.subnet, n.gateway, n.bridge, "
		       "e.idx, e.aliases, e.want_ip, e.ip, e.mac, e.veth, e.endpoint_id FROM endpoints e "
		       "JOIN networks n ON n.id = e.network_id WHERE e.container_id = ? ORDER BY e.idx",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	v = xcalloc(cap, sizeof(*v));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k == cap) {
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
			memset(v + k, 0, (cap - k) * sizeof(*v));
		}
		struct ep_row *r = &v[k++];
		const char *s;
		snprintf(r->network_id, sizeof(r->network_id), "%s", (const char *)sqlite3_column_text(st, 0));
		r->net_name = col_dup(st, 1);
		r->driver = col_dup(st, 2);
		r->predefined = sqlite3_column_int(st, 3) != 0;
		r->internal = sqlite3_column_int(st, 4) != 0;
		if ((s = (const char *)sqlite3_column_text(st, 5))) {
			cleanup_berr berr_t e = NULL;
			r->has_subnet = ipam_parse_cidr(s, &r->subnet, &e) == 0;
		}
		if ((s = (const char *)sqlite3_column_text(st, 6)))
			ipv4_parse(s, &r->gateway);
		r->bridge = col_dup(st, 7);
		r->idx = sqlite3_column_int(st, 8);
		s = (const char *)sqlite3_column_text(st, 9);
		r->aliases = s ? json_loads(s, 0, NULL) : NULL;
		if (!r->aliases)
			r->aliases = json_array();
		r->want_ip = col_dup(st, 10);
		r->ip = col_dup(st, 11);
		r->mac = col_dup(st, 12);
		r->veth = col_dup(st, 13);
		r->endpoint_id = col_dup(st, 14);
	}
	*out = v;
	*n = k;
	return 0;
}

static const char *network_mode(const struct container *c)
{
	const char *m = json_string_value(json_object_get(c->host_config, "NetworkMode"));
	return m && *m ? m : "default";
}

static bool is_bridge(const struct ep_row *r)
{
	return strcmp(r->driver, "bridge") == 0;
}

/* ---- create -------------------------------------------------------------------- */

int endpoint_create(struct berth *b, const struct container *c, char *const *aliases, const char *ip,
		    berr_t *err)
{
	const char *mode = network_mode(c);
	const char *netref = strcmp(mode, "default") == 0 ? "bridge" : mode;
	struct network *n = NULL;
	cleanup_stmt sqlite3_stmt *st = NULL;
	json_t *al = json_array();
	cleanup_free char *al_s = NULL;
	sqlite3 *db;
	uint32_t a;
	int rc = -1;

	if (str_has_prefix(mode, "container:")) {
		json_decref(al);
		return berr_make(err, 0, "--network container:NAME is not supported by berth");
	}
	if (network_find(b, netref, &n, err) < 0) {
		json_decref(al);
		return -1;
	}
	if ((aliases && aliases[0]) && (n->predefined)) {
		berr_make(err, 0, "network-scoped alias is supported only for containers in user defined networks");
		goto out;
	}
	if (ip && *ip) {
		if (n->predefined) {
			berr_make(err, 0, "user specified IP address is supported on user defined networks only");
			goto out;
		}
		if (ipv4_parse(ip, &a) < 0) {
			berr_make(err, 0, "invalid IPv4 address: %s", ip);
			goto out;
		}
		if (!ipam_contains(n->subnet, a)) {
			berr_make(err, 0, "no configured subnet contains IP address %s", ip);
			goto out;
		}
	}
	for (size_t i = 0; aliases && aliases[i]; i++)
		json_array_append_new(al, json_string(aliases[i]));
	al_s = json_dumps(al, JSON_COMPACT);
	if (berth_db(b, &db, err) < 0)
		goto out;
	if (db_prepare(db,
		       "INSERT INTO endpoints (network_id, container_id, endpoint_id, idx, aliases, want_ip) "
		       "VALUES (?, ?, '', 0, ?, ?)",
		       &st, err) < 0)
		goto out;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, al_s, -1, SQLITE_STATIC);
	if (ip && *ip)
		sqlite3_bind_text(st, 4, ip, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	json_decref(al);
	network_free(n);
	return rc;
}

/* ---- hosts files ----------------------------------------------------------------- */

static char *container_hostname(sqlite3 *db, const char *cid)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	char *out = NULL;

	if (db_prepare(db, "SELECT config FROM containers WHERE id = ?", &st, &e) < 0)
		return NULL;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *cfg = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		const char *h = json_string_value(json_object_get(cfg, "Hostname"));
		out = h ? xstrdup(h) : NULL;
		json_decref(cfg);
	}
	return out;
}

/* Rewrite one container's hosts file from the database. */
static int hosts_write(struct berth *b, sqlite3 *db, const char *cid, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *hostname = container_hostname(db, cid);
	cleanup_free char *own = NULL;
	cleanup_free char *cdir = container_dir(b, cid);
	cleanup_free char *path = xasprintf("%s/hosts", cdir);
	cleanup_free char *data = NULL;
	struct hosts_peer *peers = NULL;
	char ***alias_v = NULL;
	char **strs = NULL;
	size_t n = 0, cap = 0, ns = 0, scap = 0;
	int rc = -1;

	if (db_prepare(db, "SELECT ip FROM endpoints WHERE container_id = ? AND ip IS NOT NULL ORDER BY idx LIMIT 1", &st,
		       err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		own = col_dup(st, 0);
	db_stmt_release(st);
	st = NULL;
	/* Peers: running containers sharing a user-defined network. */
	if (db_prepare(db,
		       "SELECT e2.ip, c.name, e2.aliases, c.id FROM endpoints e1 "
		       "JOIN networks n ON n.id = e1.network_id AND n.predefined = 0 "
		       "JOIN endpoints e2 ON e2.network_id = e1.network_id AND e2.container_id != e1.container_id "
		       "JOIN containers c ON c.id = e2.container_id "
		       "WHERE e1.container_id = ? AND e2.ip IS NOT NULL ORDER BY e1.idx, c.name",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			peers = xrealloc(peers, cap * sizeof(*peers));
			alias_v = xrealloc(alias_v, cap * sizeof(*alias_v));
		}
		if (ns + 3 >= scap) {
			scap = scap ? scap * 2 : 32;
			strs = xrealloc(strs, scap * sizeof(*strs));
		}
		char *ip = col_dup(st, 0), *name = col_dup(st, 1), *id = col_dup(st, 3);
		strs[ns++] = ip;
		strs[ns++] = name;
		strs[ns++] = id;
		json_t *al = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
		size_t na = json_array_size(al);
		char **av = xcalloc(na + 1, sizeof(char *));
		for (size_t i = 0; i < na; i++)
			av[i] = xstrdup(json_string_value(json_array_get(al, i)) ? json_string_value(json_array_get(al, i))
										  : "");
		json_decref(al);
		alias_v[n] = av;
		peers[n] = (struct hosts_peer){ip, name, av, id};
		n++;
	}
	{
		/* Its own name and aliases on user networks: `ping myname` from
		 * inside works, as docker's embedded DNS answers it. */
		cleanup_strv char **names = xcalloc(1, sizeof(char *));
		size_t nn = 0;
		db_stmt_release(st);
		st = NULL;
		if (db_prepare(db,
			       "SELECT c.name, e.aliases FROM endpoints e JOIN networks n ON n.id = e.network_id "
			       "JOIN containers c ON c.id = e.container_id "
			       "WHERE e.container_id = ? AND n.predefined = 0 AND e.ip IS NOT NULL ORDER BY e.idx",
			       &st, err) < 0)
			goto out;
		sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *al = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
			size_t na = json_array_size(al);
			names = xrealloc(names, (nn + na + 2) * sizeof(char *));
			if (nn == 0)
				names[nn++] = col_dup(st, 0);
			for (size_t i = 0; i < na; i++)
				if (json_string_value(json_array_get(al, i)))
					names[nn++] = xstrdup(json_string_value(json_array_get(al, i)));
			names[nn] = NULL;
			json_decref(al);
		}
		data = etc_hosts_render(own, hostname, names, peers, n);
	}
	rc = etc_write(path, data, err);
out:
	for (size_t i = 0; i < n; i++)
		cleanup_strvp(&alias_v[i]);
	for (size_t i = 0; i < ns; i++)
		free(strs[i]);
	free(strs);
	free(alias_v);
	free(peers);
	return rc;
}

/* Rewrite the hosts files of every running container that shares a
 * user-defined network with cid (cid's own too when `self`). */
static void hosts_refresh(struct berth *b, sqlite3 *db, const char *cid, bool self)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	cleanup_close int lock = -1;
	char **ids = NULL;
	size_t n = 0;

	if (db_prepare(db,
		       "SELECT DISTINCT e2.container_id FROM endpoints e1 "
		       "JOIN networks n ON n.id = e1.network_id AND n.predefined = 0 "
		       "JOIN endpoints e2 ON e2.network_id = e1.network_id AND e2.container_id != e1.container_id "
		       "WHERE e1.container_id = ? AND e2.ip IS NOT NULL",
		       &st, &e) < 0)
		return;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		ids[n++] = col_dup(st, 0);
	}
	db_stmt_release(st);
	st = NULL;
	if (n == 0 && !self)
		return; /* the default bridge, or alone on its networks */
	/* Two CLIs rewriting the same file must not interleave. */
	lock = network_root_lock(b, &e);
	if (self) {
		cleanup_berr berr_t e2 = NULL;
		hosts_write(b, db, cid, &e2);
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_berr berr_t e2 = NULL;
		hosts_write(b, db, ids[i], &e2);
		free(ids[i]);
	}
	free(ids);
}

static int write_static_files(struct berth *b, struct container *c, bool host, berr_t *err)
{
	cleanup_free char *cdir = container_dir(b, c->id);
	cleanup_free char *resolv_p = xasprintf("%s/resolv.conf", cdir);
	cleanup_free char *hostname_p = xasprintf("%s/hostname", cdir);
	cleanup_free char *resolv = host ? etc_host_file("/etc/resolv.conf") : etc_resolv_conf();
	const char *h = json_string_value(json_object_get(c->config, "Hostname"));
	cleanup_free char *hn = xasprintf("%s\n", h ? h : "");

	if (etc_write(resolv_p, resolv, err) < 0 || etc_write(hostname_p, hn, err) < 0)
		return -1;
	if (host) {
		cleanup_free char *hosts_p = xasprintf("%s/hosts", cdir);
		cleanup_free char *hosts = etc_host_file("/etc/hosts");
		return etc_write(hosts_p, hosts, err);
	}
	return 0;
}

/* ---- attaching ---------------------------------------------------------------------- */

static void mac_for(uint32_t ip, uint8_t mac[6], char text[18])
{
	/* docker's: 02:42 and the IPv4 address, unique on the network. */
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
	snprintf(text, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int record_attach(sqlite3 *db, const char *net_id, const char *cid, const char *mac, const char *veth,
			 berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *eid = random_hex(32);

	if (db_prepare(db, "UPDATE endpoints SET mac = ?, veth = ?, endpoint_id = ? WHERE network_id = ? AND container_id = ?",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, veth, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, eid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, net_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

/* One network into the namespace: address, veth pair, eth<N>, route. */
static int attach_one(struct berth *b, sqlite3 *db, const char *cid, struct ep_row *r, int netns_fd,
		      struct nl *host, struct nl *ns, const char *ifname, bool default_route, uint32_t *ip_out,
		      char **veth_out, berr_t *err)
{
	uint32_t want = 0, ip;
	uint8_t mac[6];
	char mac_s[18];
	cleanup_free char *rnd = random_hex(4);
	cleanup_free char *veth = xasprintf("veth%.7s", rnd);
	struct network *n = NULL;
	int hidx, bidx, cidx;

	if (network_find(b, r->network_id, &n, err) < 0)
		return -1;
	if (network_ensure_device(b, n, err) < 0) {
		network_free(n);
		return -1;
	}
	/* The device may have been given a new subnet (the default one). */
	r->subnet = n->subnet;
	r->gateway = n->gateway;
	free(r->bridge);
	r->bridge = n->bridge ? xstrdup(n->bridge) : NULL;
	network_free(n);
	if (r->want_ip)
		ipv4_parse(r->want_ip, &want);
	if (ipam_alloc(db, r->network_id, cid, r->subnet, r->gateway, want, &ip, err) < 0)
		return -1;
	mac_for(ip, mac, mac_s);
	if (nl_veth_add(host, veth, ifname, netns_fd, mac, err) < 0)
		goto release;
	if ((hidx = nl_link_index(host, veth, err)) <= 0 || (bidx = nl_link_index(host, r->bridge, err)) <= 0 ||
	    nl_link_set_master(host, hidx, bidx, err) < 0 || nl_link_up(host, hidx, err) < 0)
		goto del;
	if ((cidx = nl_link_index(ns, ifname, err)) <= 0 ||
	    nl_addr_add(ns, cidx, (struct in_addr){htonl(ip)}, r->subnet.prefix, err) < 0 ||
	    nl_link_up(ns, cidx, err) < 0)
		goto del;
	if (default_route && !r->internal &&
	    nl_route_add_default(ns, (struct in_addr){htonl(r->gateway)}, cidx, err) < 0)
		goto del;
	if (record_attach(db, r->network_id, cid, mac_s, veth, err) < 0)
		goto del;
	*ip_out = ip;
	*veth_out = steal_pointer(&veth);
	return 0;
del: {
	cleanup_berr berr_t e2 = NULL;
	if (!*err)
		berr_make(err, 0, "cannot attach to network %s", r->net_name);
	nl_link_del(host, veth, &e2);
}
release: {
	cleanup_berr berr_t e2 = NULL;
	ipam_release(db, r->network_id, cid, &e2);
}
	return -1;
}

static int lo_up(struct nl *ns, berr_t *err)
{
	int lo = nl_link_index(ns, "lo", err);
	if (lo <= 0)
		return lo < 0 ? -1 : berr_make(err, 0, "the new network namespace has no lo");
	return nl_link_up(ns, lo, err);
}

static char **held_ports(sqlite3 *db, const char *cid)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (db_prepare(db, "SELECT proto || '/' || host_ip || '/' || host_port FROM port_bindings WHERE container_id != ?",
		       &st, &e) < 0)
		return v;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = col_dup(st, 0);
		v[n] = NULL;
	}
	return v;
}

static int record_ports(sqlite3 *db, const char *cid, const struct pf_listener *l, size_t n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_prepare(db,
		       "INSERT OR REPLACE INTO port_bindings (container_id, proto, container_port, host_ip, host_port) "
		       "VALUES (?, ?, ?, ?, ?)",
		       &st, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, l[i].proto, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, l[i].container_port);
		sqlite3_bind_text(st, 4, l[i].host_ip, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, l[i].host_port);
		if (sqlite3_step(st) != SQLITE_DONE)
			return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	}
	return 0;
}

int endpoint_up(struct berth *b, struct container *c, struct ctr_net *net, berr_t *err)
{
	const char *mode = network_mode(c);
	struct ep_row *rows = NULL;
	size_t n = 0, nbridge = 0;
	char **veths = NULL;
	struct nl host = {0}, ns = {0};
	sqlite3 *db;
	int rc = -1;

	ctr_net_init(net);
	if (container_db(b, &db, err) < 0)
		return -1;
	if (strcmp(mode, "host") == 0) {
		if (write_static_files(b, c, true, err) < 0)
			return -1;
		net->host = true;
		net->up = true;
		return 0;
	}
	if (load_rows(db, c->id, &rows, &n, err) < 0)
		return -1;
	if (n == 0) {
		const char *name = strcmp(mode, "default") == 0 ? "bridge" : mode;
		berr_make(err, 0, "network %s not found", name);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		nbridge += is_bridge(&rows[i]);
	veths = xcalloc(n + 1, sizeof(char *));
	if ((net->netns_fd = netns_new(err)) < 0)
		goto out;
	if (nl_open_netns(&ns, net->netns_fd, err) < 0 || lo_up(&ns, err) < 0)
		goto fail;
	if (nbridge > 0 && nl_open(&host, err) < 0)
		goto fail;
	{
		int k = 0;
		for (size_t i = 0; i < n; i++) {
			char ifname[16];
			uint32_t ip;
			if (!is_bridge(&rows[i]))
				continue;
			snprintf(ifname, sizeof(ifname), "eth%d", k);
			if (attach_one(b, db, c->id, &rows[i], net->netns_fd, &host, &ns, ifname, k == 0, &ip, &veths[i],
				       err) < 0)
				goto fail;
			if (k == 0)
				net->backend.s_addr = htonl(ip);
			k++;
		}
	}
	if (nbridge > 0) {
		cleanup_strv char **held = held_ports(db, c->id);
		cleanup_free char *who = xasprintf("%s (%s)", c->name, c->id);
		if (portfwd_bind(c->host_config, c->config, who, held, &net->listeners, &net->n_listeners, err) < 0 ||
		    record_ports(db, c->id, net->listeners, net->n_listeners, err) < 0)
			goto fail;
	}
	if (write_static_files(b, c, false, err) < 0)
		goto fail;
	/* Its own hosts file, then its peers', under the root's lock. */
	hosts_refresh(b, db, c->id, true);
	net->up = true;
	rc = 0;
	goto out;
fail: {
	cleanup_berr berr_t e2 = NULL;
	for (size_t i = 0; i < n; i++) {
		if (veths && veths[i]) {
			nl_link_del(&host, veths[i], &e2);
			ipam_release(db, rows[i].network_id, c->id, &e2);
		}
	}
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (db_prepare(db, "DELETE FROM port_bindings WHERE container_id = ?", &st, &e2) == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	portfwd_close(net->listeners, net->n_listeners);
	net->listeners = NULL;
	net->n_listeners = 0;
	if (net->netns_fd >= 0)
		close(net->netns_fd);
	net->netns_fd = -1;
}
out:
	if (host.sk)
		nl_close(&host);
	if (ns.sk)
		nl_close(&ns);
	if (veths)
		for (size_t i = 0; i < n; i++)
			free(veths[i]);
	free(veths);
	rows_free(rows, n);
	return rc;
}

int endpoint_started(struct berth *b, struct container *c, struct ctr_net *net, pid_t pid, int pidfd,
		     berr_t *err)
{
	(void)b;
	(void)c;
	(void)pid;
	if (net->netns_fd >= 0) {
		/* The container holds its namespace now. */
		close(net->netns_fd);
		net->netns_fd = -1;
	}
	if (net->n_listeners == 0)
		return 0;
	net->proxy = portfwd_proxy_spawn(net->listeners, net->n_listeners, net->backend, pidfd, err);
	portfwd_close(net->listeners, net->n_listeners);
	net->listeners = NULL;
	net->n_listeners = 0;
	return net->proxy < 0 ? -1 : 0;
}

void endpoint_down(struct berth *b, const char *container_id, struct ctr_net *net)
{
	cleanup_berr berr_t e = NULL;
	cleanup_stmt sqlite3_stmt *st = NULL;
	struct ep_row *rows = NULL;
	size_t n = 0;
	sqlite3 *db;

	if (net) {
		if (net->proxy > 0)
			portfwd_proxy_stop(net->proxy);
		net->proxy = -1;
		portfwd_close(net->listeners, net->n_listeners);
		net->listeners = NULL;
		net->n_listeners = 0;
		if (net->netns_fd >= 0)
			close(net->netns_fd);
		net->netns_fd = -1;
		if (net->host) {
			net->up = false;
			return;
		}
	}
	if (container_db(b, &db, &e) < 0 || load_rows(db, container_id, &rows, &n, &e) < 0)
		return;
	/* The veths are not deleted here: they live in the container's
	 * network namespace, which the kernel tears down (veths and all, in
	 * the background) once its last process has exited.  Deleting the host
	 * end by hand would wait for that same teardown: 20-30 ms of RCU grace
	 * periods that `run --rm` would pay. */
	if (db_prepare(db, "UPDATE endpoints SET ip = NULL, veth = NULL WHERE container_id = ?", &st, &e) == 0) {
		sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	db_stmt_release(st);
	st = NULL;
	if (db_prepare(db, "DELETE FROM port_bindings WHERE container_id = ?", &st, &e) == 0) {
		sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	hosts_refresh(b, db, container_id, false);
	rows_free(rows, n);
	if (net)
		net->up = false;
}

void endpoint_names_changed(struct berth *b, const char *container_id)
{
	sqlite3 *db;
	cleanup_berr berr_t e = NULL;
	if (container_db(b, &db, &e) == 0)
		hosts_refresh(b, db, container_id, true);
}

/* ---- connect / disconnect ---------------------------------------------------------------- */

static bool container_live(const struct container *c)
{
	return (c->state == CS_RUNNING || c->state == CS_PAUSED) && proc_alive(c->pid, c->pid_start);
}

int endpoint_connect(struct berth *b, const char *net_ref, const char *ctr_ref, char *const *aliases,
		     const char *ip, berr_t *err)
{
	struct network *n = NULL;
	struct container *c = NULL;
	struct ep_row *rows = NULL;
	size_t nrows = 0;
	sqlite3 *db;
	int rc = -1;

	if (network_find(b, net_ref, &n, err) < 0)
		return -1;
	if (container_find(b, ctr_ref, &c, err) < 0)
		goto out;
	if (container_db(b, &db, err) < 0 || load_rows(db, c->id, &rows, &nrows, err) < 0)
		goto out;
	if (strcmp(n->driver, "host") == 0 || strcmp(network_mode(c), "host") == 0) {
		berr_make(err, 0, "container cannot be disconnected from host network or connected to host network");
		goto out;
	}
	if (strcmp(n->driver, "null") == 0 || strcmp(network_mode(c), "none") == 0) {
		berr_make(err, 0, "container cannot be connected to multiple networks with one of the networks in private (none) mode");
		goto out;
	}
	for (size_t i = 0; i < nrows; i++) {
		if (strcmp(rows[i].network_id, n->id) == 0) {
			berr_make(err, 0, "endpoint with name %s already exists in network %s", c->name, n->name);
			goto out;
		}
	}
	if ((aliases && aliases[0]) && n->predefined) {
		berr_make(err, 0, "network-scoped alias is supported only for containers in user defined networks");
		goto out;
	}
	{
		cleanup_stmt sqlite3_stmt *st = NULL;
		json_t *al = json_array();
		uint32_t a;
		int idx = 0;
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].idx >= idx)
				idx = rows[i].idx + 1;
		if (ip && *ip && (ipv4_parse(ip, &a) < 0 || !ipam_contains(n->subnet, a))) {
			json_decref(al);
			berr_make(err, 0, "no configured subnet contains IP address %s", ip);
			goto out;
		}
		for (size_t i = 0; aliases && aliases[i]; i++)
			json_array_append_new(al, json_string(aliases[i]));
		cleanup_free char *al_s = json_dumps(al, JSON_COMPACT);
		json_decref(al);
		if (db_prepare(db,
			       "INSERT INTO endpoints (network_id, container_id, endpoint_id, idx, aliases, want_ip) "
			       "VALUES (?, ?, '', ?, ?, ?)",
			       &st, err) < 0)
			goto out;
		sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, idx);
		sqlite3_bind_text(st, 4, al_s, -1, SQLITE_STATIC);
		if (ip && *ip)
			sqlite3_bind_text(st, 5, ip, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
			goto out;
		}
	}
	if (container_live(c)) {
		/* Into the running container's namespace, as the next ethN. */
		cleanup_free char *nspath = xasprintf("/proc/%d/ns/net", (int)c->pid);
		cleanup_close int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
		struct ep_row *mine = NULL;
		struct nl host = {0}, ns = {0};
		char ifname[16] = "";
		uint32_t ipa;
		char *veth = NULL;
		int r = -1;

		rows_free(rows, nrows);
		rows = NULL;
		nrows = 0;
		if (load_rows(db, c->id, &rows, &nrows, err) < 0)
			goto undo;
		for (size_t i = 0; i < nrows; i++)
			if (strcmp(rows[i].network_id, n->id) == 0)
				mine = &rows[i];
		if (nsfd < 0) {
			berr_make(err, errno, "cannot open the network namespace of %s", c->name);
			goto undo;
		}
		if (nl_open(&host, err) == 0 && nl_open_netns(&ns, nsfd, err) == 0) {
			for (int k = 0; k < 64; k++) {
				snprintf(ifname, sizeof(ifname), "eth%d", k);
				int x = nl_link_index(&ns, ifname, err);
				if (x == 0)
					break;
				if (x < 0) {
					ifname[0] = '\0';
					break;
				}
			}
			if (ifname[0])
				r = attach_one(b, db, c->id, mine, nsfd, &host, &ns, ifname, false, &ipa, &veth, err);
		}
		if (host.sk)
			nl_close(&host);
		if (ns.sk)
			nl_close(&ns);
		free(veth);
		if (r < 0)
			goto undo;
		hosts_refresh(b, db, c->id, true);
	}
	rc = 0;
	goto out;
undo: {
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e2 = NULL;
	if (db_prepare(db, "DELETE FROM endpoints WHERE network_id = ? AND container_id = ?", &st, &e2) == 0) {
		sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
}
out:
	rows_free(rows, nrows);
	container_free(c);
	network_free(n);
	return rc;
}

int endpoint_disconnect(struct berth *b, const char *net_ref, const char *ctr_ref, bool force, berr_t *err)
{
	struct network *n = NULL;
	struct container *c = NULL;
	struct ep_row *rows = NULL, *mine = NULL;
	size_t nrows = 0;
	sqlite3 *db;
	int rc = -1;

	(void)force;
	if (network_find(b, net_ref, &n, err) < 0)
		return -1;
	if (container_find(b, ctr_ref, &c, err) < 0)
		goto out;
	if (strcmp(n->driver, "host") == 0 || strcmp(network_mode(c), "host") == 0) {
		berr_make(err, 0, "container cannot be disconnected from host network or connected to host network");
		goto out;
	}
	if (container_db(b, &db, err) < 0 || load_rows(db, c->id, &rows, &nrows, err) < 0)
		goto out;
	for (size_t i = 0; i < nrows; i++)
		if (strcmp(rows[i].network_id, n->id) == 0)
			mine = &rows[i];
	if (!mine) {
		berr_make(err, 0, "container %s is not connected to network %s", c->id, n->name);
		goto out;
	}
	if (mine->veth) {
		struct nl host;
		cleanup_berr berr_t e2 = NULL;
		if (nl_open(&host, &e2) == 0) {
			nl_link_del(&host, mine->veth, &e2);
			nl_close(&host);
		}
	}
	{
		cleanup_stmt sqlite3_stmt *st = NULL;
		if (db_prepare(db, "DELETE FROM endpoints WHERE network_id = ? AND container_id = ?", &st, err) < 0)
			goto out;
		sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
			goto out;
		}
	}
	if (mine->ip) {
		/* Peers on that network forget it; its own file forgets them. */
		cleanup_stmt sqlite3_stmt *st = NULL;
		cleanup_berr berr_t e2 = NULL;
		hosts_refresh(b, db, c->id, true);
		if (db_prepare(db, "SELECT container_id FROM endpoints WHERE network_id = ? AND ip IS NOT NULL", &st,
			       &e2) == 0) {
			sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW)
				hosts_write(b, db, (const char *)sqlite3_column_text(st, 0), &e2);
		}
	}
	rc = 0;
out:
	rows_free(rows, nrows);
	container_free(c);
	network_free(n);
	return rc;
}

/* ---- what inspect, ps and port show -------------------------------------------------------- */

struct pb {
	char proto[4];
	int cport;
	char host_ip[64];
	int hport;
};

static int load_bindings(sqlite3 *db, const char *cid, struct pb **out, size_t *n)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	size_t k = 0;
	struct pb *v = NULL;

	*out = NULL;
	*n = 0;
	/* IPv4 before IPv6 for each port, as docker lists them. */
	if (db_prepare(db,
		       "SELECT proto, container_port, host_ip, host_port FROM port_bindings WHERE container_id = ? "
		       "ORDER BY container_port, proto, instr(host_ip, ':'), host_ip, host_port",
		       &st, &e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, (k + 1) * sizeof(*v));
		snprintf(v[k].proto, sizeof(v[k].proto), "%s", (const char *)sqlite3_column_text(st, 0));
		v[k].cport = sqlite3_column_int(st, 1);
		snprintf(v[k].host_ip, sizeof(v[k].host_ip), "%s", (const char *)sqlite3_column_text(st, 2));
		v[k].hport = sqlite3_column_int(st, 3);
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

static bool c_live(const struct container *c)
{
	return c->state == CS_RUNNING || c->state == CS_PAUSED || c->state == CS_RESTARTING;
}

json_t *endpoint_network_settings(struct berth *b, const struct container *c)
{
	cleanup_berr berr_t e = NULL;
	struct ep_row *rows = NULL;
	struct pb *pbs = NULL;
	size_t n = 0, np = 0;
	sqlite3 *db;
	json_t *o = json_object(), *nets = json_object(), *ports = json_object();
	bool live = c_live(c);
	char sandbox[64] = "";

	if (live && c->pid > 0)
		snprintf(sandbox, sizeof(sandbox), "/proc/%d/ns/net", (int)c->pid);
	if (container_db(b, &db, &e) == 0) {
		load_rows(db, c->id, &rows, &n, &e);
		if (live)
			load_bindings(db, c->id, &pbs, &np);
	}
	if (live) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(c->config, "ExposedPorts"), k, v)
			json_object_set_new(ports, k, json_null());
		for (size_t i = 0; i < np; i++) {
			char key[32], hp[16];
			snprintf(key, sizeof(key), "%d/%s", pbs[i].cport, pbs[i].proto);
			snprintf(hp, sizeof(hp), "%d", pbs[i].hport);
			json_t *list = json_object_get(ports, key);
			if (!json_is_array(list)) {
				list = json_array();
				json_object_set_new(ports, key, list);
			}
			json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", pbs[i].host_ip, "HostPort", hp));
		}
	}
	json_object_set_new(o, "Bridge", json_string(""));
	json_object_set_new(o, "SandboxID", json_string(""));
	json_object_set_new(o, "HairpinMode", json_false());
	json_object_set_new(o, "LinkLocalIPv6Address", json_string(""));
	json_object_set_new(o, "LinkLocalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "Ports", ports);
	json_object_set_new(o, "SandboxKey", json_string(sandbox));
	json_object_set_new(o, "SecondaryIPAddresses", json_null());
	json_object_set_new(o, "SecondaryIPv6Addresses", json_null());
	const char *top_eid = "", *top_gw = "", *top_ip = "", *top_mac = "";
	int top_prefix = 0;
	char gws[8][16];
	for (size_t i = 0; i < n; i++) {
		struct ep_row *r = &rows[i];
		bool active = r->ip != NULL;
		char *gw = gws[i < 8 ? i : 7];
		gw[0] = '\0';
		if (active && r->gateway)
			ipv4_format(r->gateway, gw);
		json_t *al = json_deep_copy(r->aliases);
		if (!r->predefined && json_array_size(al) == 0) {
			json_decref(al);
			al = json_array();
		}
		if (!r->predefined)
			json_array_append_new(al, json_sprintf("%.12s", c->id));
		json_t *ep = json_object();
		json_object_set_new(ep, "IPAMConfig",
				    r->want_ip ? json_pack("{s:s}", "IPv4Address", r->want_ip) : json_null());
		json_object_set_new(ep, "Links", json_null());
		json_object_set_new(ep, "Aliases", r->predefined ? (json_decref(al), json_null()) : al);
		json_object_set_new(ep, "NetworkID", json_string(r->network_id));
		json_object_set_new(ep, "EndpointID", json_string(active && r->endpoint_id ? r->endpoint_id : ""));
		json_object_set_new(ep, "Gateway", json_string(gw));
		json_object_set_new(ep, "IPAddress", json_string(active ? r->ip : ""));
		json_object_set_new(ep, "IPPrefixLen", json_integer(active ? r->subnet.prefix : 0));
		json_object_set_new(ep, "IPv6Gateway", json_string(""));
		json_object_set_new(ep, "GlobalIPv6Address", json_string(""));
		json_object_set_new(ep, "GlobalIPv6PrefixLen", json_integer(0));
		json_object_set_new(ep, "MacAddress", json_string(active && r->mac ? r->mac : ""));
		json_object_set_new(ep, "DriverOpts", json_null());
		json_object_set_new(nets, r->net_name, ep);
		/* docker fills the top-level fields for the default bridge only. */
		if (active && r->predefined && strcmp(r->driver, "bridge") == 0) {
			top_eid = r->endpoint_id ? r->endpoint_id : "";
			top_gw = gw;
			top_ip = r->ip;
			top_mac = r->mac ? r->mac : "";
			top_prefix = r->subnet.prefix;
		}
	}
	json_object_set_new(o, "EndpointID", json_string(top_eid));
	json_object_set_new(o, "Gateway", json_string(top_gw));
	json_object_set_new(o, "GlobalIPv6Address", json_string(""));
	json_object_set_new(o, "GlobalIPv6PrefixLen", json_integer(0));
	json_object_set_new(o, "IPAddress", json_string(top_ip));
	json_object_set_new(o, "IPPrefixLen", json_integer(top_prefix));
	json_object_set_new(o, "IPv6Gateway", json_string(""));
	json_object_set_new(o, "MacAddress", json_string(top_mac));
	json_object_set_new(o, "Networks", nets);
	rows_free(rows, n);
	free(pbs);
	return o;
}

static void fmt_binding(char *buf, size_t len, const struct pb *p)
{
	if (strchr(p->host_ip, ':'))
		snprintf(buf, len, "[%s]:%d", p->host_ip, p->hport);
	else
		snprintf(buf, len, "%s:%d", p->host_ip, p->hport);
}

char *endpoint_ports_text(struct berth *b, const struct container *c)
{
	cleanup_berr berr_t e = NULL;
	struct pb *pbs = NULL;
	size_t np = 0, len = 0;
	sqlite3 *db;
	char *out = NULL;
	FILE *m = open_memstream(&out, &len);
	bool first = true;

	if (c_live(c) && container_db(b, &db, &e) == 0)
		load_bindings(db, c->id, &pbs, &np);
	for (size_t i = 0; i < np; i++) {
		char hb[96];
		fmt_binding(hb, sizeof(hb), &pbs[i]);
		fprintf(m, "%s%s->%d/%s", first ? "" : ", ", hb, pbs[i].cport, pbs[i].proto);
		first = false;
	}
	/* Exposed but not published: the bare port, as docker shows it. */
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(c->config, "ExposedPorts"), k, v) {
		bool published = false;
		for (size_t i = 0; i < np && !published; i++) {
			char key[32];
			snprintf(key, sizeof(key), "%d/%s", pbs[i].cport, pbs[i].proto);
			published = strcmp(key, k) == 0;
		}
		if (!published) {
			fprintf(m, "%s%s", first ? "" : ", ", k);
			first = false;
		}
	}
	fclose(m);
	free(pbs);
	return out;
}

char *endpoint_networks_text(struct berth *b, const struct container *c)
{
	cleanup_berr berr_t e = NULL;
	struct ep_row *rows = NULL;
	size_t n = 0, len = 0;
	sqlite3 *db;
	char *out = NULL;
	FILE *m = open_memstream(&out, &len);

	if (container_db(b, &db, &e) == 0 && load_rows(db, c->id, &rows, &n, &e) == 0)
		for (size_t i = 0; i < n; i++)
			fprintf(m, "%s%s", i ? "," : "", rows[i].net_name);
	fclose(m);
	rows_free(rows, n);
	return out;
}

int endpoint_port_lines(struct berth *b, const struct container *c, const char *filter, char ***out, berr_t *err)
{
	struct pb *pbs = NULL;
	size_t np = 0, k = 0;
	sqlite3 *db;
	char **v;
	char want[32] = "";

	if (filter) {
		/* "80" means 80/tcp. */
		snprintf(want, sizeof(want), "%s%s", filter, strchr(filter, '/') ? "" : "/tcp");
	}
	if (container_db(b, &db, err) < 0)
		return -1;
	if (c_live(c))
		load_bindings(db, c->id, &pbs, &np);
	v = xcalloc(np + 1, sizeof(char *));
	for (size_t i = 0; i < np; i++) {
		char key[32], hb[96];
		snprintf(key, sizeof(key), "%d/%s", pbs[i].cport, pbs[i].proto);
		fmt_binding(hb, sizeof(hb), &pbs[i]);
		if (!filter)
			v[k++] = xasprintf("%s -> %s", key, hb);
		else if (strcmp(key, want) == 0)
			v[k++] = xstrdup(hb);
	}
	free(pbs);
	*out = v;
	return 0;
}
