/* volume.c: volumes and a container's mounts (see volume.h). */
#define _GNU_SOURCE
#include "volume.h"
#include "cleanup.h"
#include "db.h"
#include "mountspec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ANON_LABEL "com.docker.volume.anonymous"

void volume_free(struct volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->driver);
	json_decref(v->labels);
	json_decref(v->options);
	free(v->mountpoint);
	free(v);
}

void volume_list_free(struct volume **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		volume_free(v[i]);
	free(v);
}

static char *volume_dir(struct berth *b, const char *name)
{
	cleanup_free char *rel = xasprintf("volumes/%s", name);
	return berth_path(b, rel);
}

static struct volume *row_to_volume(struct berth *b, sqlite3_stmt *st)
{
	struct volume *v = xcalloc(1, sizeof(*v));
	const char *s;
	cleanup_free char *dir = NULL;

	v->name = xstrdup((const char *)sqlite3_column_text(st, 0));
	v->driver = xstrdup((const char *)sqlite3_column_text(st, 1));
	v->created = sqlite3_column_int64(st, 2);
	s = (const char *)sqlite3_column_text(st, 3);
	v->labels = s ? json_loads(s, 0, NULL) : NULL;
	if (!v->labels)
		v->labels = json_object();
	s = (const char *)sqlite3_column_text(st, 4);
	v->options = s ? json_loads(s, 0, NULL) : NULL;
	v->anonymous = sqlite3_column_int(st, 5) != 0;
	dir = volume_dir(b, v->name);
	v->mountpoint = xasprintf("%s/_data", dir);
	return v;
}

#define VOL_COLS "name, driver, created, labels, options, anonymous"

