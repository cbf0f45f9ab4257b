/* image_json.c: what `image inspect` and `history` show about an image
 * (see image.h), in docker's shape and field order. */
#define _GNU_SOURCE
#include "image.h"
#include "layer.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Field order and defaults of docker's container.Config as inspect prints
 * it.  omit: left out when absent (Go's omitempty). */
static const struct {
	const char *key;
	enum { D_STR, D_FALSE, D_NULL } def;
	bool omit;
} config_fields[] = {
	{"Hostname", D_STR, false},    {"Domainname", D_STR, false},  {"User", D_STR, false},
	{"AttachStdin", D_FALSE, false}, {"AttachStdout", D_FALSE, false}, {"AttachStderr", D_FALSE, false},
	{"ExposedPorts", D_NULL, true}, {"Tty", D_FALSE, false},       {"OpenStdin", D_FALSE, false},
	{"StdinOnce", D_FALSE, false}, {"Env", D_NULL, false},         {"Cmd", D_NULL, false},
	{"Healthcheck", D_NULL, true}, {"ArgsEscaped", D_NULL, true},  {"Image", D_STR, false},
	{"Volumes", D_NULL, false},    {"WorkingDir", D_STR, false},   {"Entrypoint", D_NULL, false},
	{"NetworkDisabled", D_NULL, true}, {"MacAddress", D_NULL, true}, {"OnBuild", D_NULL, false},
	{"Labels", D_NULL, false},     {"StopSignal", D_NULL, true},   {"StopTimeout", D_NULL, true},
	{"Shell", D_NULL, true},
};

static json_t *docker_config(json_t *src)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
		json_t *v = json_object_get(src, config_fields[i].key);
		if (v && !(config_fields[i].omit && (json_is_null(v) || json_is_false(v)))) {
			json_object_set(o, config_fields[i].key, v);
			continue;
		}
		if (config_fields[i].omit)
			continue;
		switch (config_fields[i].def) {
		case D_STR:
			json_object_set_new(o, config_fields[i].key, json_string(""));
			break;
		case D_FALSE:
			json_object_set_new(o, config_fields[i].key, json_false());
			break;
		case D_NULL:
			json_object_set_new(o, config_fields[i].key, json_null());
			break;
		}
	}
	return o;
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (char **p = v; p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

static char *rfc3339_ns(long long ns)
{
	time_t t = (time_t)(ns / 1000000000LL);
	long frac = (long)(ns % 1000000000LL);
	struct tm tm;
	char buf[64], f[16];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(f, sizeof(f), "%09ld", frac);
	for (int i = 8; i >= 0 && f[i] == '0'; i--)
		f[i] = '\0';
	return f[0] ? xasprintf("%s.%sZ", buf, f) : xasprintf("%sZ", buf);
}

json_t *image_inspect_json(struct berth *b, const struct image *img)
{
	json_t *o = json_object(), *cfg = json_object_get(img->config_json, "config");
	json_t *created = json_object_get(img->config_json, "created");
	json_t *dv = json_object_get(img->config_json, "docker_version");
	json_t *gd = json_object(), *data;
	cleanup_free char *tagtime = NULL;
	sqlite3 *db;
	cleanup_berr berr_t err = NULL;

	json_object_set_new(o, "Id", json_string(img->id));
	json_object_set_new(o, "RepoTags", strv_json(img->repo_tags));
	json_object_set_new(o, "RepoDigests", strv_json(img->repo_digests));
	json_object_set_new(o, "Parent", json_string(img->parent ? img->parent : ""));
	json_object_set_new(o, "Comment", json_string(img->comment ? img->comment : ""));
	json_object_set_new(o, "Created", json_is_string(created) ? json_incref(created) : json_string("0001-01-01T00:00:00Z"));
	if (json_is_string(dv) && *json_string_value(dv))
		json_object_set(o, "DockerVersion", dv);
	json_object_set_new(o, "Author", json_string(img->author ? img->author : ""));
	json_object_set_new(o, "Config", docker_config(json_is_object(cfg) ? cfg : NULL));
	json_object_set_new(o, "Architecture", json_string(img->architecture ? img->architecture : ""));
	if (img->variant && *img->variant)
		json_object_set_new(o, "Variant", json_string(img->variant));
	json_object_set_new(o, "Os", json_string(img->os ? img->os : "linux"));
	json_object_set_new(o, "Size", json_integer(img->size));

	/* The layer directories, as docker's overlay2 names them: the top one
	 * as UpperDir, the rest (top first) as LowerDir. */
	if (img->n_layers > 0) {
		cleanup_free char *top = layer_dir(b, img->chain_ids[img->n_layers - 1]);
		char *lower = NULL;
		data = json_object();
		for (size_t i = img->n_layers - 1; i-- > 0;) {
			cleanup_free char *d = layer_dir(b, img->chain_ids[i]);
			char *j = xasprintf("%s%s%s", lower ? lower : "", lower ? ":" : "", d);
			free(lower);
			lower = j;
		}
		if (lower)
			json_object_set_new(data, "LowerDir", json_string(lower));
		free(lower);
		json_object_set_new(data, "UpperDir", json_string(top));
	} else {
		data = json_null();
	}
	json_object_set_new(gd, "Data", data);
	json_object_set_new(gd, "Name", json_string("overlayfs"));
	json_object_set_new(o, "GraphDriver", gd);
	json_object_set_new(o, "RootFS", json_pack("{s:s, s:o}", "Type", "layers", "Layers", strv_json(img->diff_ids)));

	if (berth_db(b, &db, &err) == 0) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "SELECT max(added) FROM tags WHERE image_id = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, img->id, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
				tagtime = rfc3339_ns(sqlite3_column_int64(st, 0));
		}
	}
	json_object_set_new(o, "Metadata",
			    json_pack("{s:s}", "LastTagTime", tagtime ? tagtime : "0001-01-01T00:00:00Z"));
	return o;
}

