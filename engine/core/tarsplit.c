/* tarsplit.c: keeping uncompressed layers as their directory plus the
 * rest of the tar (see tarsplit.h).
 *
 * The split is a list of records, then zstd (through libarchive's raw
 * format):  "BTS1" <u64 total size>, then 'R' <u64 n> <n bytes> (tar bytes
 * as they were) or 'F' <u64 size> <u32 n> <n bytes of path> (that many
 * bytes of content from the file at path), then 'E'.  Integers are
 * little-endian.
 */
#define _GNU_SOURCE
#include "tarsplit.h"
#include "db.h"
#include "layer.h"
#include "store.h"
#include "util.h"
#include "cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct rec {
	char type;          /* 'R' or 'F' */
	size_t off, len;    /* R: bytes in data */
	char *path;         /* F */
	long long size;     /* F */
};

struct tarsplit {
	struct rec *recs;
	size_t n, cap;
	char *data;
	size_t dlen, dcap;
	long long total;
};

struct tarsplit *tarsplit_new(void)
{
	return xcalloc(1, sizeof(struct tarsplit));
}

void tarsplit_free(struct tarsplit *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++)
		free(ts->recs[i].path);
	free(ts->recs);
	free(ts->data);
	free(ts);
}

static void put_data(struct tarsplit *ts, const void *buf, size_t len)
{
	if (ts->dlen + len > ts->dcap) {
		ts->dcap = (ts->dlen + len) * 2 + 4096;
		ts->data = xrealloc(ts->data, ts->dcap);
	}
	memcpy(ts->data + ts->dlen, buf, len);
	ts->dlen += len;
}

static struct rec *new_rec(struct tarsplit *ts)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 256;
		ts->recs = xrealloc(ts->recs, ts->cap * sizeof(*ts->recs));
	}
	memset(&ts->recs[ts->n], 0, sizeof(ts->recs[0]));
	return &ts->recs[ts->n++];
}

void tarsplit_raw(struct tarsplit *ts, const void *buf, size_t len)
{
	struct rec *r;
	if (!len)
		return;
	ts->total += (long long)len;
	/* Consecutive raw bytes are one record (data is appended in order). */
	if (ts->n && ts->recs[ts->n - 1].type == 'R' && ts->recs[ts->n - 1].off + ts->recs[ts->n - 1].len == ts->dlen) {
		ts->recs[ts->n - 1].len += len;
		put_data(ts, buf, len);
		return;
	}
	r = new_rec(ts);
	r->type = 'R';
	r->off = ts->dlen;
	r->len = len;
	put_data(ts, buf, len);
}

void tarsplit_file(struct tarsplit *ts, const char *path, long long size)
{
	struct rec *r = new_rec(ts);
	r->type = 'F';
	r->path = xstrdup(path);
	r->size = size;
	ts->total += size;
}

