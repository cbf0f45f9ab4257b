/* image.h: images as the engine sees them, and finding one by what a user
 * typed.
 *
 * An image is its config blob (whose sha256 is the image ID, as in docker
 * and OCI), an ordered stack of layers (diff IDs, and the chain IDs that
 * name their unpacked directories under layers/), and the names pointing at
 * it (tags, and repo digests for pulled images).  All of it lives in
 * berth.db (tables images, image_layers, layers, tags, repo_digests; see the
 * migration in db.c); the blobs themselves are in blobs/sha256 (store.h).
 *
 * Names are kept canonical in the database ("docker.io/library/busybox:latest")
 * and shown familiar ("busybox:latest"), as docker does.
 */
#ifndef BERTH_IMAGE_H
#define BERTH_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "root.h"
#include "store.h"
#include <sqlite3.h>

/* The parts of an image config ("config" object of the OCI image config)
 * that running a container needs.  String arrays are NULL-terminated.
 * NULL means unset (docker's `null`), an array whose first element is NULL
 * means set but empty (`[]`): `Cmd: null` and `Cmd: []` differ for docker
 * (an empty Cmd given by --change/CMD [] clears the inherited one). */
struct image_config {
	char **env;            /* "PATH=/usr/bin", ... */
	char **cmd;
	char **entrypoint;
	char *working_dir;     /* NULL or "" when unset */
	char *user;
	char *stop_signal;
	char **exposed_ports;  /* "80/tcp", sorted as docker prints them */
	char **volumes;        /* "/data" */
	char **shell;          /* Dockerfile SHELL, or NULL */
	char **on_build;
	json_t *labels;        /* object, or NULL */
	json_t *healthcheck;   /* {"Test": [...], "Interval": ns, ...}, or NULL */
	bool args_escaped;
};

struct image {
	char *id;              /* "sha256:<64 hex>": digest of the config blob */
	char **repo_tags;      /* familiar, oldest first: "busybox:latest" */
	char **repo_digests;   /* familiar: "busybox@sha256:..." */
	long long created;     /* seconds since the epoch, from the config (0 if absent) */
	long long size;        /* bytes in all its unpacked layers */
	char *os, *architecture, *variant;
	char *parent;          /* id of the image it was built from, or NULL */
	char *comment;         /* import/commit message, or NULL */
	char *author;
	char **diff_ids;       /* bottom layer first, "sha256:..." */
	char **chain_ids;      /* same order; names layers/<hex of chain id> */
	size_t n_layers;
	struct image_config config;
	json_t *config_json;   /* the whole config blob, parsed */
};

/* Find an image by what a user typed, the way docker resolves it: a name
 * (with or without tag: "busybox" means busybox:latest), a name@digest,
 * a full "sha256:<hex>" id, or a unique prefix of the hex id.  A name wins
 * over an ID prefix that happens to look the same.  A miss is
 * "No such image: X" (exit status 125); a prefix matching several images
 * is an error too. */
int image_find(struct berth *b, const char *ref_or_id, struct image **out, berr_t *err);

/* Just the ID (caller frees), with image_find's rules. */
int image_resolve_id(struct berth *b, const char *ref_or_id, char **id_out, berr_t *err);

/* Load one image by its full id ("sha256:<hex>"). */
int image_get(struct berth *b, const char *id, struct image **out, berr_t *err);

void image_free(struct image *img);
void image_config_clear(struct image_config *c);

/* Parse an OCI/docker image config blob into *img (id, created, os,
 * architecture, diff_ids, chain_ids, config...).  Fails on a config that
 * is not an object or whose rootfs is not a list of digests. */
int image_from_config(const char *id, json_t *config, struct image *img, berr_t *err);
/* The "config" object parsed into *c. */
int image_config_parse(json_t *cfg, struct image_config *c, berr_t *err);

/* chain_id(n) = sha256(chain_id(n-1) + " " + diff_id(n)); chain_id(0) = diff_id(0).
 * Fills a NULL-terminated array (caller frees with the strv cleanup). */
char **image_chain_ids(char *const *diff_ids, size_t n);

/* Does a containers table reference this image?  Returns the first
 * container id (caller frees) or NULL.  `running_only` restricts it to
 * running ones.  Until the runtime creates the table this is always NULL. */
char *image_used_by_container(struct berth *b, const char *image_id, bool running_only);

/* Point a name at an image (docker tag): canonical name from ref_parse with
 * the default tag applied; moves the tag if it pointed elsewhere. */
int image_tag(struct berth *b, const char *image_id, const char *name, berr_t *err);

/* One flock on <root>/images.lock: writers of new images (load, import,
 * build) hold it shared for their whole run, so they run in parallel;
 * whatever deletes layers or blobs (rmi, prune, system check) holds it
 * exclusive, so it never removes a layer a half-finished load is about to
 * point at.  *fd is closed to release it. */
int image_lock(struct berth *b, bool exclusive, int *fd, berr_t *err);

/* A layer of an image being added. */
struct image_layer_desc {
	char chain_id[72], diff_id[72], blob[72];
	const char *media_type;
	long long blob_size;    /* bytes of the blob */
	long long size;         /* bytes of its files, unpacked */
};

