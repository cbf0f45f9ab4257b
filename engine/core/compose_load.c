/* compose_load.c: from the command line's -f/-p/--env-file to one merged,
 * interpolated tree, as docker compose (compose-go) loads a project.
 *
 * Order, as compose-go: environment (process over --env-file/.env), each
 * file parsed and interpolated on its own and checked against the schema
 * (so a message names the file that is wrong), `include` and `extends`
 * resolved, the files merged in order, then the project name chosen:
 * -p, COMPOSE_PROJECT_NAME, top-level name:, the directory's name.
 */
#define _GNU_SOURCE
#include "compose.h"
#include "cleanup.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* ---- environment ---- */

const char *compose_env_get(const struct compose_env *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->keys[i], key) == 0)
			return e->vals[i];
	return NULL;
}

void compose_env_set(struct compose_env *e, const char *key, const char *val, bool override)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->keys[i], key) == 0) {
			if (override) {
				free(e->vals[i]);
				e->vals[i] = xstrdup(val);
			}
			return;
		}
	e->keys = xrealloc(e->keys, (e->n + 1) * sizeof(char *));
	e->vals = xrealloc(e->vals, (e->n + 1) * sizeof(char *));
	e->keys[e->n] = xstrdup(key);
	e->vals[e->n] = xstrdup(val);
	e->n++;
}

void compose_env_free(struct compose_env *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->keys[i]);
		free(e->vals[i]);
	}
	free(e->keys);
	free(e->vals);
	e->keys = e->vals = NULL;
	e->n = 0;
}

/* .env syntax as compose-go's dotenv: KEY=VALUE, `export ` allowed, # comments,
 * single quotes literal, double quotes with \n \t \\ \" escapes, an unquoted
 * value ends at " #", and ${VAR} in unquoted/double-quoted values is expanded
 * from what is known so far. */
int compose_env_parse(struct compose_env *e, const char *text, const char *name, bool override, berr_t *err)
{
	const char *p = text;
	int line = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		cleanup_free char *l = xstrndup(p, len);
		p += len + (eol ? 1 : 0);
		line++;
		char *s = l;
		while (isspace((unsigned char)*s))
			s++;
		size_t sl = strlen(s);
		while (sl && isspace((unsigned char)s[sl - 1]))
			s[--sl] = '\0';
		if (!*s || *s == '#')
			continue;
		if (str_has_prefix(s, "export ") || str_has_prefix(s, "export\t"))
			s += 7;
		char *eq = strchr(s, '=');
		char *key = s;
		if (!eq) {
			/* A bare KEY takes its value from the environment, if any. */
			const char *v = getenv(key);
			if (v)
				compose_env_set(e, key, v, override);
			continue;
		}
		*eq = '\0';
		size_t kl = strlen(key);
		while (kl && isspace((unsigned char)key[kl - 1]))
			key[--kl] = '\0';
		if (!kl || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != kl)
			return berr_make_status(err, 1, 0, "%s:%d: unexpected character in variable name \"%s\"", name, line,
						key);
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		cleanup_free char *val = NULL;
		bool expand = true;
		if (*v == '\'' || *v == '"') {
			char q = *v++;
			char *out = xmalloc(strlen(v) + 1), *o = out;
			while (*v && *v != q) {
				if (q == '"' && *v == '\\' && v[1]) {
					v++;
					*o++ = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v == 'r' ? '\r' : *v;
					v++;
				} else {
					*o++ = *v++;
				}
			}
			*o = '\0';
			if (*v != q) {
				free(out);
				return berr_make_status(err, 1, 0, "%s:%d: unterminated quoted value", name, line);
			}
			val = out;
			expand = q == '"';
		} else {
			char *hash = strstr(v, " #");
			if (hash)
				*hash = '\0';
			size_t vl = strlen(v);
			while (vl && isspace((unsigned char)v[vl - 1]))
				v[--vl] = '\0';
			val = xstrdup(v);
		}
		if (expand && strchr(val, '$')) {
			char *x = NULL, *why = NULL;
			if (compose_interpolate(val, e, &x, &why) == 0) {
				free(val);
				val = x;
			} else {
				free(why);
			}
		}
		compose_env_set(e, key, val, override);
	}
	return 0;
}

/* ---- interpolation ---- */