static long long history_time(json_t *h)
{
	const char *s = json_string_value(json_object_get(h, "created"));
	struct tm tm;
	if (!s)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (long long)timegm(&tm);
}

int image_history(struct berth *b, const struct image *img, struct image_history_row **rows, size_t *n,
		  berr_t *err)
{
	json_t *hist = json_object_get(img->config_json, "history"), *h;
	size_t nh = json_array_size(hist), i, layer = 0;
	struct image_history_row *r;
	long long *sizes = xcalloc(img->n_layers + 1, sizeof(long long));
	sqlite3 *db;

	if (berth_db(b, &db, err) < 0) {
		free(sizes);
		return -1;
	}
	for (size_t k = 0; k < img->n_layers; k++) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "SELECT size FROM layers WHERE chain_id = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, img->chain_ids[k], -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				sizes[k] = sqlite3_column_int64(st, 0);
		}
	}
	r = xcalloc(nh + 1, sizeof(*r));
	/* Oldest first in the config; newest first on screen. */
	json_array_foreach(hist, i, h) {
		struct image_history_row *row = &r[nh - 1 - i];
		const char *by = json_string_value(json_object_get(h, "created_by"));
		const char *comment = json_string_value(json_object_get(h, "comment"));
		row->created = history_time(h);
		row->created_by = xstrdup(by ? by : "");
		row->comment = xstrdup(comment ? comment : "");
		row->id = xstrdup("<missing>");
		if (!json_is_true(json_object_get(h, "empty_layer")) && layer < img->n_layers)
			row->size = sizes[layer++];
	}
	free(sizes);
	/* Ids down the parent chain, as docker fills them. */
	{
		cleanup_free char *id = xstrdup(img->id);
		for (size_t k = 0; k < nh && id; k++) {
			struct image *cur = NULL;
			cleanup_berr berr_t e2 = NULL;
			free(r[k].id);
			r[k].id = xstrdup(id);
			if (image_get(b, id, &cur, &e2) < 0)
				break;
			r[k].tags = cur->repo_tags;
			cur->repo_tags = NULL;
			free(id);
			id = cur->parent ? xstrdup(cur->parent) : NULL;
			image_free(cur);
		}
	}
	*rows = r;
	*n = nh;
	return 0;
}

void image_history_free(struct image_history_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].created_by);
		free(rows[i].comment);
		for (char **p = rows[i].tags; p && *p; p++)
			free(*p);
		free(rows[i].tags);
	}
	free(rows);
}
