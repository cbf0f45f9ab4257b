/* registry_push.c: `berth push` (see registry.h).
 *
 * The image goes up the way docker sends it: the layer blobs first,
 * several at once, then the config blob, then the manifest under the tag.
 * For each blob:
 *
 *   HEAD /v2/<name>/blobs/<digest>          200: "Layer already exists"
 *   POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>
 *                                           201: "Mounted from <repo>"
 *                                           (when berth saw the blob in
 *                                           another repository of the same
 *                                           registry: blob_sources)
 *   POST /v2/<name>/blobs/uploads/          202 + Location: an upload
 *   PUT  <location>?digest=<digest>         the whole blob (monolithic)
 *   or PATCH <location> (Content-Range) per chunk, then an empty PUT,
 *      when BERTH_PUSH_CHUNK_SIZE (bytes) is set and the blob is larger
 *
 * The manifest is image_manifest()'s (image.h): the one the image came
 * with when it names the image's own blobs (so a pulled image pushes back
 * with the same digest), otherwise one made from its layers, as `berth
 * save` writes it; it goes up with its own media type as Content-Type.
 */
#define _GNU_SOURCE
#include "registry.h"
#include "cleanup.h"
#include "db.h"
#include "image.h"
#include "oci.h"
#include "progress.h"
#include "ref.h"
#include "store.h"
#include "tarsplit.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_PUSH 1
#define MAX_RETRIES 2

/* ---- blobs -------------------------------------------------------------- */

/* A descriptor on a layer blob's bytes, to upload with pread (a retry
 * starts over from any offset): the blob file, or for an uncompressed
 * layer kept as a split (tarsplit.h) the tar rebuilt into an unnamed
 * temporary file, its digest checked as it is rebuilt. */
static int open_blob(struct berth *b, const char *digest, long long size, int *fd, berr_t *err)
{
	cleanup_free char *dir = berth_path(b, "blobs/tmp");
	cleanup_free char *buf = NULL;
	struct layer_blob *lb = NULL;
	long long total = 0, n, declared = 0;
	int t;

	if (store_has(b, digest))
		return store_open(b, digest, fd, err);
	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	t = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t < 0)
		return berr_make(err, errno, "cannot create a temporary file in %s", dir);
	if (layer_blob_open(b, digest, &lb, &declared, err) < 0)
		goto fail;
	buf = xmalloc(1 << 20);
	while ((n = layer_blob_read(lb, buf, 1 << 20, err)) > 0) {
		for (long long off = 0; off < n;) {
			ssize_t w = write(t, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				berr_make(err, errno, "cannot write a temporary file");
				goto fail;
			}
			off += w;
		}
		total += n;
	}
	if (n < 0)
		goto fail;
	layer_blob_close(lb);
	if (total != size) {
		close(t);
		return berr_make(err, 0, "layer %s is %lld bytes, the image says %lld", digest, total, size);
	}
	*fd = t;
	return 0;
fail:
	layer_blob_close(lb);
	close(t);
	return -1;
}

enum bstep { B_HEAD, B_MOUNT, B_POST, B_PATCH, B_PUT, B_DONE, B_FAILED };

struct push;

struct bjob {
	struct push *p;
	char digest[DIGEST_LEN];
	char id[16];
	long long size;
	bool is_config;
	bool started;
	enum bstep step;
	struct reg_xfer x;
	bool x_live;
	int fd;                 /* the blob, for PUT/PATCH bodies */
	const char *mem;        /* or in memory (the config) */
	char *location;         /* the upload's URL */
	char *mount_from;
	long long sent;         /* bytes accepted by PATCHes */
	int retries;
};

struct push {
	struct berth *b;
	struct reg *r;
	sqlite3 *db;
	struct progress *pg;
	struct bjob *jobs;
	size_t n;
	long long chunk;        /* 0: monolithic */
	berr_t first_err;
};

static void fail_job(struct bjob *j, berr_t *e)
{
	j->step = B_FAILED;
	if (!j->p->first_err)
		j->p->first_err = steal_pointer(e);
	else
		berr_free(e);
}

static void on_progress(struct reg_xfer *x, long long now, long long total)
{
	struct bjob *j = x->user;
	(void)total;
	if (!j->is_config && (j->step == B_PUT || j->step == B_PATCH))
		progress_bytes(j->p->pg, j->id, "Pushing", j->sent + now, j->size);
}