static bool name_start(int c)
{
	return isalpha(c) || c == '_';
}
static bool name_char(int c)
{
	return isalnum(c) || c == '_';
}

struct sbuf {
	char *s;
	size_t n, cap;
};
static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static int interp(const char *in, size_t len, const struct compose_env *env, struct sbuf *out, char **why, int depth)
{
	if (depth > 16) {
		*why = xstrdup("interpolation nested too deeply");
		return -1;
	}
	size_t i = 0;
	while (i < len) {
		if (in[i] != '$') {
			size_t j = i;
			while (j < len && in[j] != '$')
				j++;
			sb_add(out, in + i, j - i);
			i = j;
			continue;
		}
		if (i + 1 < len && in[i + 1] == '$') {
			sb_add(out, "$", 1);
			i += 2;
			continue;
		}
		if (i + 1 < len && name_start((unsigned char)in[i + 1])) {
			size_t j = i + 1;
			while (j < len && name_char((unsigned char)in[j]))
				j++;
			cleanup_free char *nm = xstrndup(in + i + 1, j - i - 1);
			const char *v = compose_env_get(env, nm);
			if (v)
				sb_add(out, v, strlen(v));
			i = j;
			continue;
		}
		if (i + 1 < len && in[i + 1] == '{') {
			/* Find the matching brace: defaults may nest ${...}. */
			size_t j = i + 2, lvl = 1;
			while (j < len && lvl) {
				if (in[j] == '{')
					lvl++;
				else if (in[j] == '}')
					lvl--;
				if (lvl)
					j++;
			}
			if (j >= len) {
				*why = xasprintf("invalid interpolation format for \"%.*s\": missing closing brace", (int)len,
						 in);
				return -1;
			}
			const char *b = in + i + 2;
			size_t bl = j - (i + 2);
			size_t k = 0;
			while (k < bl && name_char((unsigned char)b[k]))
				k++;
			if (k == 0 || !name_start((unsigned char)b[0])) {
				*why = xasprintf("invalid interpolation format for \"%.*s\"", (int)len, in);
				return -1;
			}
			cleanup_free char *nm = xstrndup(b, k);
			const char *v = compose_env_get(env, nm);
			const char *rest = b + k;
			size_t rl = bl - k;
			if (rl == 0) {
				if (v)
					sb_add(out, v, strlen(v));
			} else {
				bool colon = rest[0] == ':';
				char op = colon ? (rl > 1 ? rest[1] : 0) : rest[0];
				const char *arg = rest + (colon ? 2 : 1);
				size_t al = rl - (colon ? 2 : 1);
				if (colon && rl < 2)
					op = 0;
				bool set = v != NULL, nonempty = v && *v;
				bool cond = colon ? nonempty : set;
				if (op == '-') {
					if (cond)
						sb_add(out, v, strlen(v));
					else if (interp(arg, al, env, out, why, depth + 1) < 0)
						return -1;
				} else if (op == '+') {
					if (cond && interp(arg, al, env, out, why, depth + 1) < 0)
						return -1;
				} else if (op == '?') {
					if (!cond) {
						struct sbuf m = {0};
						if (interp(arg, al, env, &m, why, depth + 1) < 0)
							return -1;
						*why = xasprintf("required variable %s is missing a value%s%s", nm,
								 m.n ? ": " : "", m.n ? m.s : "");
						free(m.s);
						return -1;
					}
					sb_add(out, v, strlen(v));
				} else {
					*why = xasprintf("invalid interpolation format for \"%.*s\"", (int)len, in);
					return -1;
				}
			}
			i = j + 1;
			continue;
		}
		/* A lone $ (before a space, a digit, the end) is kept, as compose-go. */
		sb_add(out, "$", 1);
		i++;
	}
	return 0;
}

int compose_interpolate(const char *in, const struct compose_env *env, char **out, char **why)
{
	struct sbuf b = {0};
	*why = NULL;
	sb_add(&b, "", 0);
	if (interp(in, strlen(in), env, &b, why, 0) < 0) {
		free(b.s);
		return -1;
	}
	*out = b.s;
	return 0;
}

