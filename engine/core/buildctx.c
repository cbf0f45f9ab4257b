/* buildctx.c: the build context and what COPY/ADD take from it.
 *
 * The context is a directory (or a tar read from stdin, extracted into a
 * private temporary directory with libarchive's secure-extraction flags).
 * Every source path is resolved below the context's directory fd with
 * openat2(RESOLVE_IN_ROOT) (open_in_root), so neither "../" nor a symlink
 * ever reads outside it; inside copied directories, symlinks are copied as
 * symlinks and never followed.  .dockerignore'd paths do not exist for COPY.
 *
 * A COPY is traversed twice at most: once to hash it (names, modes,
 * owners, sizes, contents, link targets; not mtimes, as docker's cache
 * ignores them), and on a cache miss once more to write the tar.
 */
#define _GNU_SOURCE
#include "build.h"
#include "image.h"
#include "layer.h"
#include "store.h"
#include "tarsplit.h"
#include "usergroup.h"
#include "util.h"
#include "cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/xattr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- tar into the store ------------------------------------------------ */

struct tar_out {
	struct blob_writer *w;
	struct archive *a;
	berr_t werr;
};

static la_ssize_t tar_write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct tar_out *t = ctx;
	(void)a;
	if (blob_writer_write(t->w, buf, len, &t->werr) < 0)
		return -1;
	return (la_ssize_t)len;
}

