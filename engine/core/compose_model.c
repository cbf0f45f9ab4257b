/* compose_model.c: the merged tree to the normalised model, as compose-go
 * normalises a project before `config` prints it or `up` acts on it.
 *
 * Short syntax is expanded (ports, volumes, depends_on, networks, build),
 * strings that compose reads as lists are split (command, entrypoint, with
 * shell rules), env_file is read into environment, durations are printed as
 * Go does and sizes as bytes, relative paths are made absolute against the
 * project directory, defaults are filled (the default network, resource
 * names <project>_<name>), and services whose profiles are not enabled are
 * left out.
 */
#define _GNU_SOURCE
#include "compose.h"
#include "cleanup.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- model nodes ---- */

struct ynode *ymodel_map(void)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = YNODE_MAP;
	return n;
}

struct ynode *ymodel_seq(void)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = YNODE_SEQ;
	return n;
}

struct ynode *ymodel_str(const char *s)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = YNODE_SCALAR;
	n->value = xstrdup(s ? s : "");
	return n;
}

struct ynode *ymodel_typed(const char *s)
{
	struct ynode *n = ymodel_str(s);
	n->plain = true;
	return n;
}

void ymodel_put(struct ynode *map, const char *key, struct ynode *val)
{
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0) {
			ynode_free(map->items[i]);
			map->items[i] = val;
			return;
		}
	map->keys = xrealloc(map->keys, (map->n + 1) * sizeof(char *));
	map->key_lines = xrealloc(map->key_lines, (map->n + 1) * sizeof(int));
	map->key_cols = xrealloc(map->key_cols, (map->n + 1) * sizeof(int));
	map->items = xrealloc(map->items, (map->n + 1) * sizeof(struct ynode *));
	map->keys[map->n] = xstrdup(key);
	map->key_lines[map->n] = 0;
	map->key_cols[map->n] = 0;
	map->items[map->n++] = val;
}

void ymodel_push(struct ynode *seq, struct ynode *val)
{
	seq->items = xrealloc(seq->items, (seq->n + 1) * sizeof(struct ynode *));
	seq->items[seq->n++] = val;
}

struct ynode *ymodel_copy(const struct ynode *n)
{
	struct ynode *c = xcalloc(1, sizeof(*c));
	c->kind = n->kind;
	c->line = n->line;
	c->col = n->col;
	c->plain = n->plain;
	c->value = n->value ? xstrdup(n->value) : NULL;
	c->n = n->n;
	if (n->n || n->kind != YNODE_SCALAR) {
		c->items = xcalloc(n->n + 1, sizeof(*c->items));
		for (size_t i = 0; i < n->n; i++)
			c->items[i] = ymodel_copy(n->items[i]);
	}
	if (n->kind == YNODE_MAP) {
		c->keys = xcalloc(n->n + 1, sizeof(char *));
		c->key_lines = xcalloc(n->n + 1, sizeof(int));
		c->key_cols = xcalloc(n->n + 1, sizeof(int));
		for (size_t i = 0; i < n->n; i++) {
			c->keys[i] = xstrdup(n->keys[i]);
			c->key_lines[i] = n->key_lines[i];
			c->key_cols[i] = n->key_cols[i];
		}
	}
	return c;
}

/* A plain scalar from the file keeps its YAML type: true, 3, null. */
static bool looks_typed(const struct ynode *n)
{
	if (!n->plain)
		return false;
	const char *v = n->value;
	if (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "true") || !strcmp(v, "false"))
		return true;
	char *end;
	strtod(v, &end);
	return *end == '\0' && (isdigit((unsigned char)*v) || *v == '-' || *v == '+' || *v == '.');
}

static const char *const bool_true[] = {"true", "True", "TRUE", "yes", "on", NULL};

static bool truthy(const char *v)
{
	for (size_t i = 0; v && bool_true[i]; i++)
		if (strcmp(v, bool_true[i]) == 0)
			return true;
	return false;
}

/* A copy in which plain scalars keep their type and quoted ones are strings;
 * null written as ~ or "" becomes `null`, booleans become true/false. */