/* "<location>[?&]digest=sha256%3A..." */
static char *with_digest(const char *location, const char *digest)
{
	const char *hex = digest_hex(digest);
	return xasprintf("%s%cdigest=sha256%%3A%s", location, strchr(location, '?') ? '&' : '?', hex);
}

static void begin(struct bjob *j, enum bstep step, const char *method, char *url)
{
	if (j->x_live)
		reg_xfer_fini(&j->x);
	reg_xfer_init(&j->x, j->p->r, method, url);
	j->x_live = true;
	j->x.user = j;
	j->step = step;
	/* An upload location on another host (object storage) gets no
	 * credentials: they are for the registry alone. */
	j->x.no_auth = !reg_same_origin(url, j->p->r->base);
}

static int start_step(struct bjob *j, enum bstep step, berr_t *err)
{
	struct push *p = j->p;
	struct reg *r = p->r;

	switch (step) {
	case B_HEAD:
		begin(j, step, "HEAD", reg_url(r, "blobs/%s", j->digest));
		j->x.follow = true;
		break;
	case B_MOUNT:
		begin(j, step, "POST", reg_url(r, "blobs/uploads/?mount=sha256%%3A%s&from=%s", digest_hex(j->digest), j->mount_from));
		j->x.has_body = true;
		j->x.body = "";
		j->x.body_len = 0;
		break;
	case B_POST:
		begin(j, step, "POST", reg_url(r, "blobs/uploads/"));
		j->x.body = "";
		j->x.body_len = 0;
		break;
	case B_PATCH: {
		long long len = j->size - j->sent;
		if (len > p->chunk)
			len = p->chunk;
		begin(j, step, "PATCH", xstrdup(j->location));
		j->x.content_type = "application/octet-stream";
		j->x.content_range = xasprintf("%lld-%lld", j->sent, j->sent + len - 1);
		j->x.body_fd = j->fd;
		j->x.body_off = j->sent;
		j->x.body_size = len;
		j->x.on_progress = on_progress;
		break;
	}
	case B_PUT:
		begin(j, step, "PUT", with_digest(j->location, j->digest));
		j->x.content_type = "application/octet-stream";
		if (p->chunk > 0 && !j->is_config) {
			/* Chunks sent: the PUT closes the upload. */
			j->x.body = "";
			j->x.body_len = 0;
		} else if (j->mem) {
			j->x.body = j->mem;
			j->x.body_len = (size_t)j->size;
		} else {
			j->x.body_fd = j->fd;
			j->x.body_off = 0;
			j->x.body_size = j->size;
			j->x.on_progress = on_progress;
		}
		break;
	default:
		return 0;
	}
	return reg_start(&j->x, err);
}

static void blob_pushed(struct bjob *j, const char *status)
{
	j->step = B_DONE;
	reg_note_blob(j->p->r, j->p->db, j->digest);
	if (!j->is_config)
		progress_status(j->p->pg, j->id, status);
}

static int take_location(struct bjob *j, berr_t *err)
{
	char *loc = reg_resolve_location(&j->x);
	if (!loc) {
		cleanup_free char *u = xstrndup(j->x.url, strcspn(j->x.url, "?"));
		return berr_make_status(err, EXIT_PUSH, 0, "%s %s: the registry gave no usable upload location",
					j->x.method, u);
	}
	free(j->location);
	j->location = loc;
	return 0;
}