int tar_out_open(struct berth *b, struct tar_out **out, berr_t *err)
{
	struct tar_out *t = xcalloc(1, sizeof(*t));
	if (blob_writer_open(b, 0, &t->w, err) < 0) {
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

struct archive *tar_out_archive(struct tar_out *t)
{
	if (!t->a) {
		t->a = archive_write_new();
		archive_write_set_format_pax_restricted(t->a);
		archive_write_set_bytes_per_block(t->a, 0);
		archive_write_open(t->a, t, NULL, tar_write_cb, NULL);
	}
	return t->a;
}

static int sink_cb(void *ctx, const void *buf, size_t len, berr_t *err)
{
	struct tar_out *t = ctx;
	return blob_writer_write(t->w, buf, len, err);
}

int tar_out_commit(struct berth *b, struct tar_out *t, const char *parent_chain, struct image_layer_desc *out,
		   berr_t *err)
{
	struct layer_result res;
	cleanup_free char *tmp = NULL;
	cleanup_close int dfd = -1;
	cleanup_close int fd = -1;
	char chain[DIGEST_LEN];

	if (t->a) {
		if (archive_write_close(t->a) != ARCHIVE_OK) {
			if (t->werr) {
				*err = t->werr;
				t->werr = NULL;
				return -1;
			}
			return berr_make(err, 0, "writing layer: %s", archive_error_string(t->a));
		}
	} else {
		/* no entries: an empty tar, as docker's classic builder writes */
		static const char zero[1024];
		if (blob_writer_write(t->w, zero, sizeof(zero), err) < 0)
			return -1;
	}
	fd = open(blob_writer_path(t->w), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_make(err, errno, "reading back the layer");
	if (layer_tmp_dir(b, &tmp, &dfd, err) < 0)
		return -1;
	if (layer_unpack_fd(fd, dfd, &res, err) < 0) {
		remove_tree(tmp, NULL);
		return -1;
	}
	if (blob_writer_commit(t->w, res.diff_id, NULL, NULL, err) < 0) {
		remove_tree(tmp, NULL);
		return -1;
	}
	if (parent_chain) {
		cleanup_free char *s = xasprintf("%s %s", parent_chain, res.diff_id);
		sha256_digest(s, strlen(s), chain);
	} else {
		snprintf(chain, sizeof(chain), "%s", res.diff_id);
	}
	if (layer_commit_dir(b, tmp, chain, err) < 0) {
		remove_tree(tmp, NULL);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->chain_id, sizeof(out->chain_id), "%s", chain);
	snprintf(out->diff_id, sizeof(out->diff_id), "%s", res.diff_id);
	snprintf(out->blob, sizeof(out->blob), "%s", res.diff_id);
	out->media_type = "application/vnd.oci.image.layer.v1.tar";
	out->blob_size = res.blob_size;
	out->size = res.size;
	return 0;
}

void tar_out_free(struct tar_out *t)
{
	if (!t)
		return;
	if (t->a)
		archive_write_free(t->a);
	blob_writer_free(t->w);
	berr_free(&t->werr);
	free(t);
}

/* What overlayfs may leave in an upper dir besides the whiteouts and the
 * opaque marker (origin, impure, nlink, redirect, metacopy...): dropped
 * before the dir serves as a lower layer, as it would be by a tar round
 * trip.  Also sums the layer's size (docker's: file sizes, symlinks as
 * their target's length). */
static long long layer_walk_size;

static int strip_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	char names[4096];
	ssize_t n;
	(void)f;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		layer_walk_size += st->st_size;
	else if (flag == FTW_SL)
		layer_walk_size += st->st_size;
	n = llistxattr(path, names, sizeof(names));
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(names + i) + 1) {
		const char *x = names + i;
		if (str_has_prefix(x, "trusted.overlay.") && strcmp(x, "trusted.overlay.opaque") != 0)
			lremovexattr(path, x);
	}
	return 0;
}

int build_layer_from_dir(struct berth *b, int dirfd, const char *parent_chain, struct image_layer_desc *out,
			 berr_t *err)
{
	struct tar_out *t = NULL;
	struct layer_tar_opts o = {.oci_whiteouts = true, .clamp_mtime = -1};
	int rc = -1;

	if (tar_out_open(b, &t, err) < 0)
		return -1;
	if (layer_write_tar(dirfd, &o, sink_cb, t, err) == 0)
		rc = tar_out_commit(b, t, parent_chain, out, err);
	tar_out_free(t);
	return rc;
}

/* What the tar of an upper dir goes through: hashed and counted, never
 * written (the split keeps what is not file content).  sha256 is most of
 * the cost, so it runs on a thread of its own while the files are read:
 * the tar is gathered into 1 MiB slots that the hasher takes in order. */
#define HQ_SLOTS 4
#define HQ_CAP (1 << 20)

struct hash_sink {
	struct sha256 *h;
	long long size;
	pthread_t th;
	pthread_mutex_t m;
	pthread_cond_t c;
	char *slot[HQ_SLOTS];
	size_t len[HQ_SLOTS];
	int head, count;        /* slots full and waiting: head .. head+count-1 */
	int fill;               /* the slot being filled */
	bool done;
};

static void *hasher(void *arg)
{
	struct hash_sink *hs = arg;
	for (;;) {
		pthread_mutex_lock(&hs->m);
		while (hs->count == 0 && !hs->done)
			pthread_cond_wait(&hs->c, &hs->m);
		if (hs->count == 0) {
			pthread_mutex_unlock(&hs->m);
			return NULL;
		}
		int i = hs->head;
		pthread_mutex_unlock(&hs->m);
		sha256_update(hs->h, hs->slot[i], hs->len[i]);
		pthread_mutex_lock(&hs->m);
		hs->len[i] = 0;
		hs->head = (hs->head + 1) % HQ_SLOTS;
		hs->count--;
		pthread_cond_broadcast(&hs->c);
		pthread_mutex_unlock(&hs->m);
	}
}

/* Hand the slot being filled to the hasher; wait for a free one. */
static void hash_sink_push(struct hash_sink *hs)
{
	pthread_mutex_lock(&hs->m);
	hs->count++;
	hs->fill = (hs->fill + 1) % HQ_SLOTS;
	pthread_cond_broadcast(&hs->c);
	while (hs->count == HQ_SLOTS)
		pthread_cond_wait(&hs->c, &hs->m);
	pthread_mutex_unlock(&hs->m);
}

static int hash_sink_cb(void *ctx, const void *buf, size_t len, berr_t *err)
{
	struct hash_sink *hs = ctx;
	const char *p = buf;
	(void)err;
	hs->size += (long long)len;
	while (len > 0) {
		size_t room = HQ_CAP - hs->len[hs->fill], k = len < room ? len : room;
		memcpy(hs->slot[hs->fill] + hs->len[hs->fill], p, k);
		hs->len[hs->fill] += k;
		p += k;
		len -= k;
		if (hs->len[hs->fill] == HQ_CAP)
			hash_sink_push(hs);
	}
	return 0;
}

static void hash_sink_start(struct hash_sink *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->h = sha256_new();
	for (int i = 0; i < HQ_SLOTS; i++)
		hs->slot[i] = xmalloc(HQ_CAP);
	pthread_mutex_init(&hs->m, NULL);
	pthread_cond_init(&hs->c, NULL);
	if (pthread_create(&hs->th, NULL, hasher, hs) != 0)
		abort();
}

/* Wait for the hasher; the digest when `digest` is not NULL. */
static void hash_sink_finish(struct hash_sink *hs, char digest[DIGEST_LEN])
{
	if (hs->len[hs->fill] > 0)
		hash_sink_push(hs);
	pthread_mutex_lock(&hs->m);
	hs->done = true;
	pthread_cond_broadcast(&hs->c);
	pthread_mutex_unlock(&hs->m);
	pthread_join(hs->th, NULL);
	if (digest)
		sha256_finish(hs->h, digest);
	else
		sha256_free(hs->h);
	for (int i = 0; i < HQ_SLOTS; i++)
		free(hs->slot[i]);
	pthread_mutex_destroy(&hs->m);
	pthread_cond_destroy(&hs->c);
}

int build_layer_from_upper(struct berth *b, const char *upper, const char *parent_chain,
			   struct image_layer_desc *out, berr_t *err)
{
	struct tarsplit *ts = tarsplit_new();
	struct layer_tar_opts o = {.oci_whiteouts = true, .clamp_mtime = -1, .split = ts};
	struct hash_sink hs;
	bool hashing = false;
	char diff[DIGEST_LEN], chain[DIGEST_LEN];
	cleanup_free char *split_tmp = NULL;
	cleanup_close int dfd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;

	if (dfd < 0) {
		berr_make(err, errno, "open %s", upper);
		goto out;
	}
	/* The layer is the directory, already in overlay's format, moved into
	 * layers/ as it is; its tar (the blob, whose digest is the diff id) is
	 * only hashed, and kept as a tar-split against the directory, as load
	 * keeps an uncompressed layer (tarsplit.h): no second write of the
	 * data, and save/push give back the same bytes. */
	hash_sink_start(&hs);
	hashing = true;
	int wr = layer_write_tar(dfd, &o, hash_sink_cb, &hs, err);
	hash_sink_finish(&hs, wr == 0 ? diff : NULL);
	hashing = false;
	if (wr < 0)
		goto out;
	if (parent_chain) {
		cleanup_free char *s = xasprintf("%s %s", parent_chain, diff);
		sha256_digest(s, strlen(s), chain);
	} else {
		snprintf(chain, sizeof(chain), "%s", diff);
	}
	layer_walk_size = 0;
	if (nftw(upper, strip_cb, 32, FTW_PHYS) != 0) {
		berr_make(err, errno, "walking %s", upper);
		goto out;
	}
	if (!layer_exists(b, chain)) {
		cleanup_free char *tmp = NULL;
		int tfd;
		if (layer_tmp_dir(b, &tmp, &tfd, err) < 0)
			goto out;
		close(tfd);
		if (rename(upper, tmp) < 0) {
			berr_make(err, errno, "cannot move %s", upper);
			rmdir(tmp);
			goto out;
		}
		if (layer_commit_dir(b, tmp, chain, err) < 0)
			goto out;
	}
	/* The split is published after the files it points at are on disk. */
	if (!layer_blob_exists(b, diff) &&
	    (tarsplit_save(ts, b, diff, &split_tmp, err) < 0 || store_sync(b, err) < 0 ||
	     tarsplit_publish(b, split_tmp, diff, err) < 0))
		goto out;
	memset(out, 0, sizeof(*out));
	snprintf(out->chain_id, sizeof(out->chain_id), "%s", chain);
	snprintf(out->diff_id, sizeof(out->diff_id), "%s", diff);
	snprintf(out->blob, sizeof(out->blob), "%s", diff);
	out->media_type = "application/vnd.oci.image.layer.v1.tar";
	out->blob_size = hs.size;
	out->size = layer_walk_size;
	rc = 0;
out:
	if (hashing)
		hash_sink_finish(&hs, NULL);
	tarsplit_free(ts);
	return rc;
}

/* ---- the context -------------------------------------------------------- */

static int read_all_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n == cap)
			b = xrealloc(b, cap *= 2);
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int extract_tar(const char *buf, size_t len, const char *dir, berr_t *err)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry *e;
	int r, rc = -1;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	/* Entries are checked here (no absolute names, no ".."), then put
	 * under dir; libarchive refuses to write through symlinks. */
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
					      ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		berr_make_status(err, 1, 0, "unable to prepare context: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (!name || name[0] == '/' || !strcmp(name, "..") || str_has_prefix(name, "../") ||
		    strstr(name, "/../") || str_has_suffix(name, "/..")) {
			berr_make_status(err, 1, 0, "unable to prepare context: invalid path in the context tar: %s",
					 name ? name : "");
			goto out;
		}
		cleanup_free char *p = xasprintf("%s/%s", dir, name);
		archive_entry_set_pathname(e, p);
		const char *hl = archive_entry_hardlink(e);
		if (hl) {
			cleanup_free char *h = xasprintf("%s/%s", dir, hl);
			archive_entry_set_hardlink(e, h);
		}
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			berr_make_status(err, 1, 0, "unable to prepare context: %s", archive_error_string(w));
			goto out;
		}
		const void *blk;
		size_t sz;
		la_int64_t off;
		while ((r = archive_read_data_block(a, &blk, &sz, &off)) == ARCHIVE_OK)
			archive_write_data_block(w, blk, sz, off);
		archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF) {
		berr_make_status(err, 1, 0, "unable to prepare context: %s", archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(a);
	archive_write_free(w);
	return rc;
}

static bool looks_like_tar(const char *buf, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool ok;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	ok = archive_read_open_memory(a, buf, len) == ARCHIVE_OK && archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	return ok;
}

int buildctx_open(struct buildctx *c, const char *context, bool stdin_taken, berr_t *err)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	if (strcmp(context, "-") == 0) {
		char *buf;
		size_t len;
		if (stdin_taken)
			return berr_make_status(err, 1, 0, "invalid argument: can't use stdin for both build context and dockerfile");
		if (read_all_fd(STDIN_FILENO, &buf, &len) < 0)
			return berr_make_status(err, 1, errno, "reading the context from stdin");
		const char *td = getenv("TMPDIR");
		c->tmpdir = xasprintf("%s/berth-build-XXXXXX", td && *td ? td : "/tmp");
		if (!mkdtemp(c->tmpdir)) {
			free(buf);
			return berr_make_status(err, 1, errno, "cannot create a directory for the context");
		}
		if (len && looks_like_tar(buf, len)) {
			int r = extract_tar(buf, len, c->tmpdir, err);
			free(buf);
			if (r < 0)
				return -1;
		} else {
			/* `build - < Dockerfile`: the Dockerfile alone, no context. */
			c->dockerfile_text = buf;
			c->dockerfile_len = len;
		}
		c->dir = xstrdup(c->tmpdir);
	} else {
		struct stat st;
		if (stat(context, &st) < 0)
			return berr_make_status(err, 1, errno == ENOENT ? 0 : errno,
						errno == ENOENT ? "unable to prepare context: path \"%s\" not found"
								: "unable to prepare context: %s",
						context);
		if (!S_ISDIR(st.st_mode))
			return berr_make_status(err, 1, 0, "unable to prepare context: context must be a directory: %s",
						context);
		c->dir = xstrdup(context);
	}
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0)
		return berr_make_status(err, 1, errno, "unable to prepare context: %s", c->dir);
	cleanup_close int ifd = openat(c->dirfd, ".dockerignore", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (ifd >= 0) {
		char *buf;
		size_t len;
		if (read_all_fd(ifd, &buf, &len) == 0) {
			dockerignore_parse(buf, len, &c->ignore);
			free(buf);
		}
	}
	return 0;
}