/* Interpolate every scalar value (not keys) in place; `path` names the key. */
static int interpolate_tree(struct ynode *n, const struct compose_env *env, const char *file, const char *path, berr_t *err)
{
	if (n->kind == YNODE_SCALAR) {
		if (!strchr(n->value, '$'))
			return 0;
		char *x, *why;
		if (compose_interpolate(n->value, env, &x, &why) < 0) {
			berr_make_status(err, 1, 0, "%s:%d:%d: %s: %s", file, n->line, n->col, path, why);
			(*err)->plain = 1;
			free(why);
			return -1;
		}
		free(n->value);
		n->value = x;
		return 0;
	}
	for (size_t i = 0; i < n->n; i++) {
		cleanup_free char *sub = n->kind == YNODE_MAP ? (*path ? xasprintf("%s.%s", path, n->keys[i])
								      : xstrdup(n->keys[i]))
							 : xasprintf("%s[%zu]", path, i);
		/* Extension fields (x-*) are interpolated too, as compose-go does. */
		if (interpolate_tree(n->items[i], env, file, sub, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- merging ---- */

static void map_add(struct ynode *map, const char *key, int line, int col, struct ynode *val)
{
	map->keys = xrealloc(map->keys, (map->n + 1) * sizeof(char *));
	map->key_lines = xrealloc(map->key_lines, (map->n + 1) * sizeof(int));
	map->key_cols = xrealloc(map->key_cols, (map->n + 1) * sizeof(int));
	map->items = xrealloc(map->items, (map->n + 1) * sizeof(struct ynode *));
	map->keys[map->n] = xstrdup(key);
	map->key_lines[map->n] = line;
	map->key_cols[map->n] = col;
	map->items[map->n] = val;
	map->n++;
}

static void seq_add(struct ynode *seq, struct ynode *val)
{
	seq->items = xrealloc(seq->items, (seq->n + 1) * sizeof(struct ynode *));
	seq->items[seq->n++] = val;
}

static bool scalar_eq(const struct ynode *a, const struct ynode *b)
{
	return a->kind == YNODE_SCALAR && b->kind == YNODE_SCALAR && strcmp(a->value, b->value) == 0;
}

/* Where a volume or mount lands: the key compose merges volumes by. */
static char *mount_target(const struct ynode *v)
{
	if (v->kind == YNODE_MAP) {
		const char *t = ynode_str(v, "target");
		return t ? xstrdup(t) : NULL;
	}
	if (v->kind != YNODE_SCALAR)
		return NULL;
	const char *s = v->value;
	const char *c1 = strchr(s, ':');
	if (!c1)
		return xstrdup(s);
	const char *c2 = strchr(c1 + 1, ':');
	return c2 ? xstrndup(c1 + 1, c2 - c1 - 1) : xstrdup(c1 + 1);
}

static char *by_source(const struct ynode *v)
{
	if (v->kind == YNODE_MAP) {
		const char *t = ynode_str(v, "source");
		return t ? xstrdup(t) : NULL;
	}
	return v->kind == YNODE_SCALAR ? xstrdup(v->value) : NULL;
}

/* A sequence merged by a key: an override entry replaces the base entry
 * with the same key, others are appended. */
static void merge_seq_by(struct ynode *base, struct ynode *over, char *(*keyof)(const struct ynode *))
{
	for (size_t i = 0; i < over->n; i++) {
		cleanup_free char *k = keyof(over->items[i]);
		bool done = false;
		for (size_t j = 0; k && j < base->n && !done; j++) {
			cleanup_free char *bk = keyof(base->items[j]);
			if (bk && strcmp(bk, k) == 0) {
				ynode_free(base->items[j]);
				base->items[j] = over->items[i];
				done = true;
			}
		}
		if (!done)
			seq_add(base, over->items[i]);
		over->items[i] = NULL;
	}
}

/* Append, skipping exact duplicates (ports, expose, dns, cap_add...). */
static void merge_seq_append(struct ynode *base, struct ynode *over)
{
	for (size_t i = 0; i < over->n; i++) {
		bool dup = false;
		for (size_t j = 0; j < base->n && !dup; j++)
			dup = scalar_eq(base->items[j], over->items[i]);
		if (!dup) {
			seq_add(base, over->items[i]);
			over->items[i] = NULL;
		}
	}
}

static void merge_node(struct ynode **slot, struct ynode *over, const char *path);

static void merge_map(struct ynode *base, struct ynode *over, const char *path)
{
	for (size_t i = 0; i < over->n; i++) {
		cleanup_free char *sub = *path ? xasprintf("%s.%s", path, over->keys[i]) : xstrdup(over->keys[i]);
		size_t j;
		for (j = 0; j < base->n; j++)
			if (strcmp(base->keys[j], over->keys[i]) == 0)
				break;
		if (j == base->n) {
			map_add(base, over->keys[i], over->key_lines[i], over->key_cols[i], over->items[i]);
			over->items[i] = NULL;
			continue;
		}
		merge_node(&base->items[j], over->items[i], sub);
		over->items[i] = NULL;
	}
}

/* The last component of a dotted path. */
static const char *leaf(const char *path)
{
	const char *d = strrchr(path, '.');
	return d ? d + 1 : path;
}

/* Service keys whose sequences are replaced, not appended, on override. */
static bool replaced_seq(const char *path)
{
	static const char *const keys[] = {"command", "entrypoint", "test", "profiles", "env_file", NULL};
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(leaf(path), keys[i]) == 0)
			return true;
	return false;
}

/* Takes ownership of `over`. */
static void merge_node(struct ynode **slot, struct ynode *over, const char *path)
{
	struct ynode *base = *slot;
	bool in_service = str_has_prefix(path, "services.");
	if (base->kind == YNODE_MAP && over->kind == YNODE_MAP) {
		merge_map(base, over, path);
		ynode_free(over);
		return;
	}
	if (base->kind == YNODE_SEQ && over->kind == YNODE_SEQ && in_service && !replaced_seq(path)) {
		const char *k = leaf(path);
		if (strcmp(k, "volumes") == 0 || strcmp(k, "tmpfs") == 0)
			merge_seq_by(base, over, strcmp(k, "volumes") == 0 ? mount_target : by_source);
		else if (strcmp(k, "secrets") == 0 || strcmp(k, "configs") == 0)
			merge_seq_by(base, over, by_source);
		else
			merge_seq_append(base, over);
		ynode_free(over);
		return;
	}
	ynode_free(base);
	*slot = over;
}

/* Lists of KEY=VALUE that compose reads as maps.  Normalising them to maps
 * before merging lets an override's `environment:` map replace one key of a
 * base file's list, as compose does. */
static void list_to_map(struct ynode **slot, bool split_eq)
{
	struct ynode *l = *slot;
	if (!l || l->kind != YNODE_SEQ)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i]->kind != YNODE_SCALAR)
			return; /* the validator reports it */
	struct ynode *m = xcalloc(1, sizeof(*m));
	m->kind = YNODE_MAP;
	m->line = l->line;
	m->col = l->col;
	for (size_t i = 0; i < l->n; i++) {
		struct ynode *it = l->items[i];
		char *eq = split_eq ? strchr(it->value, '=') : NULL;
		struct ynode *v = xcalloc(1, sizeof(*v));
		v->kind = YNODE_SCALAR;
		v->line = it->line;
		v->col = it->col;
		cleanup_free char *k = NULL;
		if (eq) {
			k = xstrndup(it->value, eq - it->value);
			v->value = xstrdup(eq + 1);
			v->plain = false;
		} else {
			k = xstrdup(it->value);
			v->value = xstrdup("");
			v->plain = true; /* null: take it from the environment */
		}
		size_t j;
		for (j = 0; j < m->n; j++)
			if (strcmp(m->keys[j], k) == 0)
				break;
		if (j < m->n) {
			ynode_free(m->items[j]);
			m->items[j] = v;
		} else {
			map_add(m, k, it->line, it->col, v);
		}
	}
	ynode_free(l);
	*slot = m;
}

static struct ynode **map_slot(struct ynode *m, const char *key)
{
	if (!m || m->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return &m->items[i];
	return NULL;
}

void compose_premerge_normalise(struct ynode *root)
{
	struct ynode *svcs = ynode_get(root, "services");
	if (!svcs || svcs->kind != YNODE_MAP)
		return;
	for (size_t i = 0; i < svcs->n; i++) {
		struct ynode *s = svcs->items[i];
		struct ynode **sl;
		if (s->kind != YNODE_MAP)
			continue;
		if ((sl = map_slot(s, "environment")))
			list_to_map(sl, true);
		if ((sl = map_slot(s, "labels")))
			list_to_map(sl, true);
		if ((sl = map_slot(s, "extra_hosts")))
			list_to_map(sl, true);
		if ((sl = map_slot(s, "sysctls")))
			list_to_map(sl, true);
		if ((sl = map_slot(s, "depends_on")))
			list_to_map(sl, false);
		if ((sl = map_slot(s, "networks")))
			list_to_map(sl, false);
		struct ynode *b = ynode_get(s, "build");
		if (b && (sl = map_slot(b, "args")))
			list_to_map(sl, true);
		if (b && (sl = map_slot(b, "labels")))
			list_to_map(sl, true);
	}
}

void compose_merge_files(struct ynode *base, struct ynode *over)
{
	merge_map(base, over, "");
	ynode_free(over);
}

/* ---- node → file ---- */

static void where_add(struct compose_nodefile *w, const struct ynode *n, int file)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->nodes = xrealloc(w->nodes, w->cap * sizeof(*w->nodes));
		w->file = xrealloc(w->file, w->cap * sizeof(int));
	}
	w->nodes[w->n] = n;
	w->file[w->n++] = file;
}