static struct ynode *copy_typed(const struct ynode *n)
{
	if (n->kind == YNODE_SCALAR) {
		if (!looks_typed(n))
			return ymodel_str(n->value);
		if (!*n->value || !strcmp(n->value, "~"))
			return ymodel_typed("null");
		return ymodel_typed(n->value);
	}
	struct ynode *c = n->kind == YNODE_MAP ? ymodel_map() : ymodel_seq();
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == YNODE_MAP)
			ymodel_put(c, n->keys[i], copy_typed(n->items[i]));
		else
			ymodel_push(c, copy_typed(n->items[i]));
	}
	return c;
}

static struct ynode *bool_node(bool v)
{
	return ymodel_typed(v ? "true" : "false");
}

static struct ynode *int_node(long long v)
{
	cleanup_free char *s = xasprintf("%lld", v);
	return ymodel_typed(s);
}

/* ---- shell words ---- */

int compose_shell_split(const char *s, char ***argv, size_t *argc)
{
	char **v = NULL;
	size_t n = 0;
	size_t len = strlen(s);
	char *w = xmalloc(len + 1);
	size_t wl = 0;
	bool inword = false;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				w[wl] = '\0';
				v = xrealloc(v, (n + 2) * sizeof(char *));
				v[n++] = xstrdup(w);
				wl = 0;
				inword = false;
			}
			continue;
		}
		inword = true;
		if (c == '\\' && i + 1 < len) {
			w[wl++] = s[++i];
		} else if (c == '\'') {
			size_t j = i + 1;
			while (j < len && s[j] != '\'')
				w[wl++] = s[j++];
			if (j >= len)
				goto bad;
			i = j;
		} else if (c == '"') {
			size_t j = i + 1;
			while (j < len && s[j] != '"') {
				if (s[j] == '\\' && j + 1 < len && strchr("\"\\$`\n", s[j + 1]))
					j++;
				w[wl++] = s[j++];
			}
			if (j >= len)
				goto bad;
			i = j;
		} else {
			w[wl++] = c;
		}
	}
	free(w);
	if (!v)
		v = xcalloc(1, sizeof(char *));
	v[n] = NULL;
	*argv = v;
	*argc = n;
	return 0;
bad:
	free(w);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -1;
}

/* Go's Duration.String(): 1h2m3.5s, 500ms, 0s. */
char *compose_format_duration(long long ns)
{
	if (ns == 0)
		return xstrdup("0s");
	if (ns < 1000)
		return xasprintf("%lldns", ns);
	if (ns < 1000000) {
		cleanup_free char *f = xasprintf("%.3f", ns / 1e3);
		char *e = f + strlen(f) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
		return xasprintf("%sµs", f);
	}
	if (ns < 1000000000) {
		cleanup_free char *f = xasprintf("%.6f", ns / 1e6);
		char *e = f + strlen(f) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
		return xasprintf("%sms", f);
	}
	long long h = ns / 3600000000000LL;
	ns -= h * 3600000000000LL;
	long long m = ns / 60000000000LL;
	ns -= m * 60000000000LL;
	cleanup_free char *sec = xasprintf("%.9f", ns / 1e9);
	char *e = sec + strlen(sec) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
	if (h)
		return xasprintf("%lldh%lldm%ss", h, m, sec);
	if (m)
		return xasprintf("%lldm%ss", m, sec);
	return xasprintf("%ss", sec);
}

/* ---- paths ---- */

static char *resolve_path(const struct compose_project *p, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	if (path[0] == '~' && (path[1] == '/' || !path[1])) {
		const char *home = getenv("HOME");
		return xasprintf("%s%s", home ? home : "", path + 1);
	}
	const char *rel = path;
	while (str_has_prefix(rel, "./"))
		rel += 2;
	if (strcmp(rel, ".") == 0 || !*rel)
		return xstrdup(p->dir);
	return xasprintf("%s/%s", p->dir, rel);
}

/* ---- service pieces ---- */

static struct ynode *words(const struct ynode *n)
{
	struct ynode *seq = ymodel_seq();
	if (n->kind == YNODE_SCALAR) {
		char **v;
		size_t c;
		if (compose_shell_split(n->value, &v, &c) < 0) {
			ymodel_push(seq, ymodel_str(n->value));
			return seq;
		}
		for (size_t i = 0; i < c; i++) {
			ymodel_push(seq, ymodel_str(v[i]));
			free(v[i]);
		}
		free(v);
		return seq;
	}
	for (size_t i = 0; i < n->n; i++)
		ymodel_push(seq, ymodel_str(n->items[i]->value));
	return seq;
}

