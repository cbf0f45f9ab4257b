/* image.c: images in berth.db, finding them by name or id, and their
 * config (see image.h). */
#define _GNU_SOURCE
#include "image.h"
#include "db.h"
#include "oci.h"
#include "ref.h"
#include "store.h"
#include "util.h"
#include "cleanup.h"

#include "layer.h"
#include "tarsplit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

void image_config_clear(struct image_config *c)
{
	strv_free(c->env);
	strv_free(c->cmd);
	strv_free(c->entrypoint);
	strv_free(c->exposed_ports);
	strv_free(c->volumes);
	strv_free(c->shell);
	strv_free(c->on_build);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	json_decref(c->labels);
	json_decref(c->healthcheck);
	memset(c, 0, sizeof(*c));
}

void image_free(struct image *img)
{
	if (!img)
		return;
	free(img->id);
	strv_free(img->repo_tags);
	strv_free(img->repo_digests);
	free(img->os);
	free(img->architecture);
	free(img->variant);
	free(img->parent);
	free(img->comment);
	free(img->author);
	strv_free(img->diff_ids);
	strv_free(img->chain_ids);
	image_config_clear(&img->config);
	json_decref(img->config_json);
	free(img);
}

/* A JSON array of strings as a NULL-terminated array; NULL for null or
 * absent; an error for anything else. */
static int json_strv(json_t *v, const char *what, char ***out, berr_t *err)
{
	size_t i, n = 0;
	json_t *e;
	char **r;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		/* docker accepts a bare string for Cmd/Entrypoint/Shell in
		 * configs written by old tools: one element. */
		r = xcalloc(2, sizeof(char *));
		r[0] = xstrdup(json_string_value(v));
		*out = r;
		return 0;
	}
	if (!json_is_array(v))
		return berr_make(err, 0, "invalid image config: %s is not a list of strings", what);
	r = xcalloc(json_array_size(v) + 1, sizeof(char *));
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			strv_free(r);
			return berr_make(err, 0, "invalid image config: %s is not a list of strings", what);
		}
		r[n++] = xstrdup(json_string_value(e));
	}
	*out = r;
	return 0;
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* {"80/tcp": {}, ...} -> sorted keys. */
static int json_keys(json_t *v, const char *what, char ***out, berr_t *err)
{
	const char *k;
	json_t *e;
	size_t n = 0;
	char **r;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return berr_make(err, 0, "invalid image config: %s is not an object", what);
	r = xcalloc(json_object_size(v) + 1, sizeof(char *));
	json_object_foreach(v, k, e) r[n++] = xstrdup(k);
	qsort(r, n, sizeof(char *), strcmp_p);
	*out = r;
	return 0;
}

static char *json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

int image_config_parse(json_t *cfg, struct image_config *c, berr_t *err)
{
	json_t *v;

	memset(c, 0, sizeof(*c));
	if (!cfg || json_is_null(cfg))
		return 0;
	if (!json_is_object(cfg))
		return berr_make(err, 0, "invalid image config: config is not an object");
	if (json_strv(json_object_get(cfg, "Env"), "Env", &c->env, err) < 0 ||
	    json_strv(json_object_get(cfg, "Cmd"), "Cmd", &c->cmd, err) < 0 ||
	    json_strv(json_object_get(cfg, "Entrypoint"), "Entrypoint", &c->entrypoint, err) < 0 ||
	    json_strv(json_object_get(cfg, "Shell"), "Shell", &c->shell, err) < 0 ||
	    json_strv(json_object_get(cfg, "OnBuild"), "OnBuild", &c->on_build, err) < 0 ||
	    json_keys(json_object_get(cfg, "ExposedPorts"), "ExposedPorts", &c->exposed_ports, err) < 0 ||
	    json_keys(json_object_get(cfg, "Volumes"), "Volumes", &c->volumes, err) < 0) {
		image_config_clear(c);
		return -1;
	}
	c->working_dir = json_str(cfg, "WorkingDir");
	c->user = json_str(cfg, "User");
	c->stop_signal = json_str(cfg, "StopSignal");
	v = json_object_get(cfg, "Labels");
	if (json_is_object(v))
		c->labels = json_incref(v);
	v = json_object_get(cfg, "Healthcheck");
	if (json_is_object(v))
		c->healthcheck = json_incref(v);
	c->args_escaped = json_is_true(json_object_get(cfg, "ArgsEscaped"));
	return 0;
}

