/* load.c: `berth load`: docker-archive and OCI layout tars into the store
 * (see imageio.h).
 *
 * An archive names its layers in manifest.json or index.json, which come
 * after the layers themselves (docker and skopeo both write blobs first).
 * So the archive is read twice: pass 1 skips layer data (an lseek on an
 * uncompressed file) and keeps the small JSON files; the plan is made from
 * them (which layer file becomes which chain, with which digests); pass 2
 * streams each needed layer straight from the archive into the blob store
 * and its layer directory at once, hashing as it goes.
 *
 * Nothing becomes visible before everything checked out: blobs and layer
 * directories are written under temporary names, then one syncfs, then the
 * renames, then one database transaction.  A failure on the way removes
 * the temporaries, so a bad archive leaves nothing behind.
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

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* JSON files up to this size are kept in memory in pass 1. */
#define SMALL_MAX (8 << 20)

struct capfile {
	char *name;
	char *data;
	size_t len;
};

struct unit {
	char *path;              /* entry name in the archive */
	char *expect_blob;       /* from its name or descriptor, or NULL */
	long long expect_size;   /* from a descriptor, or -1 */
	char *expect_diff;       /* from the config */
	char *declared_mt;       /* from a descriptor, or NULL */
	char **chains;           /* chains to unpack it as (not yet present) */
	size_t nchains;
	bool stream;             /* read it in pass 2 */
	bool found;
	struct blob_writer *blob;
	struct tarsplit *ts;     /* uncompressed: kept as a split */
	char *split_tmp;
	char *tmp_dir;
	struct layer_result res;
	long long size;          /* unpacked size (from res, or the database) */
	char blob_digest[DIGEST_LEN];
	char media_type[128];
	long long blob_size;
};

struct limage {
	char id[DIGEST_LEN];
	char *config;
	size_t config_len;
	char **tags;             /* canonical */
	size_t ntags;
	size_t n;
	size_t *unit;            /* per layer: index into units */
	char **chains;
	char **diffs;
	char *manifest_digest;   /* OCI: the manifest it came with */
	char *manifest;
	size_t manifest_len;
};

struct loader {
	struct berth *b;
	sqlite3 *db;
	char **names;            /* every entry of the archive */
	size_t nnames, capnames;
	struct capfile *files;
	size_t nfiles, capfiles;
	struct unit *units;
	size_t nunits;
	struct limage *imgs;
	size_t nimgs;
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

/* "./a//b" -> "a/b" */
static char *norm_name(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *w = r;
	while (*s) {
		if (s[0] == '/' ) {
			s++;
			continue;
		}
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0')) {
			s += 1;
			continue;
		}
		while (*s && *s != '/')
			*w++ = *s++;
		if (*s == '/')
			*w++ = '/';
	}
	while (w > r && w[-1] == '/')
		w--;
	*w = '\0';
	return r;
}

static bool has_entry(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->nnames; i++)
		if (strcmp(l->names[i], name) == 0)
			return true;
	return false;
}

static struct capfile *find_file(struct loader *l, const char *name)
{
	cleanup_free char *n = norm_name(name);
	for (size_t i = 0; i < l->nfiles; i++)
		if (strcmp(l->files[i].name, n) == 0)
			return &l->files[i];
	return NULL;
}