void buildctx_close(struct buildctx *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->tmpdir)
		remove_tree(c->tmpdir, NULL);
	free(c->tmpdir);
	free(c->dir);
	free(c->dockerfile_text);
	dockerignore_free(&c->ignore);
	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
}

/* ---- COPY sources ------------------------------------------------------- */

/* Lexical clean of a source path, relative to its root ("" = the root). */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool ignored(const struct copy_spec *s, const char *rel)
{
	return s->ignore && *rel && dockerignore_excluded(s->ignore, rel);
}

struct srclist {
	char **v;
	size_t n;
};

static void src_push(struct srclist *l, const char *p)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v[l->n++] = xstrdup(p);
	l->v[l->n] = NULL;
}

/* Expand a glob, one path element at a time, below rootfd. */
static void glob_expand(const struct copy_spec *s, const char *base, const char *pat, struct srclist *out)
{
	const char *slash = strchr(pat, '/');
	cleanup_free char *elem = slash ? xstrndup(pat, (size_t)(slash - pat)) : xstrdup(pat);
	const char *rest = slash ? slash + 1 : NULL;

	if (!has_glob(elem)) {
		cleanup_free char *p = *base ? xasprintf("%s/%s", base, elem) : xstrdup(elem);
		if (rest)
			glob_expand(s, p, rest, out);
		else {
			struct stat st;
			int fd = open_in_root(s->rootfd, p, O_PATH | O_CLOEXEC, 0);
			if (fd >= 0) {
				if (fstat(fd, &st) == 0 && !ignored(s, p))
					src_push(out, p);
				close(fd);
			}
		}
		return;
	}
	int dfd = open_in_root(s->rootfd, *base ? base : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fnmatch(elem, de->d_name, FNM_PERIOD) != 0 && fnmatch(elem, de->d_name, 0) != 0)
			continue;
		names = xrealloc(names, (nn + 1) * sizeof(char *));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(char *), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i < nn; i++) {
		cleanup_free char *p = *base ? xasprintf("%s/%s", base, names[i]) : xstrdup(names[i]);
		if (rest)
			glob_expand(s, p, rest, out);
		else if (!ignored(s, p))
			src_push(out, p);
		free(names[i]);
	}
	free(names);
}