static int open_in(int dirfd, const char *path, int flags)
{
	struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static int read_exact(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int tarsplit_inline_under(struct tarsplit *ts, int dirfd, const char *path, berr_t *err)
{
	size_t plen = strlen(path);
	for (size_t i = 0; ts && i < ts->n; i++) {
		struct rec *r = &ts->recs[i];
		if (r->type != 'F')
			continue;
		if (plen && !(strcmp(r->path, path) == 0 || (strncmp(r->path, path, plen) == 0 && r->path[plen] == '/')))
			continue;
		cleanup_close int fd = open_in(dirfd, r->path, O_RDONLY);
		size_t off = ts->dlen;
		if (fd < 0)
			return berr_make(err, errno, "invalid layer: %s", r->path);
		if (ts->dlen + (size_t)r->size > ts->dcap) {
			ts->dcap = ts->dlen + (size_t)r->size + 4096;
			ts->data = xrealloc(ts->data, ts->dcap);
		}
		if (read_exact(fd, ts->data + off, (size_t)r->size) < 0)
			return berr_make(err, errno, "invalid layer: cannot read back %s", r->path);
		ts->dlen += (size_t)r->size;
		free(r->path);
		r->path = NULL;
		r->type = 'R';
		r->off = off;
		r->len = (size_t)r->size;
	}
	return 0;
}

char *tarsplit_path(struct berth *b, const char *digest)
{
	return xasprintf("%s/splits/%s", b->root, digest_hex(digest));
}

bool tarsplit_exists(struct berth *b, const char *digest)
{
	cleanup_free char *p = NULL;
	if (!digest_is_sha256(digest))
		return false;
	p = tarsplit_path(b, digest);
	return access(p, F_OK) == 0;
}

int tarsplit_remove(struct berth *b, const char *digest, berr_t *err)
{
	cleanup_free char *p = NULL;
	if (!digest_is_sha256(digest))
		return 0;
	p = tarsplit_path(b, digest);
	if (unlink(p) < 0 && errno != ENOENT)
		return berr_make(err, errno, "cannot remove %s", p);
	return 0;
}

static void put_u64(struct tarsplit *ts, char **buf, size_t *len, size_t *cap, uint64_t v)
{
	(void)ts;
	if (*len + 8 > *cap) {
		*cap = (*len + 8) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, &v, 8);
	*len += 8;
}

static void put_bytes(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 64;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

int tarsplit_save(struct tarsplit *ts, struct berth *b, const char *digest, char **tmp_path, berr_t *err)
{
	cleanup_free char *dir = berth_path(b, "splits");
	cleanup_free char *buf = NULL;
	cleanup_free char *final = tarsplit_path(b, digest);
	size_t len = 0, cap = 0;
	struct archive *a;
	struct archive_entry *e;
	char *tmp;
	int rc = -1;

	put_bytes(&buf, &len, &cap, "BTS1", 4);
	put_u64(ts, &buf, &len, &cap, (uint64_t)ts->total);
	for (size_t i = 0; i < ts->n; i++) {
		struct rec *r = &ts->recs[i];
		put_bytes(&buf, &len, &cap, &r->type, 1);
		if (r->type == 'R') {
			put_u64(ts, &buf, &len, &cap, r->len);
			put_bytes(&buf, &len, &cap, ts->data + r->off, r->len);
		} else {
			uint32_t pl = (uint32_t)strlen(r->path);
			put_u64(ts, &buf, &len, &cap, (uint64_t)r->size);
			put_bytes(&buf, &len, &cap, &pl, 4);
			put_bytes(&buf, &len, &cap, r->path, pl);
		}
	}
	put_bytes(&buf, &len, &cap, "E", 1);

	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	/* Unique per call: two layers of one load may be saved at once. */
	cleanup_free char *rnd = random_hex(6);
	tmp = xasprintf("%s.tmp-%d-%s", final, (int)getpid(), rnd);
	a = archive_write_new();
	archive_write_add_filter_zstd(a);
	archive_write_set_format_raw(a);
	e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "split");
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK || archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, buf, len) != (la_ssize_t)len || archive_write_close(a) != ARCHIVE_OK) {
		berr_make(err, 0, "cannot write %s: %s", tmp, archive_error_string(a));
		unlink(tmp);
		free(tmp);
		goto out;
	}
	*tmp_path = tmp;
	rc = 0;
out:
	archive_entry_free(e);
	archive_write_free(a);
	return rc;
}

int tarsplit_publish(struct berth *b, const char *tmp_path, const char *digest, berr_t *err)
{
	cleanup_free char *final = tarsplit_path(b, digest);
	if (rename(tmp_path, final) < 0)
		return berr_make(err, errno, "cannot store %s", final);
	return 0;
}

/* ---- reading a layer blob ------------------------------------------- */

struct layer_blob {
	int fd;                 /* blob file, or -1 for a split */
	struct sha256 *h;
	char want[DIGEST_LEN];
	bool done;
	/* split */
	char *buf;              /* the decompressed split */
	size_t len, pos;
	int dirfd;
	int cur;                /* file being copied */
	long long cur_left;
	size_t raw_left;        /* bytes left of the current raw record */
};

static int load_split(const char *path, char **out, size_t *len, berr_t *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
		berr_make(err, 0, "cannot read %s: %s", path, archive_error_string(a));
		goto out;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = xrealloc(buf, cap);
		}
		la_ssize_t r = archive_read_data(a, buf + n, cap - n);
		if (r < 0) {
			berr_make(err, 0, "cannot read %s: %s", path, archive_error_string(a));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n < 13 || memcmp(buf, "BTS1", 4) != 0) {
		berr_make(err, 0, "%s is not a berth tar-split", path);
		goto out;
	}
	*out = steal_pointer(&buf);
	*len = n;
	rc = 0;
out:
	free(buf);
	archive_read_free(a);
	return rc;
}

bool layer_blob_exists(struct berth *b, const char *digest)
{
	return store_has(b, digest) || tarsplit_exists(b, digest);
}