/* blobs/sha256/<hex> -> "sha256:<hex>", else NULL. */
static char *digest_from_path(const char *path)
{
	cleanup_free char *n = norm_name(path);
	if (!str_has_prefix(n, "blobs/sha256/"))
		return NULL;
	char *d = xasprintf("sha256:%s", n + 13);
	if (!digest_is_sha256(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static struct archive *open_archive(int fd, off_t start, berr_t *err)
{
	struct archive *a;
	if (lseek(fd, start, SEEK_SET) < 0) {
		berr_make(err, errno, "cannot seek");
		return NULL;
	}
	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 1 << 20) != ARCHIVE_OK) {
		berr_make(err, 0, "invalid archive: %s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Pass 1: every entry's name; the small JSON files' contents. */
static int pass1(struct loader *l, int fd, off_t start, berr_t *err)
{
	struct archive *a = open_archive(fd, start, err);
	struct archive_entry *e;
	int r, rc = -1;

	if (!a)
		return -1;
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			berr_make(err, 0, "invalid archive: %s", archive_error_string(a));
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG || !archive_entry_pathname(e))
			continue;
		char *name = norm_name(archive_entry_pathname(e));
		if (l->nnames == l->capnames) {
			l->capnames = l->capnames ? l->capnames * 2 : 64;
			l->names = xrealloc(l->names, l->capnames * sizeof(char *));
		}
		l->names[l->nnames++] = name;
		la_int64_t size = archive_entry_size(e);
		if (size <= 0 || size > SMALL_MAX)
			continue;
		/* Peek at the first block: JSON is kept, anything else skipped. */
		const void *buf;
		size_t len;
		la_int64_t off;
		r = archive_read_data_block(a, &buf, &len, &off);
		if (r < ARCHIVE_WARN) {
			berr_make(err, 0, "invalid archive: %s: %s", name, archive_error_string(a));
			goto out;
		}
		const char *p = buf;
		size_t i = 0;
		while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
			i++;
		if (r == ARCHIVE_EOF || i == len || (p[i] != '{' && p[i] != '['))
			continue;
		char *data = xmalloc((size_t)size + 1);
		size_t got = 0;
		for (;;) {
			if (off < 0 || (size_t)off + len > (size_t)size) {
				free(data);
				berr_make(err, 0, "invalid archive: %s: bad entry data", name);
				goto out;
			}
			memcpy(data + off, buf, len);
			got = (size_t)off + len > got ? (size_t)off + len : got;
			r = archive_read_data_block(a, &buf, &len, &off);
			if (r == ARCHIVE_EOF)
				break;
			if (r < ARCHIVE_WARN) {
				free(data);
				berr_make(err, 0, "invalid archive: %s: %s", name, archive_error_string(a));
				goto out;
			}
		}
		data[got] = '\0';
		if (l->nfiles == l->capfiles) {
			l->capfiles = l->capfiles ? l->capfiles * 2 : 16;
			l->files = xrealloc(l->files, l->capfiles * sizeof(*l->files));
		}
		l->files[l->nfiles].name = xstrdup(name);
		l->files[l->nfiles].data = data;
		l->files[l->nfiles].len = got;
		l->nfiles++;
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

static size_t get_unit(struct loader *l, const char *path)
{
	cleanup_free char *n = norm_name(path);
	for (size_t i = 0; i < l->nunits; i++)
		if (strcmp(l->units[i].path, n) == 0)
			return i;
	l->units = xrealloc(l->units, (l->nunits + 1) * sizeof(*l->units));
	memset(&l->units[l->nunits], 0, sizeof(l->units[0]));
	l->units[l->nunits].path = steal_pointer(&n);
	l->units[l->nunits].expect_size = -1;
	return l->nunits++;
}

static struct limage *add_image(struct loader *l, const char *config, size_t len)
{
	char id[DIGEST_LEN];
	sha256_digest(config, len, id);
	for (size_t i = 0; i < l->nimgs; i++)
		if (strcmp(l->imgs[i].id, id) == 0)
			return &l->imgs[i];
	l->imgs = xrealloc(l->imgs, (l->nimgs + 1) * sizeof(*l->imgs));
	struct limage *im = &l->imgs[l->nimgs++];
	memset(im, 0, sizeof(*im));
	memcpy(im->id, id, DIGEST_LEN);
	im->config = xstrndup(config, len);
	im->config_len = len;
	return im;
}

/* The config gives the diff ids; each layer path becomes a unit. */
static int plan_layers(struct loader *l, struct limage *im, char *const *paths, const struct oci_descriptor *descs,
		       size_t n, berr_t *err)
{
	json_error_t jerr;
	json_t *cfg = json_loadb(im->config, im->config_len, 0, &jerr);
	struct image *tmp;
	cleanup_strv char **diffs = NULL;
	cleanup_strv char **chains = NULL;
	size_t ndiffs;
	int rc;

	if (!cfg)
		return berr_make(err, 0, "invalid archive: image config is not JSON: %s", jerr.text);
	tmp = xcalloc(1, sizeof(*tmp));
	rc = image_from_config(im->id, cfg, tmp, err);
	json_decref(cfg);
	diffs = steal_pointer(&tmp->diff_ids);
	chains = steal_pointer(&tmp->chain_ids);
	ndiffs = tmp->n_layers;
	image_free(tmp);
	if (rc < 0)
		return berr_wrap(err, "invalid archive");
	if (ndiffs != n)
		return berr_make(err, 0, "invalid archive: image %.19s has %zu layers in its config but %zu in its manifest",
				 im->id, ndiffs, n);
	if (im->unit)
		return 0; /* the same image listed twice: keep the first plan */
	im->n = n;
	im->diffs = steal_pointer(&diffs);
	im->chains = steal_pointer(&chains);
	im->unit = xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		const char *path = paths ? paths[i] : NULL;
		cleanup_free char *dpath = NULL;
		if (!path) {
			dpath = xasprintf("blobs/sha256/%s", digest_hex(descs[i].digest));
			path = dpath;
		}
		cleanup_free char *np = norm_name(path);
		if (!has_entry(l, np))
			return berr_make(err, 0, "invalid archive: layer %s is missing", np);
		size_t u = get_unit(l, np);
		struct unit *un = &l->units[u];
		im->unit[i] = u;
		if (!un->expect_blob) {
			un->expect_blob = descs ? xstrdup(descs[i].digest) : digest_from_path(np);
			if (descs) {
				un->expect_size = descs[i].size;
				un->declared_mt = descs[i].media_type ? xstrdup(descs[i].media_type) : NULL;
			}
		}
		if (!un->expect_diff)
			un->expect_diff = xstrdup(im->diffs[i]);
		else if (strcmp(un->expect_diff, im->diffs[i]) != 0)
			return berr_make(err, 0, "invalid archive: layer %s has two different diff ids", np);
	}
	return 0;
}

static int add_tag(struct limage *im, const char *name, berr_t *err)
{
	struct ref r;
	if (ref_parse_default_tag(name, &r, err) < 0)
		return berr_wrap(err, "invalid archive: tag %.200s", name);
	if (r.digest) {
		ref_free(&r);
		return 0;
	}
	cleanup_free char *c = ref_string(&r);
	ref_free(&r);
	for (size_t i = 0; i < im->ntags; i++)
		if (strcmp(im->tags[i], c) == 0)
			return 0;
	strv_add(&im->tags, &im->ntags, c);
	return 0;
}

static int plan_docker(struct loader *l, struct capfile *mf, berr_t *err)
{
	struct docker_archive_image *da = NULL;
	size_t n = 0;
	int rc = -1;

	if (oci_parse_docker_archive(mf->data, mf->len, &da, &n, err) < 0)
		return -1;
	if (n == 0) {
		berr_make(err, 0, "invalid archive: manifest.json lists no images");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct capfile *cf = find_file(l, da[i].config);
		cleanup_free char *want = digest_from_path(da[i].config);
		char got[DIGEST_LEN];
		if (!cf) {
			cleanup_free char *cn = norm_name(da[i].config);
			berr_make(err, 0, "invalid archive: image config %s is %s", da[i].config,
				  has_entry(l, cn) ? "not JSON" : "missing");
			goto out;
		}
		sha256_digest(cf->data, cf->len, got);
		/* Docker 20.10 names the config <id>.json. */
		if (!want && str_has_suffix(cf->name, ".json") && strlen(cf->name) == 69 && !strchr(cf->name, '/'))
			want = xasprintf("sha256:%.64s", cf->name);
		if (want && strcmp(want, got) != 0) {
			berr_make(err, 0, "invalid archive: image config %s: digest mismatch: expected %s, got %s",
				  da[i].config, want, got);
			goto out;
		}
		struct limage *im = add_image(l, cf->data, cf->len);
		if (plan_layers(l, im, da[i].layers, NULL, da[i].n_layers, err) < 0)
			goto out;
		for (char **t = da[i].repo_tags; t && *t; t++)
			if (add_tag(im, *t, err) < 0)
				goto out;
	}
	rc = 0;
out:
	oci_docker_archive_free(da, n);
	return rc;
}

/* A blob of the layout, captured in pass 1, checked against its digest. */
static struct capfile *layout_blob(struct loader *l, const struct oci_descriptor *d, const char *what, berr_t *err)
{
	cleanup_free char *path = xasprintf("blobs/sha256/%s", digest_hex(d->digest));
	struct capfile *cf = find_file(l, path);
	char got[DIGEST_LEN];

	if (!cf) {
		berr_make(err, 0, "invalid archive: %s %s is %s", what, d->digest,
			  has_entry(l, path) ? "not JSON" : "missing");
		return NULL;
	}
	sha256_digest(cf->data, cf->len, got);
	if (strcmp(got, d->digest) != 0) {
		berr_make(err, 0, "invalid archive: %s %s: digest mismatch (content is %s)", what, d->digest, got);
		return NULL;
	}
	if (d->size >= 0 && (size_t)d->size != cf->len) {
		berr_make(err, 0, "invalid archive: %s %s: size %zu, descriptor says %lld", what, d->digest, cf->len,
			  d->size);
		return NULL;
	}
	return cf;
}

static int plan_oci_manifest(struct loader *l, const struct oci_descriptor *d, const char *name, berr_t *err)
{
	struct capfile *mf = layout_blob(l, d, "manifest", err), *cf;
	struct oci_manifest m;
	struct limage *im;
	int rc = -1;

	if (!mf)
		return -1;
	if (oci_parse_manifest(mf->data, mf->len, &m, err) < 0)
		return berr_wrap(err, "invalid archive: manifest %s", d->digest);
	cf = layout_blob(l, &m.config, "image config", err);
	if (!cf)
		goto out;
	im = add_image(l, cf->data, cf->len);
	if (!im->manifest_digest) {
		im->manifest_digest = xstrdup(d->digest);
		im->manifest = xstrndup(mf->data, mf->len);
		im->manifest_len = mf->len;
	}
	if (plan_layers(l, im, NULL, m.layers, m.n_layers, err) < 0)
		goto out;
	if (name && add_tag(im, name, err) < 0)
		goto out;
	rc = 0;
out:
	oci_manifest_clear(&m);
	return rc;
}

/* The name a layout gives an image: containerd's full name, else a
 * ref.name that is a whole reference (a bare "latest" names nothing). */
static const char *descriptor_name(const struct oci_descriptor *d)
{
	const char *full = json_string_value(json_object_get(d->annotations, "io.containerd.image.name"));
	const char *ref = json_string_value(json_object_get(d->annotations, "org.opencontainers.image.ref.name"));
	if (full)
		return full;
	if (ref && (strchr(ref, ':') || strchr(ref, '/'))) {
		cleanup_berr berr_t e = NULL;
		struct ref r;
		if (ref_parse(ref, &r, &e) == 0) {
			ref_free(&r);
			return ref;
		}
	}
	return NULL;
}

static int plan_oci_index(struct loader *l, const char *data, size_t len, const char *name, int depth,
			  berr_t *err)
{
	struct oci_descriptor *ds = NULL;
	size_t n = 0, total = 0, chosen = 0;
	int rc = -1;

	if (depth > 4)
		return berr_make(err, 0, "invalid archive: indexes nested too deep");
	if (oci_parse_index(data, len, &ds, &n, err) < 0)
		return berr_wrap(err, "invalid archive");
	total = n;
	if (depth > 0) {
		/* A multi-platform index: the host's platform only, as docker. */
		size_t pick = n;
		for (size_t i = 0; i < n; i++) {
			if ((!ds[i].os || strcmp(ds[i].os, "linux") == 0) &&
			    (!ds[i].architecture || strcmp(ds[i].architecture, sysinfo_oci_arch()) == 0)) {
				pick = i;
				break;
			}
		}
		if (pick == n) {
			berr_make(err, 0, "invalid archive: no image for linux/%s in it", sysinfo_oci_arch());
			goto out;
		}
		struct oci_descriptor one = ds[pick];
		ds[pick] = ds[0];
		ds[0] = one;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *nm = depth == 0 ? descriptor_name(&ds[i]) : name;
		const char *mt = ds[i].media_type;
		if (oci_is_index_type(mt)) {
			struct capfile *cf = layout_blob(l, &ds[i], "index", err);
			if (!cf || plan_oci_index(l, cf->data, cf->len, nm, depth + 1, err) < 0)
				goto out;
		} else if (oci_is_manifest_type(mt) || !mt) {
			if (plan_oci_manifest(l, &ds[i], nm, err) < 0)
				goto out;
		} else {
			berr_make(err, 0, "invalid archive: unsupported media type %.100s in index", mt);
			goto out;
		}
		chosen++;
	}
	if (chosen == 0) {
		berr_make(err, 0, "invalid archive: index.json lists no images");
		goto out;
	}
	rc = 0;
out:
	oci_descriptors_free(ds, total);
	return rc;
}

static bool chain_present(struct loader *l, const char *chain)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT 1 FROM layers WHERE chain_id = ?", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, chain, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW && layer_exists(l->b, chain);
}

/* A unit whose layer and blob this root has already: fill its results from
 * the database instead of reading it again. */
static bool unit_known(struct loader *l, struct unit *u, const char *chain)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	const char *sql = u->expect_blob ? "SELECT il.blob, il.media_type, il.blob_size, l.size FROM image_layers il "
					   "JOIN layers l ON l.chain_id = il.chain_id WHERE il.blob = ?1 AND il.chain_id = ?2 LIMIT 1"
					 : "SELECT il.blob, il.media_type, il.blob_size, l.size FROM image_layers il "
					   "JOIN layers l ON l.chain_id = il.chain_id WHERE il.chain_id = ?2 LIMIT 1";
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	if (u->expect_blob)
		sqlite3_bind_text(st, 1, u->expect_blob, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, chain, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return false;
	const char *blob = (const char *)sqlite3_column_text(st, 0);
	if (!layer_blob_exists(l->b, blob))
		return false;
	/* Without a digest in its name (Docker 20.10's layer.tar) the file
	 * is only known to be this layer when it is uncompressed, i.e. when
	 * its blob is its diff id. */
	if (!u->expect_blob && strcmp(blob, u->expect_diff) != 0)
		return false;
	snprintf(u->blob_digest, sizeof(u->blob_digest), "%s", blob);
	snprintf(u->media_type, sizeof(u->media_type), "%s", (const char *)sqlite3_column_text(st, 1));
	u->blob_size = sqlite3_column_int64(st, 2);
	u->size = sqlite3_column_int64(st, 3);
	return true;
}

static void plan_units(struct loader *l)
{
	for (size_t i = 0; i < l->nimgs; i++) {
		struct limage *im = &l->imgs[i];
		for (size_t k = 0; k < im->n; k++) {
			struct unit *u = &l->units[im->unit[k]];
			const char *chain = im->chains[k];
			bool dup = false;
			if (chain_present(l, chain) && (u->stream || u->blob_digest[0] || unit_known(l, u, chain)))
				continue;
			if (!chain_present(l, chain)) {
				for (size_t c = 0; c < u->nchains; c++)
					if (strcmp(u->chains[c], chain) == 0)
						dup = true;
				if (!dup)
					strv_add(&u->chains, &u->nchains, chain);
			}
			u->stream = true;
		}
	}
}

/* A layer entry of the archive being loaded.  When the archive is an
 * uncompressed file (the usual case), its bytes are read straight from the
 * file into the unpacker's buffers with pread, skipping libarchive's copy;
 * otherwise (a compressed archive) libarchive decompresses into them. */
struct entry_src {
	struct archive *a;
	int fd;                  /* >= 0: read [off, end) of it directly */
	off_t off, end;
	atomic_bool *cancel;     /* another layer failed: stop early */
};

static ssize_t entry_read(void *ctx, void *buf, size_t cap, berr_t *err)
{
	struct entry_src *s = ctx;
	if (s->cancel && atomic_load(s->cancel))
		return berr_make(err, 0, "cancelled");
	if (s->fd >= 0) {
		ssize_t n;
		if (s->off >= s->end)
			return 0;
		if ((off_t)cap > s->end - s->off)
			cap = (size_t)(s->end - s->off);
		do
			n = pread(s->fd, buf, cap, s->off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return berr_make(err, errno, "read error");
		if (n == 0)
			return berr_make(err, 0, "truncated archive");
		s->off += n;
		return n;
	}
	la_ssize_t n = archive_read_data(s->a, buf, cap);
	if (n < 0)
		return berr_make(err, 0, "%s", archive_error_string(s->a));
	return (ssize_t)n;
}

static int check_unit(struct unit *u, berr_t *err)
{
	if (u->expect_blob && strcmp(u->expect_blob, u->res.blob_digest) != 0)
		return berr_make(err, 0, "invalid archive: layer %s: digest mismatch: expected %s, got %s", u->path,
				 u->expect_blob, u->res.blob_digest);
	if (u->expect_size >= 0 && u->expect_size != u->res.blob_size)
		return berr_make(err, 0, "invalid archive: layer %s: size %lld, descriptor says %lld", u->path,
				 u->res.blob_size, u->expect_size);
	if (strcmp(u->expect_diff, u->res.diff_id) != 0)
		return berr_make(err, 0, "invalid archive: layer %s: diff id mismatch: the config says %s, the layer is %s",
				 u->path, u->expect_diff, u->res.diff_id);
	return 0;
}

/* Where a layer entry's bytes can be read directly: the entry's data
 * starts where the tar reader stands after its header (were that wrong, it
 * would show as a digest mismatch, never as a wrong layer).  false for a
 * compressed archive, which only libarchive can read. */
static bool entry_direct(struct archive *a, struct archive_entry *e, int fd, off_t start, struct entry_src *es)
{
	if (archive_filter_count(a) != 1 || archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE ||
	    !archive_entry_size_is_set(e) || archive_entry_sparse_count(e) != 0 || archive_filter_bytes(a, 0) < 0)
		return false;
	es->fd = fd;
	es->off = start + (off_t)archive_filter_bytes(a, 0);
	es->end = es->off + (off_t)archive_entry_size(e);
	return true;
}

static int stream_unit(struct loader *l, struct entry_src *es, struct unit *u, berr_t *err)
{
	struct layer_source src = {.read = entry_read, .ctx = es};
	cleanup_close int dfd = -1;

	if (blob_writer_open(l->b, BLOB_DEFER_SYNC | BLOB_CALLER_HASHES, &u->blob, err) < 0)
		return -1;
	if (u->nchains > 0) {
		if (layer_tmp_dir(l->b, &u->tmp_dir, &dfd, err) < 0)
			return -1;
		u->ts = tarsplit_new();
	}
	if (layer_unpack(&src, u->blob, u->ts, dfd, &u->res, err) < 0)
		return berr_wrap(err, "%s", u->path);
	if (check_unit(u, err) < 0)
		return -1;
	if (u->res.split_used) {
		if (tarsplit_save(u->ts, l->b, u->res.blob_digest, &u->split_tmp, err) < 0)
			return -1;
	} else if (blob_writer_commit(u->blob, NULL, NULL, NULL, err) < 0) {
		return -1;
	}
	memcpy(u->blob_digest, u->res.blob_digest, DIGEST_LEN);
	/* Keep what the producer declared when it agrees with the bytes
	 * (docker's rootfs.diff.tar.gzip is tar+gzip by another name). */
	snprintf(u->media_type, sizeof(u->media_type), "%s",
		 u->declared_mt && oci_is_layer_type(u->declared_mt) &&
				 (u->res.compressed == (strstr(u->declared_mt, "gzip") || strstr(u->declared_mt, "zstd")))
			 ? u->declared_mt
			 : u->res.media_type);
	u->blob_size = u->res.blob_size;
	u->size = u->res.size;
	u->found = true;
	return 0;
}

/* Layers read directly from the archive file are unpacked in parallel,
 * each on its own worker (and its own hasher), like a registry pull. */
struct job {
	struct unit *u;
	struct entry_src es;
	berr_t err;
};

struct pool {
	struct loader *l;
	struct job *jobs;
	size_t n, next;
	pthread_mutex_t mu;
	atomic_bool cancel;
	atomic_size_t first;     /* the job that failed first */
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i == p->n)
			return NULL;
		struct job *j = &p->jobs[i];
		if (atomic_load(&p->cancel)) {
			berr_make(&j->err, 0, "cancelled");
			continue;
		}
		/* The job that raises the flag has the error to report; the
		 * others' come from it. */
		if (stream_unit(p->l, &j->es, j->u, &j->err) < 0 && !atomic_exchange(&p->cancel, true))
			atomic_store(&p->first, i);
	}
}

static int run_jobs(struct loader *l, struct job *jobs, size_t n, berr_t *err)
{
	struct pool p = {.l = l, .jobs = jobs, .n = n};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cpus < 1 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
	pthread_t th[8];
	bool started[8] = {false};
	int rc = 0;

	if (nt > n)
		nt = n;
	pthread_mutex_init(&p.mu, NULL);
	atomic_init(&p.cancel, false);
	atomic_init(&p.first, 0);
	for (size_t i = 0; i < n; i++)
		jobs[i].es.cancel = &p.cancel;
	/* This thread is a worker too; the others are a bonus. */
	for (size_t i = 1; i < nt; i++)
		started[i] = pthread_create(&th[i], NULL, pool_worker, &p) == 0;
	pool_worker(&p);
	for (size_t i = 1; i < nt; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
	if (atomic_load(&p.cancel)) {
		*err = steal_pointer(&jobs[atomic_load(&p.first)].err);
		rc = -1;
	}
	for (size_t i = 0; i < n; i++)
		berr_free(&jobs[i].err);
	return rc;
}

static int pass2(struct loader *l, int fd, off_t start, berr_t *err)
{
	struct archive *a;
	struct archive_entry *e;
	struct job *jobs = NULL;
	size_t want = 0, done = 0, njobs = 0;
	int r, rc = -1;

	for (size_t i = 0; i < l->nunits; i++)
		if (l->units[i].stream)
			want++;
	if (want == 0)
		return 0;
	if (!(a = open_archive(fd, start, err)))
		return -1;
	jobs = xcalloc(want, sizeof(*jobs));
	while (done < want) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			berr_make(err, 0, "invalid archive: %s", archive_error_string(a));
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG || !archive_entry_pathname(e))
			continue;
		cleanup_free char *name = norm_name(archive_entry_pathname(e));
		for (size_t i = 0; i < l->nunits; i++) {
			struct unit *u = &l->units[i];
			if (!u->stream || u->found || strcmp(u->path, name) != 0)
				continue;
			struct entry_src es = {.a = a, .fd = -1};
			if (entry_direct(a, e, fd, start, &es)) {
				/* Unpacked below, in parallel: mark it taken. */
				u->found = true;
				jobs[njobs].u = u;
				jobs[njobs].es = es;
				njobs++;
			} else if (stream_unit(l, &es, u, err) < 0) {
				goto out;
			}
			done++;
			break;
		}
	}
	for (size_t i = 0; i < l->nunits; i++) {
		if (l->units[i].stream && !l->units[i].found) {
			berr_make(err, 0, "invalid archive: layer %s is missing", l->units[i].path);
			goto out;
		}
	}
	if (njobs > 0 && run_jobs(l, jobs, njobs, err) < 0)
		goto out;
	rc = 0;
out:
	free(jobs);
	archive_read_free(a);
	return rc;
}