/* RFC 3339 ("2024-01-02T03:04:05.123456789Z", or with +hh:mm) to seconds. */
static long long parse_rfc3339(const char *s)
{
	struct tm tm;
	const char *p;
	long long t;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	t = (long long)timegm(&tm);
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%d:%d", &hh, &mm) >= 1)
			t -= (*p == '+' ? 1 : -1) * (hh * 3600LL + mm * 60LL);
	}
	return t;
}

char **image_chain_ids(char *const *diff_ids, size_t n)
{
	char **r = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			r[i] = xstrdup(diff_ids[0]);
		} else {
			char d[DIGEST_LEN];
			cleanup_free char *s = xasprintf("%s %s", r[i - 1], diff_ids[i]);
			sha256_digest(s, strlen(s), d);
			r[i] = xstrdup(d);
		}
	}
	return r;
}

int image_from_config(const char *id, json_t *config, struct image *img, berr_t *err)
{
	json_t *rootfs, *diffs, *e;
	size_t i;

	if (!json_is_object(config))
		return berr_make(err, 0, "invalid image config: not a JSON object");
	rootfs = json_object_get(config, "rootfs");
	diffs = json_object_get(rootfs, "diff_ids");
	if (rootfs && !json_is_object(rootfs))
		return berr_make(err, 0, "invalid image config: rootfs is not an object");
	if (diffs && !json_is_array(diffs) && !json_is_null(diffs))
		return berr_make(err, 0, "invalid image config: rootfs.diff_ids is not a list");
	img->n_layers = json_array_size(diffs);
	img->diff_ids = xcalloc(img->n_layers + 1, sizeof(char *));
	json_array_foreach(diffs, i, e) {
		if (!json_is_string(e) || !digest_is_sha256(json_string_value(e)))
			return berr_make(err, 0, "invalid image config: rootfs.diff_ids[%zu] is not a sha256 digest", i);
		img->diff_ids[i] = xstrdup(json_string_value(e));
	}
	img->chain_ids = image_chain_ids(img->diff_ids, img->n_layers);
	if (image_config_parse(json_object_get(config, "config"), &img->config, err) < 0)
		return -1;
	img->id = xstrdup(id);
	img->created = parse_rfc3339(json_string_value(json_object_get(config, "created")));
	img->os = json_str(config, "os");
	if (!img->os)
		img->os = xstrdup("linux");
	img->architecture = json_str(config, "architecture");
	if (!img->architecture)
		img->architecture = xstrdup("");
	img->variant = json_str(config, "variant");
	img->comment = json_str(config, "comment");
	img->author = json_str(config, "author");
	img->config_json = json_incref(config);
	return 0;
}

/* Column 0 of each row of a one-parameter query, as a string array. */
static char **query_strings(sqlite3 *db, const char *sql, const char *param, bool familiar)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return v;
	sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		if (familiar) {
			cleanup_free char *f = ref_familiarize(s);
			strv_push(&v, &n, f);
		} else {
			strv_push(&v, &n, s);
		}
	}
	return v;
}