/* Every node is recorded: merging moves nodes between trees, so a node's
 * address still says which file it was written in. */
static void where_walk(struct compose_nodefile *w, const struct ynode *n, int file, int depth)
{
	where_add(w, n, file);
	for (size_t i = 0; i < n->n; i++)
		where_walk(w, n->items[i], file, depth + 1);
}

const char *compose_node_file(const struct compose_project *p, const struct ynode *n)
{
	for (size_t i = p->where.n; i-- > 0;)
		if (p->where.nodes[i] == n)
			return p->files[p->where.file[i]];
	return NULL;
}

/* ---- names ---- */

char *compose_normalise_name(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		int c = tolower((unsigned char)*s);
		if (isalnum(c) || ((c == '_' || c == '-') && o != out))
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* ---- files ---- */

static int add_file(struct compose_project *p, const char *name)
{
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof(char *));
	p->files[p->nfiles] = xstrdup(name);
	return (int)p->nfiles++;
}

static char *abs_path(const char *dir, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	if (strcmp(dir, "/") == 0)
		return xasprintf("/%s", path);
	return xasprintf("%s/%s", dir, path);
}

/* A name for messages: relative to the working directory when inside it. */
static char *display_name(const char *abs)
{
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof cwd)) {
		size_t l = strlen(cwd);
		if (strncmp(abs, cwd, l) == 0 && abs[l] == '/')
			return xstrdup(abs + l + 1);
	}
	return xstrdup(abs);
}

