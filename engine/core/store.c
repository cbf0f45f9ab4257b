/* store.c: content-addressed blobs (see store.h). */
#define _GNU_SOURCE
#include "store.h"
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sha256 {
	EVP_MD_CTX *ctx;
};

struct sha256 *sha256_new(void)
{
	struct sha256 *h = xcalloc(1, sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		fputs("berth: cannot initialise sha256\n", stderr);
		exit(BERTH_EXIT_ERROR);
	}
	return h;
}

void sha256_update(struct sha256 *h, const void *buf, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->ctx, buf, len);
}

void sha256_finish(struct sha256 *h, char out[DIGEST_LEN])
{
	unsigned char md[32];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";

	EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
	sha256_free(h);
}

void sha256_free(struct sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void sha256_digest(const void *buf, size_t len, char out[DIGEST_LEN])
{
	struct sha256 *h = sha256_new();
	sha256_update(h, buf, len);
	sha256_finish(h, out);
}

bool digest_is_sha256(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *digest_hex(const char *digest)
{
	const char *c = strchr(digest, ':');
	return c ? c + 1 : digest;
}

struct blob_writer {
	struct berth *b;
	int fd;
	int flags;
	char *tmp;
	char *final;
	struct sha256 *h;
	char given[DIGEST_LEN];
	long long size;
	bool discarded;
};

int blob_writer_open(struct berth *b, int flags, struct blob_writer **out, berr_t *err)
{
	cleanup_free char *dir = berth_path(b, "blobs/tmp");
	cleanup_free char *dir2 = berth_path(b, "blobs/sha256");
	cleanup_free char *name = random_hex(8);
	struct blob_writer *w;

	if (mkdir_p(dir, 0700, err) < 0 || mkdir_p(dir2, 0700, err) < 0)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->b = b;
	w->flags = flags;
	w->tmp = xasprintf("%s/%s", dir, name);
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		berr_make(err, errno, "cannot create %s", w->tmp);
		free(w->tmp);
		free(w);
		return -1;
	}
	if (!(flags & BLOB_CALLER_HASHES))
		w->h = sha256_new();
	*out = w;
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, berr_t *err)
{
	const char *p = buf;
	if (w->discarded)
		return 0;
	if (w->h)
		sha256_update(w->h, buf, len);
	w->size += (long long)len;
	while (len > 0) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_make(err, errno, "cannot write blob");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int blob_writer_commit(struct blob_writer *w, const char *expected, char digest[DIGEST_LEN], long long *size,
		       berr_t *err)
{
	char got[DIGEST_LEN];

	if (w->discarded)
		return berr_make(err, 0, "blob discarded");
	if (w->h) {
		sha256_finish(w->h, got);
		w->h = NULL;
	} else {
		if (!w->given[0])
			return berr_make(err, 0, "blob digest not given");
		memcpy(got, w->given, DIGEST_LEN);
	}
	if (digest)
		memcpy(digest, got, DIGEST_LEN);
	if (size)
		*size = w->size;
	if (expected && strcmp(expected, got) != 0)
		return berr_make(err, 0, "digest mismatch: expected %s, got %s", expected, got);
	if (!(w->flags & BLOB_DEFER_SYNC) && fsync(w->fd) < 0)
		return berr_make(err, errno, "cannot write blob %s", got);
	if (close(w->fd) < 0) {
		w->fd = -1;
		return berr_make(err, errno, "cannot write blob %s", got);
	}
	w->fd = -1;
	w->final = store_blob_path(w->b, got);
	if (w->flags & BLOB_DEFER_SYNC)
		return 0;
	return blob_writer_publish(w, err);
}

void blob_writer_discard(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	w->discarded = true;
}

void blob_writer_set_digest(struct blob_writer *w, const char *digest)
{
	snprintf(w->given, sizeof(w->given), "%s", digest);
}

const char *blob_writer_path(struct blob_writer *w)
{
	return w->tmp;
}

int blob_writer_publish(struct blob_writer *w, berr_t *err)
{
	if (!w->tmp)
		return 0;
	if (!w->final)
		return berr_make(err, 0, "blob not committed");
	if (rename(w->tmp, w->final) < 0)
		return berr_make(err, errno, "cannot store blob %s", w->final);
	free(w->tmp);
	w->tmp = NULL;
	return 0;
}

void blob_writer_free(struct blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	sha256_free(w->h);
	free(w->tmp);
	free(w->final);
	free(w);
}

int store_put(struct berth *b, const void *data, size_t len, const char *expected, char digest[DIGEST_LEN],
	      berr_t *err)
{
	struct blob_writer *w;
	char d[DIGEST_LEN];
	int r;

	/* Already there: nothing to write (its name vouches for its bytes). */
	if (expected && store_has(b, expected)) {
		sha256_digest(data, len, d);
		if (strcmp(d, expected) != 0)
			return berr_make(err, 0, "digest mismatch: expected %s, got %s", expected, d);
		if (digest)
			memcpy(digest, d, DIGEST_LEN);
		return 0;
	}
	if (blob_writer_open(b, 0, &w, err) < 0)
		return -1;
	r = blob_writer_write(w, data, len, err);
	if (r == 0)
		r = blob_writer_commit(w, expected, d, NULL, err);
	blob_writer_free(w);
	if (r == 0 && digest)
		memcpy(digest, d, DIGEST_LEN);
	return r;
}

char *store_blob_path(struct berth *b, const char *digest)
{
	return xasprintf("%s/blobs/sha256/%s", b->root, digest_hex(digest));
}

bool store_has(struct berth *b, const char *digest)
{
	cleanup_free char *p = NULL;
	if (!digest_is_sha256(digest))
		return false;
	p = store_blob_path(b, digest);
	return access(p, F_OK) == 0;
}

int store_open(struct berth *b, const char *digest, int *fd, berr_t *err)
{
	cleanup_free char *p = NULL;
	if (!digest_is_sha256(digest))
		return berr_make(err, 0, "invalid digest %s", digest);
	p = store_blob_path(b, digest);
	*fd = open(p, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return berr_make(err, errno, "blob %s", digest);
	return 0;
}

int store_read(struct berth *b, const char *digest, char **data, size_t *len, berr_t *err)
{
	cleanup_free char *p = NULL;
	cleanup_free char *buf = NULL;
	char got[DIGEST_LEN];
	size_t n;

	if (!digest_is_sha256(digest))
		return berr_make(err, 0, "invalid digest %s", digest);
	p = store_blob_path(b, digest);
	if (read_file(p, &buf, &n, err) < 0)
		return -1;
	sha256_digest(buf, n, got);
	if (strcmp(got, digest) != 0)
		return berr_make(err, 0, "blob %s is corrupt (its content hashes to %s)", digest, got);
	*data = steal_pointer(&buf);
	if (len)
		*len = n;
	return 0;
}

int store_verify(struct berth *b, const char *digest, berr_t *err)
{
	cleanup_close int fd = -1;
	struct sha256 *h;
	char got[DIGEST_LEN];
	cleanup_free char *buf = xmalloc(1 << 17);

	if (store_open(b, digest, &fd, err) < 0)
		return -1;
	h = sha256_new();
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 17);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sha256_free(h);
			return berr_make(err, errno, "cannot read blob %s", digest);
		}
		if (n == 0)
			break;
		sha256_update(h, buf, (size_t)n);
	}
	sha256_finish(h, got);
	if (strcmp(got, digest) != 0)
		return berr_make(err, 0, "blob %s is corrupt (its content hashes to %s)", digest, got);
	return 0;
}

int store_remove(struct berth *b, const char *digest, berr_t *err)
{
	cleanup_free char *p = NULL;
	if (!digest_is_sha256(digest))
		return berr_make(err, 0, "invalid digest %s", digest);
	p = store_blob_path(b, digest);
	if (unlink(p) < 0 && errno != ENOENT)
		return berr_make(err, errno, "cannot remove %s", p);
	return 0;
}

int store_sync(struct berth *b, berr_t *err)
{
	cleanup_close int fd = open(b->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		return berr_make(err, errno, "cannot sync %s", b->root);
	return 0;
}