/* Chains beyond a unit's first (the same layer file stacked on different
 * parents) are unpacked again from the blob, now in the store. */
static int extra_chains(struct loader *l, bool *did, berr_t *err)
{
	for (size_t i = 0; i < l->nunits; i++) {
		struct unit *u = &l->units[i];
		for (size_t c = 1; c < u->nchains; c++) {
			cleanup_close int dfd = -1;
			cleanup_free char *tmp = NULL;
			struct layer_result res;
			if (layer_tmp_dir(l->b, &tmp, &dfd, err) < 0)
				return -1;
			if (layer_unpack_blob(l->b, u->blob_digest, dfd, &res, err) < 0 ||
			    layer_commit_dir(l->b, tmp, u->chains[c], err) < 0) {
				remove_tree(tmp, NULL);
				return -1;
			}
			*did = true;
		}
	}
	return 0;
}

static void loader_free(struct loader *l)
{
	for (size_t i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->names);
	for (size_t i = 0; i < l->nfiles; i++) {
		free(l->files[i].name);
		free(l->files[i].data);
	}
	free(l->files);
	for (size_t i = 0; i < l->nunits; i++) {
		struct unit *u = &l->units[i];
		blob_writer_free(u->blob);
		tarsplit_free(u->ts);
		if (u->split_tmp)
			unlink(u->split_tmp);
		free(u->split_tmp);
		if (u->tmp_dir) {
			cleanup_berr berr_t e = NULL;
			remove_tree(u->tmp_dir, &e);
		}
		free(u->tmp_dir);
		free(u->path);
		free(u->expect_blob);
		free(u->expect_diff);
		free(u->declared_mt);
		strv_free(u->chains);
	}
	free(l->units);
	for (size_t i = 0; i < l->nimgs; i++) {
		struct limage *im = &l->imgs[i];
		free(im->config);
		strv_free(im->tags);
		free(im->unit);
		strv_free(im->chains);
		strv_free(im->diffs);
		free(im->manifest_digest);
		free(im->manifest);
	}
	free(l->imgs);
}