int volume_get(struct berth *b, const char *name, struct volume **out, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	sqlite3 *db;

	if (berth_db(b, &db, err) < 0 || db_prepare(db, "SELECT " VOL_COLS " FROM volumes WHERE name = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return berr_make_status(err, 1, 0, "get %s: no such volume", name);
	*out = row_to_volume(b, st);
	return 0;
}

int volume_list(struct berth *b, struct volume ***out, size_t *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	struct volume **v = NULL;
	size_t k = 0;
	sqlite3 *db;

	if (berth_db(b, &db, err) < 0 || db_prepare(db, "SELECT " VOL_COLS " FROM volumes ORDER BY name", &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = row_to_volume(b, st);
	}
	*out = v;
	*n = k;
	return 0;
}

static int make_dirs(struct berth *b, const char *name, berr_t *err)
{
	cleanup_free char *top = berth_path(b, "volumes");
	cleanup_free char *dir = volume_dir(b, name);
	cleanup_free char *data = xasprintf("%s/_data", dir);

	if (mkdir_p(b->root, 0700, err) < 0)
		return -1;
	/* 0701, as docker's: others may reach a _data they know the name of
	 * (a bind of it, say) but not list the volumes. */
	if (mkdir(top, 0701) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create %s", top);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create %s", dir);
	if (mkdir(data, 0755) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create %s", data);
	return 0;
}

int volume_create(struct berth *b, const char *name, const char *driver, char *const *labels, char *const *opts,
		  bool anonymous, struct volume **out, berr_t *err)
{
	cleanup_free char *gen = name ? NULL : random_hex(32);
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *labels_s = NULL;
	cleanup_free char *opts_s = NULL;
	json_t *lab = json_object(), *opt = NULL;
	sqlite3 *db;
	int rc = -1;

	if (!name)
		name = gen;
	if (driver && *driver && strcmp(driver, "local") != 0) {
		berr_make_status(err, 1, 0, "create %s: error looking up volume plugin %s: plugin \"%s\" not found", name,
				 driver, driver);
		goto out;
	}
	if (!volume_name_valid(name)) {
		berr_make_status(err, 1, 0,
				 "create %s: \"%s\" includes invalid characters for a local volume name, only "
				 "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use "
				 "absolute path",
				 name, name);
		goto out;
	}
	for (size_t i = 0; labels && labels[i]; i++) {
		const char *eq = strchr(labels[i], '=');
		cleanup_free char *k = eq ? xstrndup(labels[i], (size_t)(eq - labels[i])) : xstrdup(labels[i]);
		json_object_set_new(lab, k, json_string(eq ? eq + 1 : ""));
	}
	if (anonymous)
		json_object_set_new(lab, ANON_LABEL, json_string(""));
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		cleanup_free char *k = eq ? xstrndup(opts[i], (size_t)(eq - opts[i])) : xstrdup(opts[i]);
		if (strcmp(k, "type") != 0 && strcmp(k, "device") != 0 && strcmp(k, "o") != 0) {
			berr_make_status(err, 1, 0, "create %s: invalid option key: \"%s\"", name, k);
			goto out;
		}
		if (!opt)
			opt = json_object();
		json_object_set_new(opt, k, json_string(eq ? eq + 1 : ""));
	}
	if (opt && (!json_object_get(opt, "type") || !json_object_get(opt, "device"))) {
		berr_make_status(err, 1, 0, "create %s: missing required option: \"%s\"", name,
				 json_object_get(opt, "type") ? "device" : "type");
		goto out;
	}
	labels_s = json_dumps(lab, JSON_COMPACT | JSON_SORT_KEYS);
	opts_s = opt ? json_dumps(opt, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (berth_db(b, &db, err) < 0 || make_dirs(b, name, err) < 0)
		goto out;
	/* An existing volume of that name is docker's answer too. */
	if (db_prepare(db, "INSERT OR IGNORE INTO volumes (" VOL_COLS ") VALUES (?, 'local', ?, ?, ?, ?)", &st, err) < 0)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (long long)time(NULL));
	sqlite3_bind_text(st, 3, labels_s, -1, SQLITE_STATIC);
	if (opts_s)
		sqlite3_bind_text(st, 4, opts_s, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, anonymous);
	if (sqlite3_step(st) != SQLITE_DONE) {
		berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = out ? volume_get(b, name, out, err) : 0;
out:
	json_decref(lab);
	json_decref(opt);
	return rc;
}

char **volume_users(struct berth *b, const char *name)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	sqlite3 *db;

	if (berth_db(b, &db, &e) < 0 ||
	    db_prepare(db, "SELECT DISTINCT container_id FROM mounts WHERE type = 'volume' AND source = ? ORDER BY 1", &st,
		       &e) < 0)
		return v;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[n] = NULL;
	}
	return v;
}

int volume_remove(struct berth *b, const char *name, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *dir = NULL;
	struct volume *v = NULL;
	sqlite3 *db;

	if (volume_get(b, name, &v, err) < 0)
		return -1;
	volume_free(v);
	if (berth_db(b, &db, err) < 0 || db_begin(db, err) < 0)
		return -1;
	{
		cleanup_strv char **users = volume_users(b, name);
		if (users[0]) {
			size_t len = 0;
			char *list = NULL;
			FILE *m = open_memstream(&list, &len);
			for (size_t i = 0; users[i]; i++)
				fprintf(m, "%s%s", i ? ", " : "", users[i]);
			fclose(m);
			db_rollback(db);
			berr_make_status(err, 1, 0, "remove %s: volume is in use - [%s]", name, list);
			free(list);
			return -1;
		}
	}
	if (db_prepare(db, "DELETE FROM volumes WHERE name = ?", &st, err) < 0) {
		db_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
		db_rollback(db);
		return -1;
	}
	if (db_commit(db, err) < 0)
		return -1;
	dir = volume_dir(b, name);
	return remove_tree(dir, err);
}

static long long du_total;

static int du_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)path;
	(void)f;
	if (type == FTW_F)
		du_total += st->st_size;
	return 0;
}

long long volume_size(const struct volume *v)
{
	du_total = 0;
	nftw(v->mountpoint, du_cb, 32, FTW_PHYS | FTW_MOUNT);
	return du_total;
}

int volume_prune(struct berth *b, bool all, char ***removed, long long *reclaimed, berr_t *err)
{
	struct volume **v = NULL;
	size_t n = 0, k = 0;
	char **out;

	*reclaimed = 0;
	if (volume_list(b, &v, &n, err) < 0)
		return -1;
	out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		cleanup_berr berr_t e = NULL;
		if (!all && !v[i]->anonymous)
			continue;
		long long size = volume_size(v[i]);
		if (volume_remove(b, v[i]->name, &e) == 0) {
			out[k++] = xstrdup(v[i]->name);
			*reclaimed += size;
		}
	}
	volume_list_free(v, n);
	*removed = out;
	return 0;
}

