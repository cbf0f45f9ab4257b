/* check.c: `berth system check`: the store against itself.
 *
 * Checks every blob's bytes against its name, every layer directory
 * against the database, and every database reference against the files.
 * Repairs what has one right answer: leftovers of interrupted work
 * (temporary blobs, half-unpacked or half-removed layers, spooled input),
 * orphans nothing refers to, a layer directory that is missing while its
 * blob is intact (unpacked again, and its diff id checked), missing short
 * links.  Everything else (a referenced blob that is corrupt or gone) is
 * reported, and the exit status says so.
 *
 * It holds the images lock exclusively, so it never mistakes the
 * temporaries of a running load for leftovers.
 */
#define _GNU_SOURCE
#include "check.h"
#include "image.h"
#include "layer.h"
#include "store.h"
#include "tarsplit.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct checker {
	struct berth *b;
	sqlite3 *db;
	bool repair;
	check_print_fn print;
	void *ctx;
	int problems;   /* left unresolved */
	int repaired;
};

__attribute__((format(printf, 3, 4))) static void say(struct checker *c, const char *kind, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	cleanup_free char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	line = xasprintf("%s: %s", kind, msg ? msg : "?");
	c->print(c->ctx, line);
}

static void fixed(struct checker *c, const char *fmt, const char *arg)
{
	if (c->repair) {
		say(c, "repaired", fmt, arg);
		c->repaired++;
	} else {
		say(c, "problem", fmt, arg);
		c->problems++;
	}
}

static bool referenced(struct checker *c, const char *sql, const char *param)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static bool blob_in_use(struct checker *c, const char *d)
{
	return referenced(c, "SELECT 1 FROM images WHERE id = ?1 OR manifest = ?1 UNION ALL "
			     "SELECT 1 FROM image_layers WHERE blob = ?1 LIMIT 1",
			  d);
}

/* Remove every entry of dir (leftovers), reporting each. */
static void clear_dir(struct checker *c, const char *dir, const char *prefix, const char *what)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (prefix && !str_has_prefix(de->d_name, prefix))
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
		fixed(c, what, p);
		if (c->repair) {
			cleanup_berr berr_t e = NULL;
			remove_tree(p, &e);
		}
	}
}

static void check_blobs(struct checker *c, long *count)
{
	cleanup_free char *dir = berth_path(c->b, "blobs/sha256");
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *digest = xasprintf("sha256:%s", de->d_name);
		cleanup_berr berr_t e = NULL;
		bool used;
		(*count)++;
		if (!digest_is_sha256(digest)) {
			cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
			fixed(c, "removed %s: not a blob name", p);
			if (c->repair)
				unlink(p);
			continue;
		}
		used = blob_in_use(c, digest);
		if (store_verify(c->b, digest, &e) < 0) {
			if (used) {
				say(c, "problem", "%s (an image needs it: remove the image and load it again)", e->msg);
				c->problems++;
			} else {
				fixed(c, "removed corrupt, unused blob %s", digest);
				if (c->repair)
					store_remove(c->b, digest, NULL);
			}
			continue;
		}
		if (!used) {
			fixed(c, "removed orphan blob %s (no image uses it)", digest);
			if (c->repair)
				store_remove(c->b, digest, NULL);
		}
	}
}

