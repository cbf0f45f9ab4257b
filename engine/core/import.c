/* import.c: `berth import`: a root filesystem tar becomes a one-layer
 * image, with docker import's --change instructions and -m message (see
 * imageio.h).
 *
 * The tar streams once: into the blob store as it came (plain or
 * compressed) and into its layer directory, hashed on the way.  The image
 * config has docker's shape, so inspect shows what docker's would.
 */
#define _GNU_SOURCE
#include "imageio.h"
#include "image.h"
#include "layer.h"
#include "oci.h"
#include "ref.h"
#include "store.h"
#include "tarsplit.h"
#include "db.h"
#include "sysinfo.h"
#include "util.h"
#include "cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- --change: a small subset of Dockerfile ---------------------------- */

/* Split words the way the Dockerfile parser does for ENV/LABEL/EXPOSE/
 * VOLUME: whitespace separates, quotes group, backslash escapes. */
static char **split_words(const char *s, berr_t *err)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	char *buf = xmalloc(strlen(s) + 1);

	while (*s) {
		size_t k = 0;
		char q = 0;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		while (*s && (q || !isspace((unsigned char)*s))) {
			if (!q && (*s == '"' || *s == '\'')) {
				q = *s++;
				continue;
			}
			if (q && *s == q) {
				q = 0;
				s++;
				continue;
			}
			if (*s == '\\' && s[1] && q != '\'') {
				s++;
			}
			buf[k++] = *s++;
		}
		if (q) {
			free(buf);
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			berr_make(err, 0, "unmatched quote in change");
			return NULL;
		}
		buf[k] = '\0';
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup(buf);
		v[n] = NULL;
	}
	free(buf);
	return v;
}

/* CMD/ENTRYPOINT: JSON form, else shell form. */
static json_t *command_form(const char *rest)
{
	json_error_t jerr;
	json_t *j = NULL;
	size_t i;
	json_t *e;

	if (*rest == '[' && (j = json_loads(rest, 0, &jerr))) {
		bool ok = json_is_array(j);
		json_array_foreach(j, i, e) if (!json_is_string(e)) ok = false;
		if (ok)
			return j;
		json_decref(j);
	}
	return json_pack("[s, s, s]", "/bin/sh", "-c", rest);
}

