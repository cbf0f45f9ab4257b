/* save.c: `berth save`: images out as one tar that is at once a
 * docker-archive (manifest.json, repositories) and an OCI image layout
 * (oci-layout, index.json, blobs/sha256/...), which is what Docker 25+
 * writes: `docker load`, skopeo and umoci all read it.
 *
 * The blobs are the store's own files, copied as they are, so a layer's
 * digest is the one it was loaded with.  Every entry has mtime 0 and
 * entries come in a fixed order, so saving the same images twice gives
 * the same bytes.
 */
#define _GNU_SOURCE
#include "imageio.h"
#include "image.h"
#include "oci.h"
#include "ref.h"
#include "store.h"
#include "tarsplit.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct simage {
	char *id;
	char **tags;        /* canonical */
	size_t ntags;
	struct image_manifest m;
};

struct saver {
	struct berth *b;
	sqlite3 *db;
	struct simage *imgs;
	size_t nimgs;
	char **blobs;       /* every blob to write, unique */
	size_t nblobs;
	struct archive *a;
	char *buf;
};

static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void add_blob(struct saver *s, const char *d)
{
	for (size_t i = 0; i < s->nblobs; i++)
		if (strcmp(s->blobs[i], d) == 0)
			return;
	strv_add(&s->blobs, &s->nblobs, d);
}

static struct simage *get_image(struct saver *s, const char *id)
{
	for (size_t i = 0; i < s->nimgs; i++)
		if (strcmp(s->imgs[i].id, id) == 0)
			return &s->imgs[i];
	s->imgs = xrealloc(s->imgs, (s->nimgs + 1) * sizeof(*s->imgs));
	memset(&s->imgs[s->nimgs], 0, sizeof(s->imgs[0]));
	s->imgs[s->nimgs].id = xstrdup(id);
	return &s->imgs[s->nimgs++];
}

static void add_tag(struct simage *im, const char *canonical)
{
	for (size_t i = 0; i < im->ntags; i++)
		if (strcmp(im->tags[i], canonical) == 0)
			return;
	strv_add(&im->tags, &im->ntags, canonical);
}

/* docker save's names: "busybox" (no tag) means every tag of the
 * repository; "busybox:1" that tag; an id, the image without names. */
static int resolve(struct saver *s, const char *name, berr_t *err)
{
	cleanup_free char *id = NULL;
	cleanup_free char *matched = NULL;
	struct ref r;
	cleanup_berr berr_t perr = NULL;

	if (ref_parse(name, &r, &perr) == 0) {
		bool name_only = !r.tag && !r.digest;
		cleanup_free char *repo = ref_name(&r);
		ref_free(&r);
		if (name_only) {
			cleanup_stmt sqlite3_stmt *st = NULL;
			cleanup_free char *lo = xasprintf("%s:", repo);
			bool any = false;
			if (db_prepare(s->db, "SELECT name, image_id FROM tags WHERE name > ?1 AND name < ?1 || '~' "
					      "ORDER BY name",
				       &st, err) < 0)
				return -1;
			sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *tag = (const char *)sqlite3_column_text(st, 0);
				if (!str_has_prefix(tag, lo) || strchr(tag + strlen(lo), '/'))
					continue;
				add_tag(get_image(s, (const char *)sqlite3_column_text(st, 1)), tag);
				any = true;
			}
			if (any)
				return 0;
		}
	}
	if (image_resolve(s->b, name, &id, &matched, err) < 0)
		return -1;
	struct simage *im = get_image(s, id);
	if (matched && !strchr(matched, '@'))
		add_tag(im, matched);
	return 0;
}

/* Its manifest (image_manifest) and the blobs it names. */
static int prepare_image(struct saver *s, struct simage *im, berr_t *err)
{
	if (image_manifest(s->b, im->id, &im->m, err) < 0)
		return -1;
	for (size_t i = 0; i < im->m.n_layers; i++)
		add_blob(s, im->m.layers[i]);
	add_blob(s, im->id);
	return 0;
}