static int resolve_sources(const struct copy_spec *s, struct srclist *out, berr_t *err)
{
	for (char **src = s->srcs; *src; src++) {
		if (str_has_prefix(*src, "<<"))
			continue;
		cleanup_free char *rel = path_clean_rel(*src);
		size_t before = out->n;
		if (has_glob(rel)) {
			glob_expand(s, "", rel, out);
		} else {
			int fd = open_in_root(s->rootfd, *rel ? rel : ".", O_PATH | O_CLOEXEC, 0);
			if (fd >= 0) {
				close(fd);
				if (!ignored(s, rel))
					src_push(out, rel);
			}
		}
		if (out->n == before) {
			if (has_glob(rel))
				return berr_make_status(err, 1, 0, "failed to compute cache key: no source files were specified or matched \"%s\"", *src);
			return berr_make_status(err, 1, 0, "failed to compute cache key: failed to calculate checksum of ref: \"/%s\": not found", rel);
		}
	}
	return 0;
}

/* ---- the traversal ------------------------------------------------------ */

struct visit {
	const struct copy_spec *s;
	struct sha256 *h;           /* hashing */
	struct archive *a;          /* writing */
	berr_t *err;
	char buf[65536];
};

static void hash_str(struct visit *v, const char *s)
{
	sha256_update(v->h, s, strlen(s) + 1);
}