static void set_env(json_t *cfg, const char *key, const char *value)
{
	json_t *env = json_object_get(cfg, "Env");
	size_t klen = strlen(key), i;
	json_t *e;
	cleanup_free char *kv = xasprintf("%s=%s", key, value);

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	json_array_foreach(env, i, e) {
		const char *s = json_string_value(e);
		if (s && strncmp(s, key, klen) == 0 && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static json_t *object_field(json_t *cfg, const char *key)
{
	json_t *o = json_object_get(cfg, key);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, key, o);
	}
	return o;
}

static void free_words(char **w)
{
	for (char **p = w; p && *p; p++)
		free(*p);
	free(w);
}

int image_apply_change(json_t *cfg, const char *change, berr_t *err)
{
	const char *p = change;
	char word[32];
	size_t k = 0;
	const char *rest;

	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p) && k < sizeof(word) - 1)
		word[k++] = (char)tolower((unsigned char)*p++);
	word[k] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	rest = p;
	if (!k)
		return berr_make(err, 0, "empty change");

	if (strcmp(word, "cmd") == 0 || strcmp(word, "entrypoint") == 0) {
		json_object_set_new(cfg, strcmp(word, "cmd") == 0 ? "Cmd" : "Entrypoint", command_form(rest));
		return 0;
	}
	if (strcmp(word, "user") == 0 || strcmp(word, "stopsignal") == 0) {
		if (!*rest)
			return berr_make(err, 0, "%s requires exactly one argument", word);
		json_object_set_new(cfg, word[0] == 'u' ? "User" : "StopSignal", json_string(rest));
		return 0;
	}
	if (strcmp(word, "workdir") == 0) {
		const char *cur = json_string_value(json_object_get(cfg, "WorkingDir"));
		if (!*rest)
			return berr_make(err, 0, "WORKDIR requires exactly one argument");
		if (rest[0] != '/' && cur && *cur) {
			cleanup_free char *j = xasprintf("%s%s%s", cur, str_has_suffix(cur, "/") ? "" : "/", rest);
			json_object_set_new(cfg, "WorkingDir", json_string(j));
		} else {
			json_object_set_new(cfg, "WorkingDir", json_string(rest));
		}
		return 0;
	}
	if (strcmp(word, "onbuild") == 0) {
		json_t *ob = json_object_get(cfg, "OnBuild");
		if (!json_is_array(ob)) {
			ob = json_array();
			json_object_set_new(cfg, "OnBuild", ob);
		}
		json_array_append_new(ob, json_string(rest));
		return 0;
	}
	if (strcmp(word, "env") == 0 || strcmp(word, "label") == 0) {
		char **w = split_words(rest, err);
		bool env = word[0] == 'e';
		if (!w)
			return -1;
		if (!w[0]) {
			free_words(w);
			return berr_make(err, 0, "%s requires at least one argument", env ? "ENV" : "LABEL");
		}
		if (!strchr(w[0], '=')) {
			/* Legacy form: ENV key value with spaces */
			const char *v = rest + strcspn(rest, " \t");
			while (isspace((unsigned char)*v))
				v++;
			if (env)
				set_env(cfg, w[0], v);
			else
				json_object_set_new(object_field(cfg, "Labels"), w[0], json_string(v));
			free_words(w);
			return 0;
		}
		for (char **x = w; *x; x++) {
			char *eq = strchr(*x, '=');
			if (!eq) {
				berr_make(err, 0, "%s names must be followed by '=': %s", env ? "ENV" : "LABEL", *x);
				free_words(w);
				return -1;
			}
			*eq = '\0';
			if (env)
				set_env(cfg, *x, eq + 1);
			else
				json_object_set_new(object_field(cfg, "Labels"), *x, json_string(eq + 1));
		}
		free_words(w);
		return 0;
	}
	if (strcmp(word, "expose") == 0) {
		char **w = split_words(rest, err);
		if (!w)
			return -1;
		for (char **x = w; *x; x++) {
			cleanup_free char *port = strchr(*x, '/') ? xstrdup(*x) : xasprintf("%s/tcp", *x);
			char *end;
			long v = strtol(port, &end, 10);
			if (v <= 0 || v > 65535 || *end != '/' ||
			    (strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0 && strcmp(end, "/sctp") != 0)) {
				berr_make(err, 0, "invalid containerPort: %s", *x);
				free_words(w);
				return -1;
			}
			json_object_set_new(object_field(cfg, "ExposedPorts"), port, json_object());
		}
		free_words(w);
		return 0;
	}
	if (strcmp(word, "volume") == 0) {
		json_t *arr = NULL;
		json_error_t jerr;
		if (*rest == '[')
			arr = json_loads(rest, 0, &jerr);
		if (json_is_array(arr)) {
			size_t i;
			json_t *e;
			json_array_foreach(arr, i, e) if (json_is_string(e)) json_object_set_new(
				object_field(cfg, "Volumes"), json_string_value(e), json_object());
			json_decref(arr);
			return 0;
		}
		json_decref(arr);
		char **w = split_words(rest, err);
		if (!w)
			return -1;
		for (char **x = w; *x; x++)
			json_object_set_new(object_field(cfg, "Volumes"), *x, json_object());
		free_words(w);
		return 0;
	}
	return berr_make(err, 0, "%s is not a valid change command", word);
}

/* ---- import ------------------------------------------------------------ */

static char *rfc3339_now(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct timespec ts;
	struct tm tm;
	char buf[64];

	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		if (!*end && v >= 0) {
			time_t t = (time_t)v;
			gmtime_r(&t, &tm);
			strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
			return xstrdup(buf);
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	/* Go's RFC3339Nano drops trailing zeros of the fraction. */
	char frac[16];
	snprintf(frac, sizeof(frac), "%09ld", ts.tv_nsec);
	for (int i = 8; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	return frac[0] ? xasprintf("%s.%sZ", buf, frac) : xasprintf("%sZ", buf);
}

/* docker's container config, with every field docker writes. */
static json_t *empty_container_config(void)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:n, s:n, s:s, s:n, s:s, s:n, s:n, s:n}",
			 "Hostname", "", "Domainname", "", "User", "", "AttachStdin", 0, "AttachStdout", 0,
			 "AttachStderr", 0, "Tty", 0, "OpenStdin", 0, "StdinOnce", 0, "Env", "Cmd", "Image", "",
			 "Volumes", "WorkingDir", "", "Entrypoint", "OnBuild", "Labels");
}

