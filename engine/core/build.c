/* build.c: executing a Dockerfile (see build.h).
 *
 * The Dockerfile is split into stages at each FROM.  Only the stages the
 * target needs are built (the target's FROM chain and every COPY --from),
 * each once, dependencies first; a stage nobody needs is never looked at
 * again, so it may even fail.
 *
 * Within a stage, each instruction is a step on top of the current image:
 *   RUN          a berth container (ctr_create + the runner, run's
 *                isolation) whose overlay upper dir becomes a tar layer with
 *                OCI whiteouts;
 *   COPY, ADD    a tar layer written straight from the sources;
 *   WORKDIR      a layer with the directory when the image lacks it;
 *   the others   the config only, with an empty_layer history entry.
 * Each step commits an image, as docker's classic builder does, and the
 * cache maps the step's key to it (buildcache.c).  The first miss in a
 * stage turns the cache off for the rest of it.
 *
 * Variables expand (dockerfile_expand) in exactly the instructions where
 * docker expands them; RUN's shell form is left to the shell, which gets
 * the build args in its environment.
 */
#define _GNU_SOURCE
#include "build.h"
#include "container.h"
#include "ctrconfig.h"
#include "db.h"
#include "dockerfile.h"
#include "image.h"
#include "layer.h"
#include "lifecycle.h"
#include "oci.h"
#include "ref.h"
#include "registry.h"
#include "runtime.h"
#include "store.h"
#include "units.h"
#include "util.h"
#include "cleanup.h"

#include <ctype.h>
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct stage {
	char *name;            /* AS name, lower case, or NULL */
	size_t first, end;     /* instructions [first, end); first is the FROM */
	int nsteps;            /* what progress counts: FROM, RUN, COPY, ADD, WORKDIR */
	int state;             /* 0 not built, 1 building, 2 built */
	char *image_id;
	char *rootdir;         /* flattened, for COPY --from */
	int rootfd;
	bool needed;
};

struct builder {
	struct berth *b;
	const struct build_opts *o;
	struct dockerfile df;
	const char *dfname;
	char **dflines;        /* for error excerpts */
	size_t n_dflines;
	struct buildctx ctx;
	struct bprog p;
	struct stage *st;
	size_t ns;
	char **meta_args;      /* ARGs before the first FROM: NAME=VALUE or NAME */
	size_t n_meta;
	char **flat_dirs;      /* flattened images for COPY --from=image */
	size_t n_flat;
	bool multi;
};

struct sstate {
	struct builder *B;
	struct stage *S;
	json_t *img;           /* the whole image config */
	json_t *cfg;           /* its "config" (borrowed) */
	char *id;              /* current image, NULL on scratch before any step */
	struct image_layer_desc *L;
	size_t nl;
	char **args;           /* NAME=VALUE, or NAME without value */
	size_t nargs;
	int step;
	bool cmd_set, cache_ok;
};

static void strv_add(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static void strv_del(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Ctrl-C or SIGTERM during a build: the running step's container is
 * killed and removed, nothing is committed or tagged, as docker cancels a
 * build ("context canceled"). */
static volatile sig_atomic_t canceled;

static void on_cancel(int sig)
{
	(void)sig;
	canceled = 1;
}

/* ---- errors ------------------------------------------------------------- */

/* Print docker's excerpt of the Dockerfile around the instruction that
 * starts at `line` (BuildKit's errdefs Source.Print): the instruction's
 * lines marked, with up to two lines of context either side of a one-line
 * instruction and one of a longer one. */
static void excerpt_to(FILE *f, struct builder *B, int line)
{
	int start = line, end = line, n = (int)B->n_dflines;
	for (size_t i = 0; i < B->df.n; i++)
		if (B->df.ins[i].line == line && B->df.ins[i].end_line > line)
			end = B->df.ins[i].end_line;
	if (start < 1 || start > n)
		return;
	if (end > n)
		end = n;
	int first = start, last = end;
	int pad = start == end ? 4 : 2;
	for (int p = 0; p < pad;) {
		if (start > 1) {
			start--;
			p++;
		}
		if (end != n) {
			end++;
			p++;
		}
		p++;
	}
	fprintf(f, "%s:%d\n--------------------\n", B->dfname, line);
	for (int i = start; i <= end; i++)
		fprintf(f, " %3d | %s %s\n", i, i >= first && i <= last ? ">>>" : "   ", B->dflines[i - 1]);
	fprintf(f, "--------------------\n");
}

static void excerpt(struct builder *B, int line)
{
	excerpt_to(stderr, B, line);
}

/* Turn err into "Dockerfile:LINE: message", status 1, printed as is. */
static int fail_at(struct builder *B, int line, berr_t *err)
{
	cleanup_free char *prefix = xasprintf("%s:", B->dfname);
	/* already placed (a stage this one depends on failed) */
	if (*err && str_has_prefix((*err)->msg, prefix) && (*err)->plain)
		return -1;
	cleanup_free char *m = xstrdup(*err ? (*err)->msg : "build failed");
	berr_free(err);
	excerpt(B, line);
	berr_make_status(err, 1, 0, "%s:%d: %s", B->dfname, line, m);
	(*err)->plain = 1;
	return -1;
}

/* ---- variables ------------------------------------------------------------ */

static const char *env_get(json_t *cfg, const char *name)
{
	json_t *env = json_object_get(cfg, "Env"), *e;
	size_t i, l = strlen(name);
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && !strncmp(s, name, l) && s[l] == '=')
			return s + l + 1;
	}
	return NULL;
}

static const char *strv_value(char **v, size_t n, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = n; i-- > 0;)
		if (!strncmp(v[i], name, l) && v[i][l] == '=')
			return v[i] + l + 1;
	return NULL;
}

/* --build-arg NAME=V, or NAME (taken from our environment). */
static const char *build_arg(struct builder *B, const char *name, bool *given)
{
	size_t l = strlen(name);
	*given = false;
	for (char *const *a = B->o->build_args; a && *a; a++) {
		if (!strncmp(*a, name, l) && (*a)[l] == '=') {
			*given = true;
			return *a + l + 1;
		}
		if (!strcmp(*a, name)) {
			const char *v = getenv(name);
			if (v) {
				*given = true;
				return v;
			}
		}
	}
	return NULL;
}

static const char *stage_lookup(void *ctx, const char *name)
{
	struct sstate *s = ctx;
	const char *v = env_get(s->cfg, name);
	if (v)
		return v;
	return strv_value(s->args, s->nargs, name);
}

static const char *meta_lookup(void *ctx, const char *name)
{
	struct builder *B = ctx;
	const char *v = strv_value(B->meta_args, B->n_meta, name);
	if (v)
		return v;
	return dockerfile_platform_arg(name);
}

static char *expand(struct sstate *s, const char *w, berr_t *err)
{
	return dockerfile_expand(w, s->B->df.escape, stage_lookup, NULL, s, err);
}

/* ---- images ------------------------------------------------------------- */

static char *rfc3339_now(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct timespec ts;
	struct tm tm;
	char buf[64], frac[16];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (sde && *sde) {
		ts.tv_sec = (time_t)strtoll(sde, NULL, 10);
		ts.tv_nsec = 0;
	}
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), "%09ld", ts.tv_nsec);
	for (int i = 8; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	return frac[0] ? xasprintf("%s.%sZ", buf, frac) : xasprintf("%sZ", buf);
}