/* A pipe is copied to an unlinked file under the root first. */
static int spool(struct berth *b, int in, int *out, berr_t *err)
{
	cleanup_free char *dir = berth_path(b, "tmp");
	cleanup_free char *path = NULL;
	cleanup_free char *buf = xmalloc(1 << 20);
	int fd;

	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	path = xasprintf("%s/load-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return berr_make(err, errno, "cannot create %s", path);
	unlink(path);
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return berr_make(err, errno, "read error");
		}
		if (n == 0)
			break;
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(fd, buf + w, (size_t)(n - w));
			if (k < 0) {
				close(fd);
				return berr_make(err, errno, "cannot write %s", dir);
			}
			w += k;
		}
	}
	*out = fd;
	return 0;
}

static int commit_db(struct loader *l, imageio_print_fn print, void *ctx, berr_t *err)
{
	cleanup_strv char **moved = xcalloc(1, sizeof(char *));
	size_t nmoved = 0;

	if (db_begin(l->db, err) < 0)
		return -1;
	for (size_t i = 0; i < l->nimgs; i++) {
		struct limage *im = &l->imgs[i];
		struct image_layer_desc *d = xcalloc(im->n + 1, sizeof(*d));
		for (size_t k = 0; k < im->n; k++) {
			struct unit *u = &l->units[im->unit[k]];
			snprintf(d[k].chain_id, sizeof(d[k].chain_id), "%s", im->chains[k]);
			snprintf(d[k].diff_id, sizeof(d[k].diff_id), "%s", im->diffs[k]);
			snprintf(d[k].blob, sizeof(d[k].blob), "%s", u->blob_digest);
			d[k].media_type = u->media_type;
			d[k].blob_size = u->blob_size;
			d[k].size = u->size;
		}
		int r = image_insert(l->db, im->id, im->config, im->config_len, d, im->n, NULL, im->manifest_digest, err);
		free(d);
		if (r < 0)
			goto fail;
		for (size_t t = 0; t < im->ntags; t++) {
			char *old = NULL;
			if (image_set_tag(l->db, im->tags[t], im->id, &old, err) < 0)
				goto fail;
			if (old) {
				cleanup_free char *f = ref_familiarize(im->tags[t]);
				cleanup_free char *line = xasprintf(
					"The image %s already exists, renaming the old one with ID %s to empty string", f, old);
				strv_add(&moved, &nmoved, line);
				free(old);
			}
		}
	}
	if (db_commit(l->db, err) < 0)
		goto fail;
	for (size_t i = 0; i < nmoved; i++)
		print(ctx, moved[i]);
	return 0;
fail:
	db_rollback(l->db);
	return -1;
}