/* A layer whose directory is gone but whose blob is intact: unpack again. */
static void restore_layer(struct checker *c, const char *chain, const char *diff)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *blob = NULL;
	cleanup_free char *tmp = NULL;
	cleanup_close int bfd = -1;
	cleanup_close int dfd = -1;
	cleanup_berr berr_t e = NULL;
	struct layer_result res;

	/* Several images may hold this layer, from different blobs (a
	 * compressed one and a split): any kept blob will do. */
	if (sqlite3_prepare_v2(c->db, "SELECT DISTINCT blob FROM image_layers WHERE chain_id = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, chain, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 0);
			if (!blob || (store_has(c->b, d) && !store_has(c->b, blob))) {
				free(blob);
				blob = xstrdup(d);
			}
		}
	}
	if (!c->repair) {
		say(c, "problem", "layer %s: directory missing%s", chain, blob ? " (its blob can restore it)" : "");
		c->problems++;
		return;
	}
	if (blob && !store_has(c->b, blob) && tarsplit_exists(c->b, blob)) {
		say(c, "problem", "layer %s: directory missing, and it held the layer's content (an uncompressed "
			       "layer is kept only there): remove the image and load it again",
		    chain);
		c->problems++;
		return;
	}
	if (!blob || store_verify(c->b, blob, &e) < 0 || store_open(c->b, blob, &bfd, &e) < 0 ||
	    layer_tmp_dir(c->b, &tmp, &dfd, &e) < 0 || layer_unpack_fd(bfd, dfd, &res, &e) < 0) {
		say(c, "problem", "layer %s: directory missing and cannot be restored%s%s", chain, e ? ": " : "",
		    e ? e->msg : "");
		c->problems++;
		if (tmp)
			remove_tree(tmp, NULL);
		return;
	}
	if (strcmp(res.diff_id, diff) != 0) {
		say(c, "problem", "layer %s: its blob unpacks to %s, not %s", chain, res.diff_id, diff);
		c->problems++;
		remove_tree(tmp, NULL);
		return;
	}
	if (store_sync(c->b, &e) < 0 || layer_commit_dir(c->b, tmp, chain, &e) < 0) {
		say(c, "problem", "layer %s: %s", chain, e->msg);
		c->problems++;
		remove_tree(tmp, NULL);
		return;
	}
	say(c, "repaired", "layer %s: unpacked again from blob %s", chain, blob);
	c->repaired++;
}

static void check_layers(struct checker *c, long *count)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *dir = berth_path(c->b, "layers");
	cleanup_free char *ldir = berth_path(c->b, "layers/l");
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	/* Database rows: each needs its directory and a consistent chain. */
	if (sqlite3_prepare_v2(c->db, "SELECT chain_id, diff_id, parent FROM layers ORDER BY chain_id", -1, &st, NULL) ==
	    SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *chain = (const char *)sqlite3_column_text(st, 0);
			const char *diff = (const char *)sqlite3_column_text(st, 1);
			const char *parent = (const char *)sqlite3_column_text(st, 2);
			char want[DIGEST_LEN];
			(*count)++;
			if (parent) {
				cleanup_free char *s = xasprintf("%s %s", parent, diff);
				sha256_digest(s, strlen(s), want);
			} else {
				snprintf(want, sizeof(want), "%s", diff);
			}
			if (strcmp(want, chain) != 0) {
				say(c, "problem", "layer %s: chain id does not match its parent and diff id", chain);
				c->problems++;
			}
			if (!layer_exists(c->b, chain)) {
				restore_layer(c, chain, diff);
				continue;
			}
			cleanup_free char *link = layer_short_link(c->b, chain);
			(void)link;
		}
	}
	/* Directories: leftovers of interrupted work, and orphans. */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "l") == 0)
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
		if (str_has_prefix(de->d_name, "tmp-")) {
			fixed(c, "removed %s (an interrupted unpack or removal)", p);
			if (c->repair)
				remove_tree(p, NULL);
			continue;
		}
		cleanup_free char *chain = xasprintf("sha256:%s", de->d_name);
		if (!digest_is_sha256(chain) || !referenced(c, "SELECT 1 FROM layers WHERE chain_id = ?", chain)) {
			fixed(c, "removed orphan layer directory %s", p);
			if (c->repair)
				remove_tree(p, NULL);
		}
	}
	/* Short links whose layer is gone. */
	cleanup_closedir DIR *l = opendir(ldir);
	while (l && (de = readdir(l))) {
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *p = xasprintf("%s/%s", ldir, de->d_name);
		if (stat(p, &sb) < 0) {
			fixed(c, "removed dangling link %s", p);
			if (c->repair)
				unlink(p);
		}
	}
}