static int load_one(struct compose_project *p, const char *abs, struct ynode **out, int depth, berr_t *err);

/* extends: {service, file?}: the base service's keys under this one's. */
static int resolve_extends(struct compose_project *p, struct ynode *root, const char *file_abs, int depth,
			   berr_t *err)
{
	struct ynode *svcs = ynode_get(root, "services");
	if (!svcs || svcs->kind != YNODE_MAP)
		return 0;
	for (int pass = 0; pass < 16; pass++) {
		bool any = false;
		for (size_t i = 0; i < svcs->n; i++) {
			struct ynode *s = svcs->items[i];
			struct ynode **ex = map_slot(s, "extends");
			if (!ex)
				continue;
			any = true;
			const char *svc = (*ex)->kind == YNODE_SCALAR ? (*ex)->value : ynode_str(*ex, "service");
			const char *file = (*ex)->kind == YNODE_MAP ? ynode_str(*ex, "file") : NULL;
			if (!svc)
				return berr_make_status(err, 1, 0, "%s:%d:%d: services.%s.extends: service is required",
							p->files[p->nfiles - 1], (*ex)->line, (*ex)->col, svcs->keys[i]);
			struct ynode *base = NULL;
			cleanup_free char *dir = xstrdup(file_abs);
			dirname(dir);
			if (file) {
				struct ynode *other = NULL;
				cleanup_free char *fa = abs_path(dir, file);
				if (load_one(p, fa, &other, depth + 1, err) < 0)
					return -1;
				struct ynode *b = ynode_get(ynode_get(other, "services"), svc);
				base = b ? ymodel_copy(b) : NULL;
				ynode_free(other);
			} else {
				struct ynode *b = ynode_get(svcs, svc);
				if (b && ynode_get(b, "extends") && b != s)
					continue; /* resolve the base first, next pass */
				base = b && b != s ? ymodel_copy(b) : NULL;
			}
			if (!base)
				return berr_make_status(err, 1, 0, "%s:%d:%d: services.%s.extends: cannot extend service \"%s\": not found",
							p->files[p->nfiles - 1], (*ex)->line, (*ex)->col, svcs->keys[i], svc);
			/* Remove extends, then merge this service over its base. */
			size_t k = ex - s->items;
			ynode_free(s->items[k]);
			free(s->keys[k]);
			memmove(&s->items[k], &s->items[k + 1], (s->n - k - 1) * sizeof(*s->items));
			memmove(&s->keys[k], &s->keys[k + 1], (s->n - k - 1) * sizeof(*s->keys));
			memmove(&s->key_lines[k], &s->key_lines[k + 1], (s->n - k - 1) * sizeof(int));
			memmove(&s->key_cols[k], &s->key_cols[k + 1], (s->n - k - 1) * sizeof(int));
			s->n--;
			cleanup_free char *path = xasprintf("services.%s", svcs->keys[i]);
			int sl = s->line, sc = s->col;
			/* merge_node moves s's children over the base's and frees s */
			merge_node(&base, s, path);
			base->line = sl;
			base->col = sc;
			svcs->items[i] = base;
		}
		if (!any)
			return 0;
	}
	return berr_make_status(err, 1, 0, "%s: extends: circular reference", p->files[p->nfiles - 1]);
}

