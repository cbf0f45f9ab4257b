/* tarsplit.h: an uncompressed layer kept without a second copy.
 *
 * An uncompressed layer tar is almost entirely the bytes of its files,
 * which its unpacked directory already holds.  Keeping the tar as a blob
 * too would double the disk space and the writes of every load.  Instead,
 * like docker's tar-split, berth keeps everything of the tar that is not
 * file content (headers, padding, the end-of-archive blocks) in order, with
 * a reference to the file in the layer directory where content was.
 * Interleaving the two gives back the tar byte for byte, so `save` and
 * `push` send exactly the layer that was loaded, with its digest.
 *
 * The split of the blob sha256:<hex> is splits/<hex> (zstd-compressed),
 * read against any layer directory whose diff id is that digest.
 * Compressed layers are kept as they came, in blobs/, and have no split.
 */
#ifndef BERTH_TARSPLIT_H
#define BERTH_TARSPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "root.h"

struct tarsplit;

struct tarsplit *tarsplit_new(void);
void tarsplit_free(struct tarsplit *ts);
/* Bytes of the tar that are not file content. */
void tarsplit_raw(struct tarsplit *ts, const void *buf, size_t len);
/* size bytes of content, to be read from path (relative to the layer dir). */
void tarsplit_file(struct tarsplit *ts, const char *path, long long size);
/* The file at path, or files under it, are about to be removed or
 * replaced while unpacking: read their content now (from dirfd, the layer
 * being unpacked) and keep it inline, since the directory will not have it. */
int tarsplit_inline_under(struct tarsplit *ts, int dirfd, const char *path, berr_t *err);
/* Write the split, compressed, to splits/<hex>.tmp-<pid>; *tmp_path gets
 * that name, for tarsplit_publish after the sync. */
int tarsplit_save(struct tarsplit *ts, struct berth *b, const char *digest, char **tmp_path, berr_t *err);
int tarsplit_publish(struct berth *b, const char *tmp_path, const char *digest, berr_t *err);

char *tarsplit_path(struct berth *b, const char *digest);
bool tarsplit_exists(struct berth *b, const char *digest);
int tarsplit_remove(struct berth *b, const char *digest, berr_t *err);

/* The bytes of a layer blob, wherever they are kept: the blob file, or
 * rebuilt from its split and layer directory.  Reading to the end checks
 * the digest (a changed layer directory shows up as a mismatch). */
struct layer_blob;
bool layer_blob_exists(struct berth *b, const char *digest);
int layer_blob_open(struct berth *b, const char *digest, struct layer_blob **out, long long *size, berr_t *err);
/* Up to len bytes; 0 at the end (after the digest checked out). */
long long layer_blob_read(struct layer_blob *lb, void *buf, size_t len, berr_t *err);
void layer_blob_close(struct layer_blob *lb);

#endif