static struct ynode *dur_node(const char *v)
{
	long long ns = 0;
	compose_parse_duration(v, &ns);
	cleanup_free char *s = compose_format_duration(ns);
	return ymodel_str(s);
}

static struct ynode *size_node(const char *v)
{
	long long b = 0;
	compose_parse_size(v, &b);
	return int_node(b);
}

static struct ynode *ports_node(const struct ynode *n)
{
	struct ynode *seq = ymodel_seq();
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (it->kind == YNODE_MAP) {
			struct ynode *m = ymodel_map();
			ymodel_put(m, "mode", ymodel_str(ynode_str(it, "mode") ? ynode_str(it, "mode") : "ingress"));
			ymodel_put(m, "target", ymodel_typed(ynode_str(it, "target")));
			if (ynode_str(it, "published"))
				ymodel_put(m, "published", ymodel_str(ynode_str(it, "published")));
			ymodel_put(m, "protocol",
				   ymodel_str(ynode_str(it, "protocol") ? ynode_str(it, "protocol") : "tcp"));
			if (ynode_str(it, "host_ip"))
				ymodel_put(m, "host_ip", ymodel_str(ynode_str(it, "host_ip")));
			if (ynode_str(it, "name"))
				ymodel_put(m, "name", ymodel_str(ynode_str(it, "name")));
			if (ynode_str(it, "app_protocol"))
				ymodel_put(m, "app_protocol", ymodel_str(ynode_str(it, "app_protocol")));
			ymodel_push(seq, m);
			continue;
		}
		struct compose_port *ports;
		size_t np;
		char *why = NULL;
		if (compose_port_parse(it->value, &ports, &np, &why) < 0) {
			free(why);
			continue;
		}
		for (size_t j = 0; j < np; j++) {
			struct ynode *m = ymodel_map();
			ymodel_put(m, "mode", ymodel_str("ingress"));
			ymodel_put(m, "target", int_node(ports[j].target));
			if (ports[j].published)
				ymodel_put(m, "published", ymodel_str(ports[j].published));
			ymodel_put(m, "protocol", ymodel_str(ports[j].protocol));
			if (ports[j].host_ip)
				ymodel_put(m, "host_ip", ymodel_str(ports[j].host_ip));
			ymodel_push(seq, m);
		}
		compose_ports_free(ports, np);
	}
	return seq;
}

static bool named_volume(const char *src)
{
	return *src && *src != '/' && *src != '.' && *src != '~';
}