int image_get(struct berth *b, const char *id, struct image **out, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	struct image *img;
	json_error_t jerr;
	json_t *config;
	sqlite3 *db;

	if (berth_db(b, &db, err) < 0)
		return -1;
	if (db_prepare(db, "SELECT config, size, parent FROM images WHERE id = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return berr_make(err, 0, "No such image: %s", id);
	config = json_loadb((const char *)sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), 0, &jerr);
	if (!config)
		return berr_make(err, 0, "image %s: config is not valid JSON: %s", id, jerr.text);
	img = xcalloc(1, sizeof(*img));
	if (image_from_config(id, config, img, err) < 0) {
		json_decref(config);
		image_free(img);
		return -1;
	}
	json_decref(config);
	img->size = sqlite3_column_int64(st, 1);
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		img->parent = xstrdup((const char *)sqlite3_column_text(st, 2));
	img->repo_tags = query_strings(db, "SELECT name FROM tags WHERE image_id = ? ORDER BY name", id, true);
	img->repo_digests = query_strings(db, "SELECT name FROM repo_digests WHERE image_id = ? ORDER BY name", id, true);
	*out = img;
	return 0;
}

/* The id whose hex starts with prefix ("sha256:" allowed); 0 found, 1 none,
 * -1 ambiguous (err set). */
static int find_by_prefix(sqlite3 *db, const char *prefix, char **id, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *pat = NULL;
	const char *hex = str_has_prefix(prefix, "sha256:") ? prefix + 7 : prefix;
	size_t n = strlen(hex);

	if (n == 0 || n > 64)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return 1;
	/* Hex has no LIKE wildcards, and ids are lowercase: a range scan on
	 * the primary key. */
	pat = xasprintf("sha256:%s", hex);
	if (db_prepare(db, "SELECT id FROM images WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, pat, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return 1;
	*id = xstrdup((const char *)sqlite3_column_text(st, 0));
	if (sqlite3_step(st) == SQLITE_ROW) {
		free(*id);
		*id = NULL;
		return berr_make(err, 0, "ambiguous image id prefix %s: more than one image matches", prefix);
	}
	return 0;
}

static char *lookup_one(sqlite3 *db, const char *sql, const char *param)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return NULL;
	return xstrdup((const char *)sqlite3_column_text(st, 0));
}

int image_resolve(struct berth *b, const char *s, char **id_out, char **matched, berr_t *err)
{
	sqlite3 *db;
	struct ref r;
	cleanup_free char *shown = NULL;
	cleanup_free char *key = NULL;
	char *id = NULL;
	int rc;

	if (matched)
		*matched = NULL;
	if (berth_db(b, &db, err) < 0)
		return -1;
	/* ParseAnyReference: a 64-hex string or a digest is an id. */
	if (ref_is_hex64(s) || (str_has_prefix(s, "sha256:") && digest_is_sha256(s))) {
		cleanup_free char *full = ref_is_hex64(s) ? xasprintf("sha256:%s", s) : xstrdup(s);
		id = lookup_one(db, "SELECT id FROM images WHERE id = ?", full);
		if (!id)
			return berr_make(err, 0, "No such image: %s", full);
		*id_out = id;
		return 0;
	}
	if (ref_parse(s, &r, err) < 0) {
		/* "sha256:abc" is not a name, but is a short id. */
		cleanup_berr berr_t e2 = NULL;
		rc = find_by_prefix(db, s, &id, &e2);
		if (rc == 0) {
			berr_free(err);
			*id_out = id;
			return 0;
		}
		return -1;
	}
	if (r.digest) {
		cleanup_free char *name = ref_name(&r);
		key = xasprintf("%s@%s", name, r.digest);
		id = lookup_one(db, "SELECT image_id FROM repo_digests WHERE name = ?", key);
	} else {
		if (!r.tag)
			r.tag = xstrdup(REF_DEFAULT_TAG);
		key = ref_string(&r);
		id = lookup_one(db, "SELECT image_id FROM tags WHERE name = ?", key);
	}
	shown = ref_familiar(&r);
	ref_free(&r);
	if (id) {
		*id_out = id;
		if (matched)
			*matched = steal_pointer(&key);
		return 0;
	}
	rc = find_by_prefix(db, s, &id, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*id_out = id;
		return 0;
	}
	return berr_make(err, 0, "No such image: %s", shown);
}

int image_resolve_id(struct berth *b, const char *s, char **id_out, berr_t *err)
{
	return image_resolve(b, s, id_out, NULL, err);
}

int image_find(struct berth *b, const char *ref_or_id, struct image **out, berr_t *err)
{
	cleanup_free char *id = NULL;
	if (image_resolve_id(b, ref_or_id, &id, err) < 0)
		return -1;
	return image_get(b, id, out, err);
}

static bool table_has_column(sqlite3 *db, const char *table, const char *column)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *sql = xasprintf("SELECT 1 FROM pragma_table_info('%s') WHERE name = ?", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, column, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

char *image_used_by_container(struct berth *b, const char *image_id, bool running_only)
{
	cleanup_berr berr_t err = NULL;
	sqlite3 *db;

	if (berth_db(b, &db, &err) < 0 || !table_has_column(db, "containers", "image_id"))
		return NULL;
	if (running_only) {
		if (!table_has_column(db, "containers", "state"))
			return NULL;
		return lookup_one(db, "SELECT id FROM containers WHERE image_id = ? AND state IN ('running', 'paused', "
				      "'restarting') ORDER BY id LIMIT 1",
				  image_id);
	}
	return lookup_one(db, "SELECT id FROM containers WHERE image_id = ? ORDER BY id LIMIT 1", image_id);
}

int image_tag(struct berth *b, const char *image_id, const char *name, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *canon = NULL;
	struct ref r;
	sqlite3 *db;

	if (ref_parse_default_tag(name, &r, err) < 0)
		return -1;
	if (r.digest) {
		ref_free(&r);
		return berr_make(err, 0, "refusing to create a tag with a digest reference");
	}
	canon = ref_string(&r);
	ref_free(&r);
	if (berth_db(b, &db, err) < 0)
		return -1;
	/* A tag already on this image keeps its place in RepoTags; one on
	 * another image moves, leaving that image dangling if it was its last. */
	if (db_prepare(db,
		       "INSERT INTO tags(name, image_id, added) VALUES (?1, ?2, ?3) "
		       "ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, added = excluded.added "
		       "WHERE image_id != excluded.image_id",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, image_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ns());
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

static int summary_by_id(const void *a, const void *b)
{
	return strcmp(((const struct image_summary *)a)->id, ((const struct image_summary *)b)->id);
}

static struct image_summary *summary_find(struct image_summary *s, size_t n, const char *id)
{
	struct image_summary key = {.id = (char *)id};
	return bsearch(&key, s, n, sizeof(*s), summary_by_id);
}

int image_list(struct berth *b, struct image_summary **out, size_t *n_out, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	struct image_summary *s = NULL;
	size_t n = 0, cap = 0;
	sqlite3 *db;
	bool containers;

	*out = NULL;
	*n_out = 0;
	if (berth_db(b, &db, err) < 0)
		return -1;
	if (db_prepare(db, "SELECT id, created, size, parent FROM images ORDER BY id", &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			s = xrealloc(s, cap * sizeof(*s));
		}
		memset(&s[n], 0, sizeof(s[n]));
		s[n].id = xstrdup((const char *)sqlite3_column_text(st, 0));
		s[n].created = sqlite3_column_int64(st, 1);
		s[n].size = sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			s[n].parent = xstrdup((const char *)sqlite3_column_text(st, 3));
		s[n].repo_tags = xcalloc(1, sizeof(char *));
		s[n].repo_digests = xcalloc(1, sizeof(char *));
		n++;
	}
	db_stmt_release(st);
	st = NULL;

	/* Names, in one pass each, attached by binary search on the id. */
	static const char *const name_sql[2] = {"SELECT image_id, name FROM tags ORDER BY name",
						"SELECT image_id, name FROM repo_digests ORDER BY name"};
	for (int k = 0; k < 2; k++) {
		if (db_prepare(db, name_sql[k], &st, err) < 0)
			goto fail;
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct image_summary *e = summary_find(s, n, (const char *)sqlite3_column_text(st, 0));
			if (!e)
				continue;
			char ***v = k == 0 ? &e->repo_tags : &e->repo_digests;
			size_t len = strv_len(*v);
			strv_push(v, &len, (const char *)sqlite3_column_text(st, 1));
		}
		db_stmt_release(st);
		st = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i].parent) {
			struct image_summary *p = summary_find(s, n, s[i].parent);
			if (p)
				p->has_children = true;
		}
	}
	containers = table_has_column(db, "containers", "image_id");
	if (containers && sqlite3_prepare_v2(db, "SELECT DISTINCT image_id FROM containers", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			struct image_summary *e = id ? summary_find(s, n, id) : NULL;
			if (e)
				e->in_use = true;
		}
	}
	*out = s;
	*n_out = n;
	return 0;
fail:
	image_summaries_free(s, n);
	return -1;
}

void image_summaries_free(struct image_summary *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].id);
		free(s[i].parent);
		strv_free(s[i].repo_tags);
		strv_free(s[i].repo_digests);
	}
	free(s);
}