/* Record an image (its config, blob already in the store) and its layers
 * (directories already in place), inside a transaction the caller opened.
 * Adding an image that exists already changes nothing. */
int image_insert(sqlite3 *db, const char *id, const char *config, size_t config_len,
		 const struct image_layer_desc *layers, size_t n, const char *parent, const char *manifest,
		 berr_t *err);

/* Point the canonical name at id, inside the caller's transaction.  When
 * the name pointed at another image, *old_id (if non-NULL) gets its id. */
int image_set_tag(sqlite3 *db, const char *canonical, const char *id, char **old_id, berr_t *err);

/* Like image_resolve_id, and tell whether s named a tag or digest
 * (*matched: the canonical name, caller frees) rather than an id. */
int image_resolve(struct berth *b, const char *s, char **id_out, char **matched, berr_t *err);

/* docker rmi for one argument.  emit() receives ("Untagged", "busybox:latest")
 * and ("Deleted", "sha256:...") as they happen.  Errors are docker's
 * conflict messages. */
typedef void (*image_emit_fn)(void *ctx, const char *what, const char *name);
int image_remove(struct berth *b, const char *arg, bool force, bool prune_parents, image_emit_fn emit, void *ctx,
		 berr_t *err);

/* Delete one image record and whatever it alone used (layers, blobs),
 * reporting "Deleted" for the image and each layer.  The caller holds
 * the exclusive lock; the image must have no tags left. */
int image_delete(struct berth *b, const char *id, image_emit_fn emit, void *ctx, long long *reclaimed, berr_t *err);

/* docker image prune: dangling images (no tags, no digests), or with
 * `all` every image no container uses; never one with child images left.
 * emit gets ("untagged", name) and ("deleted", id); *reclaimed the bytes
 * of the layers removed (prune.c). */
struct image_prune_filter {
	long long until;        /* only images created before this (seconds), 0: any */
	char *const *labels;    /* "key" or "key=value" that must match (NULL-terminated, or NULL) */
	char *const *not_labels;/* label!=...: must not match */
	int dangling;           /* dangling=: 1 true, 0 false (prune as -a), -1 not given */
};
/* Parse docker's prune filters ("until=24h", "until=2024-01-01T00:00:00",
 * "until=1700000000", "label=k=v", "label!=k", "dangling=false") into *f (strings point into
 * the filters; lists are allocated, free them with free()). */
int image_prune_filter_parse(char *const *filters, struct image_prune_filter *f, berr_t *err);
int image_prune(struct berth *b, bool all, const struct image_prune_filter *f, image_emit_fn emit, void *ctx,
		long long *reclaimed, berr_t *err);

/* Totals for `system df` (prune.c). */
struct image_usage {
	long images, active;       /* active: used by a container */
	long long size;            /* every layer, shared ones once */
	long long reclaimable;     /* layers no active image uses */
	long containers, volumes;  /* rows, when those tables exist */
};
int image_usage(struct berth *b, struct image_usage *u, berr_t *err);

/* Filled by image_list(): one row per image (or per tag, see the command). */
struct image_summary {
	char *id;
	char **repo_tags;      /* canonical names, oldest first */
	char **repo_digests;   /* canonical */
	long long created;
	long long size;
	char *parent;
	bool has_children;     /* another image's parent: docker hides those with -a off */
	bool in_use;           /* a container uses it */
};
int image_list(struct berth *b, struct image_summary **out, size_t *n, berr_t *err);
void image_summaries_free(struct image_summary *s, size_t n);

/* `docker image inspect`'s object for one image (image_json.c): Id,
 * RepoTags, RepoDigests, Parent, Comment, Created, Author, Config (every
 * field docker prints, in its order), Architecture, Os, Size,
 * GraphDriver (the layer directories), RootFS, Metadata. */
json_t *image_inspect_json(struct berth *b, const struct image *img);

/* The history of an image as docker shows it, newest first. */
struct image_history_row {
	char *id;            /* "sha256:..." or "<missing>" */
	long long created;   /* seconds */
	char *created_by;
	long long size;
	char *comment;
	char **tags;         /* familiar, for the rows that are tagged images */
};
int image_history(struct berth *b, const struct image *img, struct image_history_row **rows, size_t *n,
		  berr_t *err);
void image_history_free(struct image_history_row *rows, size_t n);

/* The manifest an image goes out with (`save`, `push`): the one it came
 * with when that is in the store and names exactly its config and layer
 * blobs (so a pulled image leaves with the digest it came with), else an
 * OCI manifest made from its layers.  The config and every layer blob
 * must be there ("... is missing: run 'berth system check'"). */
struct image_manifest {
	char *body;
	size_t len;
	char digest[DIGEST_LEN];
	char *media_type;
	char **layers;          /* layer blob digests, bottom first, NULL-terminated */
	long long *layer_sizes;
	size_t n_layers;
	long long config_size;
};
int image_manifest(struct berth *b, const char *id, struct image_manifest *m, berr_t *err);
void image_manifest_clear(struct image_manifest *m);

/* Sizes and times for its columns: human_size_decimal3 and human_since in units.h. */
/* 12 hex characters of "sha256:<hex>". */
const char *image_short_id(const char *id, char buf[13]);

#endif