/* A step finished: on to the next. */
static void step_done(struct bjob *j)
{
	struct push *p = j->p;
	struct reg_xfer *x = &j->x;
	long st = x->resp.status;
	berr_t e = NULL;
	enum bstep next;

	if (x->err) {
		if (x->net_error && j->retries < MAX_RETRIES) {
			/* Start the blob over: an upload session may be gone. */
			j->retries++;
			j->sent = 0;
			progress_status(p->pg, j->id, "Retrying");
			if (start_step(j, B_POST, &e) < 0)
				fail_job(j, &e);
			return;
		}
		e = steal_pointer(&x->err);
		fail_job(j, &e);
		return;
	}
	switch (j->step) {
	case B_HEAD:
		if (st == 200) {
			blob_pushed(j, "Layer already exists");
			return;
		}
		next = j->mount_from ? B_MOUNT : B_POST;
		break;
	case B_MOUNT:
		if (st == 201) {
			cleanup_free char *msg = xasprintf("Mounted from %s", j->mount_from);
			blob_pushed(j, msg);
			return;
		}
		if (st == 202) {
			/* No mount, but an upload has started. */
			if (take_location(j, &e) < 0) {
				fail_job(j, &e);
				return;
			}
			next = p->chunk > 0 && j->size > p->chunk && !j->is_config ? B_PATCH : B_PUT;
			if (!j->is_config)
				progress_bytes(p->pg, j->id, "Pushing", 0, j->size);
			break;
		}
		next = B_POST;
		break;
	case B_POST:
		if (st != 202) {
			reg_http_error(x, NULL, &e);
			fail_job(j, &e);
			return;
		}
		if (take_location(j, &e) < 0) {
			fail_job(j, &e);
			return;
		}
		next = p->chunk > 0 && j->size > p->chunk && !j->is_config ? B_PATCH : B_PUT;
		if (!j->is_config)
			progress_bytes(p->pg, j->id, "Pushing", 0, j->size);
		break;
	case B_PATCH:
		if (st != 202) {
			reg_http_error(x, NULL, &e);
			fail_job(j, &e);
			return;
		}
		j->sent += x->body_size;
		if (take_location(j, &e) < 0) {
			fail_job(j, &e);
			return;
		}
		next = j->sent < j->size ? B_PATCH : B_PUT;
		break;
	case B_PUT:
		if (st != 201) {
			reg_http_error(x, NULL, &e);
			fail_job(j, &e);
			return;
		}
		if (x->resp.digest && digest_is_sha256(x->resp.digest) && strcmp(x->resp.digest, j->digest) != 0) {
			berr_make_status(&e, EXIT_PUSH, 0, "the registry stored blob %s as %s", j->digest, x->resp.digest);
			fail_job(j, &e);
			return;
		}
		blob_pushed(j, "Pushed");
		return;
	default:
		return;
	}
	if (start_step(j, next, &e) < 0)
		fail_job(j, &e);
}

/* Run jobs [from, to) with at most `limit` at once. */
static int run_jobs(struct push *p, size_t from, size_t to, int limit, berr_t *err)
{
	for (;;) {
		int active = 0;
		bool pending = false;
		for (size_t i = from; i < to; i++) {
			struct bjob *j = &p->jobs[i];
			if (j->started && j->step != B_DONE && j->step != B_FAILED)
				active++;
		}
		for (size_t i = from; i < to && active < limit && !p->first_err; i++) {
			struct bjob *j = &p->jobs[i];
			berr_t e = NULL;
			if (j->started)
				continue;
			j->started = true;
			active++;
			if (start_step(j, B_HEAD, &e) < 0)
				fail_job(j, &e);
		}
		for (size_t i = from; i < to; i++) {
			struct bjob *j = &p->jobs[i];
			if ((!j->started && !p->first_err) || (j->started && j->step != B_DONE && j->step != B_FAILED))
				pending = true;
		}
		if (p->first_err) {
			for (size_t i = from; i < to; i++)
				if (p->jobs[i].x_live) {
					reg_xfer_fini(&p->jobs[i].x);
					p->jobs[i].x_live = false;
				}
			*err = steal_pointer(&p->first_err);
			return -1;
		}
		if (!pending)
			return 0;
		if (reg_run(p->r, -1, progress_is_tty(p->pg) ? 100 : 1000, err) < 0)
			return -1;
		for (size_t i = from; i < to; i++) {
			struct bjob *j = &p->jobs[i];
			if (j->x_live && j->x.done && j->step != B_DONE && j->step != B_FAILED)
				step_done(j);
		}
	}
}

static void free_jobs(struct push *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct bjob *j = &p->jobs[i];
		if (j->x_live)
			reg_xfer_fini(&j->x);
		if (j->fd >= 0)
			close(j->fd);
		free(j->location);
		free(j->mount_from);
	}
	free(p->jobs);
	berr_free(&p->first_err);
}

static long long env_chunk(void)
{
	const char *s = getenv("BERTH_PUSH_CHUNK_SIZE");
	char *end;
	long long v;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end || v < 0 ? 0 : v;
}

/* ---- one tag ------------------------------------------------------------ */

