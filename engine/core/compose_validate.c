/* compose_validate.c: is a compose file what the compose specification
 * allows?  Two stages, as compose-go:
 *
 *  - per file, before merging: unknown keys, wrong types, durations, sizes,
 *    port specs.  A table per object below is the schema; every message is
 *    "file:line:col: key.path: what is wrong", exit 1.
 *  - on the merged project: references (volumes, networks, configs, secrets,
 *    depends_on) that name nothing, depends_on cycles, a service with neither
 *    image nor build.
 *
 * Extension keys (x-*) are allowed everywhere a mapping has keys, as the spec
 * says; `version` is accepted and ignored (obsolete).
 */
#define _GNU_SOURCE
#include "compose.h"
#include "cleanup.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum vt {
	V_ANY,
	V_STR,     /* a scalar */
	V_BOOL,
	V_INT,
	V_NUM,
	V_STRLIST, /* a string or a list of strings */
	V_LIST,    /* a list of scalars */
	V_MAPLIST, /* a map of scalars, or a list of "K=V" */
	V_MAP,     /* any map */
	V_DUR,
	V_SIZE,
	V_PORTS,
	V_VOLUMES,
	V_OBJ,     /* a map with its own schema */
	V_STROBJ,  /* a string, or a map with its own schema (build, extends) */
	V_NULLOBJ, /* null, or a map with its own schema (top-level entries) */
	V_ULIMITS,
	V_DEPENDS,
	V_NETS,
	V_MOUNTREFS, /* secrets/configs in a service */
	V_ENTRIES,   /* a map whose values follow `sub` (services:, volumes:) */
};

struct key {
	const char *name;
	enum vt type;
	const struct key *sub;
};

static const struct key healthcheck_keys[] = {
	{"test", V_STRLIST, NULL}, {"interval", V_DUR, NULL}, {"timeout", V_DUR, NULL},
	{"retries", V_INT, NULL}, {"start_period", V_DUR, NULL}, {"start_interval", V_DUR, NULL},
	{"disable", V_BOOL, NULL}, {NULL, 0, NULL},
};
static const struct key build_keys[] = {
	{"context", V_STR, NULL}, {"dockerfile", V_STR, NULL}, {"dockerfile_inline", V_STR, NULL},
	{"args", V_MAPLIST, NULL}, {"target", V_STR, NULL}, {"labels", V_MAPLIST, NULL},
	{"network", V_STR, NULL}, {"cache_from", V_LIST, NULL}, {"cache_to", V_LIST, NULL},
	{"no_cache", V_BOOL, NULL}, {"pull", V_BOOL, NULL}, {"shm_size", V_SIZE, NULL},
	{"tags", V_LIST, NULL}, {"platforms", V_LIST, NULL}, {"secrets", V_ANY, NULL}, {"ssh", V_ANY, NULL},
	{"extra_hosts", V_MAPLIST, NULL}, {"additional_contexts", V_MAPLIST, NULL}, {"isolation", V_STR, NULL},
	{"privileged", V_BOOL, NULL}, {NULL, 0, NULL},
};
static const struct key limits_keys[] = {
	{"cpus", V_NUM, NULL}, {"memory", V_SIZE, NULL}, {"pids", V_INT, NULL}, {"devices", V_ANY, NULL},
	{"generic_resources", V_ANY, NULL}, {NULL, 0, NULL},
};
static const struct key resources_keys[] = {
	{"limits", V_OBJ, limits_keys}, {"reservations", V_OBJ, limits_keys}, {NULL, 0, NULL},
};
static const struct key restart_policy_keys[] = {
	{"condition", V_STR, NULL}, {"delay", V_DUR, NULL}, {"max_attempts", V_INT, NULL},
	{"window", V_DUR, NULL}, {NULL, 0, NULL},
};
static const struct key deploy_keys[] = {
	{"replicas", V_INT, NULL}, {"resources", V_OBJ, resources_keys},
	{"restart_policy", V_OBJ, restart_policy_keys}, {"labels", V_MAPLIST, NULL}, {"mode", V_STR, NULL},
	{"placement", V_ANY, NULL}, {"update_config", V_ANY, NULL}, {"rollback_config", V_ANY, NULL},
	{"endpoint_mode", V_STR, NULL}, {NULL, 0, NULL},
};
static const struct key logging_keys[] = {
	{"driver", V_STR, NULL}, {"options", V_MAP, NULL}, {NULL, 0, NULL},
};
static const struct key extends_keys[] = {
	{"service", V_STR, NULL}, {"file", V_STR, NULL}, {NULL, 0, NULL},
};