/* Does a stored manifest name exactly this image's config and blobs?
 * *media_type gets its media type either way. */
static bool manifest_fits(const char *id, const struct image_manifest *m, const char *body, size_t len,
			  char **media_type)
{
	struct oci_manifest om;
	berr_t e = NULL;
	bool fits;

	if (oci_parse_manifest(body, len, &om, &e) < 0) {
		berr_free(&e);
		return false;
	}
	fits = strcmp(om.config.digest, id) == 0 && om.n_layers == m->n_layers;
	for (size_t i = 0; fits && i < om.n_layers; i++)
		fits = strcmp(om.layers[i].digest, m->layers[i]) == 0;
	*media_type = xstrdup(om.media_type ? om.media_type : MT_OCI_MANIFEST);
	oci_manifest_clear(&om);
	return fits;
}

/* The manifest it came with, when that fits; 1 when it is used. */
static int stored_manifest(struct berth *b, const char *id, const char *stored, struct image_manifest *m)
{
	char *body = NULL, *mt = NULL;
	size_t len = 0;
	berr_t e = NULL;

	if (!stored || !store_has(b, stored))
		return 0;
	if (store_read(b, stored, &body, &len, &e) == 0 && manifest_fits(id, m, body, len, &mt)) {
		m->body = body;
		m->len = len;
		m->media_type = mt;
		snprintf(m->digest, sizeof(m->digest), "%s", stored);
		return 1;
	}
	free(body);
	free(mt);
	berr_free(&e);
	return 0;
}