static int push_tag(struct berth *b, struct reg *r, sqlite3 *db, const char *id, const char *tag, const char *name,
		    struct progress *pg, bool quiet_name, FILE *out, berr_t *err)
{
	struct image_manifest im;
	struct push p = {.b = b, .r = r, .db = db, .pg = pg, .chunk = env_chunk()};
	cleanup_strv char **mounts = NULL;
	cleanup_free char *config = NULL;
	size_t config_len = 0, nm = 0;
	int limit = r->cfg.max_concurrent_uploads;
	int rc = -1;

	if (image_manifest(b, id, &im, err) < 0) {
		if ((*err)->status == BERTH_EXIT_ERROR)
			(*err)->status = EXIT_PUSH;
		return -1;
	}
	if (store_read(b, id, &config, &config_len, err) < 0) {
		(*err)->status = EXIT_PUSH;
		goto out;
	}

	/* One job per distinct blob; the config last. */
	p.jobs = xcalloc(im.n_layers + 2, sizeof(*p.jobs));
	mounts = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < im.n_layers; i++) {
		bool dup = false;
		for (size_t k = 0; k < p.n; k++)
			dup |= strcmp(p.jobs[k].digest, im.layers[i]) == 0;
		if (dup)
			continue;
		struct bjob *j = &p.jobs[p.n++];
		j->p = &p;
		j->fd = -1;
		snprintf(j->digest, sizeof(j->digest), "%s", im.layers[i]);
		snprintf(j->id, sizeof(j->id), "%.12s", digest_hex(j->digest));
		j->size = im.layer_sizes[i];
		j->mount_from = reg_mount_source(r, db, j->digest);
		if (j->mount_from) {
			bool seen = false;
			for (size_t k = 0; k < nm; k++)
				seen |= strcmp(mounts[k], j->mount_from) == 0;
			if (!seen && nm < 8) {
				mounts = xrealloc(mounts, (nm + 2) * sizeof(char *));
				mounts[nm++] = xstrdup(j->mount_from);
				mounts[nm] = NULL;
			}
		}
		if (open_blob(b, j->digest, j->size, &j->fd, err) < 0) {
			(*err)->status = EXIT_PUSH;
			goto out;
		}
	}
	size_t n_layers = p.n;
	{
		struct bjob *j = &p.jobs[p.n++];
		j->p = &p;
		j->fd = -1;
		j->is_config = true;
		snprintf(j->digest, sizeof(j->digest), "%s", id);
		snprintf(j->id, sizeof(j->id), "%.12s", digest_hex(id));
		j->size = (long long)config_len;
		j->mem = config;
	}
	reg_want_push(r, mounts);

	/* docker lists the layers top first. */
	for (size_t i = n_layers; i-- > 0;)
		progress_status(pg, p.jobs[i].id, "Preparing");
	for (size_t i = n_layers; i-- > 0;)
		if ((int)(n_layers - 1 - i) >= limit)
			progress_status(pg, p.jobs[i].id, "Waiting");
	if (run_jobs(&p, 0, n_layers, limit, err) < 0 || run_jobs(&p, n_layers, p.n, 1, err) < 0)
		goto out;

	/* The manifest, under the tag. */
	{
		struct reg_xfer x;
		reg_xfer_init(&x, r, "PUT", reg_url(r, "manifests/%s", tag));
		x.content_type = im.media_type;
		x.body = im.body;
		x.body_len = im.len;
		if (reg_do(&x, err) < 0) {
			reg_xfer_fini(&x);
			goto out;
		}
		if (x.resp.status != 201 && x.resp.status != 200) {
			reg_http_error(&x, NULL, err);
			reg_xfer_fini(&x);
			goto out;
		}
		if (x.resp.digest && digest_is_sha256(x.resp.digest) && strcmp(x.resp.digest, im.digest) != 0) {
			berr_make_status(err, EXIT_PUSH, 0, "the registry stored the manifest as %s, not %s", x.resp.digest,
					 im.digest);
			reg_xfer_fini(&x);
			goto out;
		}
		reg_xfer_fini(&x);
	}
	progress_message(pg, "%s: digest: %s size: %zu", tag, im.digest, im.len);
	if (quiet_name) {
		fprintf(out, "%s:%s\n", name, tag);
		fflush(out);
	}
	/* docker records NAME@DIGEST after a push, as after a pull. */
	{
		cleanup_stmt sqlite3_stmt *st = NULL;
		cleanup_free char *canon = NULL;
		struct ref rr;
		berr_t e = NULL;
		if (ref_parse(name, &rr, &e) == 0) {
			cleanup_free char *n = ref_name(&rr);
			canon = xasprintf("%s@%s", n, im.digest);
			ref_free(&rr);
		}
		berr_free(&e);
		if (canon && sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO repo_digests(name, image_id) VALUES (?, ?)", -1,
						&st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, canon, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		/* Keep the manifest, so the next push of this image and a
		 * pull of it agree without asking. */
		if (!store_has(b, im.digest)) {
			berr_t e2 = NULL;
			if (store_put(b, im.body, im.len, im.digest, NULL, &e2) < 0)
				berr_free(&e2);
		}
	}
	rc = 0;
out:
	free_jobs(&p);
	image_manifest_clear(&im);
	return rc;
}