static int add_entry(struct visit *v, const char *dest, const struct stat *st, int fd, const char *link)
{
	const struct copy_spec *s = v->s;
	mode_t perm = st->st_mode & 07777;
	long uid = s->uid >= 0 ? s->uid : 0, gid = s->gid >= 0 ? s->gid : 0;
	const char *name = dest[0] == '/' ? dest + 1 : dest;

	if (s->chmod >= 0 && !S_ISLNK(st->st_mode))
		perm = (mode_t)s->chmod;
	if (!*name)
		name = ".";
	if (v->h) {
		char meta[160];
		snprintf(meta, sizeof(meta), "%o %o %ld %ld %lld", (unsigned)(st->st_mode & S_IFMT), (unsigned)perm, uid,
			 gid, S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL);
		hash_str(v, name);
		hash_str(v, meta);
		if (link)
			hash_str(v, link);
		if (S_ISREG(st->st_mode) && fd >= 0) {
			ssize_t r;
			while ((r = read(fd, v->buf, sizeof(v->buf))) > 0)
				sha256_update(v->h, v->buf, (size_t)r);
			if (r < 0)
				return berr_make_status(v->err, 1, errno, "reading %s", name);
		}
		return 0;
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, (st->st_mode & S_IFMT) | perm);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode))
		archive_entry_set_size(e, st->st_size);
	else
		archive_entry_set_size(e, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		archive_entry_set_rdevmajor(e, major(st->st_rdev));
		archive_entry_set_rdevminor(e, minor(st->st_rdev));
	}
	if (archive_write_header(v->a, e) != ARCHIVE_OK) {
		archive_entry_free(e);
		return berr_make_status(v->err, 1, 0, "writing layer: %s", archive_error_string(v->a));
	}
	archive_entry_free(e);
	if (S_ISREG(st->st_mode) && fd >= 0) {
		ssize_t r;
		long long left = st->st_size;
		while (left > 0 && (r = read(fd, v->buf, sizeof(v->buf))) > 0) {
			if (r > left)
				r = (ssize_t)left;
			if (archive_write_data(v->a, v->buf, (size_t)r) < 0)
				return berr_make_status(v->err, 1, 0, "writing layer: %s", archive_error_string(v->a));
			left -= r;
		}
		/* a file that shrank meanwhile: pad, the header promised its size */
		memset(v->buf, 0, sizeof(v->buf));
		while (left > 0) {
			size_t k = left > (long long)sizeof(v->buf) ? sizeof(v->buf) : (size_t)left;
			archive_write_data(v->a, v->buf, k);
			left -= (long long)k;
		}
	}
	return 0;
}