static struct archive_entry *new_entry(const char *path, mode_t type, mode_t perm, long long size)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

static int write_fail(struct saver *s, berr_t *err)
{
	if (*err)
		return -1;
	return berr_make(err, 0, "cannot write the archive: %s", archive_error_string(s->a));
}

static int write_mem(struct saver *s, const char *path, const char *data, size_t len, berr_t *err)
{
	struct archive_entry *e = new_entry(path, AE_IFREG, 0644, (long long)len);
	int r = archive_write_header(s->a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN || (len && archive_write_data(s->a, data, len) < 0))
		return write_fail(s, err);
	return 0;
}

static int write_dir(struct saver *s, const char *path, berr_t *err)
{
	struct archive_entry *e = new_entry(path, AE_IFDIR, 0755, 0);
	int r = archive_write_header(s->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? write_fail(s, err) : 0;
}

static int write_blob(struct saver *s, const char *digest, berr_t *err)
{
	cleanup_free char *path = xasprintf("blobs/sha256/%s", digest_hex(digest));
	struct layer_blob *lb = NULL;
	struct archive_entry *e;
	long long size, left;
	int r, rc = -1;

	/* A config or a kept blob is read from blobs/; an uncompressed layer
	 * is rebuilt from its directory and split, and checked on the way. */
	if (layer_blob_open(s->b, digest, &lb, &size, err) < 0)
		return -1;
	e = new_entry(path, AE_IFREG, 0644, size);
	r = archive_write_header(s->a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN) {
		write_fail(s, err);
		goto out;
	}
	for (left = size;;) {
		long long n = layer_blob_read(lb, s->buf, 1 << 20, err);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (n > left) {
			berr_make(err, 0, "blob %s is longer than recorded", digest);
			goto out;
		}
		if (archive_write_data(s->a, s->buf, (size_t)n) < 0) {
			write_fail(s, err);
			goto out;
		}
		left -= n;
	}
	if (left) {
		berr_make(err, 0, "blob %s is shorter than recorded", digest);
		goto out;
	}
	rc = 0;
out:
	layer_blob_close(lb);
	return rc;
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "busybox" and "latest" of a canonical name. */
static void split_tag(const char *canonical, char **repo, char **tag)
{
	cleanup_free char *f = ref_familiarize(canonical);
	char *colon = strrchr(f, ':');
	*repo = xstrndup(f, (size_t)(colon - f));
	*tag = xstrdup(colon + 1);
}

static int write_all(struct saver *s, berr_t *err)
{
	json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX, "manifests");
	json_t *manifests = json_array(), *repos = json_object();
	cleanup_free char *idx = NULL;
	cleanup_free char *mf = NULL;
	cleanup_free char *rp = NULL;
	int rc = -1;

	for (size_t i = 0; i < s->nimgs; i++)
		add_blob(s, s->imgs[i].m.digest);
	qsort(s->blobs, s->nblobs, sizeof(char *), strcmp_p);

	if (write_dir(s, "blobs/", err) < 0 || write_dir(s, "blobs/sha256/", err) < 0)
		goto out;
	for (size_t i = 0; i < s->nblobs; i++) {
		struct simage *owner = NULL;
		for (size_t k = 0; k < s->nimgs; k++)
			if (strcmp(s->imgs[k].m.digest, s->blobs[i]) == 0)
				owner = &s->imgs[k];
		if (owner) {
			cleanup_free char *path = xasprintf("blobs/sha256/%s", digest_hex(s->blobs[i]));
			if (write_mem(s, path, owner->m.body, owner->m.len, err) < 0)
				goto out;
		} else if (write_blob(s, s->blobs[i], err) < 0) {
			goto out;
		}
	}

	for (size_t i = 0; i < s->nimgs; i++) {
		struct simage *im = &s->imgs[i];
		json_t *desc_base = oci_descriptor_json(MT_OCI_MANIFEST, im->m.digest, (long long)im->m.len);
		json_t *tags = im->ntags ? json_array() : json_null();
		json_t *layers = json_array();

		if (im->ntags == 0)
			json_array_append(json_object_get(index, "manifests"), desc_base);
		for (size_t t = 0; t < im->ntags; t++) {
			cleanup_free char *repo = NULL;
			cleanup_free char *tag = NULL;
			cleanup_free char *fam = ref_familiarize(im->tags[t]);
			json_t *d = json_deep_copy(desc_base);
			split_tag(im->tags[t], &repo, &tag);
			json_object_set_new(d, "annotations",
					    json_pack("{s:s, s:s}", "io.containerd.image.name", im->tags[t],
						      "org.opencontainers.image.ref.name", tag));
			json_array_append_new(json_object_get(index, "manifests"), d);
			json_array_append_new(tags, json_string(fam));
			json_t *r = json_object_get(repos, repo);
			if (!r) {
				r = json_object();
				json_object_set_new(repos, repo, r);
			}
			if (im->m.n_layers)
				json_object_set_new(r, tag, json_string(digest_hex(im->m.layers[im->m.n_layers - 1])));
		}
		json_decref(desc_base);
		for (size_t k = 0; k < im->m.n_layers; k++) {
			cleanup_free char *p = xasprintf("blobs/sha256/%s", digest_hex(im->m.layers[k]));
			json_array_append_new(layers, json_string(p));
		}
		cleanup_free char *cfgpath = xasprintf("blobs/sha256/%s", digest_hex(im->id));
		json_array_append_new(manifests,
				      json_pack("{s:s, s:o, s:o}", "Config", cfgpath, "RepoTags", tags, "Layers", layers));
	}
	idx = oci_dump_compact(index);
	mf = oci_dump_compact(manifests);
	if (write_mem(s, "index.json", idx, strlen(idx), err) < 0 ||
	    write_mem(s, "manifest.json", mf, strlen(mf), err) < 0 ||
	    write_mem(s, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err) < 0)
		goto out;
	if (json_object_size(repos) > 0) {
		rp = oci_dump_compact(repos);
		if (write_mem(s, "repositories", rp, strlen(rp), err) < 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(index);
	json_decref(manifests);
	json_decref(repos);
	return rc;
}

int image_save(struct berth *b, char *const *names, int n, int fd, berr_t *err)
{
	struct saver s = {.b = b};
	cleanup_close int lock = -1;
	int rc = -1;

	if (berth_db(b, &s.db, err) < 0 || image_lock(b, false, &lock, err) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (resolve(&s, names[i], err) < 0)
			goto out;
	for (size_t i = 0; i < s.nimgs; i++)
		if (prepare_image(&s, &s.imgs[i], err) < 0)
			goto out;
	s.buf = xmalloc(1 << 20);
	s.a = archive_write_new();
	archive_write_set_format_pax_restricted(s.a);
	archive_write_set_bytes_per_block(s.a, 512);
	archive_write_set_bytes_in_last_block(s.a, 1);
	if (archive_write_open_fd(s.a, fd) != ARCHIVE_OK) {
		write_fail(&s, err);
		goto out;
	}
	if (write_all(&s, err) < 0)
		goto out;
	if (archive_write_close(s.a) != ARCHIVE_OK) {
		write_fail(&s, err);
		goto out;
	}
	rc = 0;
out:
	if (s.a)
		archive_write_free(s.a);
	free(s.buf);
	for (size_t i = 0; i < s.nimgs; i++) {
		free(s.imgs[i].id);
		strv_free(s.imgs[i].tags);
		image_manifest_clear(&s.imgs[i].m);
	}
	free(s.imgs);
	strv_free(s.blobs);
	return rc;
}