/* Parse, interpolate and check one file; `include` is resolved here. */
static int load_one(struct compose_project *p, const char *abs, struct ynode **out, int depth, berr_t *err)
{
	cleanup_free char *buf = NULL;
	cleanup_free char *name = display_name(abs);
	size_t len;
	struct ynode *root = NULL;
	if (depth > 8)
		return berr_make_status(err, 1, 0, "%s: include/extends nested too deeply", name);
	if (read_file(abs, &buf, &len, err) < 0) {
		if ((*err)->errnum == ENOENT) {
			berr_make_status(err, 1, 0, "open %s: no such file or directory", abs);
			(*err)->plain = 1;
		}
		return -1;
	}
	int fi = add_file(p, name);
	if (yaml_load(buf, len, name, &root, err) < 0) {
		(*err)->status = 1;
		return -1;
	}
	if (root->kind != YNODE_MAP) {
		int l = root->line, c = root->col;
		ynode_free(root);
		berr_make_status(err, 1, 0, "%s:%d:%d: top-level object must be a mapping", name, l, c);
		(*err)->plain = 1;
		return -1;
	}
	if (interpolate_tree(root, &p->env, name, "", err) < 0) {
		ynode_free(root);
		return -1;
	}
	if (compose_validate_file(root, name, err) < 0) {
		ynode_free(root);
		return -1;
	}
	compose_premerge_normalise(root);
	if (resolve_extends(p, root, abs, depth, err) < 0) {
		ynode_free(root);
		return -1;
	}
	where_walk(&p->where, root, fi, 0);

	/* include: each entry is loaded as its own files and merged under. */
	struct ynode **inc = map_slot(root, "include");
	if (inc) {
		cleanup_free char *dir = xstrdup(abs);
		dirname(dir);
		struct ynode *acc = NULL;
		for (size_t i = 0; i < (*inc)->n; i++) {
			struct ynode *e = (*inc)->items[i];
			struct ynode *paths = e->kind == YNODE_MAP ? ynode_get(e, "path") : e;
			size_t np = paths && paths->kind == YNODE_SEQ ? paths->n : 1;
			for (size_t j = 0; paths && j < np; j++) {
				struct ynode *pn = paths->kind == YNODE_SEQ ? paths->items[j] : paths;
				if (pn->kind != YNODE_SCALAR)
					continue;
				cleanup_free char *ia = abs_path(dir, pn->value);
				struct ynode *sub = NULL;
				if (load_one(p, ia, &sub, depth + 1, err) < 0) {
					ynode_free(root);
					ynode_free(acc);
					return -1;
				}
				if (acc)
					compose_merge_files(acc, sub);
				else
					acc = sub;
			}
		}
		/* Remove include from root, then root over the included files. */
		size_t k = inc - root->items;
		ynode_free(root->items[k]);
		free(root->keys[k]);
		memmove(&root->items[k], &root->items[k + 1], (root->n - k - 1) * sizeof(*root->items));
		memmove(&root->keys[k], &root->keys[k + 1], (root->n - k - 1) * sizeof(*root->keys));
		memmove(&root->key_lines[k], &root->key_lines[k + 1], (root->n - k - 1) * sizeof(int));
		memmove(&root->key_cols[k], &root->key_cols[k + 1], (root->n - k - 1) * sizeof(int));
		root->n--;
		if (acc) {
			compose_merge_files(acc, root);
			root = acc;
		}
	}
	*out = root;
	return 0;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static const char *const default_files[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
					    "docker-compose.yml", NULL};
static const char *const override_files[] = {"compose.override.yaml", "compose.override.yml",
					     "docker-compose.override.yaml", "docker-compose.override.yml", NULL};

/* compose looks in the working directory, then its parents. */
static char *find_default(const char *start)
{
	cleanup_free char *dir = xstrdup(start);
	for (;;) {
		for (size_t i = 0; default_files[i]; i++) {
			cleanup_free char *f = abs_path(dir, default_files[i]);
			if (exists(f))
				return steal_pointer(&f);
		}
		if (strcmp(dir, "/") == 0)
			return NULL;
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	}
}

void compose_project_free(struct compose_project *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->dir);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->nprofiles; i++)
		free(p->profiles[i]);
	free(p->profiles);
	compose_env_free(&p->env);
	ynode_free(p->raw);
	ynode_free(p->model);
	free(p->where.nodes);
	free(p->where.file);
	free(p);
}