static const struct key service_keys[] = {
	{"annotations", V_MAPLIST, NULL}, {"attach", V_BOOL, NULL}, {"build", V_STROBJ, build_keys},
	{"blkio_config", V_ANY, NULL}, {"cap_add", V_LIST, NULL}, {"cap_drop", V_LIST, NULL},
	{"cgroup", V_STR, NULL}, {"cgroup_parent", V_STR, NULL}, {"command", V_STRLIST, NULL},
	{"configs", V_MOUNTREFS, NULL}, {"container_name", V_STR, NULL}, {"cpu_count", V_INT, NULL},
	{"cpu_percent", V_INT, NULL}, {"cpu_shares", V_INT, NULL}, {"cpu_period", V_INT, NULL},
	{"cpu_quota", V_INT, NULL}, {"cpus", V_NUM, NULL}, {"cpuset", V_STR, NULL},
	{"depends_on", V_DEPENDS, NULL}, {"deploy", V_OBJ, deploy_keys}, {"develop", V_ANY, NULL},
	{"devices", V_LIST, NULL}, {"dns", V_STRLIST, NULL}, {"dns_opt", V_LIST, NULL},
	{"dns_search", V_STRLIST, NULL}, {"domainname", V_STR, NULL}, {"entrypoint", V_STRLIST, NULL},
	{"env_file", V_ANY, NULL}, {"environment", V_MAPLIST, NULL}, {"expose", V_LIST, NULL},
	{"extends", V_STROBJ, extends_keys}, {"external_links", V_LIST, NULL},
	{"extra_hosts", V_MAPLIST, NULL}, {"group_add", V_LIST, NULL}, {"healthcheck", V_OBJ, healthcheck_keys},
	{"hostname", V_STR, NULL}, {"image", V_STR, NULL}, {"init", V_BOOL, NULL}, {"ipc", V_STR, NULL},
	{"isolation", V_STR, NULL}, {"labels", V_MAPLIST, NULL}, {"links", V_LIST, NULL},
	{"logging", V_OBJ, logging_keys}, {"mac_address", V_STR, NULL}, {"mem_limit", V_SIZE, NULL},
	{"mem_reservation", V_SIZE, NULL}, {"mem_swappiness", V_INT, NULL}, {"memswap_limit", V_SIZE, NULL},
	{"network_mode", V_STR, NULL}, {"networks", V_NETS, NULL}, {"oom_kill_disable", V_BOOL, NULL},
	{"oom_score_adj", V_INT, NULL}, {"pid", V_STR, NULL}, {"pids_limit", V_INT, NULL},
	{"platform", V_STR, NULL}, {"ports", V_PORTS, NULL}, {"privileged", V_BOOL, NULL},
	{"profiles", V_LIST, NULL}, {"pull_policy", V_STR, NULL}, {"read_only", V_BOOL, NULL},
	{"restart", V_STR, NULL}, {"runtime", V_STR, NULL}, {"scale", V_INT, NULL},
	{"secrets", V_MOUNTREFS, NULL}, {"security_opt", V_LIST, NULL}, {"shm_size", V_SIZE, NULL},
	{"stdin_open", V_BOOL, NULL}, {"stop_grace_period", V_DUR, NULL}, {"stop_signal", V_STR, NULL},
	{"storage_opt", V_MAP, NULL}, {"sysctls", V_MAPLIST, NULL}, {"tmpfs", V_STRLIST, NULL},
	{"tty", V_BOOL, NULL}, {"ulimits", V_ULIMITS, NULL}, {"user", V_STR, NULL},
	{"userns_mode", V_STR, NULL}, {"uts", V_STR, NULL}, {"volumes", V_VOLUMES, NULL},
	{"volumes_from", V_LIST, NULL}, {"working_dir", V_STR, NULL}, {NULL, 0, NULL},
};

/* The keys every top-level network, volume, config and secret has. */
#define TOP_LEVEL_ENTRY_KEYS                                                                             \
	{"driver", V_STR, NULL}, {"driver_opts", V_MAP, NULL}, {"external", V_ANY, NULL}, {"name", V_STR, NULL}, \
		{"labels", V_MAPLIST, NULL}

static const struct key network_keys[] = {
	TOP_LEVEL_ENTRY_KEYS, {"internal", V_BOOL, NULL}, {"attachable", V_BOOL, NULL}, {"ipam", V_ANY, NULL},
	{"enable_ipv6", V_BOOL, NULL}, {NULL, 0, NULL},
};
static const struct key volume_keys[] = {
	TOP_LEVEL_ENTRY_KEYS, {NULL, 0, NULL},
};
static const struct key secret_keys[] = {
	TOP_LEVEL_ENTRY_KEYS, {"file", V_STR, NULL}, {"environment", V_STR, NULL}, {"content", V_STR, NULL},
	{"template_driver", V_STR, NULL}, {NULL, 0, NULL},
};
static const struct key top_keys[] = {
	{"version", V_STR, NULL}, {"name", V_STR, NULL}, {"services", V_ENTRIES, service_keys},
	{"networks", V_ENTRIES, network_keys}, {"volumes", V_ENTRIES, volume_keys},
	{"configs", V_ENTRIES, secret_keys}, {"secrets", V_ENTRIES, secret_keys}, {"include", V_ANY, NULL},
	{NULL, 0, NULL},
};