int image_manifest(struct berth *b, const char *id, struct image_manifest *m, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *stored = NULL;
	json_t *layers = json_array(), *j;
	sqlite3 *db;

	memset(m, 0, sizeof(*m));
	m->layers = xcalloc(1, sizeof(char *));
	if (berth_db(b, &db, err) < 0 ||
	    db_prepare(db, "SELECT manifest, length(CAST(config AS BLOB)) FROM images WHERE id = ?", &st, err) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		berr_make(err, 0, "No such image: %s", id);
		goto fail;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		stored = xstrdup((const char *)sqlite3_column_text(st, 0));
	m->config_size = sqlite3_column_int64(st, 1);
	db_stmt_release(st);
	st = NULL;
	if (!store_has(b, id)) {
		berr_make(err, 0, "the config blob of image %s is missing: run 'berth system check'", id);
		goto fail;
	}
	if (db_prepare(db, "SELECT blob, media_type, blob_size FROM image_layers WHERE image_id = ? ORDER BY idx", &st,
		       err) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *blob = (const char *)sqlite3_column_text(st, 0);
		size_t n = m->n_layers;
		if (!layer_blob_exists(b, blob)) {
			berr_make(err, 0, "layer blob %s of image %s is missing: run 'berth system check'", blob, id);
			goto fail;
		}
		m->layers = xrealloc(m->layers, (n + 2) * sizeof(char *));
		m->layers[n] = xstrdup(blob);
		m->layers[n + 1] = NULL;
		m->layer_sizes = xrealloc(m->layer_sizes, (n + 1) * sizeof(long long));
		m->layer_sizes[n] = sqlite3_column_int64(st, 2);
		m->n_layers = n + 1;
		json_array_append_new(layers, oci_descriptor_json((const char *)sqlite3_column_text(st, 1), blob,
								   m->layer_sizes[n]));
	}
	if (stored_manifest(b, id, stored, m)) {
		json_decref(layers);
		return 0;
	}
	j = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST, "config",
		      oci_descriptor_json(MT_OCI_CONFIG, id, m->config_size), "layers", layers);
	m->body = oci_dump_compact(j);
	m->len = strlen(m->body);
	m->media_type = xstrdup(MT_OCI_MANIFEST);
	json_decref(j);
	sha256_digest(m->body, m->len, m->digest);
	return 0;
fail:
	json_decref(layers);
	image_manifest_clear(m);
	return -1;
}

void image_manifest_clear(struct image_manifest *m)
{
	free(m->body);
	free(m->media_type);
	strv_free(m->layers);
	free(m->layer_sizes);
	memset(m, 0, sizeof(*m));
}

const char *image_short_id(const char *id, char buf[13])
{
	const char *hex = digest_hex(id);
	size_t n = strnlen(hex, 12);
	memcpy(buf, hex, n);
	buf[n] = '\0';
	return buf;
}

