/* network.c: network records, the predefined networks, and the bridge
 * device behind each bridge network (see network.h). */
#define _GNU_SOURCE
#include "network.h"
#include "cleanup.h"
#include "container.h"
#include "db.h"
#include "nat.h"
#include "netlink.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BRIDGE_PREFIX "berth"
#define ALIAS_PREFIX "berth root="

void network_free(struct network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->driver);
	free(n->bridge);
	json_decref(n->ipam_config);
	json_decref(n->labels);
	json_decref(n->options);
	free(n);
}

void network_list_free(struct network **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		network_free(v[i]);
	free(v);
}

/* ---- locks -------------------------------------------------------------- */

static int lock_file(const char *path, berr_t *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_make(err, errno, "cannot open %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return berr_make(err, e, "cannot lock %s", path);
		}
	}
	return fd;
}

int network_host_lock(berr_t *err)
{
	/* /run is per boot, like the devices the lock protects. */
	if (mkdir("/run/berth", 0700) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create /run/berth");
	return lock_file("/run/berth/network.lock", err);
}

int network_root_lock(struct berth *b, berr_t *err)
{
	cleanup_free char *p = berth_path(b, "network.lock");
	if (mkdir_p(b->root, 0700, err) < 0)
		return -1;
	return lock_file(p, err);
}

/* ---- rows ---------------------------------------------------------------- */

#define NET_COLS                                                                                                  \
	"id, name, driver, created, internal, attachable, predefined, subnet, gateway, ipam_config, bridge, labels, " \
	"options"

static json_t *json_col(sqlite3_stmt *st, int i, json_t *dflt)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	json_t *j = s ? json_loads(s, 0, NULL) : NULL;
	if (!j)
		return dflt;
	json_decref(dflt);
	return j;
}

static struct network *row_to_network(sqlite3_stmt *st)
{
	struct network *n = xcalloc(1, sizeof(*n));
	const char *s;

	snprintf(n->id, sizeof(n->id), "%s", (const char *)sqlite3_column_text(st, 0));
	n->name = xstrdup((const char *)sqlite3_column_text(st, 1));
	n->driver = xstrdup((const char *)sqlite3_column_text(st, 2));
	n->created = sqlite3_column_int64(st, 3);
	n->internal = sqlite3_column_int(st, 4) != 0;
	n->attachable = sqlite3_column_int(st, 5) != 0;
	n->predefined = sqlite3_column_int(st, 6) != 0;
	if ((s = (const char *)sqlite3_column_text(st, 7))) {
		cleanup_berr berr_t e = NULL;
		n->has_subnet = ipam_parse_cidr(s, &n->subnet, &e) == 0;
	}
	if ((s = (const char *)sqlite3_column_text(st, 8)))
		ipv4_parse(s, &n->gateway);
	n->ipam_config = json_col(st, 9, json_array());
	if ((s = (const char *)sqlite3_column_text(st, 10)))
		n->bridge = xstrdup(s);
	n->labels = json_col(st, 11, json_object());
	n->options = json_col(st, 12, json_object());
	return n;
}