static struct ynode *volumes_node(const struct compose_project *p, const struct ynode *n)
{
	struct ynode *seq = ymodel_seq();
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (it->kind == YNODE_MAP) {
			struct ynode *m = copy_typed(it);
			const char *ty = ynode_str(it, "type");
			const char *src = ynode_str(it, "source");
			if (ty && strcmp(ty, "bind") == 0 && src) {
				cleanup_free char *a = resolve_path(p, src);
				ymodel_put(m, "source", ymodel_str(a));
			}
			if (ynode_get(it, "read_only"))
				ymodel_put(m, "read_only", bool_node(truthy(ynode_str(it, "read_only"))));
			const struct ynode *t = ynode_get(it, "tmpfs");
			if (t && ynode_str(t, "size")) {
				struct ynode *tm = ynode_get(m, "tmpfs");
				ymodel_put(tm, "size", size_node(ynode_str(t, "size")));
			}
			ymodel_push(seq, m);
			continue;
		}
		cleanup_free char *s = xstrdup(it->value);
		char *parts[3] = {s, NULL, NULL};
		char *c1 = strchr(s, ':');
		if (c1) {
			*c1 = '\0';
			parts[1] = c1 + 1;
			char *c2 = strchr(parts[1], ':');
			if (c2) {
				*c2 = '\0';
				parts[2] = c2 + 1;
			}
		}
		struct ynode *m = ymodel_map();
		if (!parts[1]) {
			ymodel_put(m, "type", ymodel_str("volume"));
			ymodel_put(m, "target", ymodel_str(parts[0]));
			ymodel_put(m, "volume", ymodel_map());
		} else if (named_volume(parts[0])) {
			ymodel_put(m, "type", ymodel_str("volume"));
			ymodel_put(m, "source", ymodel_str(parts[0]));
			ymodel_put(m, "target", ymodel_str(parts[1]));
			struct ynode *vo = ymodel_map();
			if (parts[2] && strstr(parts[2], "nocopy"))
				ymodel_put(vo, "nocopy", bool_node(true));
			ymodel_put(m, "volume", vo);
		} else {
			cleanup_free char *a = resolve_path(p, parts[0]);
			ymodel_put(m, "type", ymodel_str("bind"));
			ymodel_put(m, "source", ymodel_str(a));
			ymodel_put(m, "target", ymodel_str(parts[1]));
			struct ynode *b = ymodel_map();
			ymodel_put(b, "create_host_path", bool_node(true));
			ymodel_put(m, "bind", b);
		}
		if (parts[2]) {
			cleanup_free char *modes = xstrdup(parts[2]);
			char *save = NULL;
			for (char *t = strtok_r(modes, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (strcmp(t, "ro") == 0)
					ymodel_put(m, "read_only", bool_node(true));
		}
		ymodel_push(seq, m);
	}
	return seq;
}

/* KEY: value maps (environment, labels...), values as strings, null kept. */
static struct ynode *strmap(const struct ynode *n)
{
	struct ynode *m = ymodel_map();
	for (size_t i = 0; n && i < n->n; i++) {
		const struct ynode *v = n->items[i];
		if (ynode_is_null(v))
			ymodel_put(m, n->keys[i], ymodel_typed("null"));
		else
			ymodel_put(m, n->keys[i], ymodel_str(v->kind == YNODE_SCALAR ? v->value : ""));
	}
	return m;
}

static int env_files(const struct compose_project *p, const struct ynode *ef, struct ynode *envmap,
		     const struct ynode *explicit_env, berr_t *err)
{
	size_t n = ef->kind == YNODE_SEQ ? ef->n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *it = ef->kind == YNODE_SEQ ? ef->items[i] : ef;
		const char *path = it->kind == YNODE_MAP ? ynode_str(it, "path") : it->value;
		bool required = it->kind != YNODE_MAP || !ynode_str(it, "required") || truthy(ynode_str(it, "required"));
		if (!path)
			continue;
		cleanup_free char *a = resolve_path(p, path);
		cleanup_free char *text = NULL;
		size_t len;
		if (read_file(a, &text, &len, err) < 0) {
			if (!required) {
				berr_free(err);
				continue;
			}
			berr_make_status(err, 1, 0, "env file %s not found: no such file or directory", a);
			(*err)->plain = 1;
			return -1;
		}
		struct compose_env e = {0};
		if (compose_env_parse(&e, text, path, true, err) < 0)
			return -1;
		for (size_t j = 0; j < e.n; j++)
			if (!ynode_get(explicit_env, e.keys[j]))
				ymodel_put(envmap, e.keys[j], ymodel_str(e.vals[j]));
		compose_env_free(&e);
	}
	return 0;
}

static struct ynode *build_node(const struct compose_project *p, const struct ynode *b)
{
	struct ynode *m = b->kind == YNODE_MAP ? copy_typed(b) : ymodel_map();
	const char *ctx = b->kind == YNODE_SCALAR ? b->value : ynode_str(b, "context");
	cleanup_free char *a = resolve_path(p, ctx ? ctx : ".");
	ymodel_put(m, "context", ymodel_str(a));
	if (!ynode_get(m, "dockerfile") && !ynode_get(m, "dockerfile_inline"))
		ymodel_put(m, "dockerfile", ymodel_str("Dockerfile"));
	if (b->kind == YNODE_MAP && ynode_get(b, "args"))
		ymodel_put(m, "args", strmap(ynode_get(b, "args")));
	if (b->kind == YNODE_MAP && ynode_str(b, "shm_size"))
		ymodel_put(m, "shm_size", size_node(ynode_str(b, "shm_size")));
	return m;
}