int image_load(struct berth *b, int fd, imageio_print_fn print, void *ctx, berr_t *err)
{
	struct loader l = {.b = b};
	cleanup_close int spooled = -1;
	cleanup_close int lock = -1;
	struct capfile *mf, *idx;
	struct stat st;
	off_t start = 0;
	bool extra = false;
	int rc = -1;

	if (berth_db(b, &l.db, err) < 0 || image_lock(b, false, &lock, err) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return berr_make(err, errno, "cannot read the archive");
	if (S_ISREG(st.st_mode) && (start = lseek(fd, 0, SEEK_CUR)) >= 0) {
		/* seekable: read it in place */
	} else {
		if (spool(b, fd, &spooled, err) < 0)
			return -1;
		fd = spooled;
		start = 0;
	}
	if (pass1(&l, fd, start, err) < 0)
		goto out;
	mf = find_file(&l, "manifest.json");
	idx = find_file(&l, "index.json");
	if (mf) {
		if (plan_docker(&l, mf, err) < 0)
			goto out;
	} else if (idx) {
		if (plan_oci_index(&l, idx->data, idx->len, NULL, 0, err) < 0)
			goto out;
	} else if (l.nnames == 0) {
		berr_make(err, 0, "invalid archive: empty, or not a tar archive");
		goto out;
	} else {
		berr_make(err, 0, "invalid archive: no manifest.json or index.json in it (is it an image archive? "
				  "'berth import' takes a root filesystem tar)");
		goto out;
	}
	plan_units(&l);
	if (pass2(&l, fd, start, err) < 0)
		goto out;

	/* Everything checked: make it durable, then make it visible. */
	if (store_sync(b, err) < 0)
		goto out;
	for (size_t i = 0; i < l.nunits; i++) {
		struct unit *u = &l.units[i];
		if (!u->found)
			continue;
		if (u->split_tmp) {
			if (tarsplit_publish(b, u->split_tmp, u->blob_digest, err) < 0)
				goto out;
			free(u->split_tmp);
			u->split_tmp = NULL;
		} else if (blob_writer_publish(u->blob, err) < 0) {
			goto out;
		}
		if (u->tmp_dir) {
			if (layer_commit_dir(b, u->tmp_dir, u->chains[0], err) < 0)
				goto out;
			free(u->tmp_dir);
			u->tmp_dir = NULL;
		}
	}
	if (extra_chains(&l, &extra, err) < 0)
		goto out;
	if (extra && store_sync(b, err) < 0)
		goto out;
	for (size_t i = 0; i < l.nimgs; i++) {
		if (store_put(b, l.imgs[i].config, l.imgs[i].config_len, l.imgs[i].id, NULL, err) < 0)
			goto out;
		if (l.imgs[i].manifest && store_put(b, l.imgs[i].manifest, l.imgs[i].manifest_len,
						    l.imgs[i].manifest_digest, NULL, err) < 0)
			goto out;
	}
	if (commit_db(&l, print, ctx, err) < 0)
		goto out;
	for (size_t i = 0; i < l.nimgs; i++) {
		if (l.imgs[i].ntags == 0) {
			cleanup_free char *line = xasprintf("Loaded image ID: %s", l.imgs[i].id);
			print(ctx, line);
		}
		for (size_t t = 0; t < l.imgs[i].ntags; t++) {
			cleanup_free char *f = ref_familiarize(l.imgs[i].tags[t]);
			cleanup_free char *line = xasprintf("Loaded image: %s", f);
			print(ctx, line);
		}
	}
	rc = 0;
out:
	loader_free(&l);
	return rc;
}