static int insert_network(sqlite3 *db, const struct network *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *ipam = json_dumps(n->ipam_config, JSON_COMPACT);
	cleanup_free char *labels = json_dumps(n->labels, JSON_COMPACT | JSON_SORT_KEYS);
	cleanup_free char *options = json_dumps(n->options, JSON_COMPACT | JSON_SORT_KEYS);
	char subnet[20], gw[16];

	if (db_prepare(db, "INSERT INTO networks (" NET_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->driver, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, n->created);
	sqlite3_bind_int(st, 5, n->internal);
	sqlite3_bind_int(st, 6, n->attachable);
	sqlite3_bind_int(st, 7, n->predefined);
	if (n->has_subnet) {
		ipam_format_cidr(n->subnet, subnet);
		ipv4_format(n->gateway, gw);
		sqlite3_bind_text(st, 8, subnet, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, gw, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 10, ipam, -1, SQLITE_STATIC);
	if (n->bridge)
		sqlite3_bind_text(st, 11, n->bridge, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, labels, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, options, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
			return berr_make_status(err, 1, 0, "network with name %s already exists", n->name);
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	}
	return 0;
}

/* Subnets this root's networks already use. */
static int root_subnets(sqlite3 *db, const char *except_id, struct ipv4_net **out, size_t *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	size_t cap = 8, k = 0;
	struct ipv4_net *v;

	if (db_prepare(db, "SELECT subnet FROM networks WHERE subnet IS NOT NULL AND id != ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, except_id ? except_id : "", -1, SQLITE_STATIC);
	v = xmalloc(cap * sizeof(*v));
	while (sqlite3_step(st) == SQLITE_ROW) {
		cleanup_berr berr_t e = NULL;
		if (k == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		if (ipam_parse_cidr((const char *)sqlite3_column_text(st, 0), &v[k], &e) == 0)
			k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Host routes plus this root's subnets: what a new subnet must avoid. */
static int used_subnets(sqlite3 *db, const char *except_id, struct ipv4_net **out, size_t *n, berr_t *err)
{
	struct ipv4_net *routes = NULL, *own = NULL;
	size_t nr = 0, no = 0;

	if (root_subnets(db, except_id, &own, &no, err) < 0)
		return -1;
	if (ipam_host_routes(&routes, &nr, err) < 0) {
		free(own);
		return -1;
	}
	routes = xrealloc(routes, (nr + no + 1) * sizeof(*routes));
	memcpy(routes + nr, own, no * sizeof(*own));
	free(own);
	*out = routes;
	*n = nr + no;
	return 0;
}

static char *bridge_alias(const struct berth *b, const struct network *n)
{
	return xasprintf(ALIAS_PREFIX "%s net=%.12s", b->root, n->id);
}

/* A first free berthN on the host (tentative: taken for good when the
 * device is created, under the host lock). */
static char *free_default_bridge_name(struct nl *nl, const struct berth *b, const struct network *n)
{
	cleanup_free char *alias = n ? bridge_alias(b, n) : NULL;

	for (int i = 0; i < 1000; i++) {
		char name[16];
		struct nl_link l;
		cleanup_berr berr_t e = NULL;
		snprintf(name, sizeof(name), DEFAULT_BRIDGE_PREFIX "%d", i);
		int r = nl_link_get(nl, name, &l, &e);
		if (r == 0 || (r == 1 && alias && strcmp(l.alias, alias) == 0))
			return xstrdup(name);
	}
	return NULL;
}

static json_t *default_bridge_options(const char *bridge)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "com.docker.network.bridge.default_bridge", "true",
			 "com.docker.network.bridge.enable_icc", "true", "com.docker.network.bridge.enable_ip_masquerade",
			 "true", "com.docker.network.bridge.host_binding_ipv4", "0.0.0.0",
			 "com.docker.network.bridge.name", bridge ? bridge : "", "com.docker.network.driver.mtu", "1500");
}

int network_ensure_predefined(struct berth *b, berr_t *err)
{
	sqlite3 *db;
	cleanup_stmt sqlite3_stmt *st = NULL;
	static const char *const names[] = {"bridge", "host", "none"};
	static const char *const drivers[] = {"bridge", "host", "null"};
	int have = 0;

	if (berth_db(b, &db, err) < 0)
		return -1;
	if (db_prepare(db, "SELECT count(*) FROM networks WHERE predefined = 1", &st, err) < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		have = sqlite3_column_int(st, 0);
	db_stmt_release(st);
	st = NULL;
	if (have >= 3)
		return 0;
	if (db_begin(db, err) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		cleanup_stmt sqlite3_stmt *q = NULL;
		struct network n = {0};
		cleanup_free char *id = random_hex(32);
		int exists = 0;

		if (db_prepare(db, "SELECT 1 FROM networks WHERE name = ?", &q, err) < 0)
			goto fail;
		sqlite3_bind_text(q, 1, names[i], -1, SQLITE_STATIC);
		exists = sqlite3_step(q) == SQLITE_ROW;
		if (exists)
			continue;
		snprintf(n.id, sizeof(n.id), "%s", id);
		n.name = (char *)names[i];
		n.driver = (char *)drivers[i];
		n.created = now_ns();
		n.predefined = true;
		n.ipam_config = json_array();
		n.labels = json_object();
		if (i == 0) {
			/* The default bridge: a subnet clear of everything routed now
			 * (checked again when its device is created). */
			struct ipv4_net *used = NULL;
			size_t nu = 0;
			struct nl nl;
			if (used_subnets(db, NULL, &used, &nu, err) < 0)
				goto fail_n;
			if (ipam_choose_subnet(used, nu, &n.subnet) < 0) {
				free(used);
				berr_make(err, 0, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
				goto fail_n;
			}
			free(used);
			n.has_subnet = true;
			n.gateway = n.subnet.addr + 1;
			if (nl_open(&nl, err) < 0)
				goto fail_n;
			n.bridge = free_default_bridge_name(&nl, b, &n);
			nl_close(&nl);
			n.options = default_bridge_options(n.bridge);
		} else {
			n.options = json_object();
		}
		if (insert_network(db, &n, err) < 0)
			goto fail_n;
		json_decref(n.ipam_config);
		json_decref(n.labels);
		json_decref(n.options);
		free(n.bridge);
		continue;
	fail_n:
		json_decref(n.ipam_config);
		json_decref(n.labels);
		json_decref(n.options);
		free(n.bridge);
		goto fail;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	return -1;
}

static int find_by(sqlite3 *db, const char *where, const char *arg, struct network ***out, size_t *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *sql = xasprintf("SELECT " NET_COLS " FROM networks %s ORDER BY name", where);
	size_t cap = 8, k = 0;
	struct network **v;

	if (db_prepare(db, sql, &st, err) < 0)
		return -1;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	v = xmalloc(cap * sizeof(*v));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[k++] = row_to_network(st);
	}
	*out = v;
	*n = k;
	return 0;
}

int network_find(struct berth *b, const char *ref, struct network **out, berr_t *err)
{
	sqlite3 *db;
	struct network **v = NULL;
	size_t n = 0;
	bool hex = *ref && strspn(ref, "0123456789abcdef") == strlen(ref);

	if (network_ensure_predefined(b, err) < 0 || berth_db(b, &db, err) < 0)
		return -1;
	if (find_by(db, "WHERE name = ?1", ref, &v, &n, err) < 0)
		return -1;
	if (n == 0 && hex) {
		free(v);
		cleanup_free char *like = xasprintf("%s%%", ref);
		if (find_by(db, "WHERE id LIKE ?1", like, &v, &n, err) < 0)
			return -1;
	}
	if (n == 1) {
		*out = v[0];
		free(v);
		return 0;
	}
	network_list_free(v, n);
	if (n > 1)
		return berr_make_status(err, 1, 0, "network %s is ambiguous (%zu matches found based on ID prefix)", ref, n);
	return berr_make_status(err, 1, 0, "network %s not found", ref);
}

int network_list(struct berth *b, struct network ***out, size_t *n, berr_t *err)
{
	sqlite3 *db;
	if (network_ensure_predefined(b, err) < 0 || berth_db(b, &db, err) < 0)
		return -1;
	return find_by(db, "", NULL, out, n, err);
}

/* ---- devices ------------------------------------------------------------- */

static int set_bridge_name(sqlite3 *db, struct network *n, const char *name, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (n->predefined)
		json_object_set_new(n->options, "com.docker.network.bridge.name", json_string(name));
	cleanup_free char *options = json_dumps(n->options, JSON_COMPACT | JSON_SORT_KEYS);
	if (db_prepare(db, "UPDATE networks SET bridge = ?, options = ? WHERE id = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, options, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	free(n->bridge);
	n->bridge = xstrdup(name);
	return 0;
}

static int set_subnet(sqlite3 *db, struct network *n, struct ipv4_net s, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	char cidr[20], gw[16];

	ipam_format_cidr(s, cidr);
	ipv4_format(s.addr + 1, gw);
	if (db_prepare(db, "UPDATE networks SET subnet = ?, gateway = ? WHERE id = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cidr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, gw, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	n->subnet = s;
	n->gateway = s.addr + 1;
	n->has_subnet = true;
	return 0;
}

/* Create the device for n (host lock held). */
static int create_device(struct berth *b, struct nl *nl, struct network *n, berr_t *err)
{
	cleanup_free char *alias = bridge_alias(b, n);
	struct in_addr gw = {.s_addr = htonl(n->gateway)};
	int idx;

	if (nl_bridge_add(nl, n->bridge, alias, err) < 0)
		return -1;
	if ((idx = nl_link_index(nl, n->bridge, err)) <= 0 || nl_addr_add(nl, idx, gw, n->subnet.prefix, err) < 0 ||
	    nl_link_up(nl, idx, err) < 0 || nat_setup(n->bridge, n->subnet, n->internal, err) < 0) {
		cleanup_berr berr_t e2 = NULL;
		if (idx == 0 && !*err)
			berr_make(err, 0, "bridge %s vanished", n->bridge);
		nl_link_del(nl, n->bridge, &e2);
		return -1;
	}
	return 0;
}

int network_ensure_device(struct berth *b, struct network *n, berr_t *err)
{
	cleanup_free char *alias = NULL;
	cleanup_close int lock = -1;
	struct nl nl;
	struct nl_link l;
	sqlite3 *db;
	int r, rc = -1;

	if (strcmp(n->driver, "bridge") != 0)
		return 0;
	if (!n->has_subnet)
		return berr_make(err, 0, "network %s has no subnet", n->name);
	alias = bridge_alias(b, n);
	if (nl_open(&nl, err) < 0)
		return -1;
	/* The common case, without the lock: our device is there. */
	if (n->bridge && (r = nl_link_get(&nl, n->bridge, &l, err)) != 0) {
		if (r < 0)
			goto out;
		if (strcmp(l.alias, alias) == 0 && l.up) {
			rc = 0;
			goto out;
		}
	}
	if ((lock = network_host_lock(err)) < 0 || berth_db(b, &db, err) < 0)
		goto out;
	network_gc_orphans();
	r = n->bridge ? nl_link_get(&nl, n->bridge, &l, err) : 0;
	if (r < 0)
		goto out;
	if (r == 1 && strcmp(l.alias, alias) == 0) {
		/* Ours but down (someone ran `ip link set down`): bring it back. */
		rc = nl_link_up(&nl, l.index, err);
		goto out;
	}
	if (r == 1 || !n->bridge) {
		/* The name is someone else's now.  The default network picks
		 * another; a user network's name is its own, so say so. */
		if (!n->predefined) {
			berr_make(err, 0, "bridge device %s exists and does not belong to network %s", n->bridge, n->name);
			goto out;
		}
		cleanup_free char *name = free_default_bridge_name(&nl, b, n);
		if (!name) {
			berr_make(err, 0, "no free name for the default bridge");
			goto out;
		}
		if (set_bridge_name(db, n, name, err) < 0)
			goto out;
		/* The name we read may have been stale: another CLI of this
		 * root, before us under the lock, renamed and made it. */
		r = nl_link_get(&nl, n->bridge, &l, err);
		if (r < 0)
			goto out;
		if (r == 1) {
			rc = nl_link_up(&nl, l.index, err);
			goto out;
		}
	}
	if (n->predefined) {
		/* The default network's subnet was chosen when its record was;
		 * something may have taken it since (docker, a VPN). */
		struct ipv4_net *used = NULL;
		size_t nu = 0;
		bool clash = false;
		if (used_subnets(db, n->id, &used, &nu, err) < 0)
			goto out;
		for (size_t i = 0; i < nu && !clash; i++)
			clash = ipam_overlaps(used[i], n->subnet);
		if (clash) {
			struct ipv4_net s;
			int ok = ipam_choose_subnet(used, nu, &s);
			free(used);
			if (ok < 0) {
				berr_make(err, 0, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
				goto out;
			}
			if (set_subnet(db, n, s, err) < 0)
				goto out;
		} else {
			free(used);
		}
	}
	rc = create_device(b, &nl, n, err);
out:
	nl_close(&nl);
	return rc;
}

static int remove_device(struct network *n, berr_t *err)
{
	struct nl nl;
	int rc;

	if (!n->bridge)
		return 0;
	if (nl_open(&nl, err) < 0)
		return -1;
	rc = nl_link_del(&nl, n->bridge, err);
	nl_close(&nl);
	if (rc < 0)
		return -1;
	return nat_teardown(n->bridge, err);
}

void network_gc_orphans(void)
{
	struct nl nl;
	struct nl_link *l = NULL;
	size_t n = 0;
	cleanup_berr berr_t e = NULL;

	if (nl_open(&nl, &e) < 0)
		return;
	if (nl_link_list(&nl, &l, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(l[i].kind, "bridge") != 0 || !str_has_prefix(l[i].alias, ALIAS_PREFIX))
				continue;
			/* A bridge with a port has a running container: whatever
			 * this mount namespace can see of its root, it is in use. */
			bool ports = false;
			for (size_t j = 0; j < n && !ports; j++)
				ports = l[j].master == l[i].index;
			if (ports)
				continue;
			const char *root = l[i].alias + strlen(ALIAS_PREFIX);
			const char *end = strstr(root, " net=");
			if (!end)
				continue;
			cleanup_free char *db = xasprintf("%.*s/berth.db", (int)(end - root), root);
			if (access(db, F_OK) == 0 || errno != ENOENT)
				continue;
			cleanup_berr berr_t e2 = NULL;
			nl_link_del(&nl, l[i].name, &e2);
			nat_teardown(l[i].name, &e2);
		}
	}
	free(l);
	nl_close(&nl);
}

/* ---- create / remove / prune -------------------------------------------- */

static int parse_kv_list(char **items, json_t *obj, bool need_eq, const char *what, berr_t *err)
{
	for (size_t i = 0; items && items[i]; i++) {
		const char *eq = strchr(items[i], '=');
		if (!eq && need_eq)
			return berr_make_status(err, 1, 0, "invalid %s: %s", what, items[i]);
		cleanup_free char *k = eq ? xstrndup(items[i], (size_t)(eq - items[i])) : xstrdup(items[i]);
		json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
	}
	return 0;
}

int network_create(struct berth *b, const struct network_create_opts *o, char **id_out, berr_t *err)
{
	struct network n = {0};
	cleanup_free char *id = random_hex(32);
	cleanup_free struct ipv4_net *used = NULL;
	cleanup_close int lock = -1;
	size_t nu = 0;
	sqlite3 *db;
	const char *driver = o->driver && *o->driver ? o->driver : "bridge";
	int rc = -1;

	if (!o->name || !*o->name)
		return berr_make_status(err, 1, 0, "network name must not be empty");
	if (strcmp(driver, "host") == 0 || strcmp(driver, "null") == 0)
		return berr_make_status(err, 1, 0, "only one instance of \"%s\" network is allowed", driver);
	if (strcmp(driver, "bridge") != 0)
		return berr_make_status(err, 1, 0, "plugin \"%s\" not found", driver);
	if (o->gateway && !o->subnet)
		return berr_make_status(err, 1, 0, "every ip-range or gateway must have a corresponding subnet");
	if (network_ensure_predefined(b, err) < 0 || berth_db(b, &db, err) < 0)
		return -1;

	snprintf(n.id, sizeof(n.id), "%s", id);
	n.name = (char *)o->name;
	n.driver = (char *)driver;
	n.created = now_ns();
	n.internal = o->internal;
	n.attachable = o->attachable;
	n.ipam_config = json_array();
	n.labels = json_object();
	n.options = json_object();
	if (parse_kv_list(o->labels, n.labels, false, "label", err) < 0 ||
	    parse_kv_list(o->options, n.options, true, "option", err) < 0)
		goto out;
	{
		const char *bn = json_string_value(json_object_get(n.options, "com.docker.network.bridge.name"));
		if (bn && (strlen(bn) == 0 || strlen(bn) > 15 || strchr(bn, '/') || strchr(bn, ' '))) {
			berr_make_status(err, 1, 0, "invalid bridge name: %s", bn);
			goto out;
		}
		n.bridge = bn ? xstrdup(bn) : xasprintf("br-%.12s", id);
	}
	if (o->subnet) {
		json_t *cfg = json_object();
		if (ipam_parse_cidr(o->subnet, &n.subnet, err) < 0) {
			json_decref(cfg);
			berr_make_status(err, 1, 0, "Invalid subnet %s : invalid CIDR address: %s", o->subnet, o->subnet);
			goto out;
		}
		if (n.subnet.prefix > 30) {
			json_decref(cfg);
			berr_make_status(err, 1, 0, "Invalid subnet %s : the subnet is too small for a gateway and a container",
					 o->subnet);
			goto out;
		}
		json_object_set_new(cfg, "Subnet", json_string(o->subnet));
		if (o->gateway) {
			if (ipv4_parse(o->gateway, &n.gateway) < 0) {
				json_decref(cfg);
				berr_make_status(err, 1, 0, "invalid gateway address %s", o->gateway);
				goto out;
			}
			uint32_t m = ipv4_mask(n.subnet.prefix);
			if (!ipam_contains(n.subnet, n.gateway) || (n.gateway & ~m) == 0 || (n.gateway & ~m) == ~m) {
				json_decref(cfg);
				berr_make_status(err, 1, 0, "no matching subnet for gateway %s", o->gateway);
				goto out;
			}
			json_object_set_new(cfg, "Gateway", json_string(o->gateway));
		} else {
			n.gateway = (n.subnet.addr & ipv4_mask(n.subnet.prefix)) + 1;
		}
		json_array_append_new(n.ipam_config, cfg);
		n.has_subnet = true;
	}
	/* From here on the host's state matters: hold the lock until the
	 * device exists, so nobody picks the same subnet meanwhile. */
	if ((lock = network_host_lock(err)) < 0)
		goto out;
	if (used_subnets(db, NULL, &used, &nu, err) < 0)
		goto out;
	if (n.has_subnet) {
		for (size_t i = 0; i < nu; i++) {
			if (ipam_overlaps(used[i], n.subnet)) {
				berr_make_status(err, 1, 0, "Pool overlaps with other one on this address space");
				goto out;
			}
		}
	} else {
		if (ipam_choose_subnet(used, nu, &n.subnet) < 0) {
			berr_make_status(err, 1, 0, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
			goto out;
		}
		n.has_subnet = true;
		n.gateway = n.subnet.addr + 1;
	}
	if (insert_network(db, &n, err) < 0)
		goto out;
	{
		struct nl nl;
		struct nl_link l;
		int r;
		if (nl_open(&nl, err) < 0)
			goto undo;
		r = nl_link_get(&nl, n.bridge, &l, err);
		if (r == 1)
			berr_make_status(err, 1, 0, "bridge device %s already exists", n.bridge);
		if (r != 0 || create_device(b, &nl, &n, err) < 0) {
			nl_close(&nl);
			goto undo;
		}
		nl_close(&nl);
	}
	if (id_out)
		*id_out = xstrdup(n.id);
	rc = 0;
	goto out;
undo: {
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e2 = NULL;
	if (db_prepare(db, "DELETE FROM networks WHERE id = ?", &st, &e2) == 0) {
		sqlite3_bind_text(st, 1, n.id, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
}
out:
	json_decref(n.ipam_config);
	json_decref(n.labels);
	json_decref(n.options);
	free(n.bridge);
	return rc;
}

static int count_endpoints(sqlite3 *db, const char *net_id, bool running_only, char **first_container)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	int n = 0;

	if (db_prepare(db,
		       running_only ? "SELECT container_id FROM endpoints WHERE network_id = ? AND ip IS NOT NULL"
				    : "SELECT container_id FROM endpoints WHERE network_id = ?",
		       &st, &e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, net_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == 0 && first_container)
			*first_container = xstrdup((const char *)sqlite3_column_text(st, 0));
		n++;
	}
	return n;
}

bool network_in_use(struct berth *b, const char *id)
{
	sqlite3 *db;
	cleanup_berr berr_t e = NULL;
	if (berth_db(b, &db, &e) < 0)
		return true;
	return count_endpoints(db, id, false, NULL) != 0;
}

static int delete_network(struct berth *b, sqlite3 *db, struct network *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_close int lock = network_host_lock(err);

	if (lock < 0)
		return -1;
	if (remove_device(n, err) < 0)
		return -1;
	if (db_prepare(db, "DELETE FROM networks WHERE id = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	(void)b;
	return 0;
}

int network_remove(struct berth *b, const char *ref, berr_t *err)
{
	struct network *n = NULL;
	sqlite3 *db;
	int rc = -1;

	if (network_find(b, ref, &n, err) < 0)
		return -1;
	if (berth_db(b, &db, err) < 0)
		goto out;
	if (n->predefined) {
		berr_make_status(err, 1, 0, "%s is a pre-defined network and cannot be removed", n->name);
		goto out;
	}
	if (count_endpoints(db, n->id, true, NULL) > 0) {
		berr_make_status(err, 1, 0, "error while removing network: network %s id %s has active endpoints", n->name,
				 n->id);
		goto out;
	}
	rc = delete_network(b, db, n, err);
out:
	network_free(n);
	return rc;
}

int network_prune(struct berth *b, char ***removed, berr_t *err)
{
	struct network **v = NULL;
	size_t n = 0, k = 0;
	sqlite3 *db;
	char **out;

	if (network_list(b, &v, &n, err) < 0 || berth_db(b, &db, err) < 0)
		return -1;
	{
		/* Bridges left behind by state roots that are gone (a deleted
		 * test root, say) are unused networks too. */
		cleanup_berr berr_t e = NULL;
		cleanup_close int lock = network_host_lock(&e);
		if (lock >= 0)
			network_gc_orphans();
	}
	out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		cleanup_berr berr_t e = NULL;
		if (v[i]->predefined || count_endpoints(db, v[i]->id, false, NULL) != 0)
			continue;
		if (delete_network(b, db, v[i], &e) == 0)
			out[k++] = xstrdup(v[i]->name);
	}
	network_list_free(v, n);
	*removed = out;
	return 0;
}

/* ---- inspect --------------------------------------------------------------- */

json_t *network_inspect_json(struct berth *b, const struct network *n)
{
	char created[64];
	json_t *o = json_object(), *ipam = json_object(), *config = json_array(), *containers = json_object();
	sqlite3 *db;
	cleanup_berr berr_t e = NULL;

	format_rfc3339nano(n->created, created, sizeof(created));
	json_object_set_new(o, "Name", json_string(n->name));
	json_object_set_new(o, "Id", json_string(n->id));
	json_object_set_new(o, "Created", json_string(created));
	json_object_set_new(o, "Scope", json_string("local"));
	json_object_set_new(o, "Driver", json_string(n->driver));
	json_object_set_new(o, "EnableIPv6", json_false());
	json_object_set_new(ipam, "Driver", json_string("default"));
	/* docker: null for the predefined networks, {} for created ones */
	json_object_set_new(ipam, "Options", n->predefined ? json_null() : json_object());
	if (json_array_size(n->ipam_config) > 0) {
		json_decref(config);
		config = json_deep_copy(n->ipam_config);
	} else if (n->has_subnet) {
		char cidr[20], gw[16];
		ipam_format_cidr(n->subnet, cidr);
		ipv4_format(n->gateway, gw);
		json_array_append_new(config, json_pack("{s:s, s:s}", "Subnet", cidr, "Gateway", gw));
	}
	json_object_set_new(ipam, "Config", config);
	json_object_set_new(o, "IPAM", ipam);
	json_object_set_new(o, "Internal", json_boolean(n->internal));
	json_object_set_new(o, "Attachable", json_boolean(n->attachable));
	json_object_set_new(o, "Ingress", json_false());
	json_object_set_new(o, "ConfigFrom", json_pack("{s:s}", "Network", ""));
	json_object_set_new(o, "ConfigOnly", json_false());
	if (berth_db(b, &db, &e) == 0) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		if (db_prepare(db,
			       "SELECT e.container_id, c.name, e.endpoint_id, e.mac, e.ip FROM endpoints e "
			       "JOIN containers c ON c.id = e.container_id WHERE e.network_id = ? AND e.ip IS NOT NULL "
			       "ORDER BY c.name",
			       &st, &e) == 0) {
			sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *mac = (const char *)sqlite3_column_text(st, 3);
				cleanup_free char *ip = xasprintf("%s/%d", (const char *)sqlite3_column_text(st, 4),
								  n->subnet.prefix);
				json_object_set_new(containers, (const char *)sqlite3_column_text(st, 0),
						    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name",
							      (const char *)sqlite3_column_text(st, 1), "EndpointID",
							      (const char *)sqlite3_column_text(st, 2), "MacAddress",
							      mac ? mac : "", "IPv4Address", ip, "IPv6Address", ""));
			}
		}
	}
	json_object_set_new(o, "Containers", containers);
	json_object_set_new(o, "Options", json_deep_copy(n->options));
	json_object_set_new(o, "Labels", json_deep_copy(n->labels));
	return o;
}