static void split_list(const char *s, char sep, char ***v, size_t *n)
{
	cleanup_free char *c = xstrdup(s);
	char *save = NULL;
	char seps[2] = {sep, 0};
	for (char *t = strtok_r(c, seps, &save); t; t = strtok_r(NULL, seps, &save)) {
		*v = xrealloc(*v, (*n + 2) * sizeof(char *));
		(*v)[(*n)++] = xstrdup(t);
		(*v)[*n] = NULL;
	}
}

int compose_load(const struct compose_options *o, struct compose_project **out, berr_t *err)
{
	struct compose_project *p = xcalloc(1, sizeof(*p));
	char cwd[PATH_MAX];
	char **files = NULL;
	size_t nfiles = 0;
	char *base = NULL;
	int r = -1;

	if (!getcwd(cwd, sizeof cwd)) {
		berr_make(err, errno, "getcwd");
		goto out;
	}
	/* Files: -f, else COMPOSE_FILE, else discovery (+ the override file). */
	if (o->files && o->files[0]) {
		for (size_t i = 0; o->files[i]; i++) {
			files = xrealloc(files, (nfiles + 2) * sizeof(char *));
			files[nfiles++] = strcmp(o->files[i], "-") == 0 ? xstrdup("/dev/stdin") : abs_path(cwd, o->files[i]);
			files[nfiles] = NULL;
		}
	} else if (getenv("COMPOSE_FILE") && *getenv("COMPOSE_FILE")) {
		char **rel = NULL;
		size_t nr = 0;
		const char *sep = getenv("COMPOSE_PATH_SEPARATOR");
		split_list(getenv("COMPOSE_FILE"), sep && *sep ? *sep : ':', &rel, &nr);
		for (size_t i = 0; i < nr; i++) {
			files = xrealloc(files, (nfiles + 2) * sizeof(char *));
			files[nfiles++] = abs_path(o->project_dir ? o->project_dir : cwd, rel[i]);
			files[nfiles] = NULL;
			free(rel[i]);
		}
		free(rel);
	} else {
		cleanup_free char *start = o->project_dir ? abs_path(cwd, o->project_dir) : xstrdup(cwd);
		char *f = find_default(start);
		if (!f) {
			berr_make_status(err, 1, 0, "no configuration file provided: not found");
			(*err)->plain = 1;
			goto out;
		}
		files = xcalloc(3, sizeof(char *));
		files[nfiles++] = f;
		cleanup_free char *d = xstrdup(f);
		dirname(d);
		for (size_t i = 0; override_files[i]; i++) {
			char *of = abs_path(d, override_files[i]);
			if (exists(of)) {
				files[nfiles++] = of;
				break;
			}
			free(of);
		}
	}

	/* The project directory: --project-directory, else the first file's. */
	if (o->project_dir) {
		char *a = abs_path(cwd, o->project_dir);
		p->dir = realpath(a, NULL);
		if (!p->dir)
			p->dir = a;
		else
			free(a);
	} else {
		cleanup_free char *d = xstrdup(files[0]);
		if (strcmp(files[0], "/dev/stdin") == 0)
			p->dir = xstrdup(cwd);
		else {
			dirname(d);
			p->dir = realpath(d, NULL);
			if (!p->dir)
				p->dir = xstrdup(d);
		}
	}

	/* Environment: the process's wins over --env-file / .env. */
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		cleanup_free char *k = xstrndup(*e, eq - *e);
		compose_env_set(&p->env, k, eq + 1, true);
	}
	if (o->env_files && o->env_files[0]) {
		/* Later --env-file files override earlier ones, never the process. */
		struct compose_env fe = {0};
		for (size_t i = 0; o->env_files[i]; i++) {
			cleanup_free char *ef = abs_path(cwd, o->env_files[i]);
			cleanup_free char *text = NULL;
			size_t len;
			if (read_file(ef, &text, &len, err) < 0) {
				compose_env_free(&fe);
				berr_make_status(err, 1, 0, "couldn't find env file: %s", ef);
				(*err)->plain = 1;
				goto out;
			}
			if (compose_env_parse(&fe, text, o->env_files[i], true, err) < 0) {
				compose_env_free(&fe);
				goto out;
			}
		}
		for (size_t i = 0; i < fe.n; i++)
			compose_env_set(&p->env, fe.keys[i], fe.vals[i], false);
		compose_env_free(&fe);
	} else {
		cleanup_free char *ef = abs_path(p->dir, ".env");
		cleanup_free char *text = NULL;
		size_t len;
		if (exists(ef)) {
			if (read_file(ef, &text, &len, err) < 0)
				goto out;
			if (compose_env_parse(&p->env, text, ".env", false, err) < 0)
				goto out;
		}
	}

	p->explicit_services = o->explicit_services;
	p->nexplicit = o->nexplicit;
	/* Profiles: --profile, else COMPOSE_PROFILES. */
	if (o->profiles && o->profiles[0]) {
		for (size_t i = 0; o->profiles[i]; i++)
			split_list(o->profiles[i], ',', &p->profiles, &p->nprofiles);
	} else if (compose_env_get(&p->env, "COMPOSE_PROFILES")) {
		split_list(compose_env_get(&p->env, "COMPOSE_PROFILES"), ',', &p->profiles, &p->nprofiles);
	}

	for (size_t i = 0; i < nfiles; i++) {
		struct ynode *t = NULL;
		if (load_one(p, files[i], &t, 0, err) < 0)
			goto out;
		if (!p->raw)
			p->raw = t;
		else
			compose_merge_files(p->raw, t);
	}

	/* Project name: -p, COMPOSE_PROJECT_NAME, name:, the directory. */
	const char *nm = o->project_name;
	bool from_user = nm != NULL;
	if (!nm)
		nm = compose_env_get(&p->env, "COMPOSE_PROJECT_NAME");
	if (nm && !*nm)
		nm = NULL;
	if (!nm && ynode_str(p->raw, "name") && *ynode_str(p->raw, "name"))
		nm = ynode_str(p->raw, "name");
	base = xstrdup(p->dir);
	if (!nm)
		nm = basename(base);
	p->name = compose_normalise_name(nm);
	if (from_user && strcmp(p->name, nm) != 0) {
		berr_make_status(err, 1, 0,
				 "invalid project name \"%s\": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number",
				 nm);
		(*err)->plain = 1;
		goto out;
	}
	if (!*p->name) {
		berr_make_status(err, 1, 0, "project name must not be empty");
		(*err)->plain = 1;
		goto out;
	}
	if (compose_validate_project(p, err) < 0)
		goto out;
	if (compose_normalise(p, err) < 0)
		goto out;
	*out = steal_pointer(&p);
	r = 0;
out:
	free(base);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	compose_project_free(p);
	return r;
}