/* One entry of a directory being copied: dirfd/name, never following a
 * symlink; directories recurse. */
static int visit_at(struct visit *v, int pfd, const char *name, const char *rel, const char *dest)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_make_status(v->err, 1, errno, "stat %s", rel);
	if (ignored(v->s, rel) && !S_ISDIR(st.st_mode))
		return 0;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t l = readlinkat(pfd, name, target, sizeof(target) - 1);
		if (l < 0)
			return berr_make_status(v->err, 1, errno, "readlink %s", rel);
		target[l] = '\0';
		return add_entry(v, dest, &st, -1, target);
	}
	if (S_ISDIR(st.st_mode)) {
		bool skip_self = ignored(v->s, rel);
		if (skip_self && !(v->s->ignore && v->s->ignore->has_exceptions))
			return 0;
		int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_make_status(v->err, 1, errno, "open %s", rel);
		if (!skip_self && add_entry(v, dest, &st, -1, NULL) < 0) {
			close(fd);
			return -1;
		}
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			return berr_make_status(v->err, 1, errno, "open %s", rel);
		}
		struct dirent *de;
		char **names = NULL;
		size_t nn = 0;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			names = xrealloc(names, (nn + 1) * sizeof(char *));
			names[nn++] = xstrdup(de->d_name);
		}
		qsort(names, nn, sizeof(char *), (int (*)(const void *, const void *))strcmp);
		int rc = 0;
		for (size_t i = 0; i < nn; i++) {
			if (rc == 0) {
				cleanup_free char *r2 = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
				cleanup_free char *d2 = xasprintf("%s/%s", dest, names[i]);
				rc = visit_at(v, dirfd(d), names[i], r2, d2);
			}
			free(names[i]);
		}
		free(names);
		closedir(d);
		return rc;
	}
	if (S_ISREG(st.st_mode)) {
		int fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berr_make_status(v->err, 1, errno, "open %s", rel);
		int rc = add_entry(v, dest, &st, fd, NULL);
		close(fd);
		return rc;
	}
	/* fifos, devices: metadata only */
	return add_entry(v, dest, &st, -1, NULL);
}