static struct ynode *healthcheck_node(const struct ynode *h)
{
	struct ynode *m = copy_typed(h);
	static const char *const durs[] = {"interval", "timeout", "start_period", "start_interval", NULL};
	for (size_t i = 0; durs[i]; i++)
		if (ynode_str(h, durs[i]))
			ymodel_put(m, durs[i], dur_node(ynode_str(h, durs[i])));
	const struct ynode *t = ynode_get(h, "test");
	if (t && t->kind == YNODE_SCALAR) {
		/* A string is run by the shell, as docker's CMD-SHELL. */
		struct ynode *seq = ymodel_seq();
		ymodel_push(seq, ymodel_str("CMD-SHELL"));
		ymodel_push(seq, ymodel_str(t->value));
		ymodel_put(m, "test", seq);
	} else if (t) {
		ymodel_put(m, "test", words(t));
	}
	if (ynode_get(h, "disable"))
		ymodel_put(m, "disable", bool_node(truthy(ynode_str(h, "disable"))));
	return m;
}

static void sizes_in(struct ynode *m, const struct ynode *src, const char *key)
{
	if (src && ynode_str(src, key))
		ymodel_put(m, key, size_node(ynode_str(src, key)));
}

static struct ynode *deploy_node(const struct ynode *d)
{
	struct ynode *m = copy_typed(d);
	const struct ynode *r = ynode_get(d, "resources");
	static const char *const kinds[] = {"limits", "reservations"};
	for (size_t k = 0; r && k < 2; k++) {
		const struct ynode *l = ynode_get(r, kinds[k]);
		if (!l)
			continue;
		struct ynode *ml = ynode_get(ynode_get(m, "resources"), kinds[k]);
		sizes_in(ml, l, "memory");
		if (ynode_str(l, "cpus"))
			ymodel_put(ml, "cpus", ymodel_typed(ynode_str(l, "cpus")));
	}
	const struct ynode *rp = ynode_get(d, "restart_policy");
	if (rp) {
		struct ynode *mr = ynode_get(m, "restart_policy");
		if (ynode_str(rp, "delay"))
			ymodel_put(mr, "delay", dur_node(ynode_str(rp, "delay")));
		if (ynode_str(rp, "window"))
			ymodel_put(mr, "window", dur_node(ynode_str(rp, "window")));
	}
	return m;
}