int image_lock(struct berth *b, bool exclusive, int *fd, berr_t *err)
{
	cleanup_free char *path = berth_path(b, "images.lock");
	int f;

	if (mkdir_p(b->root, 0700, err) < 0)
		return -1;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return berr_make(err, errno, "cannot open %s", path);
	while (flock(f, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(f);
		return berr_make(err, e, "cannot lock %s", path);
	}
	*fd = f;
	return 0;
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, berr_t *err)
{
	int r = sqlite3_step(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

int image_insert(sqlite3 *db, const char *id, const char *config, size_t config_len,
		 const struct image_layer_desc *layers, size_t n, const char *parent, const char *manifest,
		 berr_t *err)
{
	cleanup_stmt sqlite3_stmt *li = NULL;
	cleanup_stmt sqlite3_stmt *ii = NULL;
	cleanup_stmt sqlite3_stmt *il = NULL;
	json_t *cfg;
	json_error_t jerr;
	long long size = 0, created = 0;

	cfg = json_loadb(config, config_len, 0, &jerr);
	if (cfg) {
		created = parse_rfc3339(json_string_value(json_object_get(cfg, "created")));
		json_decref(cfg);
	}
	if (db_prepare(db, "INSERT OR IGNORE INTO layers(chain_id, diff_id, parent, size) VALUES (?, ?, ?, ?)", &li,
		       err) < 0 ||
	    db_prepare(db,
		       "INSERT OR IGNORE INTO image_layers(image_id, idx, chain_id, blob, media_type, blob_size) "
		       "VALUES (?, ?, ?, ?, ?, ?)",
		       &il, err) < 0 ||
	    db_prepare(db,
		       "INSERT OR IGNORE INTO images(id, config, created, size, parent, manifest, added) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?)",
		       &ii, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		size += layers[i].size;
	sqlite3_bind_text(ii, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ii, 2, config, (int)config_len, SQLITE_STATIC);
	sqlite3_bind_int64(ii, 3, created);
	sqlite3_bind_int64(ii, 4, size);
	if (parent)
		sqlite3_bind_text(ii, 5, parent, -1, SQLITE_STATIC);
	if (manifest)
		sqlite3_bind_text(ii, 6, manifest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ii, 7, now_ns());
	if (step_done(db, ii, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(li);
		sqlite3_bind_text(li, 1, layers[i].chain_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(li, 2, layers[i].diff_id, -1, SQLITE_STATIC);
		if (i > 0)
			sqlite3_bind_text(li, 3, layers[i - 1].chain_id, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(li, 3);
		sqlite3_bind_int64(li, 4, layers[i].size);
		if (step_done(db, li, err) < 0)
			return -1;
		sqlite3_reset(il);
		sqlite3_bind_text(il, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(il, 2, (long long)i);
		sqlite3_bind_text(il, 3, layers[i].chain_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(il, 4, layers[i].blob, -1, SQLITE_STATIC);
		sqlite3_bind_text(il, 5, layers[i].media_type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(il, 6, layers[i].blob_size);
		if (step_done(db, il, err) < 0)
			return -1;
	}
	return 0;
}

int image_set_tag(sqlite3 *db, const char *canonical, const char *id, char **old_id, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	char *old = lookup_one(db, "SELECT image_id FROM tags WHERE name = ?", canonical);

	if (old && strcmp(old, id) == 0) {
		free(old);
		old = NULL;
		if (old_id)
			*old_id = NULL;
		return 0;
	}
	if (db_prepare(db, "INSERT OR REPLACE INTO tags(name, image_id, added) VALUES (?, ?, ?)", &st, err) < 0) {
		free(old);
		return -1;
	}
	sqlite3_bind_text(st, 1, canonical, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ns());
	if (step_done(db, st, err) < 0) {
		free(old);
		return -1;
	}
	if (old_id)
		*old_id = old;
	else
		free(old);
	return 0;
}

static long count_where(sqlite3 *db, const char *sql, const char *param)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

/* Is a blob still named by any image (config, manifest, layer)? */
static bool blob_referenced(sqlite3 *db, const char *digest)
{
	return count_where(db,
			   "SELECT (SELECT count(*) FROM images WHERE id = ?1 OR manifest = ?1) + "
			   "(SELECT count(*) FROM image_layers WHERE blob = ?1)",
			   digest) > 0;
}

int image_delete(struct berth *b, const char *id, image_emit_fn emit, void *ctx, long long *reclaimed, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_strv char **chains = NULL;
	cleanup_strv char **blobs = NULL;
	size_t nchains = 0, nblobs = 0;
	cleanup_free char *manifest = NULL;
	sqlite3 *db;
	long long freed = 0;

	if (berth_db(b, &db, err) < 0)
		return -1;
	chains = xcalloc(1, sizeof(char *));
	blobs = xcalloc(1, sizeof(char *));
	if (db_prepare(db, "SELECT chain_id, blob FROM image_layers WHERE image_id = ? ORDER BY idx DESC", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		strv_push(&chains, &nchains, (const char *)sqlite3_column_text(st, 0));
		strv_push(&blobs, &nblobs, (const char *)sqlite3_column_text(st, 1));
	}
	db_stmt_release(st);
	st = NULL;
	manifest = lookup_one(db, "SELECT manifest FROM images WHERE id = ?", id);
	/* What goes with it: the layers only it uses. */
	freed = count_where(db,
			    "SELECT coalesce(sum(size), 0) FROM layers WHERE chain_id IN "
			    "(SELECT chain_id FROM image_layers WHERE image_id = ?1) AND chain_id NOT IN "
			    "(SELECT chain_id FROM image_layers WHERE image_id != ?1)",
			    id);
	strv_push(&blobs, &nblobs, id);
	if (manifest)
		strv_push(&blobs, &nblobs, manifest);

	if (db_begin(db, err) < 0)
		return -1;
	if (db_prepare(db, "DELETE FROM images WHERE id = ?", &st, err) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (step_done(db, st, err) < 0)
		goto fail;
	db_stmt_release(st);
	st = NULL;
	/* Layers no image uses any more: rows go now, directories after the
	 * commit (a crash in between leaves orphans for system check). */
	if (db_exec(db, "DELETE FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM image_layers)", err) < 0)
		goto fail;
	if (db_commit(db, err) < 0)
		goto fail;
	if (emit)
		emit(ctx, "Deleted", id);
	for (size_t i = 0; i < nchains; i++) {
		if (count_where(db, "SELECT count(*) FROM layers WHERE chain_id = ?", chains[i]) > 0)
			continue;
		if (!layer_exists(b, chains[i]))
			continue;
		if (layer_remove(b, chains[i], err) < 0)
			return -1;
		if (emit)
			emit(ctx, "Deleted", chains[i]);
	}
	for (size_t i = 0; i < nblobs; i++) {
		if (blob_referenced(db, blobs[i]))
			continue;
		if (store_remove(b, blobs[i], err) < 0 || tarsplit_remove(b, blobs[i], err) < 0)
			return -1;
	}
	if (reclaimed)
		*reclaimed += freed;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

static void untag(sqlite3 *db, const char *name)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	const char *sql = strchr(name, '@') ? "DELETE FROM repo_digests WHERE name = ?" : "DELETE FROM tags WHERE name = ?";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
}

static char **image_refs(sqlite3 *db, const char *id)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT name FROM tags WHERE image_id = ?1 UNION ALL "
			       "SELECT name FROM repo_digests WHERE image_id = ?1 ORDER BY 1",
			       -1, &st, NULL) != SQLITE_OK)
		return v;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		strv_push(&v, &n, (const char *)sqlite3_column_text(st, 0));
	return v;
}

/* The repository part of a canonical name ("docker.io/library/busybox"). */
static char *repo_of(const char *canonical)
{
	cleanup_berr berr_t err = NULL;
	struct ref r;
	char *s;
	if (ref_parse_canonical(canonical, &r, &err) < 0)
		return xstrdup(canonical);
	s = ref_name(&r);
	ref_free(&r);
	return s;
}

static void emit_untag(image_emit_fn emit, void *ctx, const char *canonical)
{
	cleanup_free char *f = ref_familiarize(canonical);
	if (emit)
		emit(ctx, "Untagged", f);
}

/* Delete id, then its untagged parents nobody else needs (docker's
 * default; --no-prune keeps them). */
static int delete_chain(struct berth *b, sqlite3 *db, const char *id, bool prune_parents, image_emit_fn emit,
			void *ctx, berr_t *err)
{
	cleanup_free char *cur = xstrdup(id);
	while (cur) {
		cleanup_free char *parent = lookup_one(db, "SELECT parent FROM images WHERE id = ?", cur);
		if (image_delete(b, cur, emit, ctx, NULL, err) < 0)
			return -1;
		free(cur);
		cur = NULL;
		if (!prune_parents || !parent)
			break;
		if (count_where(db, "SELECT count(*) FROM images WHERE id = ?", parent) == 0 ||
		    count_where(db, "SELECT count(*) FROM tags WHERE image_id = ?", parent) > 0 ||
		    count_where(db, "SELECT count(*) FROM repo_digests WHERE image_id = ?", parent) > 0 ||
		    count_where(db, "SELECT count(*) FROM images WHERE parent = ?", parent) > 0)
			break;
		cleanup_free char *user = image_used_by_container(b, parent, false);
		if (user)
			break;
		cur = steal_pointer(&parent);
	}
	return 0;
}

int image_remove(struct berth *b, const char *arg, bool force, bool prune_parents, image_emit_fn emit, void *ctx,
		 berr_t *err)
{
	cleanup_free char *id = NULL;
	cleanup_free char *matched = NULL;
	cleanup_free char *running = NULL;
	cleanup_free char *stopped = NULL;
	cleanup_strv char **refs = NULL;
	cleanup_close int lock = -1;
	sqlite3 *db;
	char sid[13], cid[13];
	size_t nrefs;

	if (image_lock(b, true, &lock, err) < 0)
		return -1;
	if (image_resolve(b, arg, &id, &matched, err) < 0)
		return -1;
	if (berth_db(b, &db, err) < 0)
		return -1;
	image_short_id(id, sid);
	refs = image_refs(db, id);
	nrefs = strv_len(refs);
	running = image_used_by_container(b, id, true);
	stopped = running ? NULL : image_used_by_container(b, id, false);

	if (matched) {
		/* By name: untag; the image goes too when that was its last name. */
		if (nrefs <= 1 && !force && (running || stopped)) {
			snprintf(cid, sizeof(cid), "%s", running ? running : stopped);
			return berr_make_status(err, 1, 0,
						"conflict: unable to remove repository reference \"%s\" (must force) - "
						"container %s is using its referenced image %s",
						arg, cid, sid);
		}
		untag(db, matched);
		emit_untag(emit, ctx, matched);
		if (nrefs > 1)
			return 0;
		if (running || stopped)
			return 0; /* kept, dangling, while a container uses it */
		if (count_where(db, "SELECT count(*) FROM images WHERE parent = ?", id) > 0)
			return 0;
		return delete_chain(b, db, id, prune_parents, emit, ctx, err);
	}

	/* By id. */
	if (running) {
		snprintf(cid, sizeof(cid), "%s", running);
		return berr_make_status(err, 1, 0,
					"conflict: unable to delete %s (cannot be forced) - image is being used by running "
					"container %s",
					sid, cid);
	}
	if (stopped && !force) {
		snprintf(cid, sizeof(cid), "%s", stopped);
		return berr_make_status(err, 1, 0,
					"conflict: unable to delete %s (must be forced) - image is being used by stopped "
					"container %s",
					sid, cid);
	}
	if (nrefs > 1 && !force) {
		cleanup_free char *first = repo_of(refs[0]);
		for (size_t i = 1; i < nrefs; i++) {
			cleanup_free char *other = repo_of(refs[i]);
			if (strcmp(first, other) != 0)
				return berr_make_status(err, 1, 0,
							"conflict: unable to delete %s (must be forced) - image is "
							"referenced in multiple repositories",
							sid);
		}
	}
	if (count_where(db, "SELECT count(*) FROM images WHERE parent = ?", id) > 0)
		return berr_make_status(err, 1, 0,
					"conflict: unable to delete %s (cannot be forced) - image has dependent child images",
					sid);
	for (size_t i = 0; i < nrefs; i++) {
		untag(db, refs[i]);
		emit_untag(emit, ctx, refs[i]);
	}
	if (stopped)
		return 0; /* forced: untagged, kept while the container needs its layers */
	return delete_chain(b, db, id, prune_parents, emit, ctx, err);
}
