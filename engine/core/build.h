/* build.h: `berth build`: a Dockerfile and a context to an image.
 *
 *   dockerfile.c    the parser and docker's word expansion
 *   dockerignore.c  .dockerignore patterns
 *   buildctx.c      the context: a directory or a tar on stdin, COPY's
 *                   source selection, hashing and tar writing
 *   buildcache.c    the cache (table build_cache in berth.db)
 *   buildprogress.c BuildKit's plain progress, a compact tty view, -q
 *   build.c         the stages and the instructions
 *
 * Like docker's classic builder, every step commits an image (untagged,
 * its parent the previous step's), so a cached step is one lookup:
 * (parent image, instruction as expanded, build args in scope, content
 * hash of COPY/ADD sources) -> image id.  RUN runs in a berth container
 * (run's isolation); its overlay upper dir becomes the step's layer.
 */
#ifndef BERTH_BUILD_H
#define BERTH_BUILD_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "dockerignore.h"
#include "err.h"
#include "root.h"

enum build_progress { BP_AUTO, BP_PLAIN, BP_TTY, BP_QUIET };

struct build_opts {
	const char *context;        /* directory, or "-" */
	const char *dockerfile;     /* -f PATH, "-" for stdin, NULL: context/Dockerfile */
	char *const *tags;
	const char *target;
	char *const *build_args;    /* K=V or K (from the environment) */
	char *const *labels;        /* K=V */
	bool no_cache, pull, check;
	enum build_progress progress;
	const char *iidfile;
	const char *platform;
	const char *network;        /* default, none, host */
};

/* Build; *id_out gets the image id.  Errors as docker's: status 1.
 * With --check, nothing is built: 1 (no error) when warnings were found. */
int build_image(struct berth *b, const struct build_opts *o, char **id_out, berr_t *err);

/* ---- the context (buildctx.c) ------------------------------------------ */

struct buildctx {
	char *dir;                  /* the context directory */
	int dirfd;
	char *tmpdir;               /* extracted from a tar: removed at the end */
	struct dockerignore ignore;
	char *dockerfile_text;      /* read from the context tar/stdin when given there */
	size_t dockerfile_len;
};

/* Open a context directory, or read a tar (or a bare Dockerfile) from
 * stdin for "-". */
int buildctx_open(struct buildctx *c, const char *context, bool stdin_used_by_dockerfile, berr_t *err);
void buildctx_close(struct buildctx *c);

/* A file of the layer being written. */
struct copy_src {
	char *path;                 /* relative to its root */
	bool is_dir;
};

struct tar_out;                 /* a tar being written into a blob */

struct copy_spec {
	int rootfd;                 /* where sources live: the context or a stage's root */
	const struct dockerignore *ignore; /* for the context only */
	char **srcs;                /* as written (expanded), may be globs */
	const char *dest;           /* absolute, cleaned; ends in '/' if it must be a directory */
	bool dest_is_dir;           /* multiple sources, trailing '/', or a directory in the image */
	long uid, gid;              /* --chown, -1 = keep (root, as docker: 0) */
	long chmod;                 /* --chmod, -1 = keep */
	bool add;                   /* ADD: extract local archives */
	/* heredoc sources: name -> content */
	char **here_names, **here_contents;
	/* filled by buildctx_hash: how many sources the globs matched, and
	 * whether the one source is a directory (history's file/dir/multi) */
	struct copy_stats *stats;
};

struct copy_stats {
	size_t n;
	bool dir;
};

/* Hash (for the cache) what a COPY would write: names, modes, owners,
 * sizes, contents, link targets; never mtimes.  The error for a missing
 * source is docker's. */
int buildctx_hash(const struct copy_spec *s, char digest[72], berr_t *err);
/* Write the COPY as tar entries into t. */
int buildctx_write(const struct copy_spec *s, struct tar_out *t, berr_t *err);

/* A tar into the blob store (an uncompressed layer). */
int tar_out_open(struct berth *b, struct tar_out **t, berr_t *err);
struct archive *tar_out_archive(struct tar_out *t);
/* Finish: the blob, unpacked into a layer directory named by its chain
 * (parent chain id or NULL).  Fills the layer description. */
struct image_layer_desc;
int tar_out_commit(struct berth *b, struct tar_out *t, const char *parent_chain, struct image_layer_desc *out,
		   berr_t *err);
void tar_out_free(struct tar_out *t);
/* Turn a container's upper dir into a layer (RUN): the tar is written to
 * the store, and the directory itself is moved into layers/ as the
 * unpacked layer (build_layer_from_dir copies through a tar instead). */
int build_layer_from_upper(struct berth *b, const char *upper, const char *parent_chain,
			   struct image_layer_desc *out, berr_t *err);
int build_layer_from_dir(struct berth *b, int dirfd, const char *parent_chain, struct image_layer_desc *out,
			 berr_t *err);

/* ---- the cache (buildcache.c) -------------------------------------------- */

/* The image a step made last time, or NULL. */
char *buildcache_get(struct berth *b, const char *key);
int buildcache_put(struct berth *b, const char *key, const char *image_id, berr_t *err);

/* ---- progress (buildprogress.c) ----------------------------------------- */

struct bprog {
	FILE *f;
	enum build_progress mode;
	int next;                   /* #N */
	int *shared_next;           /* #N shared with stages building in other processes, or NULL */
	long long t0;               /* build start, ns */
	long long step_t0;
	int cur;                    /* the open step */
	char *cur_name;
	/* the last lines of the open step's output, for errors */
	char *tail[6];
	int ntail;
	char partial[4096];
	size_t plen;
	int total, done;
};

void bprog_init(struct bprog *p, enum build_progress mode);
/* A new step "#N NAME"; returns N. */
int bprog_start(struct bprog *p, const char *name);
/* Output of the open step (any chunking). */
void bprog_output(struct bprog *p, const char *buf, size_t len);
/* A line of the step's own ("writing image sha256:... done"). */
void bprog_line(struct bprog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bprog_done(struct bprog *p);
void bprog_cached(struct bprog *p);
void bprog_error(struct bprog *p, const char *msg);
void bprog_fini(struct bprog *p);

#endif