/* Go's time.Time in RFC 3339 at second precision, in local time, as
 * docker's volume CreatedAt. */
static void rfc3339_local(long long secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;
	char off[8];
	localtime_r(&t, &tm);
	if (tm.tm_gmtoff == 0)
		snprintf(off, sizeof(off), "Z");
	else
		snprintf(off, sizeof(off), "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', labs(tm.tm_gmtoff) / 3600,
			 labs(tm.tm_gmtoff) % 3600 / 60);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, "%s", off);
}

json_t *volume_inspect_json(const struct volume *v)
{
	char created[64];
	rfc3339_local(v->created, created, sizeof(created));
	return json_pack("{s:s, s:s, s:O, s:s, s:s, s:O, s:s}", "CreatedAt", created, "Driver", v->driver, "Labels",
			 json_object_size(v->labels) ? v->labels : json_null(), "Mountpoint", v->mountpoint, "Name",
			 v->name, "Options", v->options ? v->options : json_null(), "Scope", "local");
}

/* ---- a container's mounts -------------------------------------------------------- */

struct specs {
	struct mount_spec *v;
	size_t n;
};

static void specs_free(struct specs *s)
{
	for (size_t i = 0; i < s->n; i++)
		mount_spec_clear(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static struct mount_spec *specs_push(struct specs *s)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

/* Parse every flag; kinds in docker's order (-v, --mount, --tmpfs). */
static int parse_flags(const struct volume_flags *f, struct specs *s, berr_t *err)
{
	for (size_t i = 0; f->volumes && f->volumes[i]; i++)
		if (mountspec_parse_volume(f->volumes[i], specs_push(s), err) < 0)
			return -1;
	for (size_t i = 0; f->mounts && f->mounts[i]; i++)
		if (mountspec_parse_mount(f->mounts[i], specs_push(s), err) < 0)
			return -1;
	for (size_t i = 0; f->tmpfs && f->tmpfs[i]; i++)
		if (mountspec_parse_tmpfs(f->tmpfs[i], specs_push(s), err) < 0)
			return -1;
	return 0;
}

int volume_check_flags(const struct volume_flags *f, json_t *host_config, berr_t *err)
{
	struct specs s = {0};
	json_t *binds = json_array(), *mounts = json_array(), *tmpfs = json_object();
	size_t nv = 0, nm = 0;
	int rc = -1;

	if (parse_flags(f, &s, err) < 0)
		goto out;
	for (size_t i = 0; f->volumes && f->volumes[i]; i++)
		nv++;
	for (size_t i = 0; f->mounts && f->mounts[i]; i++)
		nm++;
	for (size_t i = 0; i < s.n; i++) {
		struct mount_spec *m = &s.v[i];
		for (size_t j = 0; j < i; j++) {
			if (strcmp(s.v[j].target, m->target) == 0) {
				berr_make(err, 0, "Duplicate mount point: %s", m->target);
				goto out;
			}
		}
		if (i >= nv && i < nv + nm && m->kind == MK_BIND) {
			struct stat st;
			if (stat(m->source, &st) < 0) {
				berr_make(err, 0, "invalid mount config for type \"bind\": bind source path does not exist: %s",
					  m->source);
				goto out;
			}
		}
		if (i < nv) {
			if (m->source)
				json_array_append_new(binds, json_string(f->volumes[i]));
		} else if (i < nv + nm) {
			json_t *o = json_pack("{s:s}", "Type", m->kind == MK_BIND ? "bind" : m->kind == MK_VOLUME ? "volume" : "tmpfs");
			if (m->source)
				json_object_set_new(o, "Source", json_string(m->source));
			json_object_set_new(o, "Target", json_string(m->target));
			if (m->readonly)
				json_object_set_new(o, "ReadOnly", json_true());
			if (m->nocopy)
				json_object_set_new(o, "VolumeOptions", json_pack("{s:b}", "NoCopy", 1));
			if (m->kind == MK_BIND && strcmp(m->propagation, "rprivate") != 0)
				json_object_set_new(o, "BindOptions", json_pack("{s:s}", "Propagation", m->propagation));
			json_array_append_new(mounts, o);
		} else {
			const char *colon = strchr(f->tmpfs[i - nv - nm], ':');
			json_object_set_new(tmpfs, m->target, json_string(colon ? colon + 1 : ""));
		}
	}
	json_object_set(host_config, "Binds", json_array_size(binds) ? binds : json_null());
	if (json_array_size(mounts))
		json_object_set(host_config, "Mounts", mounts);
	if (json_object_size(tmpfs))
		json_object_set(host_config, "Tmpfs", tmpfs);
	rc = 0;
out:
	json_decref(binds);
	json_decref(mounts);
	json_decref(tmpfs);
	specs_free(&s);
	return rc;
}

static int insert_mount(sqlite3 *db, const char *cid, const char *dest, const char *type, const char *source, bool rw,
			const char *mode, const char *prop, const char *options, bool nocopy, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (db_prepare(db,
		       "INSERT INTO mounts (container_id, destination, type, source, rw, mode, propagation, options, nocopy) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source ? source : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, rw);
	sqlite3_bind_text(st, 6, mode ? mode : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, prop ? prop : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, options ? options : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, nocopy);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

int volume_setup_container(struct berth *b, const struct container *c, const struct volume_flags *f, berr_t *err)
{
	struct specs s = {0};
	char **created = NULL;
	size_t ncreated = 0;
	sqlite3 *db;
	json_t *img_vols = json_object_get(c->config, "Volumes");
	int rc = -1;

	if (parse_flags(f, &s, err) < 0 || berth_db(b, &db, err) < 0)
		goto out;
	/* The image's VOLUMEs (and -v /path, which docker also lists there)
	 * that nothing else mounts become anonymous volumes. */
	{
		const char *path;
		json_t *v;
		json_object_foreach(img_vols, path, v) {
			cleanup_free char *clean = path_clean(path);
			bool covered = false;
			for (size_t i = 0; i < s.n && !covered; i++)
				covered = strcmp(s.v[i].target, clean) == 0;
			if (covered || clean[0] != '/' || strcmp(clean, "/") == 0)
				continue;
			struct mount_spec *m = specs_push(&s);
			m->kind = MK_VOLUME;
			m->target = xstrdup(clean);
			m->mode = xstrdup("");
			m->propagation = xstrdup("");
		}
	}
	for (size_t i = 0; i < s.n; i++) {
		struct mount_spec *m = &s.v[i];
		switch (m->kind) {
		case MK_VOLUME: {
			struct volume *v = NULL;
			cleanup_berr berr_t e = NULL;
			bool existed = m->source && volume_get(b, m->source, &v, &e) == 0;
			if (!existed) {
				if (volume_create(b, m->source, NULL, NULL, NULL, m->source == NULL, &v, err) < 0)
					goto fail;
				created = xrealloc(created, (ncreated + 1) * sizeof(char *));
				created[ncreated++] = xstrdup(v->name);
			}
			int r = insert_mount(db, c->id, m->target, "volume", v->name, !m->readonly, m->mode, "", "",
					     m->nocopy, err);
			volume_free(v);
			if (r < 0)
				goto fail;
			break;
		}
		case MK_BIND: {
			struct stat st;
			if (stat(m->source, &st) < 0) {
				/* docker's -v makes a missing host directory; --mount
				 * was refused before the container existed. */
				if (mkdir_p(m->source, 0755, err) < 0)
					goto fail;
			}
			if (insert_mount(db, c->id, m->target, "bind", m->source, !m->readonly, m->mode, m->propagation, "",
					 false, err) < 0)
				goto fail;
			break;
		}
		case MK_TMPFS:
			if (insert_mount(db, c->id, m->target, "tmpfs", "", !m->readonly, "", "", m->tmpfs_options, false,
					 err) < 0)
				goto fail;
			break;
		}
	}
	rc = 0;
	goto out;
fail: {
	cleanup_berr berr_t e2 = NULL;
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (db_prepare(db, "DELETE FROM mounts WHERE container_id = ?", &st, &e2) == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	for (size_t i = 0; i < ncreated; i++)
		volume_remove(b, created[i], &e2);
}
out:
	for (size_t i = 0; i < ncreated; i++)
		free(created[i]);
	free(created);
	specs_free(&s);
	return rc;
}

int volume_release_container(struct berth *b, const char *container_id, bool remove_anonymous, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	char **anon = NULL;
	size_t n = 0;
	sqlite3 *db;

	if (berth_db(b, &db, err) < 0)
		return -1;
	if (db_prepare(db,
		       "SELECT m.source FROM mounts m JOIN volumes v ON v.name = m.source "
		       "WHERE m.container_id = ? AND m.type = 'volume' AND v.anonymous = 1",
		       &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		anon = xrealloc(anon, (n + 1) * sizeof(char *));
		anon[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	db_stmt_release(st);
	st = NULL;
	if (db_prepare(db, "DELETE FROM mounts WHERE container_id = ?", &st, err) < 0)
		goto out;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	sqlite3_step(st);
	for (size_t i = 0; i < n && remove_anonymous; i++) {
		cleanup_berr berr_t e = NULL;
		volume_remove(b, anon[i], &e); /* still used elsewhere: it stays */
	}
out:
	for (size_t i = 0; i < n; i++)
		free(anon[i]);
	free(anon);
	return 0;
}

struct mrow {
	char *dest, *type, *source, *mode, *prop, *options;
	bool rw, nocopy;
};

static int load_mounts(struct berth *b, const char *cid, struct mrow **out, size_t *n)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_berr berr_t e = NULL;
	struct mrow *v = NULL;
	size_t k = 0;
	sqlite3 *db;

	*out = NULL;
	*n = 0;
	if (berth_db(b, &db, &e) < 0 ||
	    db_prepare(db,
		       "SELECT destination, type, source, rw, mode, propagation, options, nocopy FROM mounts "
		       "WHERE container_id = ? ORDER BY destination",
		       &st, &e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k].dest = xstrdup((const char *)sqlite3_column_text(st, 0));
		v[k].type = xstrdup((const char *)sqlite3_column_text(st, 1));
		v[k].source = xstrdup((const char *)sqlite3_column_text(st, 2));
		v[k].rw = sqlite3_column_int(st, 3) != 0;
		v[k].mode = xstrdup((const char *)sqlite3_column_text(st, 4));
		v[k].prop = xstrdup((const char *)sqlite3_column_text(st, 5));
		v[k].options = xstrdup((const char *)sqlite3_column_text(st, 6));
		v[k].nocopy = sqlite3_column_int(st, 7) != 0;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

static void mrows_free(struct mrow *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dest);
		free(v[i].type);
		free(v[i].source);
		free(v[i].mode);
		free(v[i].prop);
		free(v[i].options);
	}
	free(v);
}

static int depth(const char *p)
{
	int d = 0;
	for (; *p; p++)
		d += *p == '/';
	return d;
}

static int cmp_depth(const void *a, const void *b)
{
	const struct mount_op *x = a, *y = b;
	int dx = depth(x->target), dy = depth(y->target);
	return dx != dy ? dx - dy : strcmp(x->target, y->target);
}

static unsigned long propagation_flag(const char *p)
{
	if (strcmp(p, "shared") == 0 || strcmp(p, "rshared") == 0)
		return MS_SHARED;
	if (strcmp(p, "slave") == 0 || strcmp(p, "rslave") == 0)
		return MS_SLAVE;
	return 0; /* private and rprivate: what the namespace has anyway */
}

int volume_mount_plan(struct berth *b, const struct container *c, struct mount_op **ops, size_t *n, berr_t *err)
{
	struct mrow *rows = NULL;
	size_t nr = 0;
	struct mount_op *v;

	*ops = NULL;
	*n = 0;
	if (load_mounts(b, c->id, &rows, &nr) < 0)
		return berr_make(err, 0, "cannot read the mounts of %s", c->name);
	v = xcalloc(nr + 1, sizeof(*v));
	for (size_t i = 0; i < nr; i++) {
		struct mrow *r = &rows[i];
		struct mount_op *o = &v[i];
		o->target = xstrdup(r->dest);
		o->readonly = !r->rw;
		o->propagation = propagation_flag(r->prop);
		if (strcmp(r->type, "bind") == 0) {
			o->kind = MO_BIND;
			o->source = xstrdup(r->source);
		} else if (strcmp(r->type, "tmpfs") == 0) {
			/* docker's tmpfs defaults: no devices, setuid or exec. */
			o->kind = MO_TMPFS;
			o->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
			mount_options_split(r->options, &o->flags, &o->data);
			if (o->flags & MS_RDONLY)
				o->readonly = true;
			o->flags &= ~(unsigned long)MS_RDONLY;
		} else {
			struct volume *vol = NULL;
			if (volume_get(b, r->source, &vol, err) < 0) {
				mount_ops_free(v, i + 1);
				mrows_free(rows, nr);
				return -1;
			}
			const char *type = json_string_value(json_object_get(vol->options, "type"));
			const char *device = json_string_value(json_object_get(vol->options, "device"));
			const char *mo = json_string_value(json_object_get(vol->options, "o"));
			unsigned long fl = 0;
			char *data = NULL;
			mount_options_split(mo ? mo : "", &fl, &data);
			if (type && strcmp(type, "none") == 0 && mo && strstr(mo, "bind")) {
				/* -o type=none -o o=bind -o device=/path: a host directory. */
				o->kind = MO_BIND;
				o->source = xstrdup(device ? device : "");
				free(data);
			} else if (type) {
				o->kind = MO_DEVICE;
				o->fstype = xstrdup(type);
				o->source = xstrdup(device ? device : type);
				o->flags = fl & ~(unsigned long)MS_RDONLY;
				o->readonly |= (fl & MS_RDONLY) != 0;
				o->data = data;
			} else {
				cleanup_berr berr_t e2 = NULL;
				o->kind = MO_BIND;
				o->source = xstrdup(vol->mountpoint);
				o->copy_up = !r->nocopy;
				free(data);
				/* Someone removed the directory by hand: start empty. */
				make_dirs(b, vol->name, &e2);
			}
			volume_free(vol);
		}
	}
	qsort(v, nr, sizeof(*v), cmp_depth);
	mrows_free(rows, nr);
	*ops = v;
	*n = nr;
	return 0;
}

json_t *volume_mounts_json(struct berth *b, const struct container *c)
{
	struct mrow *rows = NULL;
	size_t nr = 0;
	json_t *a = json_array();

	if (load_mounts(b, c->id, &rows, &nr) < 0)
		return a;
	for (size_t i = 0; i < nr; i++) {
		struct mrow *r = &rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "Type", json_string(r->type));
		if (strcmp(r->type, "volume") == 0) {
			cleanup_free char *dir = volume_dir(b, r->source);
			cleanup_free char *data = xasprintf("%s/_data", dir);
			json_object_set_new(o, "Name", json_string(r->source));
			json_object_set_new(o, "Source", json_string(data));
			json_object_set_new(o, "Destination", json_string(r->dest));
			json_object_set_new(o, "Driver", json_string("local"));
		} else {
			json_object_set_new(o, "Source", json_string(r->source));
			json_object_set_new(o, "Destination", json_string(r->dest));
		}
		json_object_set_new(o, "Mode", json_string(r->mode));
		json_object_set_new(o, "RW", json_boolean(r->rw));
		json_object_set_new(o, "Propagation", json_string(r->prop));
		json_array_append_new(a, o);
	}
	mrows_free(rows, nr);
	return a;
}

char *volume_mounts_text(struct berth *b, const struct container *c, bool trunc)
{
	struct mrow *rows = NULL;
	size_t nr = 0, len = 0;
	char *out = NULL;
	FILE *m = open_memstream(&out, &len);

	load_mounts(b, c->id, &rows, &nr);
	for (size_t i = 0, k = 0; i < nr; i++) {
		if (strcmp(rows[i].type, "tmpfs") == 0)
			continue;
		const char *name = rows[i].source;
		/* docker's ps: names cut to 15 characters with an ellipsis. */
		if (trunc && strlen(name) > 15)
			fprintf(m, "%s%.14s…", k ? "," : "", name);
		else
			fprintf(m, "%s%s", k ? "," : "", name);
		k++;
	}
	fclose(m);
	mrows_free(rows, nr);
	return out;
}