int layer_blob_open(struct berth *b, const char *digest, struct layer_blob **out, long long *size, berr_t *err)
{
	struct layer_blob *lb = xcalloc(1, sizeof(*lb));
	struct stat st;

	lb->fd = lb->dirfd = lb->cur = -1;
	snprintf(lb->want, sizeof(lb->want), "%s", digest);
	if (store_has(b, digest)) {
		if (store_open(b, digest, &lb->fd, err) < 0 || fstat(lb->fd, &st) < 0)
			goto fail;
		*size = st.st_size;
	} else {
		cleanup_free char *path = tarsplit_path(b, digest);
		cleanup_stmt sqlite3_stmt *q = NULL;
		sqlite3 *db;
		uint64_t total;
		if (!tarsplit_exists(b, digest)) {
			berr_make(err, 0, "layer blob %s is missing: run 'berth system check'", digest);
			goto fail;
		}
		if (load_split(path, &lb->buf, &lb->len, err) < 0 || berth_db(b, &db, err) < 0)
			goto fail;
		/* Any directory of this diff has the same files. */
		if (db_prepare(db, "SELECT chain_id FROM layers WHERE diff_id = ?", &q, err) < 0)
			goto fail;
		sqlite3_bind_text(q, 1, digest, -1, SQLITE_STATIC);
		while (lb->dirfd < 0 && sqlite3_step(q) == SQLITE_ROW) {
			cleanup_free char *dir = layer_dir(b, (const char *)sqlite3_column_text(q, 0));
			lb->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		if (lb->dirfd < 0) {
			berr_make(err, 0, "layer blob %s: no unpacked layer to rebuild it from", digest);
			goto fail;
		}
		memcpy(&total, lb->buf + 4, 8);
		*size = (long long)total;
		lb->pos = 12;
	}
	lb->h = sha256_new();
	*out = lb;
	return 0;
fail:
	layer_blob_close(lb);
	return -1;
}

/* Next piece of a split-backed blob into buf. */
static long long split_read(struct layer_blob *lb, char *buf, size_t len, berr_t *err)
{
	for (;;) {
		if (lb->raw_left) {
			size_t n = lb->raw_left < len ? lb->raw_left : len;
			memcpy(buf, lb->buf + lb->pos, n);
			lb->pos += n;
			lb->raw_left -= n;
			return (long long)n;
		}
		if (lb->cur >= 0) {
			if (lb->cur_left == 0) {
				/* A file that grew would still give the right prefix:
				 * its end must be where the tar said. */
				char extra;
				ssize_t k = read(lb->cur, &extra, 1);
				close(lb->cur);
				lb->cur = -1;
				if (k != 0)
					return berr_make(err, 0,
							 "layer blob %s is corrupt: a file of it changed size: its layer "
							 "directory was changed",
							 lb->want);
				continue;
			}
			size_t want = lb->cur_left < (long long)len ? (size_t)lb->cur_left : len;
			ssize_t n = read(lb->cur, buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return berr_make(err, n < 0 ? errno : 0,
						 "layer blob %s: a file of its layer directory is shorter than it was", lb->want);
			lb->cur_left -= n;
			return n;
		}
		if (lb->pos >= lb->len)
			return berr_make(err, 0, "layer blob %s: its split is truncated", lb->want);
		char t = lb->buf[lb->pos++];
		uint64_t v;
		if (t == 'E')
			return 0;
		if (lb->pos + 8 > lb->len)
			return berr_make(err, 0, "layer blob %s: its split is truncated", lb->want);
		memcpy(&v, lb->buf + lb->pos, 8);
		lb->pos += 8;
		if (t == 'R') {
			if (v > lb->len - lb->pos)
				return berr_make(err, 0, "layer blob %s: its split is truncated", lb->want);
			lb->raw_left = (size_t)v;
		} else if (t == 'F') {
			uint32_t pl;
			if (lb->pos + 4 > lb->len)
				return berr_make(err, 0, "layer blob %s: its split is truncated", lb->want);
			memcpy(&pl, lb->buf + lb->pos, 4);
			lb->pos += 4;
			if (pl > lb->len - lb->pos)
				return berr_make(err, 0, "layer blob %s: its split is truncated", lb->want);
			cleanup_free char *path = xstrndup(lb->buf + lb->pos, pl);
			lb->pos += pl;
			lb->cur = open_in(lb->dirfd, path, O_RDONLY);
			if (lb->cur < 0)
				return berr_make(err, errno, "layer blob %s: %s is gone from its layer directory", lb->want,
						 path);
			lb->cur_left = (long long)v;
		} else {
			return berr_make(err, 0, "layer blob %s: its split is corrupt", lb->want);
		}
	}
}

long long layer_blob_read(struct layer_blob *lb, void *buf, size_t len, berr_t *err)
{
	long long n;
	if (lb->done)
		return 0;
	if (lb->fd >= 0) {
		do
			n = read(lb->fd, buf, len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return berr_make(err, errno, "cannot read blob %s", lb->want);
	} else {
		n = split_read(lb, buf, len, err);
		if (n < 0)
			return -1;
	}
	if (n > 0) {
		sha256_update(lb->h, buf, (size_t)n);
		return n;
	}
	char got[DIGEST_LEN];
	sha256_finish(lb->h, got);
	lb->h = NULL;
	lb->done = true;
	if (strcmp(got, lb->want) != 0)
		return berr_make(err, 0, "layer blob %s is corrupt (its content hashes to %s)%s", lb->want, got,
				 lb->fd < 0 ? ": its layer directory was changed" : "");
	return 0;
}

void layer_blob_close(struct layer_blob *lb)
{
	if (!lb)
		return;
	if (lb->fd >= 0)
		close(lb->fd);
	if (lb->dirfd >= 0)
		close(lb->dirfd);
	if (lb->cur >= 0)
		close(lb->cur);
	sha256_free(lb->h);
	free(lb->buf);
	free(lb);
}