static int service_node(const struct compose_project *p, const char *name, const struct ynode *s,
			struct ynode **out, berr_t *err)
{
	struct ynode *m = ymodel_map();
	for (size_t i = 0; i < s->n; i++) {
		const char *k = s->keys[i];
		const struct ynode *v = s->items[i];
		struct ynode *nv = NULL;
		if (!strcmp(k, "command") || !strcmp(k, "entrypoint")) {
			nv = words(v);
		} else if (!strcmp(k, "environment") || !strcmp(k, "labels") || !strcmp(k, "annotations") ||
			   !strcmp(k, "sysctls") || !strcmp(k, "extra_hosts")) {
			nv = strmap(v);
			if (!strcmp(k, "environment")) {
				/* A bare KEY takes its value from the environment. */
				for (size_t j = 0; j < nv->n; j++)
					if (nv->items[j]->plain && compose_env_get(&p->env, nv->keys[j])) {
						ynode_free(nv->items[j]);
						nv->items[j] = ymodel_str(compose_env_get(&p->env, nv->keys[j]));
					}
			}
		} else if (!strcmp(k, "env_file")) {
			continue; /* read into environment below */
		} else if (!strcmp(k, "ports")) {
			nv = ports_node(v);
		} else if (!strcmp(k, "expose")) {
			nv = ymodel_seq();
			for (size_t j = 0; j < v->n; j++)
				ymodel_push(nv, ymodel_str(v->items[j]->value));
		} else if (!strcmp(k, "volumes")) {
			nv = volumes_node(p, v);
		} else if (!strcmp(k, "depends_on")) {
			nv = ymodel_map();
			for (size_t j = 0; j < v->n; j++) {
				const struct ynode *d = v->items[j];
				struct ynode *dm = ymodel_map();
				const char *cond = ynode_str(d, "condition");
				ymodel_put(dm, "condition", ymodel_str(cond ? cond : "service_started"));
				const char *req = ynode_str(d, "required");
				ymodel_put(dm, "required", bool_node(!req || truthy(req)));
				if (ynode_str(d, "restart"))
					ymodel_put(dm, "restart", bool_node(truthy(ynode_str(d, "restart"))));
				ymodel_put(nv, v->keys[j], dm);
			}
		} else if (!strcmp(k, "networks")) {
			nv = ymodel_map();
			for (size_t j = 0; j < v->n; j++)
				ymodel_put(nv, v->keys[j], ynode_is_null(v->items[j]) ? ymodel_typed("null")
										   : copy_typed(v->items[j]));
		} else if (!strcmp(k, "build")) {
			nv = build_node(p, v);
		} else if (!strcmp(k, "healthcheck")) {
			nv = healthcheck_node(v);
		} else if (!strcmp(k, "deploy")) {
			nv = deploy_node(v);
		} else if (!strcmp(k, "stop_grace_period")) {
			nv = dur_node(v->value);
		} else if (!strcmp(k, "mem_limit") || !strcmp(k, "mem_reservation") || !strcmp(k, "memswap_limit") ||
			   !strcmp(k, "shm_size")) {
			nv = size_node(v->value);
		} else if (!strcmp(k, "dns") || !strcmp(k, "dns_search") || !strcmp(k, "tmpfs")) {
			nv = ymodel_seq();
			if (v->kind == YNODE_SCALAR)
				ymodel_push(nv, ymodel_str(v->value));
			else
				for (size_t j = 0; j < v->n; j++)
					ymodel_push(nv, ymodel_str(v->items[j]->value));
		} else if (!strcmp(k, "secrets") || !strcmp(k, "configs")) {
			nv = ymodel_seq();
			for (size_t j = 0; j < v->n; j++) {
				const struct ynode *it = v->items[j];
				struct ynode *r = it->kind == YNODE_MAP ? copy_typed(it) : ymodel_map();
				if (it->kind == YNODE_SCALAR)
					ymodel_put(r, "source", ymodel_str(it->value));
				ymodel_push(nv, r);
			}
		} else if (!strcmp(k, "init") || !strcmp(k, "read_only") || !strcmp(k, "privileged") ||
			   !strcmp(k, "tty") || !strcmp(k, "stdin_open")) {
			nv = bool_node(truthy(v->value));
		} else {
			nv = copy_typed(v);
		}
		ymodel_put(m, k, nv);
	}
	const struct ynode *ef = ynode_get(s, "env_file");
	if (ef) {
		struct ynode *env = ynode_get(m, "environment");
		if (!env) {
			env = ymodel_map();
			ymodel_put(m, "environment", env);
		}
		if (env_files(p, ef, env, ynode_get(s, "environment"), err) < 0) {
			ynode_free(m);
			return -1;
		}
	}
	if (!ynode_get(m, "networks") && !ynode_get(m, "network_mode")) {
		struct ynode *nets = ymodel_map();
		ymodel_put(nets, "default", ymodel_typed("null"));
		ymodel_put(m, "networks", nets);
	}
	(void)name;
	*out = m;
	return 0;
}

bool compose_service_active(const struct compose_project *p, const char *name, const struct ynode *svc)
{
	const struct ynode *prof = ynode_get(svc, "profiles");
	if (!prof || prof->kind != YNODE_SEQ || prof->n == 0)
		return true;
	/* A service named on the command line runs whatever its profiles. */
	for (int i = 0; i < p->nexplicit; i++)
		if (strcmp(p->explicit_services[i], name) == 0)
			return true;
	for (size_t i = 0; i < prof->n; i++)
		for (size_t j = 0; j < p->nprofiles; j++)
			if (strcmp(p->profiles[j], "*") == 0 || strcmp(p->profiles[j], prof->items[i]->value) == 0)
				return true;
	return false;
}

