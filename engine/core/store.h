/* store.h: the content-addressed blob store, blobs/sha256/<hex>.
 *
 * A blob is written to a temporary file in blobs/tmp/, hashed while it is
 * written (OpenSSL EVP sha256, which uses SHA-NI where the CPU has it),
 * verified against the digest the caller expected, and only then renamed to
 * its name.  So a file under blobs/sha256/ whose bytes do not hash to its
 * name is never created by berth; `system check` finds any that appear
 * anyway (disk corruption, hand edits).
 *
 * Durability: blob_writer_commit() fsyncs the file before the rename unless
 * the writer was opened with BLOB_DEFER_SYNC; then the caller promises one
 * syncfs() (store_sync) before anything refers to the blob, and calls
 * blob_writer_publish() after it.  A load of many layers syncs once instead
 * of once per blob, and the rename still follows the data to disk.
 */
#ifndef BERTH_STORE_H
#define BERTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "err.h"
#include "root.h"

/* "sha256:" + 64 hex + NUL */
#define DIGEST_LEN 72

/* Incremental sha256. */
struct sha256;
struct sha256 *sha256_new(void);
void sha256_update(struct sha256 *h, const void *buf, size_t len);
/* Writes "sha256:<hex>" into out and frees h. */
void sha256_finish(struct sha256 *h, char out[DIGEST_LEN]);
void sha256_free(struct sha256 *h);
/* One-shot: "sha256:<hex>" of a buffer. */
void sha256_digest(const void *buf, size_t len, char out[DIGEST_LEN]);

/* "sha256:<64 lowercase hex>" and nothing else (what the store accepts). */
bool digest_is_sha256(const char *digest);
/* The hex part of "sha256:<hex>" (a pointer into digest). */
const char *digest_hex(const char *digest);

enum {
	BLOB_DEFER_SYNC = 1,
	/* The caller hashes the bytes itself (layer_unpack does, once, for
	 * both the blob and the diff id) and hands the digest over with
	 * blob_writer_set_digest() before commit. */
	BLOB_CALLER_HASHES = 2,
};

struct blob_writer;
int blob_writer_open(struct berth *b, int flags, struct blob_writer **out, berr_t *err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, berr_t *err);
void blob_writer_set_digest(struct blob_writer *w, const char *digest);
/* Drop what was written: the temporary goes, later writes are ignored and
 * commit fails.  (layer_unpack keeps uncompressed layers as a tar-split.) */
void blob_writer_discard(struct blob_writer *w);
/* The temporary file's path until published (to read it back). */
const char *blob_writer_path(struct blob_writer *w);
/* Finish: compare with `expected` (may be NULL), fsync unless deferred,
 * rename into place (deferred: after blob_writer_publish).  Fills digest
 * and size when non-NULL.  On a mismatch the temporary file is removed and
 * the error reads "digest mismatch: expected X, got Y". */
int blob_writer_commit(struct blob_writer *w, const char *expected, char digest[DIGEST_LEN], long long *size,
		       berr_t *err);
/* For BLOB_DEFER_SYNC writers, after store_sync(): the rename. */
int blob_writer_publish(struct blob_writer *w, berr_t *err);
/* Remove the temporary file (if any) and free.  Safe on NULL and after
 * commit/publish. */
void blob_writer_free(struct blob_writer *w);

/* One call for a blob held in memory. */
int store_put(struct berth *b, const void *data, size_t len, const char *expected, char digest[DIGEST_LEN],
	      berr_t *err);

/* blobs/sha256/<hex> (caller frees). */
char *store_blob_path(struct berth *b, const char *digest);
bool store_has(struct berth *b, const char *digest);
/* Open a blob for reading (O_RDONLY|O_CLOEXEC). */
int store_open(struct berth *b, const char *digest, int *fd, berr_t *err);
/* Read a whole blob and check its digest. */
int store_read(struct berth *b, const char *digest, char **data, size_t *len, berr_t *err);
/* Hash the file and compare with its name; 0 when it matches. */
int store_verify(struct berth *b, const char *digest, berr_t *err);
int store_remove(struct berth *b, const char *digest, berr_t *err);
/* syncfs() on the filesystem holding the root. */
int store_sync(struct berth *b, berr_t *err);

#endif