struct vctx {
	const char *file;
	berr_t *err;
};

__attribute__((format(printf, 4, 5))) static int fail(struct vctx *c, const struct ynode *n, const char *path,
						       const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	berr_make_status(c->err, 1, 0, "%s:%d:%d: %s: %s", c->file, n->line, n->col, path, msg ? msg : "invalid");
	(*c->err)->plain = 1;
	return -1;
}

/* ---- scalars ---- */

/* Go's time.ParseDuration: a sequence of decimal numbers with units. */
int compose_parse_duration(const char *s, long long *ns)
{
	static const struct {
		const char *u;
		double mult;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	double total = 0;
	const char *p = s;
	if (*p == '+')
		p++;
	if (!*p)
		return -1;
	if (strcmp(p, "0") == 0) {
		*ns = 0;
		return 0;
	}
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno)
			return -1;
		p = end;
		size_t best = 0, bi = 0;
		for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
			size_t l = strlen(units[i].u);
			if (strncmp(p, units[i].u, l) == 0 && l > best) {
				best = l;
				bi = i;
			}
		}
		if (!best)
			return -1;
		total += v * units[bi].mult;
		p += best;
	}
	if (total > 9.2e18)
		return -1;
	*ns = (long long)(total + 0.5);
	return 0;
}

/* Sizes as docker's units.RAMInBytes: 1024-based, b/k/m/g/t/p, optional "b". */
int compose_parse_size(const char *s, long long *bytes)
{
	char *end;
	errno = 0;
	if (!*s || (!isdigit((unsigned char)*s) && *s != '.'))
		return -1;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	double mult = 1;
	char u = (char)tolower((unsigned char)*end);
	if (u) {
		const char *units = "bkmgtp";
		const char *pos = strchr(units, u);
		if (!pos)
			return -1;
		for (long i = 0; i < pos - units; i++)
			mult *= 1024;
		end++;
		if (u != 'b' && (*end == 'b' || *end == 'B'))
			end++;
		if (u != 'b' && (*end == 'i' || *end == 'I') && (end[1] == 'b' || end[1] == 'B'))
			end += 2;
		if (*end)
			return -1;
	}
	if (v * mult > 9.2e18)
		return -1;
	*bytes = (long long)(v * mult);
	return 0;
}

static bool parse_uint(const char *s, size_t len, unsigned long *out)
{
	if (!len || len > 10)
		return false;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* "a" or "a-b" with 0 < a <= b <= 65535 (0 allowed as a host port). */
static bool parse_range(const char *s, size_t len, unsigned long *lo, unsigned long *hi, bool allow_zero)
{
	const char *dash = memchr(s, '-', len);
	if (dash) {
		if (!parse_uint(s, dash - s, lo) || !parse_uint(dash + 1, len - (dash - s) - 1, hi))
			return false;
	} else {
		if (!parse_uint(s, len, lo))
			return false;
		*hi = *lo;
	}
	return *lo <= *hi && *hi <= 65535 && (allow_zero || *lo > 0);
}

void compose_ports_free(struct compose_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].host_ip);
		free(p[i].published);
		free(p[i].protocol);
	}
	free(p);
}

/* [[HOST_IP:]HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]; an IPv6
 * host address is written in brackets. */
int compose_port_parse(const char *spec, struct compose_port **out, size_t *n, char **why)
{
	cleanup_free char *s = xstrdup(spec);
	char *proto = strrchr(s, '/');
	const char *protocol = "tcp";
	char *host_ip = NULL, *host = NULL, *cont;
	*out = NULL;
	*n = 0;
	if (proto) {
		*proto++ = '\0';
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")) {
			*why = xasprintf("invalid proto \"%s\"", proto);
			return -1;
		}
		protocol = proto;
	}
	char *rest = s;
	if (*rest == '[') {
		char *close = strchr(rest, ']');
		if (!close || close[1] != ':')
			goto bad;
		*close = '\0';
		host_ip = rest + 1;
		rest = close + 2;
	}
	char *c1 = strrchr(rest, ':');
	if (c1) {
		*c1 = '\0';
		cont = c1 + 1;
		char *c0 = strrchr(rest, ':');
		if (c0) {
			if (host_ip)
				goto bad;
			*c0 = '\0';
			host_ip = rest;
			host = c0 + 1;
			/* "1.2.3.4:80:80:80" and "80:80:80" are both wrong. */
			if (strchr(host_ip, ':') || !*host_ip)
				goto bad;
			for (char *q = host_ip; *q; q++)
				if (!isxdigit((unsigned char)*q) && *q != '.' && *q != ':')
					goto bad;
			if (!strchr(host_ip, '.'))
				goto bad;
		} else {
			host = rest;
		}
	} else {
		cont = rest;
	}
	unsigned long clo, chi, hlo = 0, hhi = 0;
	if (!parse_range(cont, strlen(cont), &clo, &chi, false))
		goto bad;
	if (host && *host) {
		if (!parse_range(host, strlen(host), &hlo, &hhi, true))
			goto bad;
		if (hhi - hlo != chi - clo && hlo != hhi)
			goto bad;
	}
	size_t count = chi - clo + 1;
	*out = xcalloc(count, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		struct compose_port *p = &(*out)[i];
		p->target = (unsigned)(clo + i);
		p->protocol = xstrdup(protocol);
		p->host_ip = host_ip && *host_ip ? xstrdup(host_ip) : NULL;
		if (host && *host) {
			if (hlo == hhi && count == 1)
				p->published = xasprintf("%lu", hlo);
			else if (hlo == hhi)
				p->published = xasprintf("%lu", hlo);
			else
				p->published = xasprintf("%lu", hlo + i);
		}
	}
	*n = count;
	return 0;