static int load_layers(struct berth *b, const char *id, struct image_layer_desc **out, size_t *n, berr_t *err)
{
	sqlite3 *db;
	cleanup_stmt sqlite3_stmt *st = NULL;
	*out = NULL;
	*n = 0;
	if (berth_db(b, &db, err) < 0 ||
	    db_prepare(db,
		       "SELECT il.chain_id, l.diff_id, il.blob, il.media_type, il.blob_size, l.size "
		       "FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id WHERE il.image_id = ? ORDER BY il.idx",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		struct image_layer_desc *d = &(*out)[(*n)++];
		memset(d, 0, sizeof(*d));
		snprintf(d->chain_id, sizeof(d->chain_id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(d->diff_id, sizeof(d->diff_id), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(d->blob, sizeof(d->blob), "%s", (const char *)sqlite3_column_text(st, 2));
		const char *mt = (const char *)sqlite3_column_text(st, 3);
		d->media_type = mt && strstr(mt, "gzip")   ? "application/vnd.oci.image.layer.v1.tar+gzip"
				: mt && strstr(mt, "zstd") ? "application/vnd.oci.image.layer.v1.tar+zstd"
				: mt && strstr(mt, "docker") ? "application/vnd.docker.image.rootfs.diff.tar"
							     : "application/vnd.oci.image.layer.v1.tar";
		if (mt && strstr(mt, "docker") && strstr(mt, "gzip"))
			d->media_type = "application/vnd.docker.image.rootfs.diff.tar.gzip";
		d->blob_size = sqlite3_column_int64(st, 4);
		d->size = sqlite3_column_int64(st, 5);
	}
	return 0;
}

/* Make the state the image `id`. */
static int state_load(struct sstate *s, const char *id, berr_t *err)
{
	struct image *img = NULL;
	if (image_get(s->B->b, id, &img, err) < 0)
		return -1;
	json_decref(s->img);
	s->img = json_deep_copy(img->config_json);
	image_free(img);
	if (!json_is_object(json_object_get(s->img, "config")))
		json_object_set_new(s->img, "config", json_object());
	s->cfg = json_object_get(s->img, "config");
	free(s->L);
	if (load_layers(s->B->b, id, &s->L, &s->nl, err) < 0)
		return -1;
	free(s->id);
	s->id = xstrdup(id);
	return 0;
}

static void state_scratch(struct sstate *s)
{
	json_decref(s->img);
	s->img = json_pack("{s:s, s:s, s:{}, s:[], s:{s:s, s:[]}}", "architecture", "amd64", "os", "linux", "config",
			   "history", "rootfs", "type", "layers", "diff_ids");
	s->cfg = json_object_get(s->img, "config");
	json_object_set_new(s->cfg, "Env",
			    json_pack("[s]", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	free(s->L);
	s->L = NULL;
	s->nl = 0;
	free(s->id);
	s->id = NULL;
}

/* ---- history text, as docker's classic builder writes it ----------------- */

static void buf_add(char **buf, size_t *len, size_t *cap, const char *t)
{
	size_t l = strlen(t);
	if (*len + l + 1 > *cap)
		*buf = xrealloc(*buf, *cap = (*len + l + 1) * 2);
	memcpy(*buf + *len, t, l + 1);
	*len += l;
}

/* Go's strconv.Quote for the ASCII range (other bytes, UTF-8, pass): the
 * classic builder prints CMD and ENTRYPOINT with %q. */
static void go_quote_into(char **buf, size_t *len, size_t *cap, const char *str)
{
	buf_add(buf, len, cap, "\"");
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		char t[8];
		switch (*p) {
		case '"': snprintf(t, sizeof(t), "\\\""); break;
		case '\\': snprintf(t, sizeof(t), "\\\\"); break;
		case '\a': snprintf(t, sizeof(t), "\\a"); break;
		case '\b': snprintf(t, sizeof(t), "\\b"); break;
		case '\f': snprintf(t, sizeof(t), "\\f"); break;
		case '\n': snprintf(t, sizeof(t), "\\n"); break;
		case '\r': snprintf(t, sizeof(t), "\\r"); break;
		case '\t': snprintf(t, sizeof(t), "\\t"); break;
		case '\v': snprintf(t, sizeof(t), "\\v"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				snprintf(t, sizeof(t), "\\x%02x", *p);
			else
				snprintf(t, sizeof(t), "%c", *p);
		}
		buf_add(buf, len, cap, t);
	}
	buf_add(buf, len, cap, "\"");
}

/* fmt's %q of a []string: ["a" "b c"]; with quote false, %v: [a b c]. */
static char *go_list(json_t *arr, bool quote)
{
	size_t len = 0, cap = 64, i;
	char *buf = xmalloc(cap);
	json_t *e;
	buf[0] = '\0';
	buf_add(&buf, &len, &cap, "[");
	json_array_foreach(arr, i, e) {
		const char *v = json_string_value(e);
		if (i)
			buf_add(&buf, &len, &cap, " ");
		if (quote)
			go_quote_into(&buf, &len, &cap, v ? v : "");
		else
			buf_add(&buf, &len, &cap, v ? v : "");
	}
	buf_add(&buf, &len, &cap, "]");
	return buf;
}

/* Go's time.Duration.String(): 1m30s, 0s, 1.5s, 500ms, 1h0m0s. */
static void go_duration(long long d, char *out, size_t n)
{
	unsigned long long u = d < 0 ? (unsigned long long)-d : (unsigned long long)d;
	const char *sign = d < 0 ? "-" : "";
	char frac[16] = "";
	int prec;
	if (u == 0) {
		snprintf(out, n, "0s");
		return;
	}
	if (u < 1000ULL) {
		snprintf(out, n, "%s%lluns", sign, u);
		return;
	}
	prec = u < 1000000ULL ? 3 : u < 1000000000ULL ? 6 : 9;
	unsigned long long p10 = 1;
	for (int i = 0; i < prec; i++)
		p10 *= 10;
	unsigned long long whole = u / p10, f = u % p10;
	if (f) {
		snprintf(frac, sizeof(frac), ".%0*llu", prec, f);
		for (size_t l = strlen(frac); frac[l - 1] == '0'; l--)
			frac[l - 1] = '\0';
	}
	if (prec == 3) {
		snprintf(out, n, "%s%llu%s\xc2\xb5s", sign, whole, frac);
	} else if (prec == 6) {
		snprintf(out, n, "%s%llu%sms", sign, whole, frac);
	} else {
		unsigned long long sec = whole % 60, min = whole / 60, hr = min / 60;
		if (hr)
			snprintf(out, n, "%s%lluh%llum%llu%ss", sign, hr, min % 60, sec, frac);
		else if (min)
			snprintf(out, n, "%s%llum%llu%ss", sign, min, sec, frac);
		else
			snprintf(out, n, "%s%llu%ss", sign, sec, frac);
	}
}

/* The classic builder's HEALTHCHECK %q of *container.HealthConfig:
 * &{["CMD" "true"] "1m30s" "0s" "0s" "0s" '\x03'}: Test, then Interval,
 * Timeout, StartPeriod, StartInterval as quoted durations, then Retries
 * through %q, i.e. as a quoted rune. */
static char *go_healthcheck(json_t *h)
{
	static const char *const f[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
	cleanup_free char *test = go_list(json_object_get(h, "Test"), true);
	char *out = xasprintf("&{%s", test);
	for (size_t i = 0; i < 4; i++) {
		char d[64];
		go_duration(json_integer_value(json_object_get(h, f[i])), d, sizeof(d));
		char *t = xasprintf("%s \"%s\"", out, d);
		free(out);
		out = t;
	}
	long long r = json_integer_value(json_object_get(h, "Retries"));
	char q[16];
	if (r == '\'' || r == '\\')
		snprintf(q, sizeof(q), "'\\%c'", (char)r);
	else if (r >= 0x20 && r < 0x7f)
		snprintf(q, sizeof(q), "'%c'", (char)r);
	else if (r >= 0 && r < 0x80)
		snprintf(q, sizeof(q), r == 7 ? "'\\a'" : r == 8 ? "'\\b'" : r == 9 ? "'\\t'" : r == 10 ? "'\\n'"
			 : r == 11 ? "'\\v'" : r == 12 ? "'\\f'" : r == 13 ? "'\\r'" : "'\\x%02llx'", r);
	else if (r >= 0x80 && r <= 0xffff)
		snprintf(q, sizeof(q), "'\\u%04llx'", r);
	else
		snprintf(q, sizeof(q), "'\\U%08llx'", r);
	char *t = xasprintf("%s %s}", out, q);
	free(out);
	return t;
}

/* Commit the state as a new image (its parent the current one). */
static int commit(struct sstate *s, const char *created_by, const struct image_layer_desc *newlayer, bool history,
		  berr_t *err)
{
	struct berth *b = s->B->b;
	cleanup_free char *created = rfc3339_now();
	cleanup_free char *config = NULL;
	char id[DIGEST_LEN];
	sqlite3 *db;
	json_t *diff, *hist;

	if (newlayer) {
		s->L = xrealloc(s->L, (s->nl + 1) * sizeof(*s->L));
		s->L[s->nl++] = *newlayer;
	}
	json_object_set_new(s->img, "created", json_string(created));
	json_object_set_new(s->img, "architecture", json_string("amd64"));
	json_object_set_new(s->img, "os", json_string("linux"));
	hist = json_object_get(s->img, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(s->img, "history", hist);
	}
	cleanup_free char *by = NULL;
	if (history && str_has_prefix(created_by, "/bin/sh -c #(nop) ")) {
		/* the classic builder writes "#(nop)" after the SHELL in force */
		json_t *sh = json_object_get(s->cfg, "Shell");
		if (json_array_size(sh)) {
			cleanup_free char *list = go_list(sh, false);
			list[strlen(list) - 1] = '\0';
			by = xasprintf("%s #(nop) %s", list + 1, created_by + strlen("/bin/sh -c #(nop) "));
			created_by = by;
		}
	}
	if (history) {
		json_t *h = json_pack("{s:s, s:s}", "created", created, "created_by", created_by);
		if (!newlayer)
			json_object_set_new(h, "empty_layer", json_true());
		json_array_append_new(hist, h);
	}
	diff = json_array();
	for (size_t i = 0; i < s->nl; i++)
		json_array_append_new(diff, json_string(s->L[i].diff_id));
	json_object_set_new(s->img, "rootfs", json_pack("{s:s, s:o}", "type", "layers", "diff_ids", diff));
	config = oci_dump_compact(s->img);
	if (store_put(b, config, strlen(config), NULL, id, err) < 0 || berth_db(b, &db, err) < 0 ||
	    db_begin(db, err) < 0)
		return -1;
	if (image_insert(db, id, config, strlen(config), s->L, s->nl, s->id, NULL, err) < 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db, err) < 0) {
		db_rollback(db);
		return -1;
	}
	free(s->id);
	s->id = xstrdup(id);
	return 0;
}

/* Is `path` (absolute) in the current image, and what is it?  Layers are
 * searched top-down; a whiteout ends the search. */
static bool image_stat(struct sstate *s, const char *path, struct stat *out)
{
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return out->st_mode = S_IFDIR | 0755, true;
	for (size_t i = s->nl; i-- > 0;) {
		cleanup_free char *d = layer_dir(s->B->b, s->L[i].chain_id);
		cleanup_close int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat st;
		if (dfd < 0)
			continue;
		if (fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
				return false;
			*out = st;
			return true;
		}
	}
	return false;
}

/* ---- progress names ------------------------------------------------------ */

static char *step_name(struct sstate *s, const char *text)
{
	struct builder *B = s->B;
	s->step++;
	if (!B->multi)
		return xasprintf("[%d/%d] %s", s->step, s->S->nsteps, text);
	if (s->S->name)
		return xasprintf("[%s %d/%d] %s", s->S->name, s->step, s->S->nsteps, text);
	return xasprintf("[stage-%d %d/%d] %s", (int)(s->S - B->st), s->step, s->S->nsteps, text);
}

/* ---- the cache ----------------------------------------------------------- */

static void cache_key(struct sstate *s, const char *text, char key[DIGEST_LEN])
{
	cleanup_free char *k = xasprintf("%s\n%s", s->id ? s->id : "scratch", text);
	sha256_digest(k, strlen(k), key);
}

/* A cached result for this step?  Loads it and says CACHED. */
static int try_cache(struct sstate *s, const char *key, bool *hit, berr_t *err)
{
	*hit = false;
	if (s->B->o->no_cache || !s->cache_ok)
		return 0;
	cleanup_free char *id = buildcache_get(s->B->b, key);
	if (!id) {
		s->cache_ok = false;
		return 0;
	}
	if (state_load(s, id, err) < 0)
		return -1;
	*hit = true;
	return 0;
}

/* ---- RUN ------------------------------------------------------------------ */

/* The build args RUN sees: declared in the stage, with a value, not
 * shadowed by ENV. */
static char **run_env(struct sstate *s)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < s->nargs; i++) {
		char *eq = strchr(s->args[i], '=');
		if (!eq)
			continue;
		cleanup_free char *name = xstrndup(s->args[i], (size_t)(eq - s->args[i]));
		if (env_get(s->cfg, name))
			continue;
		/* a later re-declaration wins: keep the last one only */
		bool later = false;
		for (size_t j = i + 1; j < s->nargs; j++)
			if (!strncmp(s->args[j], name, strlen(name)) &&
			    (s->args[j][strlen(name)] == '=' || !s->args[j][strlen(name)]))
				later = true;
		if (!later)
			strv_add(&v, &n, xstrdup(s->args[i]));
	}
	return v;
}

static void drop_mount_placeholders(int upfd)
{
	static const char *const f[] = {"etc/hosts", "etc/hostname", "etc/resolv.conf"};
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		if (fstatat(upfd, f[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
			unlinkat(upfd, f[i], 0);
	}
	unlinkat(upfd, "etc", AT_REMOVEDIR); /* only if it is empty now */
}

/* net: "default" (the default bridge, as docker build), "none" or "host". */
static int run_container(struct sstate *s, char **argv, char **env, const char *net, int *code,
			 struct image_layer_desc *layer, berr_t *err)
{
	struct berth *b = s->B->b;
	const char *wd = json_string_value(json_object_get(s->cfg, "WorkingDir"));
	const char *user = json_string_value(json_object_get(s->cfg, "User"));
	struct create_opts co = {
		.image = s->id,
		.cmd = argv,
		.entrypoint = "",
		.env = env,
		.workdir = wd && *wd ? wd : NULL,
		.user = user && *user ? user : NULL,
		.stop_timeout = -1,
		.nv = {.network = strcmp(net, "default") ? net : NULL},
	};
	struct container *c = NULL;
	struct runner r;
	struct spawned sp;
	bool have_runner = false;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (ctr_create(b, &co, false, &c, err) < 0)
		return -1;
	if (runner_init(b, c, &r, NULL, NULL, err) < 0)
		goto out;
	have_runner = true;
	if (!r.rootfs.mount_data) {
		berr_make(err, 0, "RUN needs overlayfs for its layer, and the kernel refused it here");
		goto out;
	}
	if (runner_spawn(&r, &sp, err) < 0)
		goto out;
	{
		struct pollfd p[2] = {{sp.out_fd, POLLIN, 0}, {sp.err_fd, POLLIN, 0}};
		char buf[8192];
		bool killed = false;
		int open_n = (sp.out_fd >= 0) + (sp.err_fd >= 0);
		while (open_n > 0) {
			if (canceled && !killed) {
				kill(sp.pid, SIGKILL);
				killed = true;
			}
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < 2; i++) {
				if (p[i].fd < 0 || !p[i].revents)
					continue;
				ssize_t n = read(p[i].fd, buf, sizeof(buf));
				if (n > 0) {
					bprog_output(&s->B->p, buf, (size_t)n);
				} else if (n == 0 || errno != EINTR) {
					p[i].fd = -1;
					open_n--;
				}
			}
		}
		int st = 0;
		while (waitpid(sp.pid, &st, 0) < 0 && errno == EINTR)
			;
		*code = wait_status_code(st);
		spawned_close(&sp);
		runner_reap(&r);
		if (canceled) {
			berr_make_status(err, 1, 0, "context canceled");
			goto out;
		}
	}
	if (*code == 0) {
		cleanup_close int upfd = open(r.rootfs.upper_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (upfd < 0) {
			berr_make(err, errno, "open %s", r.rootfs.upper_dir);
			goto out;
		}
		drop_mount_placeholders(upfd);
		if (build_layer_from_upper(b, r.rootfs.upper_dir, s->nl ? s->L[s->nl - 1].chain_id : NULL, layer,
					   err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (have_runner)
		runner_free(&r);
	if (c) {
		cleanup_berr berr_t e2 = NULL;
		ctr_remove_files(b, c, &e2);
		container_free(c);
	}
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_words(char **v)
{
	size_t l = 1;
	for (char **p = v; *p; p++)
		l += strlen(*p) + 1;
	char *s = xmalloc(l), *q = s;
	for (char **p = v; *p; p++)
		q += sprintf(q, "%s%s", p == v ? "" : " ", *p);
	*q = '\0';
	return s;
}

static char **shell_of(struct sstate *s)
{
	char **sh = json_to_strv(json_object_get(s->cfg, "Shell"));
	if (!sh || !sh[0]) {
		strv_del(sh);
		sh = xcalloc(3, sizeof(char *));
		sh[0] = xstrdup("/bin/sh");
		sh[1] = xstrdup("-c");
	}
	return sh;
}

static char **with_shell(struct sstate *s, const char *script)
{
	char **sh = shell_of(s);
	size_t n = 0;
	while (sh[n])
		n++;
	strv_add(&sh, &n, xstrdup(script));
	return sh;
}

static int do_run(struct sstate *s, struct df_instr *in, berr_t *err)
{
	cleanup_strv char **argv = NULL;
	cleanup_strv char **env = run_env(s);
	cleanup_free char *name = NULL, *key_text = NULL, *created_by = NULL, *envs = NULL;
	char key[DIGEST_LEN];
	bool hit;
	int code = 0;

	/* RUN joins the default bridge, as docker build's steps do; --network
	 * on the command line or on the RUN says otherwise. */
	const char *net = s->B->o->network && *s->B->o->network ? s->B->o->network : "default";
	for (char **f = in->flags; *f; f++) {
		if (str_has_prefix(*f, "--network=")) {
			net = *f + 10;
			if (strcmp(net, "default") && strcmp(net, "none") && strcmp(net, "host"))
				return berr_make_status(err, 1, 0, "unsupported network mode \"%s\": default, none or host", net);
			continue;
		}
		if (str_has_prefix(*f, "--mount=") || str_has_prefix(*f, "--security="))
			return berr_make_status(err, 1, 0, "RUN %.*s is not supported by berth's builder", (int)strcspn(*f, "="), *f);
		return berr_make_status(err, 1, 0, "unknown flag: %s", *f);
	}
	if (!s->id)
		return berr_make_status(err, 1, 0, "RUN on scratch: the image has no shell to run it with");
	if (in->json) {
		size_t n = 0;
		argv = xcalloc(1, sizeof(char *));
		for (char **a = in->args; *a; a++)
			strv_add(&argv, &n, xstrdup(*a));
	} else {
		char *script;
		if (in->n_heredocs && !strncmp(in->rest, "<<", 2) && !strchr(in->rest, ' ') && in->n_heredocs == 1) {
			script = xstrdup(in->heredocs[0].content);
		} else {
			script = xstrdup(in->rest);
			for (size_t i = 0; i < in->n_heredocs; i++) {
				char *t = xasprintf("%s\n%s%s", script, in->heredocs[i].content, in->heredocs[i].name);
				free(script);
				script = t;
			}
		}
		argv = with_shell(s, script);
		free(script);
	}
	cleanup_free char *cmdline = in->json ? join_words(argv) : NULL;
	{
		size_t ne = 0;
		while (env[ne])
			ne++;
		/* the classic builder sorts them: "|2 A=1 B=2 cmd" */
		cleanup_free char **sorted = xcalloc(ne + 1, sizeof(char *));
		memcpy(sorted, env, ne * sizeof(char *));
		qsort(sorted, ne, sizeof(char *), cmp_str);
		envs = ne ? join_words(sorted) : xstrdup("");
		const char *shown = in->json ? cmdline : NULL;
		cleanup_free char *sh = NULL;
		if (!shown) {
			sh = join_words(argv);
			shown = sh;
		}
		created_by = ne ? xasprintf("|%zu %s %s", ne, envs, shown) : xstrdup(shown);
	}
	/* The network is part of the step, as in BuildKit's cache key; the
	 * default adds nothing, so earlier caches stay valid. */
	key_text = strcmp(net, "default") ? xasprintf("RUN\nnetwork=%s\n%s", net, created_by)
					  : xasprintf("RUN\n%s", created_by);
	name = step_name(s, in->orig);
	bprog_start(&s->B->p, name);
	cache_key(s, key_text, key);
	if (try_cache(s, key, &hit, err) < 0)
		return -1;
	if (hit) {
		bprog_cached(&s->B->p);
		return 0;
	}
	struct image_layer_desc layer;
	if (run_container(s, argv, env, net, &code, &layer, err) < 0) {
		bprog_error(&s->B->p, (*err)->msg);
		return -1;
	}
	if (code != 0) {
		cleanup_free char *shown = in->json ? xstrdup(cmdline) : join_words(argv);
		cleanup_free char *m = xasprintf("process \"%s\" did not complete successfully: exit code: %d", shown, code);
		bprog_error(&s->B->p, m);
		return berr_make_status(err, 1, 0, "%s", m);
	}
	if (commit(s, created_by, &layer, true, err) < 0 || buildcache_put(s->B->b, key, s->id, err) < 0)
		return -1;
	bprog_done(&s->B->p);
	return 0;
}

/* ---- COPY / ADD ------------------------------------------------------------ */

static int build_stage(struct builder *B, size_t idx, berr_t *err);

static int find_stage(struct builder *B, const char *name, size_t before)
{
	char *end;
	long n = strtol(name, &end, 10);
	if (*name && !*end && n >= 0 && (size_t)n < before)
		return (int)n;
	for (size_t i = 0; i < before; i++)
		if (B->st[i].name && !strcasecmp(B->st[i].name, name))
			return (int)i;
	return -1;
}

/* A directory with an image's layers applied in order (COPY --from). */
static int flatten(struct builder *B, const char *image_id, char **dir_out, int *fd_out, berr_t *err)
{
	struct image_layer_desc *L = NULL;
	size_t n = 0;
	const char *td = getenv("TMPDIR");
	char *dir = xasprintf("%s/berth-from-XXXXXX", td && *td ? td : "/tmp");
	int rc = -1, dfd = -1;

	if (!mkdtemp(dir)) {
		berr_make(err, errno, "mkdtemp");
		free(dir);
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || load_layers(B->b, image_id, &L, &n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ld = layer_dir(B->b, L[i].chain_id);
		cleanup_close int lfd = open(ld, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lfd < 0) {
			berr_make(err, errno, "open %s", ld);
			goto out;
		}
		if (layer_apply_dir(lfd, dfd, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(L);
	if (rc < 0) {
		if (dfd >= 0)
			close(dfd);
		remove_tree(dir, NULL);
		free(dir);
		return -1;
	}
	*dir_out = dir;
	*fd_out = dfd;
	return 0;
}

static long lookup_id(struct sstate *s, const char *file, const char *name)
{
	char *end;
	long v = strtol(name, &end, 10);
	if (*name && !*end)
		return v;
	cleanup_free char *path = xasprintf("/%s", file);
	struct stat st;
	if (!image_stat(s, path, &st))
		return -1;
	for (size_t i = s->nl; i-- > 0;) {
		cleanup_free char *ld = layer_dir(s->B->b, s->L[i].chain_id);
		cleanup_free char *p = xasprintf("%s/%s", ld, file);
		FILE *f = fopen(p, "re");
		if (!f)
			continue;
		char line[1024];
		long id = -1;
		while (fgets(line, sizeof(line), f)) {
			char *colon = strchr(line, ':');
			if (!colon || (size_t)(colon - line) != strlen(name) || strncmp(line, name, strlen(name)))
				continue;
			char *second = strchr(colon + 1, ':');
			if (second)
				id = strtol(second + 1, NULL, 10);
			break;
		}
		fclose(f);
		return id;
	}
	return -1;
}

static int parse_chown(struct sstate *s, const char *v, long *uid, long *gid, berr_t *err)
{
	cleanup_free char *u = xstrdup(v);
	char *colon = strchr(u, ':');
	if (colon)
		*colon++ = '\0';
	*uid = lookup_id(s, "etc/passwd", u);
	if (*uid < 0)
		return berr_make_status(err, 1, 0, "unable to convert uid/gid chown string to host mapping: can't find uid for user %s", u);
	if (colon) {
		*gid = lookup_id(s, "etc/group", colon);
		if (*gid < 0)
			return berr_make_status(err, 1, 0, "unable to convert uid/gid chown string to host mapping: can't find gid for group %s", colon);
	} else {
		*gid = *uid;
	}
	return 0;
}

struct fetch {
	FILE *f;
	struct sha256 *h;
};

static size_t fetch_cb(char *p, size_t sz, size_t n, void *ctx)
{
	struct fetch *fe = ctx;
	sha256_update(fe->h, p, sz * n);
	return fwrite(p, sz, n, fe->f);
}

/* ADD https://...: into dir/<basename>, verified against --checksum. */
static int fetch_url(const char *url, const char *checksum, const char *dir, char **name_out, berr_t *err)
{
	const char *base = strrchr(url, '/');
	cleanup_free char *name = NULL;
	char digest[DIGEST_LEN];
	CURL *c;
	CURLcode cr;
	long status = 0;
	struct fetch fe;

	base = base && base[1] ? base + 1 : "index.html";
	name = xstrndup(base, strcspn(base, "?#"));
	if (!*name || !strcmp(name, "..") || !strcmp(name, ".")) {
		free(name);
		name = xstrdup("index.html");
	}
	cleanup_free char *path = xasprintf("%s/%s", dir, name);
	fe.f = fopen(path, "we");
	if (!fe.f)
		return berr_make_status(err, 1, errno, "ADD %s", url);
	fe.h = sha256_new();
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &fe);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	fclose(fe.f);
	sha256_finish(fe.h, digest);
	if (cr != CURLE_OK)
		return berr_make_status(err, 1, 0, "failed to load %s: %s", url, curl_easy_strerror(cr));
	if (status >= 400)
		return berr_make_status(err, 1, 0, "invalid response status %ld fetching %s", status, url);
	if (checksum && strcmp(checksum, digest) != 0)
		return berr_make_status(err, 1, 0, "digest mismatch %s: %s", digest, checksum);
	chmod(path, 0600);
	*name_out = steal_pointer(&name);
	return 0;
}

static bool is_git_url(const char *s)
{
	return str_has_prefix(s, "git://") || str_has_prefix(s, "git@") || str_has_prefix(s, "ssh://") ||
	       ((str_has_prefix(s, "https://") || str_has_prefix(s, "http://")) &&
		(strstr(s, ".git#") || str_has_suffix(s, ".git")));
}

static int do_copy(struct sstate *s, struct df_instr *in, berr_t *err)
{
	struct builder *B = s->B;
	bool add = !strcmp(in->cmd, "add");
	const char *from = NULL, *chown = NULL, *chmod_s = NULL, *checksum = NULL;
	cleanup_strv char **words = xcalloc(1, sizeof(char *));
	size_t nw = 0;
	char **here_names = NULL, **here_contents = NULL;
	size_t nh = 0;
	struct copy_spec cs = {.uid = -1, .gid = -1, .chmod = -1, .add = add};
	cleanup_free char *from_v = NULL, *chown_v = NULL, *chmod_v = NULL, *checksum_v = NULL;
	cleanup_free char *dest = NULL, *name = NULL, *key_text = NULL, *created_by = NULL, *dest_written = NULL;
	cleanup_free char *chown_text = NULL;
	char *urltmp = NULL;
	int urlfd = -1, rc = -1;
	char key[DIGEST_LEN], content[DIGEST_LEN];

	for (char **f = in->flags; *f; f++) {
		const char *v = strchr(*f, '=');
		size_t nl = v ? (size_t)(v - *f) : strlen(*f);
		v = v ? v + 1 : "";
		if (!strncmp(*f, "--from", nl) && nl == 6)
			from = v;
		else if (!strncmp(*f, "--chown", nl) && nl == 7)
			chown = v;
		else if (!strncmp(*f, "--chmod", nl) && nl == 7)
			chmod_s = v;
		else if (!strncmp(*f, "--link", nl) && nl == 6)
			;
		else if (add && !strncmp(*f, "--checksum", nl) && nl == 10)
			checksum = v;
		else if (add && !strncmp(*f, "--keep-git-dir", nl) && nl == 14)
			;
		else
			return berr_make_status(err, 1, 0, "unknown flag: %.*s", (int)nl, *f);
	}
	if (from && add)
		return berr_make_status(err, 1, 0, "ADD does not support the --from flag");
	if ((from && !(from_v = expand(s, from, err))) || (chown && !(chown_v = expand(s, chown, err))) ||
	    (chmod_s && !(chmod_v = expand(s, chmod_s, err))) || (checksum && !(checksum_v = expand(s, checksum, err))))
		return -1;
	for (char **a = in->args; *a; a++) {
		if (str_has_prefix(*a, "<<") && in->n_heredocs) {
			strv_add(&words, &nw, xstrdup(*a));
			continue;
		}
		char *w = expand(s, *a, err);
		if (!w)
			return -1;
		strv_add(&words, &nw, w);
	}
	if (nw < 2)
		return berr_make_status(err, 1, 0, "%s requires at least two arguments, but only one was provided. Destination could not be determined",
					add ? "ADD" : "COPY");
	/* heredoc sources */
	for (size_t i = 0; i + 1 < nw; i++) {
		if (!str_has_prefix(words[i], "<<") || !in->n_heredocs)
			continue;
		const char *n = words[i] + 2;
		if (*n == '-')
			n++;
		cleanup_free char *bare = xstrndup(*n == '"' || *n == '\'' ? n + 1 : n, strcspn(*n == '"' || *n == '\'' ? n + 1 : n, "\"'"));
		for (size_t k = 0; k < in->n_heredocs; k++)
			if (!strcmp(in->heredocs[k].name, bare)) {
				here_names = xrealloc(here_names, (nh + 2) * sizeof(char *));
				here_contents = xrealloc(here_contents, (nh + 2) * sizeof(char *));
				here_names[nh] = xstrdup(bare);
				/* an unquoted delimiter: the body expands (BuildKit's ExpandRaw) */
				here_contents[nh] = in->heredocs[k].expand
							    ? dockerfile_expand_heredoc(in->heredocs[k].content, stage_lookup,
											NULL, s, err)
							    : xstrdup(in->heredocs[k].content);
				if (!here_contents[nh]) {
					free(here_names[nh]);
					here_names[nh] = NULL;
					goto out;
				}
				nh++;
				here_names[nh] = here_contents[nh] = NULL;
			}
	}
	cs.here_names = here_names;
	cs.here_contents = here_contents;
	/* destination, relative to WORKDIR */
	{
		const char *d = words[nw - 1];
		const char *wd = json_string_value(json_object_get(s->cfg, "WorkingDir"));
		if (d[0] == '/')
			dest = xstrdup(d);
		else if (wd && *wd)
			dest = xasprintf("%s%s%s", wd, str_has_suffix(wd, "/") ? "" : "/", !strcmp(d, ".") ? "" : d);
		else
			dest = xasprintf("/%s", !strcmp(d, ".") ? "" : d);
		if (!strcmp(d, ".") || !strcmp(d, "./"))
			if (!str_has_suffix(dest, "/")) {
				char *t = xasprintf("%s/", dest);
				free(dest);
				dest = t;
			}
	}
	/* history shows the destination as written */
	dest_written = words[nw - 1];
	words[--nw] = NULL;
	cs.srcs = words;
	cs.dest = dest;
	struct stat dst;
	cs.dest_is_dir = str_has_suffix(dest, "/") || (image_stat(s, dest, &dst) && S_ISDIR(dst.st_mode));
	if (chown_v && parse_chown(s, chown_v, &cs.uid, &cs.gid, err) < 0)
		goto out;
	if (chmod_v) {
		char *end;
		cs.chmod = strtol(chmod_v, &end, 8);
		if (*end || cs.chmod < 0 || cs.chmod > 07777) {
			berr_make_status(err, 1, 0, "invalid chmod parameter: '%s'. it should be octal string and between 0 and 07777", chmod_v);
			goto out;
		}
	}
	/* where the sources live */
	cs.rootfd = B->ctx.dirfd;
	cs.ignore = &B->ctx.ignore;
	if (from_v) {
		int si = find_stage(B, from_v, (size_t)(s->S - B->st));
		const char *img_id = NULL;
		cleanup_free char *resolved = NULL;
		if (si >= 0) {
			if (build_stage(B, (size_t)si, err) < 0)
				goto out;
			img_id = B->st[si].image_id;
			if (!B->st[si].rootdir && flatten(B, img_id, &B->st[si].rootdir, &B->st[si].rootfd, err) < 0)
				goto out;
			cs.rootfd = B->st[si].rootfd;
		} else {
			char *dir;
			int fd;
			if (image_resolve_id(B->b, from_v, &resolved, err) < 0) {
				berr_free(err);
				berr_make_status(err, 1, 0, "failed to resolve source metadata for %s: no such stage or image (berth has no registry to pull from)", from_v);
				goto out;
			}
			if (flatten(B, resolved, &dir, &fd, err) < 0)
				goto out;
			B->flat_dirs = xrealloc(B->flat_dirs, (B->n_flat + 1) * sizeof(char *));
			B->flat_dirs[B->n_flat++] = dir;
			cs.rootfd = fd; /* closed with the process; small count */
			img_id = resolved;
		}
		cs.ignore = NULL;
		free(from_v);
		from_v = xstrdup(img_id);
	}
	/* ADD of URLs */
	if (add) {
		size_t nurl = 0;
		for (size_t i = 0; i < nw; i++) {
			if (is_git_url(words[i])) {
				berr_make_status(err, 1, 0, "ADD of a git repository (%s) is not supported by berth: clone it into the build context and COPY it", words[i]);
				goto out;
			}
			if (str_has_prefix(words[i], "http://") || str_has_prefix(words[i], "https://"))
				nurl++;
		}
		if (nurl && nurl != nw) {
			berr_make_status(err, 1, 0, "ADD: mixing URLs and local sources in one instruction is not supported by berth");
			goto out;
		}
		if (nurl) {
			const char *td = getenv("TMPDIR");
			urltmp = xasprintf("%s/berth-add-XXXXXX", td && *td ? td : "/tmp");
			if (!mkdtemp(urltmp)) {
				berr_make(err, errno, "mkdtemp");
				goto out;
			}
			for (size_t i = 0; i < nw; i++) {
				char *fname = NULL;
				if (fetch_url(words[i], checksum_v, urltmp, &fname, err) < 0)
					goto out;
				free(words[i]);
				words[i] = fname;
			}
			urlfd = open(urltmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			cs.rootfd = urlfd;
			cs.ignore = NULL;
			cs.add = false; /* a downloaded archive is not extracted (docker) */
		} else if (checksum_v) {
			berr_make_status(err, 1, 0, "checksum can't be specified for non-HTTP(S) sources");
			goto out;
		}
	}
	if (nw > 1 && !str_has_suffix(dest, "/")) {
		{
			berr_make_status(err, 1, 0, "When using %s with more than one source file, the destination must be a directory and end with a /",
					 add ? "ADD" : "COPY");
			goto out;
		}
	}
	name = step_name(s, in->orig);
	bprog_start(&B->p, name);
	struct copy_stats stats = {0};
	cs.stats = &stats;
	if (buildctx_hash(&cs, content, err) < 0) {
		bprog_error(&B->p, (*err)->msg);
		goto out;
	}
	/* the classic builder's "COPY file:<hash> in <dest> " (dir: for one
	 * directory, multi: for several sources once globs are expanded) */
	chown_text = chown_v ? xasprintf("--chown=%s", chown_v) : xstrdup("");
	created_by = xasprintf("/bin/sh -c #(nop) %s %s%s:%s in %s ", add ? "ADD" : "COPY", chown_text,
			       stats.n > 1 ? "multi" : stats.dir ? "dir" : "file", digest_hex(content), dest_written);
	key_text = xasprintf("%s\nfrom=%s chown=%ld:%ld chmod=%lo dest=%s\n%s", add ? "ADD" : "COPY",
			     from_v ? from_v : "", cs.uid, cs.gid, (unsigned long)cs.chmod, dest, content);
	cache_key(s, key_text, key);
	bool hit;
	if (try_cache(s, key, &hit, err) < 0)
		goto out;
	if (hit) {
		bprog_cached(&B->p);
		rc = 0;
		goto out;
	}
	{
		struct tar_out *t = NULL;
		struct image_layer_desc layer;
		if (tar_out_open(B->b, &t, err) < 0)
			goto out;
		if (buildctx_write(&cs, t, err) < 0 ||
		    tar_out_commit(B->b, t, s->nl ? s->L[s->nl - 1].chain_id : NULL, &layer, err) < 0) {
			tar_out_free(t);
			bprog_error(&B->p, (*err)->msg);
			goto out;
		}
		tar_out_free(t);
		if (commit(s, created_by, &layer, true, err) < 0 || buildcache_put(B->b, key, s->id, err) < 0)
			goto out;
	}
	bprog_done(&B->p);
	rc = 0;
out:
	strv_del(here_names);
	strv_del(here_contents);
	if (urlfd >= 0)
		close(urlfd);
	if (urltmp)
		remove_tree(urltmp, NULL);
	free(urltmp);
	return rc;
}

/* ---- config-only instructions ---------------------------------------------- */

static void set_env(json_t *cfg, const char *k, const char *v)
{
	json_t *env = json_object_get(cfg, "Env"), *e;
	size_t i, kl = strlen(k);
	cleanup_free char *kv = xasprintf("%s=%s", k, v);
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && !strncmp(s, k, kl) && s[kl] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static json_t *obj_field(json_t *cfg, const char *k)
{
	json_t *o = json_object_get(cfg, k);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, k, o);
	}
	return o;
}

/* Go's time.ParseDuration, enough for HEALTHCHECK. */
static int parse_duration(const char *s, long long *ns)
{
	long long total = 0;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
		long long mul;
		if (str_has_prefix(s, "ns"))
			mul = 1, s += 2;
		else if (str_has_prefix(s, "us") || str_has_prefix(s, "µs"))
			mul = 1000, s += str_has_prefix(s, "us") ? 2 : strlen("µs");
		else if (str_has_prefix(s, "ms"))
			mul = 1000000, s += 2;
		else if (*s == 's')
			mul = 1000000000LL, s++;
		else if (*s == 'm')
			mul = 60000000000LL, s++;
		else if (*s == 'h')
			mul = 3600000000000LL, s++;
		else
			return -1;
		total += (long long)(v * (double)mul);
	}
	*ns = total;
	return 0;
}

static int do_healthcheck(struct sstate *s, struct df_instr *in, json_t **out, berr_t *err)
{
	json_t *h = json_object();
	if (!in->args[0]) {
		json_decref(h);
		return berr_make_status(err, 1, 0, "HEALTHCHECK requires at least one argument");
	}
	if (!strcmp(in->args[0], "NONE")) {
		json_object_set_new(h, "Test", json_pack("[s]", "NONE"));
		*out = h;
		return 0;
	}
	json_t *test = json_array();
	for (char **a = in->args; *a; a++)
		json_array_append_new(test, json_string(*a));
	json_object_set_new(h, "Test", test);
	for (char **f = in->flags; *f; f++) {
		const char *v = strchr(*f, '=');
		if (!v) {
			json_decref(h);
			return berr_make_status(err, 1, 0, "flag %s needs a value", *f);
		}
		cleanup_free char *fname = xstrndup(*f + 2, (size_t)(v - *f - 2));
		cleanup_free char *val = expand(s, v + 1, err);
		if (!val) {
			json_decref(h);
			return -1;
		}
		const char *key = !strcmp(fname, "interval")	     ? "Interval"
				  : !strcmp(fname, "timeout")	     ? "Timeout"
				  : !strcmp(fname, "start-period")   ? "StartPeriod"
				  : !strcmp(fname, "start-interval") ? "StartInterval"
				  : !strcmp(fname, "retries")	     ? "Retries"
								     : NULL;
		if (!key) {
			json_decref(h);
			return berr_make_status(err, 1, 0, "unknown flag: --%s", fname);
		}
		if (!strcmp(key, "Retries")) {
			char *end;
			long r = strtol(val, &end, 10);
			if (*end || r < 0) {
				json_decref(h);
				return berr_make_status(err, 1, 0, "invalid argument \"%s\" for \"--retries\" flag", val);
			}
			json_object_set_new(h, key, json_integer(r));
		} else {
			long long ns;
			if (parse_duration(val, &ns) < 0) {
				json_decref(h);
				return berr_make_status(err, 1, 0, "time: invalid duration \"%s\"", val);
			}
			if (ns != 0 && ns < 1000000) {
				json_decref(h);
				return berr_make_status(err, 1, 0, "%s cannot be less than 1ms", key);
			}
			json_object_set_new(h, key, json_integer(ns));
		}
	}
	*out = h;
	return 0;
}

/* One config-only instruction: change the config; *created_by and
 * *key_text describe it.  Returns 1 when nothing is committed (ARG). */
static int apply_config(struct sstate *s, struct df_instr *in, char **created_by, char **key_text, berr_t *err)
{
	json_t *cfg = s->cfg;
	const char *c = in->cmd;
	char esc = s->B->df.escape;

	if (!strcmp(c, "env") || !strcmp(c, "label")) {
		bool env = c[0] == 'e';
		char *text = xstrdup(env ? "ENV" : "LABEL");
		/* every value sees the environment from before the instruction */
		size_t n = 0;
		while (in->args[n])
			n++;
		char **ks = xcalloc(n + 1, sizeof(char *)), **vs = xcalloc(n + 1, sizeof(char *));
		int rc = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			char *eq = strchr(in->args[i], '=');
			cleanup_free char *k = xstrndup(in->args[i], (size_t)(eq - in->args[i]));
			ks[i] = expand(s, k, err);
			vs[i] = ks[i] ? expand(s, eq + 1, err) : NULL;
			if (!ks[i] || !vs[i])
				rc = -1;
		}
		if (rc == 0)
			for (size_t i = 0; i < n; i++) {
				if (env)
					set_env(cfg, ks[i], vs[i]);
				else
					json_object_set_new(obj_field(cfg, "Labels"), ks[i], json_string(vs[i]));
				char *t = xasprintf("%s %s=%s", text, ks[i], vs[i]);
				free(text);
				text = t;
			}
		strv_del(ks);
		strv_del(vs);
		if (rc < 0) {
			free(text);
			return -1;
		}
		*key_text = xstrdup(text);
		*created_by = xasprintf("/bin/sh -c #(nop)  %s", text);
		free(text);
		(void)esc;
		return 0;
	}
	if (!strcmp(c, "arg")) {
		/* the classic builder commits "ARG NAME=default" (the default as
		 * expanded, never the --build-arg value) as an empty layer */
		cleanup_free char *text = xstrdup("ARG");
		for (char **a = in->args; *a; a++) {
			char *eq = strchr(*a, '=');
			cleanup_free char *name = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
			cleanup_free char *def = NULL;
			bool given;
			if (eq && !(def = expand(s, eq + 1, err)))
				return -1;
			const char *v = build_arg(s->B, name, &given);
			if (!given) {
				v = def;
				if (!v)
					v = strv_value(s->B->meta_args, s->B->n_meta, name);
				if (!v)
					v = dockerfile_platform_arg(name);
			}
			strv_add(&s->args, &s->nargs, v ? xasprintf("%s=%s", name, v) : xstrdup(name));
			char *t = eq ? xasprintf("%s %s=%s", text, name, def) : xasprintf("%s %s", text, name);
			free(text);
			text = t;
		}
		*key_text = xstrdup(text);
		*created_by = xasprintf("/bin/sh -c #(nop)  %s", text);
		return 0;
	}
	if (!strcmp(c, "workdir")) {
		/* handled by do_workdir */
		return 1;
	}
	if (!strcmp(c, "user") || !strcmp(c, "stopsignal") || !strcmp(c, "maintainer")) {
		cleanup_free char *v = !strcmp(c, "maintainer") ? xstrdup(in->args[0]) : expand(s, in->args[0], err);
		if (!v)
			return -1;
		if (!strcmp(c, "user")) {
			json_object_set_new(cfg, "User", json_string(v));
		} else if (!strcmp(c, "stopsignal")) {
			if (parse_signal(v) <= 0)
				return berr_make_status(err, 1, 0, "Invalid signal: %s", v);
			json_object_set_new(cfg, "StopSignal", json_string(v));
		} else {
			json_object_set_new(s->img, "author", json_string(v));
		}
		const char *U = !strcmp(c, "user") ? "USER" : !strcmp(c, "stopsignal") ? "STOPSIGNAL" : "MAINTAINER";
		*key_text = xasprintf("%s %s", U, v);
		*created_by = xasprintf("/bin/sh -c #(nop)  %s %s", U, v);
		return 0;
	}
	if (!strcmp(c, "expose")) {
		cleanup_free char *text = xstrdup("EXPOSE");
		json_t *pl = json_array();
		for (char **a = in->args; *a; a++) {
			cleanup_strv char **ws = dockerfile_expand_words(*a, esc, stage_lookup, NULL, s, err);
			if (!ws) {
				json_decref(pl);
				return -1;
			}
			for (char **w = ws; *w; w++) {
				cleanup_free char *proto = NULL;
				char *slash = strchr(*w, '/');
				proto = xstrdup(slash ? slash + 1 : "tcp");
				for (char *p = proto; *p; p++)
					*p = (char)tolower((unsigned char)*p);
				cleanup_free char *ports = slash ? xstrndup(*w, (size_t)(slash - *w)) : xstrdup(*w);
				char *end, *dash;
				long lo = strtol(ports, &end, 10), hi = lo;
				if (*end == '-') {
					dash = end + 1;
					hi = strtol(dash, &end, 10);
				}
				if (*end || lo <= 0 || hi > 65535 || hi < lo ||
				    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))) {
					json_decref(pl);
					return berr_make_status(err, 1, 0, "invalid containerPort: %s", *w);
				}
				for (long p = lo; p <= hi; p++) {
					cleanup_free char *k = xasprintf("%ld/%s", p, proto);
					json_object_set_new(obj_field(cfg, "ExposedPorts"), k, json_object());
				}
				char *t = xasprintf("%s %s", text, *w);
				free(text);
				text = t;
				json_array_append_new(pl, json_string(*w));
			}
		}
		/* the classic builder sorts the ports as written */
		size_t np = json_array_size(pl);
		cleanup_free char **sorted = xcalloc(np + 1, sizeof(char *));
		for (size_t k = 0; k < np; k++)
			sorted[k] = (char *)json_string_value(json_array_get(pl, k));
		qsort(sorted, np, sizeof(char *), cmp_str);
		cleanup_free char *joined = join_words(sorted);
		json_decref(pl);
		*key_text = xstrdup(text);
		*created_by = xasprintf("/bin/sh -c #(nop)  EXPOSE %s", joined);
		return 0;
	}
	if (!strcmp(c, "volume")) {
		cleanup_free char *text = xstrdup("VOLUME");
		json_t *vl = json_array();
		for (char **a = in->args; *a; a++) {
			cleanup_free char *v = expand(s, *a, err);
			if (!v) {
				json_decref(vl);
				return -1;
			}
			if (!*v) {
				json_decref(vl);
				return berr_make_status(err, 1, 0, "VOLUME specified can not be an empty string");
			}
			json_object_set_new(obj_field(cfg, "Volumes"), v, json_object());
			json_array_append_new(vl, json_string(v));
			char *t = xasprintf("%s %s", text, v);
			free(text);
			text = t;
		}
		cleanup_free char *list = go_list(vl, false);
		json_decref(vl);
		*key_text = xstrdup(text);
		*created_by = xasprintf("/bin/sh -c #(nop)  VOLUME %s", list);
		return 0;
	}
	if (!strcmp(c, "shell")) {
		json_object_set_new(cfg, "Shell", strv_to_json(in->args));
		cleanup_free char *j = oci_dump_compact(json_object_get(cfg, "Shell"));
		*key_text = xasprintf("SHELL %s", j);
		cleanup_free char *list = go_list(json_object_get(cfg, "Shell"), false);
		*created_by = xasprintf("/bin/sh -c #(nop)  SHELL %s", list);
		return 0;
	}
	if (!strcmp(c, "cmd") || !strcmp(c, "entrypoint")) {
		bool is_cmd = c[0] == 'c';
		cleanup_strv char **v = NULL;
		if (in->json) {
			size_t n = 0;
			v = xcalloc(1, sizeof(char *));
			for (char **a = in->args; *a; a++)
				strv_add(&v, &n, xstrdup(*a));
		} else {
			v = with_shell(s, in->args[0]);
		}
		json_object_set_new(cfg, is_cmd ? "Cmd" : "Entrypoint", strv_to_json(v));
		if (is_cmd)
			s->cmd_set = true;
		else if (!s->cmd_set)
			json_object_set_new(cfg, "Cmd", json_null());
		json_object_set_new(cfg, "ArgsEscaped", json_true());
		cleanup_free char *j = oci_dump_compact(json_object_get(cfg, is_cmd ? "Cmd" : "Entrypoint"));
		*key_text = xasprintf("%s %s", is_cmd ? "CMD" : "ENTRYPOINT", j);
		cleanup_free char *q = go_list(json_object_get(cfg, is_cmd ? "Cmd" : "Entrypoint"), true);
		*created_by = xasprintf("/bin/sh -c #(nop)  %s %s", is_cmd ? "CMD" : "ENTRYPOINT", q);
		return 0;
	}
	if (!strcmp(c, "healthcheck")) {
		json_t *h = NULL;
		if (do_healthcheck(s, in, &h, err) < 0)
			return -1;
		json_object_set_new(cfg, "Healthcheck", h);
		cleanup_free char *j = oci_dump_compact(h);
		*key_text = xasprintf("HEALTHCHECK %s", j);
		cleanup_free char *g = go_healthcheck(h);
		*created_by = xasprintf("/bin/sh -c #(nop)  HEALTHCHECK %s", g);
		return 0;
	}
	if (!strcmp(c, "onbuild")) {
		json_t *ob = json_object_get(cfg, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(cfg, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(in->rest));
		*key_text = xasprintf("ONBUILD %s", in->rest);
		*created_by = xasprintf("/bin/sh -c #(nop)  ONBUILD %s", in->rest);
		return 0;
	}
	return berr_make_status(err, 1, 0, "unknown instruction: %s", c);
}

static int do_config(struct sstate *s, struct df_instr *in, berr_t *err)
{
	cleanup_free char *created_by = NULL, *key_text = NULL;
	char key[DIGEST_LEN];
	/* Apply to a scratch copy first: a cache hit replaces the state. */
	json_t *saved = json_deep_copy(s->img);
	int r = apply_config(s, in, &created_by, &key_text, err);
	if (r < 0) {
		json_decref(saved);
		return -1;
	}
	if (r == 1) {
		json_decref(saved);
		return 0;
	}
	cache_key(s, key_text, key);
	if (!s->B->o->no_cache && s->cache_ok) {
		cleanup_free char *id = buildcache_get(s->B->b, key);
		if (id) {
			json_decref(saved);
			return state_load(s, id, err);
		}
		s->cache_ok = false;
	}
	json_decref(saved);
	if (commit(s, created_by, NULL, true, err) < 0)
		return -1;
	return buildcache_put(s->B->b, key, s->id, err);
}

/* WORKDIR's path: absolute, cleaned, never above "/". */
static char *clean_abs(const char *p)
{
	cleanup_free char *rel = path_clean_rel(p);
	return xasprintf("/%s", rel);
}

static int do_workdir(struct sstate *s, struct df_instr *in, berr_t *err)
{
	cleanup_free char *v = expand(s, in->args[0], err);
	cleanup_free char *path = NULL, *name = NULL, *key_text = NULL, *created_by = NULL;
	char key[DIGEST_LEN];
	bool hit;
	struct stat st;

	if (!v)
		return -1;
	if (!*v)
		return berr_make_status(err, 1, 0, "WORKDIR requires exactly one argument");
	const char *cur = json_string_value(json_object_get(s->cfg, "WorkingDir"));
	if (v[0] == '/')
		path = clean_abs(v);
	else {
		cleanup_free char *j = xasprintf("%s/%s", cur && *cur ? cur : "/", v);
		path = clean_abs(j);
	}
	name = step_name(s, in->orig);
	bprog_start(&s->B->p, name);
	key_text = xasprintf("WORKDIR %s", path);
	created_by = xasprintf("/bin/sh -c #(nop) WORKDIR %s", path);
	cache_key(s, key_text, key);
	if (try_cache(s, key, &hit, err) < 0)
		return -1;
	if (hit) {
		bprog_cached(&s->B->p);
		return 0;
	}
	json_object_set_new(s->cfg, "WorkingDir", json_string(path));
	struct image_layer_desc layer;
	bool need = s->id && !(image_stat(s, path, &st) && S_ISDIR(st.st_mode));
	if (!s->id && strcmp(path, "/") != 0)
		need = true;
	if (need) {
		struct tar_out *t = NULL;
		if (tar_out_open(s->B->b, &t, err) < 0)
			return -1;
		struct archive *a = tar_out_archive(t);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, path + 1);
		archive_entry_set_mode(e, S_IFDIR | 0755);
		archive_entry_set_mtime(e, time(NULL), 0);
		archive_write_header(a, e);
		archive_entry_free(e);
		if (tar_out_commit(s->B->b, t, s->nl ? s->L[s->nl - 1].chain_id : NULL, &layer, err) < 0) {
			tar_out_free(t);
			return -1;
		}
		tar_out_free(t);
	}
	if (commit(s, created_by, need ? &layer : NULL, true, err) < 0 || buildcache_put(s->B->b, key, s->id, err) < 0)
		return -1;
	bprog_done(&s->B->p);
	return 0;
}

/* ---- stages ------------------------------------------------------------------ */

static int do_instr(struct sstate *s, struct df_instr *in, berr_t *err)
{
	if (!strcmp(in->cmd, "run"))
		return do_run(s, in, err);
	if (!strcmp(in->cmd, "copy") || !strcmp(in->cmd, "add"))
		return do_copy(s, in, err);
	if (!strcmp(in->cmd, "workdir"))
		return do_workdir(s, in, err);
	if (!strcmp(in->cmd, "from"))
		return berr_make_status(err, 1, 0, "FROM in the middle of a stage");
	return do_config(s, in, err);
}

static int run_onbuild(struct sstate *s, int line, berr_t *err)
{
	cleanup_strv char **triggers = json_to_strv(json_object_get(s->cfg, "OnBuild"));
	json_object_set_new(s->cfg, "OnBuild", json_null());
	for (char **t = triggers; t && *t; t++) {
		struct df_instr in;
		if (dockerfile_parse_line(*t, s->B->df.escape, &in, err) < 0)
			return fail_at(s->B, line, err);
		in.line = line;
		int r = do_instr(s, &in, err);
		df_instr_clear(&in);
		if (r < 0)
			return fail_at(s->B, line, err);
	}
	return 0;
}

static int build_deps_parallel(struct builder *B, size_t idx, berr_t *err);

static int build_stage(struct builder *B, size_t idx, berr_t *err)
{
	struct stage *S = &B->st[idx];
	struct df_instr *from = &B->df.ins[S->first];
	struct sstate s = {.B = B, .S = S, .cache_ok = true};
	cleanup_free char *base = NULL, *name = NULL;
	int rc = -1;

	if (S->state == 2)
		return 0;
	if (S->state == 1)
		return berr_make_status(err, 1, 0, "circular dependency detected on stage: %s", S->name ? S->name : "");
	S->state = 1;
	for (char **f = from->flags; *f; f++)
		if (!str_has_prefix(*f, "--platform=")) {
			berr_make_status(err, 1, 0, "unknown flag: %s", *f);
			return fail_at(B, from->line, err);
		}
	base = dockerfile_expand(from->args[0], B->df.escape, meta_lookup, NULL, B, err);
	if (!base)
		return fail_at(B, from->line, err);
	if (!*base) {
		berr_make_status(err, 1, 0, "base name (%s) should not be blank", from->args[0]);
		return fail_at(B, from->line, err);
	}
	int dep = find_stage(B, base, idx);
	if (dep >= 0 && isdigit((unsigned char)base[0]))
		dep = -1; /* FROM 0 is not a stage reference */
	if (build_deps_parallel(B, idx, err) < 0)
		return -1;
	if (dep >= 0) {
		if (build_stage(B, (size_t)dep, err) < 0)
			return -1;
	}
	/* The stages COPY --from names, before this one starts, so their
	 * steps do not interleave with ours. */
	for (size_t i = S->first + 1; i < S->end; i++)
		for (char **f = B->df.ins[i].flags; *f; f++)
			if (str_has_prefix(*f, "--from=") && !strcmp(B->df.ins[i].cmd, "copy") && !strchr(*f, '$')) {
				int d = find_stage(B, *f + 7, idx);
				if (d >= 0 && build_stage(B, (size_t)d, err) < 0)
					return -1;
			}
	{
		cleanup_free char *shown = NULL;
		if (dep >= 0 || !strcasecmp(base, "scratch")) {
			shown = xstrdup(base);
		} else {
			struct ref r;
			cleanup_berr berr_t e2 = NULL;
			if (ref_parse_default_tag(base, &r, &e2) == 0) {
				shown = ref_string(&r);
				ref_free(&r);
			} else {
				shown = xstrdup(base);
			}
		}
		cleanup_free char *text = xasprintf("FROM %s", shown);
		name = step_name(&s, text);
	}
	bprog_start(&B->p, name);
	if (dep >= 0) {
		if (state_load(&s, B->st[dep].image_id, err) < 0)
			goto fail;
	} else if (!strcasecmp(base, "scratch")) {
		state_scratch(&s);
	} else {
		cleanup_free char *id = NULL;
		/* docker build pulls a base image it lacks, and with --pull
		 * always asks the registry for a newer one. */
		bool have = !B->o->pull && image_resolve_id(B->b, base, &id, err) == 0;
		if (!have) {
			struct pull_options po = {.quiet = true, .out = stderr};
			berr_free(err);
			free(id);
			id = NULL;
			if (registry_pull(B->b, base, &po, err) < 0 || image_resolve_id(B->b, base, &id, err) < 0) {
				cleanup_free char *m = xstrdup((*err)->msg);
				berr_free(err);
				berr_make_status(err, 1, 0, "failed to resolve source metadata for %s: %s", base, m);
				goto fail;
			}
		}
		if (state_load(&s, id, err) < 0)
			goto fail;
	}
	bprog_cached(&B->p);
	if (json_array_size(json_object_get(s.cfg, "OnBuild")) && run_onbuild(&s, from->line, err) < 0)
		goto out;
	if (!json_is_null(json_object_get(s.cfg, "OnBuild")) && json_object_get(s.cfg, "OnBuild")) {
		/* docker: the triggers are the base's business, not ours */
		json_object_set_new(s.cfg, "OnBuild", json_null());
	}
	for (size_t i = S->first + 1; i < S->end; i++) {
		struct df_instr *in = &B->df.ins[i];
		if (canceled) {
			berr_make_status(err, 1, 0, "context canceled");
			fail_at(B, in->line, err);
			goto out;
		}
		if (do_instr(&s, in, err) < 0) {
			fail_at(B, in->line, err);
			goto out;
		}
	}
	if (!s.id) {
		/* FROM scratch and nothing else: docker refuses an empty image */
		if (commit(&s, "/bin/sh -c #(nop) FROM scratch", NULL, false, err) < 0)
			goto fail;
	}
	S->image_id = xstrdup(s.id);
	S->state = 2;
	rc = 0;
	goto out;
fail:
	bprog_error(&B->p, (*err)->msg);
	fail_at(B, from->line, err);
out:
	json_decref(s.img);
	free(s.id);
	free(s.L);
	strv_del(s.args);
	return rc;
}

/* ---- independent stages in parallel ----------------------------------- */

/* The stages idx names directly (FROM and COPY --from), as indexes. */
static size_t direct_deps(struct builder *B, size_t idx, int *out)
{
	struct stage *S = &B->st[idx];
	struct df_instr *from = &B->df.ins[S->first];
	size_t n = 0;
	berr_t e = NULL;
	char *base = dockerfile_expand(from->args[0], B->df.escape, meta_lookup, NULL, B, &e);
	berr_free(&e);
	if (base) {
		int d = find_stage(B, base, idx);
		if (d >= 0 && !isdigit((unsigned char)base[0]))
			out[n++] = d;
		free(base);
	}
	for (size_t i = S->first + 1; i < S->end; i++)
		for (char **f = B->df.ins[i].flags; *f; f++)
			if (str_has_prefix(*f, "--from=") && !strcmp(B->df.ins[i].cmd, "copy") && !strchr(*f, '$')) {
				int d = find_stage(B, *f + 7, idx);
				bool dup = false;
				for (size_t k = 0; k < n; k++)
					dup = dup || out[k] == d;
				if (d >= 0 && !dup)
					out[n++] = d;
			}
	return n;
}

static void dep_closure(struct builder *B, size_t idx, bool *in)
{
	int *d = xcalloc(B->ns + 1, sizeof(int));
	in[idx] = true;
	size_t n = direct_deps(B, idx, d);
	for (size_t k = 0; k < n; k++)
		if (!in[d[k]] && B->st[d[k]].state != 2)
			dep_closure(B, (size_t)d[k], in);
	free(d);
}

/* A stage nobody else needs, built by a child process: its image id (or
 * its error) comes back through a pipe. */
static pid_t fork_stage(struct builder *B, size_t idx, int *rfd)
{
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	size_t n_flat = B->n_flat;
	bool *had_root = xcalloc(B->ns, sizeof(bool));
	for (size_t i = 0; i < B->ns; i++)
		had_root[i] = B->st[i].rootdir != NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(pp[0]);
		close(pp[1]);
		free(had_root);
		return -1;
	}
	if (pid == 0) {
		berr_t e = NULL;
		close(pp[0]);
		/* SQLite: a connection must not cross a fork; this process opens
		 * its own (the parent's stays untouched). */
		B->b->db = NULL;
		int r = build_stage(B, idx, &e);
		cleanup_free char *msg = r == 0 ? xasprintf("OK %s", B->st[idx].image_id)
						: xasprintf("ERR %d %s", e && e->status ? e->status : 1,
							    e ? e->msg : "build failed");
		for (size_t off = 0, len = strlen(msg); off < len;) {
			ssize_t w = write(pp[1], msg + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		/* what this process made: flattened roots for COPY --from */
		for (size_t i = 0; i < B->ns; i++)
			if (!had_root[i] && B->st[i].rootdir)
				remove_tree(B->st[i].rootdir, NULL);
		for (size_t i = n_flat; i < B->n_flat; i++)
			remove_tree(B->flat_dirs[i], NULL);
		fflush(stderr);
		_exit(r == 0 ? 0 : 1);
	}
	free(had_root);
	close(pp[1]);
	*rfd = pp[0];
	return pid;
}

/* Build the stages idx needs, when two or more of them are independent
 * (nothing in common down their FROM and COPY --from chains), each in a
 * process of its own, at the same time, as BuildKit does; their progress
 * lines interleave, numbered from one shared counter.  Anything else is
 * left to the sequential path. */
static int build_deps_parallel(struct builder *B, size_t idx, berr_t *err)
{
	if (!B->p.shared_next || B->p.mode == BP_TTY)
		return 0;
	int *d = xcalloc(B->ns + 1, sizeof(int)), *todo = xcalloc(B->ns + 1, sizeof(int));
	size_t n = direct_deps(B, idx, d), nt = 0;
	bool *seen = xcalloc(B->ns, sizeof(bool));
	bool independent = true;
	int rc = 0;
	for (size_t k = 0; k < n; k++)
		if (B->st[d[k]].state == 0)
			todo[nt++] = d[k];
	for (size_t k = 0; k < nt && independent; k++) {
		bool *c = xcalloc(B->ns, sizeof(bool));
		dep_closure(B, (size_t)todo[k], c);
		for (size_t i = 0; i < B->ns; i++) {
			if (c[i] && seen[i])
				independent = false;
			seen[i] = seen[i] || c[i];
		}
		free(c);
	}
	if (nt >= 2 && independent) {
		pid_t *pids = xcalloc(nt, sizeof(pid_t));
		int *fds = xcalloc(nt, sizeof(int));
		for (size_t k = 0; k < nt; k++) {
			fds[k] = -1;
			pids[k] = fork_stage(B, (size_t)todo[k], &fds[k]);
		}
		for (size_t k = 0; k < nt; k++) {
			char buf[8192];
			size_t len = 0;
			int st = 0;
			if (pids[k] < 0) {
				if (rc == 0)
					rc = berr_make(err, errno, "cannot start a build process");
				continue;
			}
			for (;;) {
				ssize_t r = read(fds[k], buf + len, sizeof(buf) - 1 - len);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0 || (len += (size_t)r) == sizeof(buf) - 1)
					break;
			}
			buf[len] = '\0';
			close(fds[k]);
			while (waitpid(pids[k], &st, 0) < 0 && errno == EINTR)
				;
			struct stage *D = &B->st[todo[k]];
			if (str_has_prefix(buf, "OK sha256:") && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
				D->image_id = xstrdup(buf + 3);
				D->state = 2;
			} else if (rc == 0) {
				/* the first failing stage in Dockerfile order; its excerpt
				 * was printed by its process */
				int status = 1, off = 0;
				if (sscanf(buf, "ERR %d %n", &status, &off) >= 1 && off > 0)
					berr_make_status(err, status, 0, "%s", buf + off);
				else
					berr_make_status(err, 1, 0, "building stage %d failed", todo[k]);
				(*err)->plain = 1;
				rc = -1;
			}
		}
		free(pids);
		free(fds);
	}
	free(d);
	free(todo);
	free(seen);
	return rc;
}

static void mark_needed(struct builder *B, size_t idx)
{
	struct stage *S = &B->st[idx];
	if (S->needed)
		return;
	S->needed = true;
	struct df_instr *from = &B->df.ins[S->first];
	berr_t e = NULL;
	char *base = dockerfile_expand(from->args[0], B->df.escape, meta_lookup, NULL, B, &e);
	berr_free(&e);
	if (base) {
		int d = find_stage(B, base, idx);
		if (d >= 0 && !isdigit((unsigned char)base[0]))
			mark_needed(B, (size_t)d);
		free(base);
	}
	for (size_t i = S->first + 1; i < S->end; i++)
		for (char **f = B->df.ins[i].flags; *f; f++)
			if (str_has_prefix(*f, "--from=") && !strcmp(B->df.ins[i].cmd, "copy")) {
				int d = find_stage(B, *f + 7, idx);
				if (d >= 0)
					mark_needed(B, (size_t)d);
			}
}

/* Split into stages; check what can be checked before building. */
static int plan(struct builder *B, berr_t *err)
{
	size_t i = 0;
	for (; i < B->df.n && strcmp(B->df.ins[i].cmd, "from") != 0; i++) {
		struct df_instr *in = &B->df.ins[i];
		if (strcmp(in->cmd, "arg") != 0) {
			berr_make_status(err, 1, 0, "no build stage in current context");
			return fail_at(B, in->line, err);
		}
		for (char **a = in->args; *a; a++) {
			char *eq = strchr(*a, '=');
			cleanup_free char *name = eq ? xstrndup(*a, (size_t)(eq - *a)) : xstrdup(*a);
			bool given;
			const char *v = build_arg(B, name, &given);
			cleanup_free char *def = NULL;
			if (!given && eq) {
				def = dockerfile_expand(eq + 1, B->df.escape, meta_lookup, NULL, B, err);
				if (!def)
					return fail_at(B, in->line, err);
				v = def;
			}
			strv_add(&B->meta_args, &B->n_meta, v ? xasprintf("%s=%s", name, v) : xstrdup(name));
		}
	}
	if (i == B->df.n) {
		berr_make_status(err, 1, 0, "no build stage in current context");
		return fail_at(B, B->df.n ? B->df.ins[B->df.n - 1].line : 1, err);
	}
	for (; i < B->df.n; i++) {
		struct df_instr *in = &B->df.ins[i];
		if (!strcmp(in->cmd, "from")) {
			B->st = xrealloc(B->st, (B->ns + 1) * sizeof(*B->st));
			struct stage *S = &B->st[B->ns++];
			memset(S, 0, sizeof(*S));
			S->first = i;
			S->rootfd = -1;
			S->nsteps = 1;
			char **a = in->args;
			if (a[1]) {
				if (strcasecmp(a[1], "as") != 0 || !a[2] || a[3]) {
					berr_make_status(err, 1, 0, "FROM requires either one or three arguments");
					return fail_at(B, in->line, err);
				}
				S->name = xstrdup(a[2]);
				for (char *p = S->name; *p; p++)
					*p = (char)tolower((unsigned char)*p);
				for (size_t k = 0; k + 1 < B->ns; k++)
					if (B->st[k].name && !strcmp(B->st[k].name, S->name)) {
						berr_make_status(err, 1, 0, "duplicate stage name %s", a[2]);
						return fail_at(B, in->line, err);
					}
			}
		} else {
			const char *c = in->cmd;
			if (!strcmp(c, "run") || !strcmp(c, "copy") || !strcmp(c, "add") || !strcmp(c, "workdir"))
				B->st[B->ns - 1].nsteps++;
		}
		B->st[B->ns - 1].end = i + 1;
	}
	B->multi = B->ns > 1;
	/* COPY --from naming a later stage or nothing at all */
	for (size_t k = 0; k < B->ns; k++)
		for (size_t j = B->st[k].first + 1; j < B->st[k].end; j++)
			for (char **f = B->df.ins[j].flags; *f; f++)
				if (str_has_prefix(*f, "--from=") && !strchr(*f, '$')) {
					const char *n = *f + 7;
					char *end;
					long num = strtol(n, &end, 10);
					if (*n && !*end && (num < 0 || (size_t)num >= k)) {
						berr_make_status(err, 1, 0, "invalid from flag value %s: refers to current or future build stage", n);
						return fail_at(B, B->df.ins[j].line, err);
					}
				}
	size_t target = B->ns - 1;
	if (B->o->target && *B->o->target) {
		bool found = false;
		for (size_t k = 0; k < B->ns; k++)
			if (B->st[k].name && !strcasecmp(B->st[k].name, B->o->target)) {
				target = k;
				found = true;
			}
		if (!found)
			return berr_make_status(err, 1, 0, "failed to reach build target %s in Dockerfile", B->o->target);
	}
	mark_needed(B, target);
	return (int)target;
}

static int read_file_all(const char *path, char **out, size_t *len, berr_t *err)
{
	cleanup_close int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_make_status(err, 1, errno == ENOENT ? 0 : errno,
					errno == ENOENT ? "failed to read dockerfile: open %s: no such file or directory"
							: "failed to read dockerfile %s",
					path);
	size_t cap = 8192, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			b = xrealloc(b, cap *= 2);
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return berr_make_status(err, 1, errno, "failed to read dockerfile %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* The linter's view of a base image's ENV: the local image's, or NULL
 * when it is not here yet (UndefinedVar then skips that stage). */
static char **lint_image_env(void *ctx, const char *image)
{
	struct builder *B = ctx;
	cleanup_free char *id = NULL;
	cleanup_berr berr_t e = NULL;
	struct image *img = NULL;
	if (image_resolve_id(B->b, image, &id, &e) < 0 || image_get(B->b, id, &img, &e) < 0)
		return NULL;
	char **env = xcalloc(1, sizeof(char *)); /* known, maybe empty */
	size_t n = 0;
	for (char **p = img->config.env; p && *p; p++)
		strv_add(&env, &n, xstrdup(*p));
	image_free(img);
	return env;
}

/* build --check, as buildx prints a lint result on stdout: the count,
 * then each warning (in line order) with its rule's address and the
 * excerpt. */
static void print_check(struct builder *B)
{
	size_t n = B->df.n_warnings;
	if (n == 0) {
		printf("Check complete, no warnings found.\n");
		return;
	}
	printf("Check complete, %zu warning%s been found!\n", n, n == 1 ? " has" : "s have");
	for (size_t i = 0; i < n; i++) {
		struct df_warning *w = &B->df.warnings[i];
		cleanup_free char *url = dockerfile_rule_url(w->rule);
		printf("\nWARNING: %s - %s\n%s\n", w->rule, url, w->msg);
		excerpt_to(stdout, B, w->line);
	}
	fflush(stdout);
}

/* After a build, BuildKit's short list of the check warnings. */
static void print_warnings_short(struct builder *B)
{
	size_t n = B->df.n_warnings;
	if (n == 0 || B->o->progress == BP_QUIET)
		return;
	fprintf(stderr, "\n %zu warning%s found (use docker --debug to expand):\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " - %s: %s (line %d)\n", B->df.warnings[i].rule, B->df.warnings[i].msg,
			B->df.warnings[i].line);
}

/* check=error=true: the warnings fail the build ("lint violation found
 * for rules: A, B"), each rule named once. */
static int lint_violation(struct builder *B, berr_t *err)
{
	cleanup_free char *rules = xstrdup("");
	for (size_t i = 0; i < B->df.n_warnings; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || !strcmp(B->df.warnings[j].rule, B->df.warnings[i].rule);
		if (seen)
			continue;
		char *t = xasprintf("%s%s%s", rules, *rules ? ", " : "", B->df.warnings[i].rule);
		free(rules);
		rules = t;
	}
	berr_make_status(err, 1, 0, "lint violation found for rules: %s", rules);
	return -1;
}

int build_image(struct berth *b, const struct build_opts *o, char **id_out, berr_t *err)
{
	struct builder B = {.b = b, .o = o};
	cleanup_free char *text = NULL;
	cleanup_free char *dfpath = NULL;
	cleanup_close int lock = -1;
	size_t len = 0;
	int rc = -1, target;
	char **canon = NULL;
	size_t ncanon = 0;

	B.ctx.dirfd = -1;
	if (o->platform && *o->platform && strcmp(o->platform, "linux/amd64") != 0 && strcmp(o->platform, "linux/x86_64") != 0)
		return berr_make_status(err, 1, 0, "platform %s is not supported: berth builds linux/amd64 images only", o->platform);
	if (o->network && *o->network && strcmp(o->network, "default") && strcmp(o->network, "none") &&
	    strcmp(o->network, "host"))
		return berr_make_status(err, 1, 0, "network mode \"%s\" not supported by berth's builder: default, none or host", o->network);
	for (char *const *t = o->tags; t && *t; t++) {
		struct ref r;
		if (ref_parse_default_tag(*t, &r, err) < 0) {
			cleanup_free char *m = xstrdup((*err)->msg);
			berr_free(err);
			strv_del(canon);
			return berr_make_status(err, 1, 0, "invalid tag \"%s\": %s", *t, m);
		}
		strv_add(&canon, &ncanon, ref_string(&r));
		ref_free(&r);
	}
	if (buildctx_open(&B.ctx, o->context, o->dockerfile && !strcmp(o->dockerfile, "-"), err) < 0)
		goto out;
	if (B.ctx.dockerfile_text) {
		text = steal_pointer(&B.ctx.dockerfile_text);
		len = B.ctx.dockerfile_len;
		B.dfname = "Dockerfile";
	} else {
		dfpath = o->dockerfile ? xstrdup(o->dockerfile) : xasprintf("%s/Dockerfile", B.ctx.dir);
		if (strcmp(dfpath, "-") && o->dockerfile && access(dfpath, F_OK) != 0 && dfpath[0] != '/') {
			/* docker looks in the context too */
			char *alt = xasprintf("%s/%s", B.ctx.dir, o->dockerfile);
			if (access(alt, F_OK) == 0) {
				free(dfpath);
				dfpath = alt;
			} else {
				free(alt);
			}
		}
		if (read_file_all(dfpath, &text, &len, err) < 0)
			goto out;
		/* docker prefers <Dockerfile>.dockerignore next to the Dockerfile */
		if (strcmp(dfpath, "-") != 0) {
			cleanup_free char *ig = xasprintf("%s.dockerignore", dfpath);
			cleanup_free char *igtext = NULL;
			size_t iglen;
			cleanup_berr berr_t e2 = NULL;
			if (access(ig, F_OK) == 0 && read_file_all(ig, &igtext, &iglen, &e2) == 0) {
				dockerignore_free(&B.ctx.ignore);
				dockerignore_parse(igtext, iglen, &B.ctx.ignore);
			}
		}
		const char *slash = strrchr(dfpath, '/');
		B.dfname = !strcmp(dfpath, "-") ? "Dockerfile" : slash ? slash + 1 : dfpath;
	}
	/* lines for excerpts */
	{
		char *p = text, *e;
		while (p && *p) {
			e = strchr(p, '\n');
			strv_add(&B.dflines, &B.n_dflines, e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p));
			p = e ? e + 1 : NULL;
		}
		/* as Go's strings.Split: a final newline leaves an empty last line */
		if (len && text[len - 1] == '\n')
			strv_add(&B.dflines, &B.n_dflines, xstrdup(""));
	}
	if (dockerfile_parse(text, len, B.dfname, &B.df, err) < 0)
		goto out;
	{
		/* --check without --target lints every stage, as docker's
		 * (buildx) lint request does; a build, the stages it builds */
		struct df_lint_opts lo = {.build_args = o->build_args, .target = o->target, .all_stages = o->check,
					  .image_env = lint_image_env, .ctx = &B};
		dockerfile_lint(&B.df, &lo);
	}
	if (o->check) {
		/* docker build --check: exit 1 when anything is found */
		print_check(&B);
		if (B.df.n_warnings && dockerfile_check_error(&B.df)) {
			lint_violation(&B, err);
			goto out;
		}
		rc = B.df.n_warnings ? 1 : 0;
		goto out;
	}
	if (B.df.n_warnings && dockerfile_check_error(&B.df)) {
		print_warnings_short(&B);
		lint_violation(&B, err);
		goto out;
	}
	bprog_init(&B.p, o->progress);
	/* one #N counter for every process of the build (stages in parallel) */
	int *shared_next = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared_next != MAP_FAILED) {
		*shared_next = B.p.next;
		B.p.shared_next = shared_next;
	}
	{
		struct sigaction sa = {.sa_handler = on_cancel};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if ((target = plan(&B, err)) < 0)
		goto out;
	if (image_lock(b, false, &lock, err) < 0)
		goto out;
	{
		bprog_start(&B.p, "[internal] load build definition from Dockerfile");
		bprog_line(&B.p, "transferring dockerfile: %zuB done", len);
		bprog_done(&B.p);
	}
	if (build_stage(&B, (size_t)target, err) < 0)
		goto out;
	if (canceled) {
		berr_make_status(err, 1, 0, "context canceled");
		goto out;
	}
	{
		struct stage *T = &B.st[target];
		cleanup_free char *final = xstrdup(T->image_id);
		if (o->labels && o->labels[0]) {
			struct sstate s = {.B = &B, .S = T, .cache_ok = true};
			if (state_load(&s, final, err) < 0) {
				json_decref(s.img);
				free(s.id);
				free(s.L);
				goto out;
			}
			for (char *const *l = o->labels; *l; l++) {
				const char *eq = strchr(*l, '=');
				cleanup_free char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
				json_object_set_new(obj_field(s.cfg, "Labels"), k, json_string(eq ? eq + 1 : ""));
			}
			int r = commit(&s, "", NULL, false, err);
			free(final);
			final = s.id ? xstrdup(s.id) : NULL;
			json_decref(s.img);
			free(s.id);
			free(s.L);
			if (r < 0)
				goto out;
		}
		bprog_start(&B.p, "exporting to image");
		bprog_line(&B.p, "exporting layers done");
		bprog_line(&B.p, "writing image %s done", final);
		for (size_t i = 0; i < ncanon; i++) {
			if (image_tag(b, final, canon[i], err) < 0)
				goto out;
			bprog_line(&B.p, "naming to %s done", canon[i]);
		}
		bprog_done(&B.p);
		if (o->iidfile && write_file_atomic(o->iidfile, final, strlen(final), 0644, err) < 0)
			goto out;
		*id_out = steal_pointer(&final);
	}
	rc = 0;
out:
	bprog_fini(&B.p);
	if (rc == 0 && !o->check)
		print_warnings_short(&B);
	if (B.p.shared_next)
		munmap(B.p.shared_next, sizeof(int));
	for (size_t i = 0; i < B.ns; i++) {
		free(B.st[i].name);
		free(B.st[i].image_id);
		if (B.st[i].rootfd >= 0)
			close(B.st[i].rootfd);
		if (B.st[i].rootdir) {
			remove_tree(B.st[i].rootdir, NULL);
			free(B.st[i].rootdir);
		}
	}
	free(B.st);
	for (size_t i = 0; i < B.n_flat; i++) {
		remove_tree(B.flat_dirs[i], NULL);
		free(B.flat_dirs[i]);
	}
	free(B.flat_dirs);
	strv_del(B.meta_args);
	strv_del(B.dflines);
	strv_del(canon);
	dockerfile_free(&B.df);
	buildctx_close(&B.ctx);
	return rc;
}