/* Top-level volumes/networks/configs/secrets: names filled in. */
static struct ynode *resources_node(const struct compose_project *p, const struct ynode *n, bool files)
{
	struct ynode *m = ymodel_map();
	for (size_t i = 0; n && i < n->n; i++) {
		if (str_has_prefix(n->keys[i], "x-"))
			continue;
		const struct ynode *e = n->items[i];
		struct ynode *r = ynode_is_null(e) ? ymodel_map() : copy_typed(e);
		const struct ynode *ext = ynode_get(e, "external");
		bool external = ext && (ext->kind == YNODE_MAP || truthy(ext->value));
		if (ext) {
			ymodel_put(r, "external", bool_node(external));
			if (ext->kind == YNODE_MAP && ynode_str(ext, "name") && !ynode_str(e, "name"))
				ymodel_put(r, "name", ymodel_str(ynode_str(ext, "name")));
		}
		if (!ynode_get(r, "name")) {
			cleanup_free char *nm = external ? xstrdup(n->keys[i]) : xasprintf("%s_%s", p->name, n->keys[i]);
			ymodel_put(r, "name", ymodel_str(nm));
		}
		if (files && ynode_str(e, "file")) {
			cleanup_free char *a = resolve_path(p, ynode_str(e, "file"));
			ymodel_put(r, "file", ymodel_str(a));
		}
		if (ynode_get(e, "labels"))
			ymodel_put(r, "labels", strmap(ynode_get(e, "labels")));
		ymodel_put(m, n->keys[i], r);
	}
	return m;
}

int compose_normalise(struct compose_project *p, berr_t *err)
{
	struct ynode *model = ymodel_map();
	ymodel_put(model, "name", ymodel_str(p->name));
	struct ynode *svcs = ymodel_map();
	ymodel_put(model, "services", svcs);
	const struct ynode *raw = ynode_get(p->raw, "services");
	bool uses_default = false;
	for (size_t i = 0; raw && raw->kind == YNODE_MAP && i < raw->n; i++) {
		if (str_has_prefix(raw->keys[i], "x-"))
			continue;
		if (!compose_service_active(p, raw->keys[i], raw->items[i]))
			continue;
		struct ynode *s;
		if (service_node(p, raw->keys[i], raw->items[i], &s, err) < 0) {
			ynode_free(model);
			return -1;
		}
		if (ynode_get(ynode_get(s, "networks"), "default"))
			uses_default = true;
		ymodel_put(svcs, raw->keys[i], s);
	}
	struct ynode *nets = resources_node(p, ynode_get(p->raw, "networks"), false);
	if (uses_default && !ynode_get(nets, "default")) {
		struct ynode *d = ymodel_map();
		cleanup_free char *nm = xasprintf("%s_default", p->name);
		ymodel_put(d, "name", ymodel_str(nm));
		ymodel_put(nets, "default", d);
	}
	if (nets->n)
		ymodel_put(model, "networks", nets);
	else
		ynode_free(nets);
	static const char *const tops[] = {"volumes", "configs", "secrets"};
	for (size_t t = 0; t < 3; t++) {
		const struct ynode *src = ynode_get(p->raw, tops[t]);
		if (!src || ynode_is_null(src))
			continue;
		struct ynode *r = resources_node(p, src, t > 0);
		if (r->n)
			ymodel_put(model, tops[t], r);
		else
			ynode_free(r);
	}
	/* Extension fields at the top level are kept, as compose config does. */
	for (size_t i = 0; i < p->raw->n; i++)
		if (str_has_prefix(p->raw->keys[i], "x-"))
			ymodel_put(model, p->raw->keys[i], copy_typed(p->raw->items[i]));
	p->model = model;
	return 0;
}

/* Kahn's algorithm, ties broken by name so the order is stable. */
char **compose_service_order(const struct ynode *services, size_t *n)
{
	size_t cnt = services ? services->n : 0;
	char **out = xcalloc(cnt + 1, sizeof(char *));
	bool *done = xcalloc(cnt + 1, sizeof(bool));
	size_t k = 0;
	while (k < cnt) {
		ssize_t pick = -1;
		for (size_t i = 0; i < cnt; i++) {
			if (done[i])
				continue;
			const struct ynode *dep = ynode_get(services->items[i], "depends_on");
			bool ready = true;
			for (size_t j = 0; dep && j < dep->n && ready; j++)
				for (size_t x = 0; x < cnt; x++)
					if (!done[x] && strcmp(services->keys[x], dep->keys[j]) == 0)
						ready = false;
			if (ready && (pick < 0 || strcmp(services->keys[i], services->keys[pick]) < 0))
				pick = (ssize_t)i;
		}
		if (pick < 0) {
			for (size_t i = 0; i < k; i++)
				free(out[i]);
			free(out);
			free(done);
			return NULL;
		}
		done[pick] = true;
		out[k++] = xstrdup(services->keys[pick]);
	}
	free(done);
	*n = k;
	return out;
}