static void check_references(struct checker *c, long *count)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(c->db, "SELECT id, config, manifest FROM images ORDER BY id", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const void *cfg = sqlite3_column_blob(st, 1);
			int len = sqlite3_column_bytes(st, 1);
			char got[DIGEST_LEN];
			(*count)++;
			sha256_digest(cfg, (size_t)len, got);
			if (strcmp(got, id) != 0) {
				say(c, "problem", "image %s: its config in the database hashes to %s", id, got);
				c->problems++;
			}
			if (!store_has(c->b, id)) {
				if (c->repair && strcmp(got, id) == 0) {
					cleanup_berr berr_t e = NULL;
					if (store_put(c->b, cfg, (size_t)len, id, NULL, &e) == 0) {
						say(c, "repaired", "image %s: config blob written again from the database", id);
						c->repaired++;
						continue;
					}
				}
				say(c, "problem", "image %s: config blob missing", id);
				c->problems++;
			}
			if (sqlite3_column_type(st, 2) != SQLITE_NULL && !store_has(c->b, (const char *)sqlite3_column_text(st, 2))) {
				say(c, "problem", "image %s: manifest blob %s missing", id, (const char *)sqlite3_column_text(st, 2));
				c->problems++;
			}
		}
	}
	db_stmt_release(st);
	st = NULL;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT il.image_id, il.blob, il.chain_id, (SELECT 1 FROM layers l WHERE l.chain_id = il.chain_id) "
			       "FROM image_layers il ORDER BY il.image_id, il.idx",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *blob = (const char *)sqlite3_column_text(st, 1);
			if (!layer_blob_exists(c->b, blob)) {
				say(c, "problem", "image %s: layer blob %s missing (save and push need it; run it still can)",
				    id, blob);
				c->problems++;
			}
			if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
				say(c, "problem", "image %s: layer %s has no record", id,
				    (const char *)sqlite3_column_text(st, 2));
				c->problems++;
			}
		}
	}
	db_stmt_release(st);
	st = NULL;
	if (sqlite3_prepare_v2(c->db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *r = (const char *)sqlite3_column_text(st, 0);
			if (r && strcmp(r, "ok") != 0) {
				say(c, "problem", "database: %s", r);
				c->problems++;
			}
		}
	}
}

/* Splits: each must belong to a blob an image uses, and rebuild to its
 * digest (which also checks the layer directory it reads). */
static void check_splits(struct checker *c, long *count)
{
	cleanup_free char *dir = berth_path(c->b, "splits");
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	cleanup_free char *buf = xmalloc(1 << 20);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
		cleanup_free char *digest = xasprintf("sha256:%s", de->d_name);
		if (!digest_is_sha256(digest)) {
			fixed(c, "removed %s (an interrupted write)", p);
			if (c->repair)
				unlink(p);
			continue;
		}
		(*count)++;
		if (!blob_in_use(c, digest)) {
			fixed(c, "removed orphan split %s (no image uses it)", p);
			if (c->repair)
				unlink(p);
			continue;
		}
		struct layer_blob *lb = NULL;
		cleanup_berr berr_t e = NULL;
		long long size, n;
		if (layer_blob_open(c->b, digest, &lb, &size, &e) == 0) {
			while ((n = layer_blob_read(lb, buf, 1 << 20, &e)) > 0)
				;
			layer_blob_close(lb);
		}
		if (e) {
			say(c, "problem", "%s", e->msg);
			c->problems++;
		}
	}
}

int system_check(struct berth *b, bool repair, check_print_fn print, void *ctx, int *problems, berr_t *err)
{
	struct checker c = {.b = b, .repair = repair, .print = print, .ctx = ctx};
	cleanup_close int lock = -1;
	cleanup_free char *tmpblobs = berth_path(b, "blobs/tmp");
	cleanup_free char *tmp = berth_path(b, "tmp");
	long nblobs = 0, nlayers = 0, nimages = 0;

	if (berth_db(b, &c.db, err) < 0 || image_lock(b, true, &lock, err) < 0)
		return -1;
	clear_dir(&c, tmpblobs, NULL, "removed %s (an interrupted blob write)");
	clear_dir(&c, tmp, NULL, "removed %s (interrupted work)");
	check_references(&c, &nimages);
	check_layers(&c, &nlayers);
	check_blobs(&c, &nblobs);
	check_splits(&c, &nblobs);
	{
		cleanup_free char *line = xasprintf("checked %ld blobs, %ld layers, %ld images: %d repaired, %d problem%s",
						    nblobs, nlayers, nimages, c.repaired, c.problems,
						    c.problems == 1 ? "" : "s");
		print(ctx, line);
	}
	*problems = c.problems;
	return 0;
}
