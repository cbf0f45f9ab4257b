/* layer.h: image layers: tar streams in, directories out, and back.
 *
 * A layer is a tar (plain, gzip or zstd; libarchive reads them all) whose
 * entries are a filesystem change: files added or changed, and OCI
 * whiteouts: ".wh.NAME" deletes NAME from the layers below, and
 * ".wh..wh..opq" in a directory hides everything below it in that
 * directory.  berth unpacks each layer once, into layers/<chain-id hex>/,
 * turning whiteouts into what overlayfs reads: a character device 0/0 for
 * a deleted name, and the xattr trusted.overlay.opaque=y on an opaque
 * directory.  The directory is then shared, read-only, by every container
 * whose image has that chain.
 *
 * Safety: every path of a layer entry is resolved with openat2() and
 * RESOLVE_IN_ROOT against the layer directory, so absolute paths and
 * symlinks (even ones unpacked a moment before) resolve inside it, the way
 * they would inside the container; ".." components are refused outright;
 * hard links may only point at entries inside the layer; a whiteout may not
 * name the layer root; an entry replaces whatever was at its path (a file
 * where a directory was) without following it.  overlay.* xattrs in a tar
 * are dropped: only berth's own whiteout conversion may set them.
 */
#ifndef BERTH_LAYER_H
#define BERTH_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "err.h"
#include "root.h"
#include "store.h"

/* A pull source of bytes: fills buf with up to cap bytes and returns how
 * many (0 at the end), or -1 with err set.  The buffer is the reader's:
 * layer_unpack reads into a ring of them, so a block can still be hashed
 * on another core while the next ones are read and unpacked. */
struct layer_source {
	ssize_t (*read)(void *ctx, void *buf, size_t cap, berr_t *err);
	void *ctx;
};

/* A source reading a file descriptor. */
struct layer_fd_source {
	int fd;
};
void layer_fd_source_init(struct layer_fd_source *s, struct layer_source *src, int fd);
void layer_fd_source_fini(struct layer_fd_source *s);

/* What unpacking found. */
struct layer_result {
	char diff_id[DIGEST_LEN];   /* sha256 of the uncompressed tar */
	char blob_digest[DIGEST_LEN];/* sha256 of the bytes as read (== diff_id when uncompressed) */
	long long blob_size;        /* bytes as read */
	long long size;             /* its files' sizes, symlinks as their target's length (docker's size) */
	const char *media_type;     /* OCI media type for the compression found */
	bool compressed;
	bool split_used;            /* kept as a tar-split, not a blob (see tarsplit.h) */
};

struct tarsplit;

/* Read a layer (plain, gzip, zstd) to its end from src and unpack the tar
 * into the directory dirfd (which should be empty; with dirfd < 0 the tar
 * is only read through, to check it and its digests).  What is kept of
 * the bytes: a compressed layer goes to `blob` as received; an
 * uncompressed one goes to `split` when given (res->split_used; the blob
 * writer is then discarded), else to `blob`.  Either may be NULL.
 * Returns 0 with *res filled, or -1 with err set ("invalid layer: ...").
 * The source is always read to its end, so digests cover every byte. */
int layer_unpack(struct layer_source *src, struct blob_writer *blob, struct tarsplit *split, int dirfd,
		 struct layer_result *res, berr_t *err);

/* Unpack from a file (a tar on disk) into dirfd. */
int layer_unpack_fd(int fd, int dirfd, struct layer_result *res, berr_t *err);
/* Unpack a layer blob of the store (tarsplit.h's layer_blob) into dirfd. */
int layer_unpack_blob(struct berth *b, const char *digest, int dirfd, struct layer_result *res, berr_t *err);

/* Where chain layers live: layers/<hex>, and the temporary directories
 * layers are unpacked into before they are renamed into place. */
char *layer_dir(struct berth *b, const char *chain_id);
bool layer_exists(struct berth *b, const char *chain_id);
/* mkdtemp layers/tmp-XXXXXX; *fd opened on it. */
int layer_tmp_dir(struct berth *b, char **path, int *fd, berr_t *err);
/* Rename a finished temporary directory to layers/<chain hex>, and make
 * its short link (layers/l/<12 hex>, used to keep overlay mount options
 * short).  When another process got there first, ours is removed and
 * theirs kept: the content is the same by construction. */
int layer_commit_dir(struct berth *b, const char *tmp_path, const char *chain_id, berr_t *err);
/* The short link name for a chain ("l/<12 hex>" under layers/), making
 * it if missing; NULL when the name is taken by another chain. */
char *layer_short_link(struct berth *b, const char *chain_id);
/* Remove an unpacked layer and its short link. */
int layer_remove(struct berth *b, const char *chain_id, berr_t *err);

/* A sink for tar bytes: returns 0, or -1 with err set. */
typedef int (*layer_sink_fn)(void *ctx, const void *buf, size_t len, berr_t *err);

struct layer_tar_opts {
	/* overlay whiteouts (char 0/0, trusted.overlay.opaque) become OCI
	 * ".wh." entries: for a container's upper dir (build, commit). */
	bool oci_whiteouts;
	/* when >= 0, no mtime is later than this (SOURCE_DATE_EPOCH) */
	long long clamp_mtime;
	/* top-level names to leave out (NULL-terminated), e.g. "proc" */
	const char *const *exclude;
	/* when set, the tar's bytes other than file content are recorded
	 * here and file content as references to the tree's files
	 * (tarsplit.h): the tree itself then keeps the layer, no copy */
	struct tarsplit *split;
};

/* Write the tree under dirfd as a tar (PAX where needed, like Go's
 * archive/tar), sorted by name so the same tree gives the same bytes.
 * Used by export (a container's merged root), build and commit (a
 * container's upper dir, with oci_whiteouts). */
int layer_write_tar(int dirfd, const struct layer_tar_opts *opts, layer_sink_fn sink, void *ctx, berr_t *err);

/* Apply an unpacked layer directory onto dst as overlayfs would show it:
 * whiteouts delete, opaque directories replace, everything else is copied
 * with its metadata.  Used for the flattened fallback when overlayfs is
 * refused. */
int layer_apply_dir(int layer_dirfd, int dst_dirfd, berr_t *err);

/* Remove name under dirfd recursively, never following symlinks. */
int layer_rm_rf_at(int dirfd, const char *name, berr_t *err);

#endif