/* Local tags of a repository ("localhost:5000/me/app"): "v1", "latest". */
static char **local_tags(sqlite3 *db, const char *name)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0, nl = strlen(name);

	if (sqlite3_prepare_v2(db, "SELECT name FROM tags WHERE substr(name, 1, ?) = ? ORDER BY name", -1, &st, NULL) !=
	    SQLITE_OK)
		return v;
	sqlite3_bind_int(st, 1, (int)nl + 1);
	cleanup_free char *prefix = xasprintf("%s:", name);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0) + nl + 1;
		if (strchr(t, '/'))
			continue;
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup(t);
		v[n] = NULL;
	}
	return v;
}

int registry_push(struct berth *b, const char *refstr, const struct push_options *o, berr_t *err)
{
	static const struct push_options defaults = {0};
	struct ref ref;
	struct reg *r = NULL;
	struct progress *pg = NULL;
	cleanup_strv char **tags = NULL;
	cleanup_free char *name = NULL, *fam = NULL;
	sqlite3 *db;
	FILE *out;
	int rc = -1;

	if (!o)
		o = &defaults;
	out = o->out ? o->out : stdout;
	if (ref_parse(refstr, &ref, err) < 0) {
		(*err)->status = EXIT_PUSH;
		return -1;
	}
	if (ref.digest) {
		berr_make_status(err, EXIT_PUSH, 0, "cannot push a digest reference");
		goto out;
	}
	if (o->all_tags && ref.tag) {
		berr_make_status(err, EXIT_PUSH, 0, "tag can't be used with --all-tags/-a");
		goto out;
	}
	name = ref_name(&ref);
	fam = ref_familiar_name(&ref);
	if (berth_db(b, &db, err) < 0)
		goto out;
	if (o->all_tags) {
		tags = local_tags(db, name);
		if (!tags[0]) {
			berr_make_status(err, EXIT_PUSH, 0, "An image does not exist locally with the tag: %s", fam);
			goto out;
		}
	} else {
		if (!ref.tag) {
			if (!o->quiet)
				fprintf(out, "Using default tag: %s\n", REF_DEFAULT_TAG);
			ref.tag = xstrdup(REF_DEFAULT_TAG);
		}
		tags = xcalloc(2, sizeof(char *));
		tags[0] = xstrdup(ref.tag);
	}
	pg = progress_new(out, o->quiet);
	progress_message(pg, "The push refers to repository [%s]", fam);
	/* Every tag must be here before anything goes out. */
	for (char **t = tags; *t; t++) {
		cleanup_free char *id = NULL, *n = xasprintf("%s:%s", name, *t);
		berr_t e = NULL;
		if (image_resolve_id(b, n, &id, &e) < 0) {
			berr_free(&e);
			berr_make_status(err, EXIT_PUSH, 0, "An image does not exist locally with the tag: %s", fam);
			goto out;
		}
	}
	if (reg_open(b, ref.domain, ref.path, NULL, &r, err) < 0 || reg_ping(r, err) < 0)
		goto out;
	for (char **t = tags; *t; t++) {
		cleanup_free char *id = NULL, *n = xasprintf("%s:%s", name, *t);
		if (image_resolve_id(b, n, &id, err) < 0)
			goto out;
		if (push_tag(b, r, db, id, *t, fam, pg, o->quiet, out, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0 && *err && (*err)->status == BERTH_EXIT_ERROR)
		(*err)->status = EXIT_PUSH;
	progress_free(pg);
	reg_close(r);
	ref_free(&ref);
	return rc;
}