static char *join_dest(const char *dest, const char *base)
{
	size_t l = strlen(dest);
	while (l > 1 && dest[l - 1] == '/')
		l--;
	if (l == 1 && dest[0] == '/')
		return xasprintf("/%s", base);
	return xasprintf("%.*s/%s", (int)l, dest, base);
}

static char *strip_slash(const char *dest)
{
	size_t l = strlen(dest);
	while (l > 1 && dest[l - 1] == '/')
		l--;
	return xstrndup(dest, l);
}

/* ADD: is this regular file an archive libarchive can read as a tar? */
static bool is_archive(int fd)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool ok;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	ok = archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK && archive_read_next_header(a, &e) == ARCHIVE_OK;
	archive_read_free(a);
	lseek(fd, 0, SEEK_SET);
	return ok;
}

static int add_archive(struct visit *v, int fd, const char *dest)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = -1;
	cleanup_free char *d = strip_slash(dest);

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		goto bad;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		cleanup_free char *rel = path_clean_rel(archive_entry_pathname(e));
		if (!*rel)
			continue;
		cleanup_free char *full = strcmp(d, "/") == 0 ? xasprintf("%s", rel) : xasprintf("%s/%s", d + 1, rel);
		archive_entry_set_pathname(e, full);
		const char *hl = archive_entry_hardlink(e);
		if (hl) {
			cleanup_free char *hr = path_clean_rel(hl);
			cleanup_free char *hf = strcmp(d, "/") == 0 ? xasprintf("%s", hr) : xasprintf("%s/%s", d + 1, hr);
			archive_entry_set_hardlink(e, hf);
		}
		if (v->s->uid >= 0) {
			archive_entry_set_uid(e, v->s->uid);
			archive_entry_set_gid(e, v->s->gid);
			archive_entry_set_uname(e, NULL);
			archive_entry_set_gname(e, NULL);
		}
		if (archive_write_header(v->a, e) != ARCHIVE_OK)
			goto bad;
		const void *blk;
		size_t sz;
		la_int64_t off;
		while ((r = archive_read_data_block(a, &blk, &sz, &off)) == ARCHIVE_OK)
			if (archive_write_data(v->a, blk, sz) < 0)
				goto bad;
	}
	if (r != ARCHIVE_EOF)
		goto bad;
	rc = 0;
	goto out;
bad:
	berr_make_status(v->err, 1, 0, "ADD: cannot extract %s: %s", dest, archive_error_string(a));
out:
	archive_read_free(a);
	return rc;
}