int image_import(struct berth *b, int fd, const struct import_opts *o, char **id_out, berr_t *err)
{
	struct layer_fd_source fs;
	struct layer_source src;
	struct layer_result res;
	struct blob_writer *blob = NULL;
	struct tarsplit *split = NULL;
	char *split_tmp = NULL;
	cleanup_free char *tmp = NULL;
	cleanup_free char *canonical = NULL;
	cleanup_free char *created = NULL;
	cleanup_free char *config = NULL;
	cleanup_close int dfd = -1;
	cleanup_close int lock = -1;
	char id[DIGEST_LEN];
	const char *msg = o->message && *o->message ? o->message : "Imported from -";
	const char *arch = sysinfo_oci_arch(), *os = "linux";
	cleanup_free char *plat = NULL;
	json_t *cfg = empty_container_config(), *img = NULL;
	struct image_layer_desc layer;
	sqlite3 *db;
	int rc = -1;

	/* Everything that can be refused is refused before reading input. */
	if (o->name) {
		struct ref r;
		if (ref_parse_default_tag(o->name, &r, err) < 0)
			goto out;
		if (r.digest) {
			ref_free(&r);
			berr_make(err, 0, "refusing to create a tag with a digest reference");
			goto out;
		}
		canonical = ref_string(&r);
		ref_free(&r);
	}
	if (o->platform && *o->platform) {
		plat = xstrdup(o->platform);
		char *slash = strchr(plat, '/');
		if (!slash || strcmp(plat, "") == 0) {
			berr_make(err, 0, "invalid platform %s: want os/arch", o->platform);
			goto out;
		}
		*slash = '\0';
		os = plat;
		arch = slash + 1;
	}
	for (char *const *c = o->changes; c && *c; c++)
		if (image_apply_change(cfg, *c, err) < 0)
			goto out;
	if (berth_db(b, &db, err) < 0 || image_lock(b, false, &lock, err) < 0)
		goto out;

	if (blob_writer_open(b, BLOB_DEFER_SYNC | BLOB_CALLER_HASHES, &blob, err) < 0 ||
	    layer_tmp_dir(b, &tmp, &dfd, err) < 0)
		goto out;
	split = tarsplit_new();
	layer_fd_source_init(&fs, &src, fd);
	rc = layer_unpack(&src, blob, split, dfd, &res, err);
	layer_fd_source_fini(&fs);
	if (rc < 0)
		goto out;
	rc = -1;
	if (res.split_used) {
		if (tarsplit_save(split, b, res.blob_digest, &split_tmp, err) < 0 || store_sync(b, err) < 0 ||
		    tarsplit_publish(b, split_tmp, res.blob_digest, err) < 0)
			goto out;
		free(split_tmp);
		split_tmp = NULL;
	} else if (blob_writer_commit(blob, NULL, NULL, NULL, err) < 0 || store_sync(b, err) < 0 ||
		   blob_writer_publish(blob, err) < 0) {
		goto out;
	}
	if (layer_commit_dir(b, tmp, res.diff_id, err) < 0)
		goto out;
	free(tmp);
	tmp = NULL;

	created = rfc3339_now();
	img = json_pack("{s:s, s:s, s:o, s:s, s:[{s:s, s:s}], s:s, s:{s:s, s:[s]}}", "architecture", arch, "comment",
			msg, "config", cfg, "created", created, "history", "created", created, "comment", msg, "os", os,
			"rootfs", "type", "layers", "diff_ids", res.diff_id);
	cfg = NULL;
	config = oci_dump_compact(img);
	if (store_put(b, config, strlen(config), NULL, id, err) < 0)
		goto out;

	memset(&layer, 0, sizeof(layer));
	snprintf(layer.chain_id, sizeof(layer.chain_id), "%s", res.diff_id);
	snprintf(layer.diff_id, sizeof(layer.diff_id), "%s", res.diff_id);
	snprintf(layer.blob, sizeof(layer.blob), "%s", res.blob_digest);
	layer.media_type = res.media_type;
	layer.blob_size = res.blob_size;
	layer.size = res.size;
	if (db_begin(db, err) < 0)
		goto out;
	if (image_insert(db, id, config, strlen(config), &layer, 1, NULL, NULL, err) < 0 ||
	    (canonical && image_set_tag(db, canonical, id, NULL, err) < 0)) {
		db_rollback(db);
		goto out;
	}
	if (db_commit(db, err) < 0) {
		db_rollback(db);
		goto out;
	}
	*id_out = xstrdup(id);
	rc = 0;
out:
	blob_writer_free(blob);
	tarsplit_free(split);
	if (split_tmp)
		unlink(split_tmp);
	free(split_tmp);
	if (tmp)
		remove_tree(tmp, NULL);
	json_decref(cfg);
	json_decref(img);
	return rc;
}