bad:
	*why = xasprintf("invalid port \"%s\"", spec);
	return -1;
}

static bool is_bool(const struct ynode *n)
{
	static const char *const v[] = {"true", "false", "True", "False", "TRUE", "FALSE",
					"yes", "no", "on", "off", NULL};
	if (n->kind != YNODE_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; v[i]; i++)
		if (strcmp(n->value, v[i]) == 0)
			return true;
	return false;
}

static bool is_int(const struct ynode *n)
{
	if (n->kind != YNODE_SCALAR || !*n->value)
		return false;
	const char *p = n->value;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool is_num(const struct ynode *n)
{
	char *end;
	if (n->kind != YNODE_SCALAR || !*n->value)
		return false;
	strtod(n->value, &end);
	return *end == '\0';
}

static const char *kind_name(const struct ynode *n)
{
	return n->kind == YNODE_MAP ? "a mapping" : n->kind == YNODE_SEQ ? "a list" : "a string";
}

static int check(struct vctx *c, const struct ynode *n, enum vt t, const struct key *sub, const char *path);

static int check_map(struct vctx *c, const struct ynode *n, const struct key *keys, const char *path)
{
	if (n->kind != YNODE_MAP)
		return fail(c, n, path, "must be a mapping, not %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		if (str_has_prefix(n->keys[i], "x-"))
			continue;
		const struct key *k;
		for (k = keys; k->name; k++)
			if (strcmp(k->name, n->keys[i]) == 0)
				break;
		struct ynode kn = {.line = n->key_lines[i], .col = n->key_cols[i]};
		if (!k->name)
			return fail(c, &kn, *path ? path : "(root)", "additional property \"%s\" is not allowed",
				    n->keys[i]);
		cleanup_free char *sub = *path ? xasprintf("%s.%s", path, n->keys[i]) : xstrdup(n->keys[i]);
		if (check(c, n->items[i], k->type, k->sub, sub) < 0)
			return -1;
	}
	return 0;
}

static int check_scalar_list(struct vctx *c, const struct ynode *n, const char *path)
{
	if (n->kind != YNODE_SEQ)
		return fail(c, n, path, "must be a list, not %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != YNODE_SCALAR) {
			cleanup_free char *sub = xasprintf("%s[%zu]", path, i);
			return fail(c, n->items[i], sub, "must be a string, not %s", kind_name(n->items[i]));
		}
	return 0;
}

static const struct key port_keys[] = {
	{"target", V_INT, NULL}, {"published", V_STR, NULL}, {"host_ip", V_STR, NULL},
	{"protocol", V_STR, NULL}, {"mode", V_STR, NULL}, {"name", V_STR, NULL}, {"app_protocol", V_STR, NULL},
	{NULL, 0, NULL},
};
static const struct key bind_keys[] = {
	{"propagation", V_STR, NULL}, {"create_host_path", V_BOOL, NULL}, {"selinux", V_STR, NULL},
	{NULL, 0, NULL},
};
static const struct key volopt_keys[] = {
	{"nocopy", V_BOOL, NULL}, {"subpath", V_STR, NULL}, {NULL, 0, NULL},
};
static const struct key tmpfsopt_keys[] = {
	{"size", V_SIZE, NULL}, {"mode", V_INT, NULL}, {NULL, 0, NULL},
};
static const struct key mount_keys[] = {
	{"type", V_STR, NULL}, {"source", V_STR, NULL}, {"target", V_STR, NULL}, {"read_only", V_BOOL, NULL},
	{"consistency", V_STR, NULL}, {"bind", V_OBJ, bind_keys}, {"volume", V_OBJ, volopt_keys},
	{"tmpfs", V_OBJ, tmpfsopt_keys}, {NULL, 0, NULL},
};
static const struct key depends_keys[] = {
	{"condition", V_STR, NULL}, {"required", V_BOOL, NULL}, {"restart", V_BOOL, NULL}, {NULL, 0, NULL},
};
static const struct key svcnet_keys[] = {
	{"aliases", V_LIST, NULL}, {"ipv4_address", V_STR, NULL}, {"ipv6_address", V_STR, NULL},
	{"priority", V_INT, NULL}, {"mac_address", V_STR, NULL}, {"link_local_ips", V_LIST, NULL},
	{"driver_opts", V_MAP, NULL}, {"gw_priority", V_INT, NULL}, {NULL, 0, NULL},
};
static const struct key ulimit_keys[] = {
	{"soft", V_INT, NULL}, {"hard", V_INT, NULL}, {NULL, 0, NULL},
};
static const struct key mountref_keys[] = {
	{"source", V_STR, NULL}, {"target", V_STR, NULL}, {"uid", V_STR, NULL}, {"gid", V_STR, NULL},
	{"mode", V_INT, NULL}, {NULL, 0, NULL},
};

static int check_volume_short(struct vctx *c, const struct ynode *n, const char *path)
{
	const char *s = n->value;
	if (!*s)
		return fail(c, n, path, "invalid volume specification: empty");
	size_t colons = 0;
	for (const char *p = s; *p; p++)
		colons += *p == ':';
	if (colons > 2)
		return fail(c, n, path, "invalid volume specification: \"%s\"", s);
	if (colons >= 1) {
		const char *c1 = strchr(s, ':');
		if (c1 == s || c1[1] == ':' || c1[1] == '\0')
			return fail(c, n, path, "invalid volume specification: \"%s\"", s);
		const char *target = c1 + 1;
		if (*target != '/')
			return fail(c, n, path, "invalid volume specification: \"%s\": the target must be an absolute path", s);
		if (colons == 2) {
			const char *mode = strchr(target, ':') + 1;
			cleanup_free char *m = xstrdup(mode);
			char *save = NULL;
			for (char *t = strtok_r(m, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (strcmp(t, "ro") && strcmp(t, "rw") && strcmp(t, "z") && strcmp(t, "Z") &&
				    strcmp(t, "nocopy") && strcmp(t, "shared") && strcmp(t, "rshared") &&
				    strcmp(t, "slave") && strcmp(t, "rslave") && strcmp(t, "private") &&
				    strcmp(t, "rprivate") && strcmp(t, "cached") && strcmp(t, "delegated") &&
				    strcmp(t, "consistent"))
					return fail(c, n, path, "invalid volume specification: \"%s\": unknown mode \"%s\"", s, t);
		}
	} else if (*s != '/') {
		return fail(c, n, path, "invalid volume specification: \"%s\": the target must be an absolute path", s);
	}
	return 0;
}

/* ---- lists and mappings whose entries have a check of their own ---- */

typedef int (*entry_check)(struct vctx *c, const struct ynode *it, const char *path);

static int must_be_map(struct vctx *c, const struct ynode *n, const char *path)
{
	if (n->kind != YNODE_MAP)
		return fail(c, n, path, "must be a mapping, not %s", kind_name(n));
	return 0;
}

/* A list, each item checked as path[i]. */
static int check_items(struct vctx *c, const struct ynode *n, const char *path, entry_check item)
{
	if (n->kind != YNODE_SEQ)
		return fail(c, n, path, "must be a list, not %s", kind_name(n));
	for (size_t i = 0; i < n->n; i++) {
		cleanup_free char *s = xasprintf("%s[%zu]", path, i);
		if (item(c, n->items[i], s) < 0)
			return -1;
	}
	return 0;
}

/* A mapping (whose kind the caller has checked), each value checked as
 * path.key. */
static int check_values(struct vctx *c, const struct ynode *n, const char *path, entry_check value)
{
	for (size_t i = 0; i < n->n; i++) {
		cleanup_free char *s = xasprintf("%s.%s", path, n->keys[i]);
		if (value(c, n->items[i], s) < 0)
			return -1;
	}
	return 0;
}

/* The short syntax (a string) or the long one (a mapping of keys). */
static int check_short_or_long(struct vctx *c, const struct ynode *it, const char *path, const struct key *keys,
			       entry_check short_syntax)
{
	if (it->kind == YNODE_MAP)
		return check_map(c, it, keys, path);
	if (it->kind != YNODE_SCALAR)
		return fail(c, it, path, "must be a string or a mapping");
	return short_syntax ? short_syntax(c, it, path) : 0;
}

static int check_port_short(struct vctx *c, const struct ynode *it, const char *path)
{
	struct compose_port *ports;
	size_t np;
	char *why = NULL;
	if (compose_port_parse(it->value, &ports, &np, &why) < 0) {
		fail(c, it, path, "%s", why);
		free(why);
		return -1;
	}
	compose_ports_free(ports, np);
	return 0;
}

static int check_port(struct vctx *c, const struct ynode *it, const char *path)
{
	if (check_short_or_long(c, it, path, port_keys, check_port_short) < 0)
		return -1;
	if (it->kind == YNODE_MAP && !ynode_get(it, "target"))
		return fail(c, it, path, "target is required");
	return 0;
}

static int check_volume(struct vctx *c, const struct ynode *it, const char *path)
{
	if (check_short_or_long(c, it, path, mount_keys, check_volume_short) < 0)
		return -1;
	if (it->kind != YNODE_MAP)
		return 0;
	const char *ty = ynode_str(it, "type");
	if (!ty)
		return fail(c, it, path, "type is required");
	if (strcmp(ty, "bind") && strcmp(ty, "volume") && strcmp(ty, "tmpfs") && strcmp(ty, "npipe") &&
	    strcmp(ty, "cluster") && strcmp(ty, "image"))
		return fail(c, it, path, "invalid mount type \"%s\"", ty);
	if (!ynode_str(it, "target"))
		return fail(c, it, path, "target is required");
	return 0;
}

static int check_mountref(struct vctx *c, const struct ynode *it, const char *path)
{
	return check_short_or_long(c, it, path, mountref_keys, NULL);
}

static int check_map_value(struct vctx *c, const struct ynode *it, const char *path)
{
	if (it->kind != YNODE_SCALAR)
		return fail(c, it, path, "must be a string, number, boolean or null");
	return 0;
}

static int check_ulimit(struct vctx *c, const struct ynode *it, const char *path)
{
	if (it->kind == YNODE_MAP)
		return check_map(c, it, ulimit_keys, path);
	if (!is_int(it))
		return fail(c, it, path, "must be an integer or {soft, hard}");
	return 0;
}

static int check_depends(struct vctx *c, const struct ynode *it, const char *path)
{
	if (check_map(c, it, depends_keys, path) < 0)
		return -1;
	const char *cond = ynode_str(it, "condition");
	if (cond && strcmp(cond, "service_started") && strcmp(cond, "service_healthy") &&
	    strcmp(cond, "service_completed_successfully"))
		return fail(c, ynode_get(it, "condition"), path, "invalid condition \"%s\"", cond);
	return 0;
}

static int check_service_network(struct vctx *c, const struct ynode *it, const char *path)
{
	if (ynode_is_null(it))
		return 0;
	return check_map(c, it, svcnet_keys, path);
}

/* depends_on and networks: a list of names, or a mapping of them. */
static int check_names(struct vctx *c, const struct ynode *n, const char *path, entry_check value)
{
	if (n->kind == YNODE_SEQ)
		return check_scalar_list(c, n, path);
	if (n->kind != YNODE_MAP)
		return fail(c, n, path, "must be a list or a mapping, not %s", kind_name(n));
	return check_values(c, n, path, value);
}

static int check(struct vctx *c, const struct ynode *n, enum vt t, const struct key *sub, const char *path)
{
	long long x;
	switch (t) {
	case V_ANY:
		return 0;
	case V_STR:
		if (n->kind != YNODE_SCALAR)
			return fail(c, n, path, "must be a string, not %s", kind_name(n));
		return 0;
	case V_BOOL:
		if (!is_bool(n))
			return fail(c, n, path, "must be a boolean");
		return 0;
	case V_INT:
		if (!is_int(n))
			return fail(c, n, path, "must be an integer");
		return 0;
	case V_NUM:
		if (!is_num(n))
			return fail(c, n, path, "must be a number");
		return 0;
	case V_DUR:
		if (n->kind != YNODE_SCALAR || compose_parse_duration(n->value, &x) < 0)
			return fail(c, n, path, "invalid duration \"%s\"", n->kind == YNODE_SCALAR ? n->value : "");
		return 0;
	case V_SIZE:
		if (n->kind != YNODE_SCALAR || compose_parse_size(n->value, &x) < 0)
			return fail(c, n, path, "invalid size \"%s\"", n->kind == YNODE_SCALAR ? n->value : "");
		return 0;
	case V_STRLIST:
		if (n->kind == YNODE_SCALAR)
			return 0;
		return check_scalar_list(c, n, path);
	case V_LIST:
		return check_scalar_list(c, n, path);
	case V_MAP:
		return must_be_map(c, n, path);
	case V_MAPLIST:
		if (n->kind == YNODE_SEQ)
			return check_scalar_list(c, n, path);
		if (n->kind != YNODE_MAP)
			return fail(c, n, path, "must be a mapping or a list, not %s", kind_name(n));
		return check_values(c, n, path, check_map_value);
	case V_OBJ:
		return check_map(c, n, sub, path);
	case V_STROBJ:
		if (n->kind == YNODE_SCALAR)
			return 0;
		return check_map(c, n, sub, path);
	case V_NULLOBJ:
		if (ynode_is_null(n))
			return 0;
		return check_map(c, n, sub, path);
	case V_ENTRIES:
		if (ynode_is_null(n))
			return 0;
		if (must_be_map(c, n, path) < 0)
			return -1;
		for (size_t i = 0; i < n->n; i++) {
			cleanup_free char *s = xasprintf("%s.%s", path, n->keys[i]);
			if (str_has_prefix(n->keys[i], "x-") && strcmp(path, "services") != 0)
				continue;
			if (check(c, n->items[i], sub == service_keys ? V_OBJ : V_NULLOBJ, sub, s) < 0)
				return -1;
		}
		return 0;
	case V_PORTS:
		return check_items(c, n, path, check_port);
	case V_VOLUMES:
		return check_items(c, n, path, check_volume);
	case V_ULIMITS:
		if (must_be_map(c, n, path) < 0)
			return -1;
		return check_values(c, n, path, check_ulimit);
	case V_DEPENDS:
		return check_names(c, n, path, check_depends);
	case V_NETS:
		return check_names(c, n, path, check_service_network);
	case V_MOUNTREFS:
		return check_items(c, n, path, check_mountref);
	}
	return 0;
}

int compose_validate_file(const struct ynode *root, const char *file, berr_t *err)
{
	struct vctx c = {file, err};
	if (check_map(&c, root, top_keys, "") < 0)
		return -1;
	/* Service-level checks that are not about one key's type. */
	const struct ynode *svcs = ynode_get(root, "services");
	for (size_t i = 0; svcs && svcs->kind == YNODE_MAP && i < svcs->n; i++) {
		const struct ynode *s = svcs->items[i];
		const char *name = svcs->keys[i];
		if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(name)) {
			struct ynode kn = {.line = svcs->key_lines[i], .col = svcs->key_cols[i]};
			return fail(&c, &kn, "services", "invalid service name \"%s\"", name);
		}
		const char *restart = ynode_str(s, "restart");
		if (restart && strcmp(restart, "no") && strcmp(restart, "always") &&
		    strcmp(restart, "unless-stopped") && strcmp(restart, "on-failure") &&
		    !str_has_prefix(restart, "on-failure:")) {
			cleanup_free char *p = xasprintf("services.%s.restart", name);
			return fail(&c, ynode_get(s, "restart"), p, "invalid restart policy \"%s\"", restart);
		}
	}
	return 0;
}

/* ---- project-level checks ---- */

static int pfail(struct compose_project *p, const struct ynode *at, const struct ynode *owner, berr_t *err,
		 const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int pfail(struct compose_project *p, const struct ynode *at, const struct ynode *owner, berr_t *err,
		 const char *path, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	const char *file = compose_node_file(p, at);
	if (!file)
		file = compose_node_file(p, owner);
	if (!file)
		file = p->nfiles ? p->files[0] : "compose.yaml";
	berr_make_status(err, 1, 0, "%s:%d:%d: %s: %s", file, at->line, at->col, path,
			 msg ? msg : "invalid");
	(*err)->plain = 1;
	return -1;
}

static bool top_has(const struct ynode *root, const char *section, const char *name)
{
	const struct ynode *s = ynode_get(root, section);
	return s && ynode_get(s, name) != NULL;
}

/* Is a short volume source a named volume (not a path)? */
static bool named_source(const char *src)
{
	return *src && *src != '/' && *src != '.' && *src != '~' && *src != '$';
}

enum { WHITE, GREY, BLACK };

static int visit(struct compose_project *p, const struct ynode *svcs, size_t i, int *color, berr_t *err)
{
	color[i] = GREY;
	const struct ynode *dep = ynode_get(svcs->items[i], "depends_on");
	for (size_t j = 0; dep && dep->kind == YNODE_MAP && j < dep->n; j++) {
		size_t k;
		for (k = 0; k < svcs->n; k++)
			if (strcmp(svcs->keys[k], dep->keys[j]) == 0)
				break;
		if (k == svcs->n)
			continue;
		if (color[k] == GREY) {
			cleanup_free char *path = xasprintf("services.%s.depends_on", svcs->keys[i]);
			return pfail(p, dep, svcs->items[i], err, path, "dependency cycle detected: %s -> %s",
				     svcs->keys[i], svcs->keys[k]);
		}
		if (color[k] == WHITE && visit(p, svcs, k, color, err) < 0)
			return -1;
	}
	color[i] = BLACK;
	return 0;
}

int compose_validate_project(struct compose_project *p, berr_t *err)
{
	const struct ynode *root = p->raw;
	const struct ynode *svcs = ynode_get(root, "services");
	if (!svcs || svcs->kind != YNODE_MAP)
		return 0;
	for (size_t i = 0; i < svcs->n; i++) {
		const struct ynode *s = svcs->items[i];
		const char *name = svcs->keys[i];
		if (str_has_prefix(name, "x-"))
			continue;
		cleanup_free char *sp = xasprintf("services.%s", name);
		if (!ynode_get(s, "image") && !ynode_get(s, "build"))
			return pfail(p, s, s, err, sp, "service \"%s\" has neither an image nor a build context specified",
				     name);
		const struct ynode *vols = ynode_get(s, "volumes");
		for (size_t j = 0; vols && j < vols->n; j++) {
			const struct ynode *v = vols->items[j];
			const char *src = NULL;
			if (v->kind == YNODE_SCALAR && strchr(v->value, ':')) {
				cleanup_free char *sv = xstrndup(v->value, strchr(v->value, ':') - v->value);
				if (named_source(sv) && !top_has(root, "volumes", sv)) {
					cleanup_free char *vp = xasprintf("%s.volumes[%zu]", sp, j);
					return pfail(p, v, s, err, vp, "service \"%s\" refers to undefined volume %s", name,
						     sv);
				}
			} else if (v->kind == YNODE_MAP && (src = ynode_str(v, "source")) && ynode_str(v, "type") &&
				   strcmp(ynode_str(v, "type"), "volume") == 0 && *src && !top_has(root, "volumes", src)) {
				cleanup_free char *vp = xasprintf("%s.volumes[%zu]", sp, j);
				return pfail(p, v, s, err, vp, "service \"%s\" refers to undefined volume %s", name, src);
			}
		}
		const struct ynode *nets = ynode_get(s, "networks");
		for (size_t j = 0; nets && nets->kind == YNODE_MAP && j < nets->n; j++)
			if (strcmp(nets->keys[j], "default") && !top_has(root, "networks", nets->keys[j])) {
				struct ynode kn = {.line = nets->key_lines[j], .col = nets->key_cols[j]};
				cleanup_free char *np = xasprintf("%s.networks", sp);
				return pfail(p, &kn, s, err, np, "service \"%s\" refers to undefined network %s", name,
					     nets->keys[j]);
			}
		static const char *const refs[] = {"configs", "secrets"};
		for (size_t r = 0; r < 2; r++) {
			const struct ynode *l = ynode_get(s, refs[r]);
			for (size_t j = 0; l && l->kind == YNODE_SEQ && j < l->n; j++) {
				const char *src = l->items[j]->kind == YNODE_SCALAR ? l->items[j]->value
										     : ynode_str(l->items[j], "source");
				if (src && !top_has(root, refs[r], src)) {
					cleanup_free char *rp = xasprintf("%s.%s[%zu]", sp, refs[r], j);
					return pfail(p, l->items[j], s, err, rp, "service \"%s\" refers to undefined %.*s %s",
						     name, (int)strlen(refs[r]) - 1, refs[r], src);
				}
			}
		}
		const struct ynode *dep = ynode_get(s, "depends_on");
		for (size_t j = 0; dep && dep->kind == YNODE_MAP && j < dep->n; j++) {
			const char *req = ynode_str(dep->items[j], "required");
			if (!ynode_get(svcs, dep->keys[j]) && !(req && strcmp(req, "false") == 0)) {
				struct ynode kn = {.line = dep->key_lines[j], .col = dep->key_cols[j]};
				cleanup_free char *dp = xasprintf("%s.depends_on", sp);
				return pfail(p, &kn, s, err, dp, "service \"%s\" depends on undefined service \"%s\"", name,
					     dep->keys[j]);
			}
		}
	}
	int *color = xcalloc(svcs->n + 1, sizeof(int));
	for (size_t i = 0; i < svcs->n; i++)
		if (color[i] == WHITE && visit(p, svcs, i, color, err) < 0) {
			free(color);
			return -1;
		}
	free(color);
	static const char *const tops[] = {"configs", "secrets"};
	for (size_t t = 0; t < 2; t++) {
		const struct ynode *sec = ynode_get(root, tops[t]);
		for (size_t i = 0; sec && sec->kind == YNODE_MAP && i < sec->n; i++) {
			const struct ynode *e = sec->items[i];
			if (str_has_prefix(sec->keys[i], "x-"))
				continue;
			if (!ynode_get(e, "file") && !ynode_get(e, "environment") && !ynode_get(e, "content") &&
			    !ynode_get(e, "external")) {
				cleanup_free char *tp = xasprintf("%s.%s", tops[t], sec->keys[i]);
				return pfail(p, e, sec, err, tp, "one of file, environment, content or external is required");
			}
		}
	}
	return 0;
}