static int traverse(struct visit *v)
{
	const struct copy_spec *s = v->s;
	struct srclist l = {0};
	int rc = -1;

	if (resolve_sources(s, &l, v->err) < 0)
		goto out;
	if (s->stats) {
		struct stat st0;
		s->stats->n = l.n;
		for (size_t i = 0; s->here_names && s->here_names[i]; i++)
			s->stats->n++;
		s->stats->dir = l.n == 1 && s->stats->n == 1 &&
				fstatat(s->rootfd, *l.v[0] ? l.v[0] : ".", &st0, 0) == 0 && S_ISDIR(st0.st_mode);
	}
	/* heredoc sources: files named by their delimiter */
	for (size_t i = 0; s->here_names && s->here_names[i]; i++) {
		struct stat st = {.st_mode = S_IFREG | 0644, .st_size = (off_t)strlen(s->here_contents[i])};
		st.st_mtim.tv_sec = 0;
		cleanup_free char *dest = s->dest_is_dir ? join_dest(s->dest, s->here_names[i]) : strip_slash(s->dest);
		if (v->h) {
			if (add_entry(v, dest, &st, -1, NULL) < 0)
				goto out;
			sha256_update(v->h, s->here_contents[i], strlen(s->here_contents[i]));
		} else {
			if (add_entry(v, dest, &st, -1, NULL) < 0)
				goto out;
			archive_write_data(v->a, s->here_contents[i], strlen(s->here_contents[i]));
		}
	}
	for (size_t i = 0; i < l.n; i++) {
		const char *rel = l.v[i];
		struct stat st;
		/* The source itself: symlinks followed, within the root. */
		int fd = open_in_root(s->rootfd, *rel ? rel : ".", O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0) {
			berr_make_status(v->err, 1, errno, "failed to compute cache key: \"/%s\": not found", rel);
			goto out;
		}
		if (fstat(fd, &st) < 0) {
			close(fd);
			berr_make_status(v->err, 1, errno, "stat %s", rel);
			goto out;
		}
		const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
		int r;
		if (S_ISDIR(st.st_mode)) {
			/* a directory's contents go into dest */
			cleanup_free char *dest = strip_slash(s->dest);
			r = 0;
			if (strcmp(dest, "/") != 0)
				r = add_entry(v, dest, &st, -1, NULL);
			DIR *d = fdopendir(fd);
			if (!d) {
				close(fd);
				berr_make_status(v->err, 1, errno, "open %s", rel);
				goto out;
			}
			struct dirent *de;
			char **names = NULL;
			size_t nn = 0;
			while ((de = readdir(d))) {
				if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
					continue;
				names = xrealloc(names, (nn + 1) * sizeof(char *));
				names[nn++] = xstrdup(de->d_name);
			}
			qsort(names, nn, sizeof(char *), (int (*)(const void *, const void *))strcmp);
			for (size_t k = 0; k < nn; k++) {
				if (r == 0) {
					cleanup_free char *r2 = *rel ? xasprintf("%s/%s", rel, names[k]) : xstrdup(names[k]);
					cleanup_free char *d2 = join_dest(dest, names[k]);
					r = visit_at(v, dirfd(d), names[k], r2, d2);
				}
				free(names[k]);
			}
			free(names);
			closedir(d);
		} else if (S_ISREG(st.st_mode) && s->add && is_archive(fd)) {
			if (v->h) {
				hash_str(v, "archive");
				hash_str(v, s->dest);
				r = add_entry(v, rel, &st, fd, NULL);
			} else {
				r = add_archive(v, fd, s->dest);
			}
			close(fd);
		} else {
			cleanup_free char *dest = s->dest_is_dir ? join_dest(s->dest, base) : strip_slash(s->dest);
			r = add_entry(v, dest, &st, S_ISREG(st.st_mode) ? fd : -1, NULL);
			close(fd);
		}
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}

int buildctx_hash(const struct copy_spec *s, char digest[72], berr_t *err)
{
	struct visit *v = xcalloc(1, sizeof(*v));
	int rc;
	v->s = s;
	v->err = err;
	v->h = sha256_new();
	hash_str(v, s->dest);
	rc = traverse(v);
	if (rc == 0)
		sha256_finish(v->h, digest);
	else
		sha256_free(v->h);
	free(v);
	return rc;
}

int buildctx_write(const struct copy_spec *s, struct tar_out *t, berr_t *err)
{
	struct visit *v = xcalloc(1, sizeof(*v));
	int rc;
	v->s = s;
	v->err = err;
	v->a = tar_out_archive(t);
	rc = traverse(v);
	free(v);
	return rc;
}
