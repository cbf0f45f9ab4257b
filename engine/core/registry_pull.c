/* registry_pull.c: `berth pull` (see registry.h).
 *
 * The steps, as docker takes them:
 *
 *  1. the manifest: HEAD first (a manifest already in the store is not
 *     fetched again; that is what makes a repeated pull cheap), then GET,
 *     at most 4 MiB, its digest checked against the one asked for and the
 *     one the registry announces; an index or manifest list is resolved to
 *     the manifest for the wanted platform;
 *  2. the config blob (the image id is its digest), its diff ids giving
 *     the chain ids of the layers: a layer whose chain is unpacked already
 *     "Already exists";
 *  3. the other layer blobs, several at once on one curl multi handle,
 *     each written to the store as it arrives, cut off if it runs past its
 *     descriptor's size, resumed with a Range request when the connection
 *     breaks;
 *  4. each blob unpacked by a worker thread (layer_unpack) while it is
 *     still downloading: the worker reads the staging file as the transfer
 *     writes it, computing the blob digest and the diff id in the one pass,
 *     into a temporary directory; a blob whose digest is wrong fails the
 *     pull, and so does a diff id that is not the config's.  An
 *     uncompressed layer is then kept as a tar-split (tarsplit.h), as
 *     `berth load` keeps it, and its staging file dropped;
 *  5. only when every layer is good: one syncfs, the blobs renamed into
 *     the store, the layer directories into layers/, and the image, its
 *     tag and its repo digest recorded in one transaction, through the
 *     same image_insert/image_set_tag that `berth load` uses.  A pull that
 *     fails at any point leaves the store and the database as they were.
 */
#define _GNU_SOURCE
#include "registry.h"
#include "cleanup.h"
#include "db.h"
#include "image.h"
#include "layer.h"
#include "oci.h"
#include "progress.h"
#include "ref.h"
#include "store.h"
#include "sysinfo.h"
#include "tarsplit.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_MAX (4 * 1024 * 1024)
#define CONFIG_MAX (16 * 1024 * 1024)
#define TAGS_MAX (4 * 1024 * 1024)
#define MAX_LAYERS 1000
#define MAX_RETRIES 4
#define EXIT_PULL 1

static const char ACCEPT_ALL[] = MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST;

/* ---- platforms ---------------------------------------------------------- */

struct platform {
	char os[32], arch[32], variant[32];
};

static void norm_arch(struct platform *p)
{
	if (strcmp(p->arch, "x86_64") == 0 || strcmp(p->arch, "x86-64") == 0)
		snprintf(p->arch, sizeof(p->arch), "amd64");
	else if (strcmp(p->arch, "aarch64") == 0)
		snprintf(p->arch, sizeof(p->arch), "arm64");
	else if (strcmp(p->arch, "armhf") == 0)
		snprintf(p->arch, sizeof(p->arch), "arm"), snprintf(p->variant, sizeof(p->variant), "v7");
	else if (strcmp(p->arch, "armel") == 0)
		snprintf(p->arch, sizeof(p->arch), "arm"), snprintf(p->variant, sizeof(p->variant), "v6");
	else if (strcmp(p->arch, "i386") == 0 || strcmp(p->arch, "i686") == 0)
		snprintf(p->arch, sizeof(p->arch), "386");
	/* arm64 is v8 unless said otherwise (containerd's normalisation). */
	if (strcmp(p->arch, "arm64") == 0 && strcmp(p->variant, "v8") == 0)
		p->variant[0] = '\0';
}

static bool platform_word(const char *s, size_t n)
{
	if (n == 0 || n >= 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* "os[/arch[/variant]]", or the host's when s is NULL. */
static int parse_platform(const char *s, struct platform *p, berr_t *err)
{
	cleanup_free char *low = NULL;
	char *parts[3] = {NULL, NULL, NULL}, *save = NULL, *tok;
	int n = 0;

	memset(p, 0, sizeof(*p));
	if (!s) {
		snprintf(p->os, sizeof(p->os), "linux");
		snprintf(p->arch, sizeof(p->arch), "%s", sysinfo_oci_arch());
		norm_arch(p);
		return 0;
	}
	low = xstrdup(s);
	for (char *c = low; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	for (tok = strtok_r(low, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (n == 3 || !platform_word(tok, strlen(tok)))
			return berr_make(err, 0, "\"%s\": unknown operating system or architecture: invalid argument", s);
		parts[n++] = tok;
	}
	if (n == 0 || strchr(s, ' ') || strstr(s, "//") || s[strlen(s) - 1] == '/')
		return berr_make(err, 0, "\"%s\": unknown operating system or architecture: invalid argument", s);
	snprintf(p->os, sizeof(p->os), "%s", parts[0]);
	snprintf(p->arch, sizeof(p->arch), "%s", n > 1 ? parts[1] : sysinfo_oci_arch());
	if (n > 2)
		snprintf(p->variant, sizeof(p->variant), "%s", parts[2]);
	norm_arch(p);
	return 0;
}

static void platform_string(const struct platform *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s%s", p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
}

static bool platform_matches(const struct platform *want, const char *os, const char *arch, const char *variant)
{
	struct platform have = {0};
	if (!os || !arch)
		return false;
	snprintf(have.os, sizeof(have.os), "%s", os);
	snprintf(have.arch, sizeof(have.arch), "%s", arch);
	snprintf(have.variant, sizeof(have.variant), "%s", variant ? variant : "");
	norm_arch(&have);
	if (strcmp(have.os, want->os) != 0 || strcmp(have.arch, want->arch) != 0)
		return false;
	/* No variant asked for: any will do (the index's first one wins). */
	return !want->variant[0] || strcmp(have.variant, want->variant) == 0;
}

/* reg_do, again when the connection broke mid-way (GET and HEAD are
 * safe to repeat). */
static int do_retrying(struct reg_xfer *x, berr_t *err)
{
	for (int attempt = 0;; attempt++) {
		if (reg_do(x, err) == 0)
			return 0;
		if (!x->retryable || attempt >= MAX_RETRIES)
			return -1;
		berr_free(err);
		reg_xfer_reset(x);
	}
}

/* ---- manifests ---------------------------------------------------------- */

enum doc_kind { DOC_MANIFEST, DOC_INDEX };

struct doc {
	char *body;
	size_t len;
	char digest[DIGEST_LEN];
	char *media_type;
	enum doc_kind kind;
	bool from_store;
};

static void doc_clear(struct doc *d)
{
	free(d->body);
	free(d->media_type);
	memset(d, 0, sizeof(*d));
}

static char *strip_params(const char *ct)
{
	size_t n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return xstrndup(ct, n);
}

/* What the document is: the Content-Type when it names a manifest or
 * index, else its own mediaType, else its shape (old OCI documents may
 * carry neither).  Where both are given they must agree. */
static int classify(struct doc *d, const char *content_type, berr_t *err)
{
	cleanup_free char *ct = content_type ? strip_params(content_type) : NULL;
	json_error_t jerr;
	json_t *root, *mt;
	const char *body_mt = NULL;
	int rc = -1;

	root = json_loadb(d->body, d->len, 0, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return berr_make_status(err, EXIT_PULL, 0, "invalid manifest: %s", root ? "not a JSON object" : jerr.text);
	}
	mt = json_object_get(root, "mediaType");
	if (mt && !json_is_string(mt)) {
		berr_make_status(err, EXIT_PULL, 0, "invalid manifest: mediaType is not a string");
		goto out;
	}
	body_mt = mt ? json_string_value(mt) : NULL;
	if (ct && (oci_is_manifest_type(ct) || oci_is_index_type(ct))) {
		if (body_mt && strcmp(body_mt, ct) != 0 && (oci_is_manifest_type(body_mt) || oci_is_index_type(body_mt))) {
			berr_make_status(err, EXIT_PULL, 0,
					 "invalid manifest: served as %.100s but its mediaType says %.100s", ct, body_mt);
			goto out;
		}
		d->media_type = xstrdup(ct);
	} else if (body_mt) {
		d->media_type = xstrdup(body_mt);
	} else if (json_object_get(root, "manifests")) {
		d->media_type = xstrdup(MT_OCI_INDEX);
	} else {
		d->media_type = xstrdup(MT_OCI_MANIFEST);
	}
	if (oci_is_index_type(d->media_type)) {
		d->kind = DOC_INDEX;
	} else if (oci_is_manifest_type(d->media_type)) {
		d->kind = DOC_MANIFEST;
	} else if (str_has_prefix(d->media_type, "application/vnd.docker.distribution.manifest.v1")) {
		berr_make_status(err, EXIT_PULL, 0,
				 "unsupported manifest format: Docker image manifest schema 1 (%.100s); push the image "
				 "again with a current tool",
				 d->media_type);
		goto out;
	} else {
		berr_make_status(err, EXIT_PULL, 0, "unsupported manifest media type %.100s", d->media_type);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* A manifest or index by tag or digest.  The digest is checked against
 * the one asked for (by digest) or the one the registry announces. */
static int fetch_doc(struct reg *r, const char *reference, const char *shown, bool by_digest, struct doc *d,
		     berr_t *err)
{
	struct reg_xfer x;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	/* HEAD: the digest alone, and the store may hold the rest. */
	if (!by_digest) {
		reg_xfer_init(&x, r, "HEAD", reg_url(r, "manifests/%s", reference));
		x.accept = ACCEPT_ALL;
		x.follow = true;
		if (do_retrying(&x, err) < 0) {
			reg_xfer_fini(&x);
			return -1;
		}
		if (x.resp.status == 200 && x.resp.digest && digest_is_sha256(x.resp.digest) &&
		    store_has(r->b, x.resp.digest)) {
			char *body = NULL;
			size_t len = 0;
			berr_t e = NULL;
			if (store_read(r->b, x.resp.digest, &body, &len, &e) == 0) {
				d->body = body;
				d->len = len;
				snprintf(d->digest, sizeof(d->digest), "%s", x.resp.digest);
				d->from_store = true;
				rc = classify(d, x.resp.content_type, err);
				reg_xfer_fini(&x);
				if (rc < 0)
					doc_clear(d);
				return rc;
			}
			berr_free(&e);
		}
		reg_xfer_fini(&x);
	} else if (store_has(r->b, reference)) {
		if (store_read(r->b, reference, &d->body, &d->len, err) < 0)
			return -1;
		snprintf(d->digest, sizeof(d->digest), "%s", reference);
		d->from_store = true;
		if (classify(d, NULL, err) < 0) {
			doc_clear(d);
			return -1;
		}
		return 0;
	}

	reg_xfer_init(&x, r, "GET", reg_url(r, "manifests/%s", reference));
	x.accept = ACCEPT_ALL;
	x.follow = true;
	x.max_body = MANIFEST_MAX;
	cleanup_free char *too_large = xasprintf("manifest for %s is larger than 4 MiB: refused", shown);
	x.too_large = too_large;
	if (do_retrying(&x, err) < 0)
		goto out;
	if (x.resp.status == 404) {
		cleanup_free char *m = xasprintf("manifest for %s not found", shown);
		reg_http_error(&x, m, err);
		if (!x.resp.body_len) {
			berr_free(err);
			berr_make_status(err, EXIT_PULL, 0, "%s: manifest unknown: manifest unknown", m);
		}
		goto out;
	}
	if (x.resp.status == 401 || x.resp.status == 403) {
		cleanup_free char *name = xstrndup(shown, strcspn(shown, "@"));
		char *colon = strrchr(name, ':');
		if (colon && !strchr(colon, '/'))
			*colon = '\0';
		cleanup_free char *m = xasprintf(
			"pull access denied for %s, repository does not exist or may require 'berth login'", name);
		reg_http_error(&x, m, err);
		goto out;
	}
	if (x.resp.status != 200) {
		reg_http_error(&x, NULL, err);
		goto out;
	}
	d->body = steal_pointer(&x.resp.body);
	d->len = x.resp.body_len;
	if (!d->body)
		d->body = xstrdup("");
	sha256_digest(d->body, d->len, d->digest);
	if (by_digest && strcmp(d->digest, reference) != 0) {
		berr_make_status(err, EXIT_PULL, 0, "manifest digest mismatch for %s: the registry sent %s", shown,
				 d->digest);
		goto out;
	}
	if (!by_digest && x.resp.digest && digest_is_sha256(x.resp.digest) && strcmp(x.resp.digest, d->digest) != 0) {
		berr_make_status(err, EXIT_PULL, 0,
				 "manifest digest mismatch for %s: the registry says %s, the content is %s", shown,
				 x.resp.digest, d->digest);
		goto out;
	}
	if (classify(d, x.resp.content_type, err) < 0)
		goto out;
	rc = 0;
out:
	reg_xfer_fini(&x);
	if (rc < 0)
		doc_clear(d);
	return rc;
}

/* Pick the wanted platform's manifest out of an index. */
static int choose_platform(const struct doc *idx, const struct platform *want, char digest[DIGEST_LEN],
			   berr_t *err)
{
	struct oci_descriptor *m = NULL;
	size_t n = 0;
	char pw[100];
	int rc = -1;

	if (oci_parse_index(idx->body, idx->len, &m, &n, err) < 0) {
		(*err)->status = EXIT_PULL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].media_type && !oci_is_manifest_type(m[i].media_type))
			continue; /* nested indexes, attestations in odd types */
		if (platform_matches(want, m[i].os, m[i].architecture, m[i].variant)) {
			snprintf(digest, DIGEST_LEN, "%s", m[i].digest);
			rc = 0;
			break;
		}
	}
	if (rc < 0) {
		platform_string(want, pw, sizeof(pw));
		berr_make_status(err, EXIT_PULL, 0, "no matching manifest for %s in the manifest list entries", pw);
	}
	oci_descriptors_free(m, n);
	return rc;
}

/* What later steps rely on, beyond what oci_parse_manifest checks: sizes
 * given (a blob is cut off at its size), and a sane number of layers. */
static int check_manifest(const struct oci_manifest *m, berr_t *err)
{
	if (m->config.size < 0 || m->config.size > CONFIG_MAX)
		return berr_make_status(err, EXIT_PULL, 0, "invalid manifest: the config has no usable size");
	if (m->n_layers > MAX_LAYERS)
		return berr_make_status(err, EXIT_PULL, 0, "invalid manifest: more than %d layers", MAX_LAYERS);
	for (size_t i = 0; i < m->n_layers; i++)
		if (m->layers[i].size < 0 || m->layers[i].size > (1LL << 42))
			return berr_make_status(err, EXIT_PULL, 0, "invalid manifest: layer %zu has no usable size", i);
	return 0;
}

int registry_parse_document(const char *body, size_t len, const char *content_type, const char *platform,
			    char **media_type, char chosen[DIGEST_LEN], struct oci_manifest *m, berr_t *err)
{
	struct doc d = {0};
	struct platform want;
	int rc = -1;

	*media_type = NULL;
	chosen[0] = '\0';
	memset(m, 0, sizeof(*m));
	if (parse_platform(platform, &want, err) < 0)
		return -1;
	d.body = xstrndup(body, len);
	d.len = len;
	if (memchr(body, '\0', len)) {
		/* JSON text has no NUL; jansson would stop at it. */
		free(d.body);
		return berr_make_status(err, EXIT_PULL, 0, "invalid manifest: NUL byte");
	}
	if (classify(&d, content_type, err) < 0)
		goto out;
	if (d.kind == DOC_INDEX) {
		rc = choose_platform(&d, &want, chosen, err) < 0 ? -1 : 1;
	} else if (oci_parse_manifest(d.body, d.len, m, err) == 0) {
		rc = check_manifest(m, err);
		if (rc < 0)
			oci_manifest_clear(m);
	}
	if (rc >= 0)
		*media_type = steal_pointer(&d.media_type);
out:
	doc_clear(&d);
	return rc;
}

/* ---- blobs in memory (the config) ---------------------------------------- */

static int fetch_small_blob(struct reg *r, const struct oci_descriptor *d, size_t max, char **out, size_t *len,
			    berr_t *err)
{
	struct reg_xfer x;
	char got[DIGEST_LEN];
	int rc = -1;

	if (store_has(r->b, d->digest) && store_read(r->b, d->digest, out, len, err) == 0)
		return 0;
	berr_free(err);
	reg_xfer_init(&x, r, "GET", reg_url(r, "blobs/%s", d->digest));
	x.follow = true;
	x.max_body = max;
	x.too_large = "image config is too large";
	if (do_retrying(&x, err) < 0)
		goto out;
	if (x.resp.status != 200) {
		reg_http_error(&x, NULL, err);
		berr_wrap(err, "fetching %s", d->digest);
		goto out;
	}
	*len = x.resp.body_len;
	*out = x.resp.body ? steal_pointer(&x.resp.body) : xstrdup("");
	sha256_digest(*out, *len, got);
	if (strcmp(got, d->digest) != 0 || (d->size >= 0 && (long long)*len != d->size)) {
		berr_make_status(err, EXIT_PULL, 0, "image config verification failed: digest mismatch: expected %s, got %s",
				 d->digest, got);
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	reg_xfer_fini(&x);
	return rc;
}

/* ---- layers ------------------------------------------------------------- */

enum lstate { L_EXISTS, L_QUEUED, L_DOWNLOADING, L_DOWNLOADED, L_UNPACKING, L_DONE, L_FAILED };
enum { DL_RUNNING, DL_DONE, DL_FAILED };

struct pull;

struct layer_job {
	struct pull *p;
	size_t idx;
	struct oci_descriptor *desc;   /* borrowed from the manifest */
	char id[16];                   /* 12 hex, docker's short id */
	char chain_id[DIGEST_LEN], diff_id[DIGEST_LEN];
	_Atomic enum lstate state;      /* written by workers too */
	bool reported;                 /* "Pull complete" printed */
	bool queued;                   /* handed to the workers */
	char mt_buf[128];
	struct layer_job *same_blob;   /* an earlier layer with the same blob */
	bool in_store;                 /* blob already in blobs/sha256 */
	/* download */
	struct reg_xfer x;
	bool x_live;
	struct blob_writer *w;
	long long have;                /* bytes in w */
	atomic_llong written;          /* bytes in the blob file, for the worker reading it */
	atomic_int dl;                 /* DL_RUNNING, DL_DONE (complete, right length), DL_FAILED */
	long long skip;                /* bytes of a 200 answer to a Range request to drop */
	bool skip_known;
	int retries;
	/* unpack (worker thread) */
	char *tmp_dir;
	struct tarsplit *ts;           /* an uncompressed layer is kept as a split, as load keeps it */
	char *split_tmp;
	struct layer_result res;
	atomic_llong unpacked;
	berr_t uerr;
	/* to record */
	struct image_layer_desc rec;
};

struct pull {
	struct berth *b;
	struct reg *r;
	struct progress *pg;
	struct layer_job *jobs;
	size_t n;
	int max_downloads;
	int active_downloads;
	berr_t first_err;
	/* workers */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_cond_t data_cv;        /* more blob bytes, or a download ended */
	struct layer_job **queue;      /* waiting for a worker */
	size_t qhead, qtail;
	size_t finished_unpacks;       /* guarded by mu; read by the main thread */
	bool stop;
	atomic_bool cancel;
	pthread_t *threads;
	int nthreads;
	int wake[2];
};

static void data_signal(struct pull *p);

static void fail_first(struct pull *p, berr_t *e)
{
	if (!p->first_err)
		p->first_err = steal_pointer(e);
	else
		berr_free(e);
	atomic_store(&p->cancel, true);
	data_signal(p);
}

/* A source reading a blob file while the download is still writing it:
 * at the end of what is there it waits for more (or for the download to
 * end), so unpacking runs alongside the transfer.  It counts for the
 * progress bar and gives up when the pull is cancelled. */
struct grow_source {
	struct layer_job *j;     /* whose download fills the file */
	struct layer_job *self;  /* the layer being unpacked (counts) */
	int fd;
	off_t off;
};

static ssize_t grow_read(void *ctx, void *buf, size_t cap, berr_t *err)
{
	struct grow_source *g = ctx;
	struct pull *p = g->self->p;

	for (;;) {
		if (atomic_load(&p->cancel))
			return berr_make(err, 0, "cancelled");
		long long avail = atomic_load(&g->j->written);
		if (g->off < avail) {
			size_t want = (size_t)(avail - g->off) < cap ? (size_t)(avail - g->off) : cap;
			ssize_t n = pread(g->fd, buf, want, g->off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return berr_make(err, n < 0 ? errno : 0, "cannot read the downloaded blob");
			g->off += n;
			atomic_fetch_add(&g->self->unpacked, n);
			return n;
		}
		int st = atomic_load(&g->j->dl);
		if (st == DL_DONE) {
			if (g->off >= atomic_load(&g->j->written))
				return 0;
			continue;
		}
		if (st == DL_FAILED)
			return berr_make(err, 0, "download failed");
		pthread_mutex_lock(&p->mu);
		if (atomic_load(&g->j->written) <= g->off && atomic_load(&g->j->dl) == DL_RUNNING &&
		    !atomic_load(&p->cancel))
			pthread_cond_wait(&p->data_cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Wake the workers reading blob files. */
static void data_signal(struct pull *p)
{
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->data_cv);
	pthread_mutex_unlock(&p->mu);
}

static const char *blob_file(struct layer_job *j)
{
	struct layer_job *src = j->same_blob ? j->same_blob : j;
	return src->w ? blob_writer_path(src->w) : NULL;
}

/* sha256 of a file (for the error of a blob that would not unpack). */
static void file_digest(const char *path, char out[DIGEST_LEN])
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct sha256 *h = sha256_new();
	char buf[65536];
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(h, buf, (size_t)n);
	sha256_finish(h, out);
}

/* Worker: unpack one layer from its blob into a temporary directory, and
 * check both digests. */
static void unpack_one(struct layer_job *j)
{
	struct berth *b = j->p->b;
	struct layer_job *src_job = j->same_blob ? j->same_blob : j;
	cleanup_free char *store_path = NULL;
	const char *path = blob_file(j);
	cleanup_close int fd = -1, dfd = -1;
	struct grow_source gs = {.j = src_job, .self = j};
	struct layer_source src = {.read = grow_read, .ctx = &gs};

	if (!path)
		path = store_path = store_blob_path(b, j->desc->digest);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		berr_make(&j->uerr, errno, "cannot open %s", path);
		return;
	}
	if (layer_tmp_dir(b, &j->tmp_dir, &dfd, &j->uerr) < 0)
		return;
	gs.fd = fd;
	j->ts = tarsplit_new();
	int r = layer_unpack(&src, NULL, j->ts, dfd, &j->res, &j->uerr);
	if (r < 0) {
		/* A corrupted blob usually fails to unpack before its digest
		 * can be compared: once it is all here, say what is really
		 * wrong. */
		char got[DIGEST_LEN];
		struct pull *p = j->p;
		pthread_mutex_lock(&p->mu);
		while (atomic_load(&src_job->dl) == DL_RUNNING && !atomic_load(&p->cancel))
			pthread_cond_wait(&p->data_cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (atomic_load(&p->cancel) || atomic_load(&src_job->dl) != DL_DONE)
			return;
		file_digest(path, got);
		if (strcmp(got, j->desc->digest) != 0) {
			berr_free(&j->uerr);
			berr_make_status(&j->uerr, EXIT_PULL, 0,
					 "filesystem layer verification failed for digest %s: digest mismatch: got %s",
					 j->desc->digest, got);
		}
		return;
	}
	if (strcmp(j->res.blob_digest, j->desc->digest) != 0) {
		berr_make_status(&j->uerr, EXIT_PULL, 0,
				 "filesystem layer verification failed for digest %s: digest mismatch: got %s",
				 j->desc->digest, j->res.blob_digest);
		return;
	}
	if (strcmp(j->res.diff_id, j->diff_id) != 0) {
		berr_make_status(&j->uerr, EXIT_PULL, 0,
				 "layer %s does not match the image config: its content is %s, the config says %s",
				 j->desc->digest, j->res.diff_id, j->diff_id);
		return;
	}
	/* An uncompressed layer: its split and directory keep it, not a
	 * second copy in blobs/ (tarsplit.h). */
	if (j->res.split_used && !j->same_blob)
		tarsplit_save(j->ts, b, j->res.blob_digest, &j->split_tmp, &j->uerr);
}

static void *worker(void *arg)
{
	struct pull *p = arg;

	for (;;) {
		struct layer_job *j;
		pthread_mutex_lock(&p->mu);
		while (p->qhead == p->qtail && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->qhead == p->qtail) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = p->queue[p->qhead++];
		pthread_mutex_unlock(&p->mu);
		unpack_one(j);
		pthread_mutex_lock(&p->mu);
		j->state = j->uerr ? L_FAILED : L_DONE;
		p->finished_unpacks++;
		pthread_mutex_unlock(&p->mu);
		char c = 1;
		if (write(p->wake[1], &c, 1) < 0) {
			/* the main thread also polls on a timer */
		}
	}
}

static void queue_unpack(struct pull *p, struct layer_job *j)
{
	pthread_mutex_lock(&p->mu);
	j->queued = true;
	p->queue[p->qtail++] = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int blob_sink(void *ctx, const void *buf, size_t len, berr_t *err)
{
	struct layer_job *j = ctx;
	const char *d = buf;

	if (!j->skip_known) {
		/* A 200 to a Range request starts over: drop what we have. */
		long st = 0;
		curl_easy_getinfo(j->x.easy, CURLINFO_RESPONSE_CODE, &st);
		j->skip = (st == 206) ? 0 : j->have;
		j->skip_known = true;
	}
	if (j->skip > 0) {
		size_t s = (long long)len < j->skip ? len : (size_t)j->skip;
		j->skip -= (long long)s;
		d += s;
		len -= s;
		if (len == 0)
			return 0;
	}
	if (j->have + (long long)len > j->desc->size)
		return berr_make_status(err, EXIT_PULL, 0,
					"blob %s is longer than the %lld bytes its manifest says: refused",
					j->desc->digest, j->desc->size);
	if (blob_writer_write(j->w, d, len, err) < 0)
		return -1;
	j->have += (long long)len;
	atomic_store(&j->written, j->have);
	data_signal(j->p);
	progress_bytes(j->p->pg, j->id, "Downloading", j->have, j->desc->size);
	return 0;
}

static int start_download(struct pull *p, struct layer_job *j, berr_t *err)
{
	if (!j->w && blob_writer_open(p->b, BLOB_DEFER_SYNC | BLOB_CALLER_HASHES, &j->w, err) < 0)
		return -1;
	if (j->x_live)
		reg_xfer_fini(&j->x);
	reg_xfer_init(&j->x, p->r, "GET", reg_url(p->r, "blobs/%s", j->desc->digest));
	j->x_live = true;
	j->x.follow = true;
	j->x.sink = blob_sink;
	j->x.sink_ctx = j;
	j->skip_known = false;
	if (j->have > 0)
		j->x.range = xasprintf("bytes=%lld-", j->have);
	j->state = L_DOWNLOADING;
	p->active_downloads++;
	if (reg_start(&j->x, err) < 0)
		return -1;
	/* Unpacking follows the download as the bytes land. */
	if (!j->queued) {
		j->queued = true;
		queue_unpack(p, j);
	}
	return 0;
}

static void download_done(struct pull *p, struct layer_job *j)
{
	struct reg_xfer *x = &j->x;
	berr_t e = NULL;

	p->active_downloads--;
	if (x->err && x->retryable && j->retries < MAX_RETRIES && !atomic_load(&p->cancel)) {
		/* A broken connection: go on from where it stopped. */
		j->retries++;
		progress_status(p->pg, j->id, "Retrying");
		berr_free(&x->err);
		if (start_download(p, j, &e) < 0)
			fail_first(p, &e);
		return;
	}
	if (x->err) {
		e = steal_pointer(&x->err);
		fail_first(p, &e);
		j->state = L_FAILED;
		return;
	}
	if (x->resp.status >= 500 && j->retries < MAX_RETRIES) {
		j->retries++;
		progress_status(p->pg, j->id, "Retrying");
		if (start_download(p, j, &e) < 0)
			fail_first(p, &e);
		return;
	}
	if (x->resp.status != 200 && x->resp.status != 206) {
		reg_http_error(x, NULL, &e);
		berr_wrap(&e, "error pulling layer %s", j->desc->digest);
		fail_first(p, &e);
		j->state = L_FAILED;
		return;
	}
	if (j->have != j->desc->size) {
		if (j->retries < MAX_RETRIES) {
			j->retries++;
			progress_status(p->pg, j->id, "Retrying");
			if (start_download(p, j, &e) < 0)
				fail_first(p, &e);
			return;
		}
		berr_make_status(&e, EXIT_PULL, 0, "blob %s: got %lld bytes, its manifest says %lld", j->desc->digest,
				 j->have, j->desc->size);
		fail_first(p, &e);
		j->state = L_FAILED;
		return;
	}
	progress_status(p->pg, j->id, "Verifying Checksum");
	progress_status(p->pg, j->id, "Download complete");
	reg_xfer_fini(&j->x);
	j->x_live = false;
	/* The worker may have finished with the last bytes already. */
	{
		enum lstate expect = L_DOWNLOADING;
		atomic_compare_exchange_strong(&j->state, &expect, L_UNPACKING);
	}
	atomic_store(&j->dl, DL_DONE);
	data_signal(p);
	/* Layers sharing this blob unpack from the same file. */
	for (size_t i = 0; i < p->n; i++)
		if (p->jobs[i].same_blob == j && p->jobs[i].state == L_QUEUED) {
			atomic_store(&p->jobs[i].state, L_UNPACKING);
			queue_unpack(p, &p->jobs[i]);
		}
}

static void start_workers(struct pull *p)
{
	/* A worker may wait on a download's bytes: one more than the CPUs. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cpus < 1 ? 2 : cpus > 8 ? 9 : (int)cpus + 1;
	if ((size_t)n > p->n)
		n = (int)p->n;
	p->threads = xcalloc((size_t)n, sizeof(pthread_t));
	for (int i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
}

static void stop_workers(struct pull *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->nthreads = 0;
}

/* Report unpacks that finished since last time. */
static void reap_unpacks(struct pull *p, size_t *reported)
{
	pthread_mutex_lock(&p->mu);
	size_t done = p->finished_unpacks;
	pthread_mutex_unlock(&p->mu);
	char c[64];
	while (read(p->wake[0], c, sizeof(c)) > 0) {
	}
	if (done == *reported)
		return;
	*reported = done;
	for (size_t i = 0; i < p->n; i++) {
		struct layer_job *j = &p->jobs[i];
		enum lstate st;
		pthread_mutex_lock(&p->mu);
		st = j->state;
		pthread_mutex_unlock(&p->mu);
		if (st == L_DONE && !j->reported) {
			j->reported = true;
			snprintf(j->rec.blob, sizeof(j->rec.blob), "%s", j->desc->digest);
			progress_status(p->pg, j->id, "Pull complete");
		} else if (st == L_FAILED && j->uerr) {
			fail_first(p, &j->uerr);
		}
	}
}

static bool all_settled(struct pull *p)
{
	bool settled = true;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n && settled; i++) {
		enum lstate s = p->jobs[i].state;
		if (s == L_DOWNLOADING || s == L_UNPACKING)
			settled = false;
		else if (!p->first_err && (s == L_QUEUED || s == L_DOWNLOADED))
			settled = false;
	}
	pthread_mutex_unlock(&p->mu);
	return settled;
}

static void draw_extracting(struct pull *p)
{
	if (!progress_is_tty(p->pg))
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct layer_job *j = &p->jobs[i];
		enum lstate st;
		pthread_mutex_lock(&p->mu);
		st = j->state;
		pthread_mutex_unlock(&p->mu);
		if (st == L_UNPACKING && atomic_load(&j->unpacked) > 0)
			progress_bytes(p->pg, j->id, "Extracting", atomic_load(&j->unpacked), j->desc->size);
	}
}

/* Download and unpack every layer not there yet. */
static int run_layers(struct pull *p, berr_t *err)
{
	size_t reported = 0;

	if (pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return berr_make(err, errno, "pipe");
	p->queue = xcalloc(p->n + 1, sizeof(*p->queue));
	start_workers(p);

	/* Blobs already in the store need no download. */
	for (size_t i = 0; i < p->n; i++) {
		struct layer_job *j = &p->jobs[i];
		if (j->state == L_QUEUED && j->in_store && !j->same_blob) {
			atomic_store(&j->written, j->desc->size);
			atomic_store(&j->dl, DL_DONE);
			atomic_store(&j->state, L_UNPACKING);
			queue_unpack(p, j);
		}
	}
	for (;;) {
		for (size_t i = 0; i < p->n && !p->first_err && p->active_downloads < p->max_downloads; i++) {
			struct layer_job *j = &p->jobs[i];
			berr_t e = NULL;
			if (j->state != L_QUEUED || j->same_blob || j->in_store)
				continue;
			progress_bytes(p->pg, j->id, "Downloading", 0, j->desc->size);
			if (start_download(p, j, &e) < 0) {
				fail_first(p, &e);
				j->state = L_FAILED;
			}
		}
		if (p->first_err) {
			/* Stop the transfers still running. */
			for (size_t i = 0; i < p->n; i++) {
				struct layer_job *j = &p->jobs[i];
				if (j->state == L_DOWNLOADING) {
					reg_xfer_fini(&j->x);
					j->x_live = false;
					j->state = L_FAILED;
				}
			}
		}
		reap_unpacks(p, &reported);
		if (all_settled(p))
			break;
		if (reg_run(p->r, p->wake[0], progress_is_tty(p->pg) ? 100 : 1000, err) < 0) {
			berr_t e = steal_pointer(err);
			fail_first(p, &e);
			continue;
		}
		for (size_t i = 0; i < p->n; i++) {
			struct layer_job *j = &p->jobs[i];
			if (j->state == L_DOWNLOADING && j->x.done)
				download_done(p, j);
		}
		draw_extracting(p);
	}
	stop_workers(p);
	reap_unpacks(p, &reported);
	if (p->first_err) {
		*err = steal_pointer(&p->first_err);
		return -1;
	}
	return 0;
}

/* ---- recording ---------------------------------------------------------- */

static long long layer_size_known(sqlite3 *db, const char *chain_id, bool *known)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	*known = false;
	if (sqlite3_prepare_v2(db, "SELECT size FROM layers WHERE chain_id = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return 0;
	*known = true;
	return sqlite3_column_int64(st, 0);
}

/* For a layer that is unpacked already but whose blob (as this registry
 * has it) is not in the store: the blob we do have for that chain. */
static bool local_blob_for_chain(sqlite3 *db, const char *chain_id, struct image_layer_desc *rec, char *mt,
				 size_t mtlen)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT blob, media_type, blob_size FROM image_layers WHERE chain_id = ? LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return false;
	snprintf(rec->blob, sizeof(rec->blob), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(mt, mtlen, "%s", (const char *)sqlite3_column_text(st, 1));
	rec->media_type = mt;
	rec->blob_size = sqlite3_column_int64(st, 2);
	return true;
}

/* docker keeps NAME@DIGEST for a pulled image ("RepoDigests"). */
static int set_repo_digest(sqlite3 *db, const char *name, const char *id, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (db_prepare(db, "INSERT OR REPLACE INTO repo_digests(name, image_id) VALUES (?, ?)", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

static bool repo_digest_is(sqlite3 *db, const char *name, const char *id)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM repo_digests WHERE name = ? AND image_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static bool image_known(sqlite3 *db, const char *id)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM images WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static bool tag_points_at(sqlite3 *db, const char *canonical, char **id_out)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	*id_out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT image_id FROM tags WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, canonical, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return false;
	*id_out = xstrdup((const char *)sqlite3_column_text(st, 0));
	return true;
}

/* ---- one image ---------------------------------------------------------- */

struct target {
	struct ref *ref;
	char *canonical;       /* "docker.io/library/busybox:latest" (tag), or NULL */
	char *familiar;        /* "busybox:latest", "busybox@sha256:..." */
	char *name;            /* "docker.io/library/busybox" */
	const char *reference; /* the tag or digest asked for */
	bool by_digest;
};

struct outcome {
	char digest[DIGEST_LEN];  /* what was pulled: the index's, or the manifest's */
	bool newer;               /* the name now points at a different image */
};

static void free_jobs(struct pull *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct layer_job *j = &p->jobs[i];
		if (j->x_live)
			reg_xfer_fini(&j->x);
		blob_writer_free(j->w);
		if (j->tmp_dir) {
			berr_t e = NULL;
			remove_tree(j->tmp_dir, &e);
			berr_free(&e);
			free(j->tmp_dir);
		}
		berr_free(&j->uerr);
		tarsplit_free(j->ts);
		if (j->split_tmp)
			unlink(j->split_tmp);
		free(j->split_tmp);
	}
	free(p->jobs);
	free(p->queue);
	free(p->threads);
	if (p->wake[0] > 0) {
		close(p->wake[0]);
		close(p->wake[1]);
	}
	berr_free(&p->first_err);
}

static int pull_image(struct berth *b, struct reg *r, const struct target *t, const struct platform *want,
		      bool explicit_platform, struct progress *pg, struct outcome *res, berr_t *err)
{
	struct doc top = {0}, man = {0};
	struct doc *md = &top;
	struct oci_manifest m = {0};
	cleanup_free char *config = NULL;
	size_t config_len = 0;
	struct image *img = NULL;
	json_t *cfg_json = NULL;
	json_error_t jerr;
	struct pull p = {.b = b, .r = r, .pg = pg, .wake = {-1, -1}};
	cleanup_close int lock = -1;
	sqlite3 *db;
	int rc = -1;

	if (fetch_doc(r, t->reference, t->familiar, t->by_digest, &top, err) < 0)
		goto out;
	snprintf(res->digest, sizeof(res->digest), "%s", top.digest);
	/* "latest: Pulling from library/busybox", once the registry has
	 * answered, as docker prints it. */
	progress_message(pg, "%s: Pulling from %s", t->reference, t->ref->path);
	if (top.kind == DOC_INDEX) {
		char d[DIGEST_LEN];
		if (choose_platform(&top, want, d, err) < 0)
			goto out;
		if (fetch_doc(r, d, t->familiar, true, &man, err) < 0)
			goto out;
		if (man.kind != DOC_MANIFEST) {
			berr_make_status(err, EXIT_PULL, 0, "manifest %s in the index is itself an index: not supported", d);
			goto out;
		}
		md = &man;
	}
	if (oci_parse_manifest(md->body, md->len, &m, err) < 0) {
		(*err)->status = EXIT_PULL;
		goto out;
	}
	if (check_manifest(&m, err) < 0)
		goto out;
	if (fetch_small_blob(r, &m.config, CONFIG_MAX, &config, &config_len, err) < 0)
		goto out;
	cfg_json = json_loadb(config, config_len, 0, &jerr);
	if (!cfg_json) {
		berr_make_status(err, EXIT_PULL, 0, "invalid image config: %s", jerr.text);
		goto out;
	}
	img = xcalloc(1, sizeof(*img));
	if (image_from_config(m.config.digest, cfg_json, img, err) < 0) {
		(*err)->status = EXIT_PULL;
		goto out;
	}
	if (img->n_layers != m.n_layers) {
		berr_make_status(err, EXIT_PULL, 0,
				 "invalid image: the manifest has %zu layers, the config lists %zu diff ids", m.n_layers,
				 img->n_layers);
		goto out;
	}
	if (explicit_platform && !platform_matches(want, img->os, img->architecture, img->variant)) {
		char pw[100];
		platform_string(want, pw, sizeof(pw));
		berr_make_status(err, EXIT_PULL, 0,
				 "image with reference %s was found but does not match the specified platform: wanted "
				 "%s, actual: %s/%s%s%s",
				 t->familiar, pw, img->os ? img->os : "?", img->architecture ? img->architecture : "?",
				 img->variant ? "/" : "", img->variant ? img->variant : "");
		goto out;
	}

	if (berth_db(b, &db, err) < 0 || image_lock(b, false, &lock, err) < 0)
		goto out;

	/* Which layers are missing. */
	p.n = m.n_layers;
	p.jobs = xcalloc(p.n + 1, sizeof(*p.jobs));
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	pthread_cond_init(&p.data_cv, NULL);
	p.max_downloads = r->cfg.max_concurrent_downloads;
	{
		const char *env = getenv("BERTH_MAX_CONCURRENT_DOWNLOADS");
		if (env && atoi(env) > 0 && atoi(env) <= 64)
			p.max_downloads = atoi(env);
	}
	int waiting = 0;
	/* An image that is all here already prints no layer lines. */
	bool complete = image_known(db, img->id);
	for (size_t i = 0; i < p.n && complete; i++) {
		bool known;
		layer_size_known(db, img->chain_ids[i], &known);
		complete = known && layer_exists(b, img->chain_ids[i]);
	}
	for (size_t i = 0; i < p.n; i++) {
		struct layer_job *j = &p.jobs[i];
		bool known;
		j->p = &p;
		j->idx = i;
		j->desc = &m.layers[i];
		atomic_init(&j->unpacked, 0);
		snprintf(j->id, sizeof(j->id), "%.12s", digest_hex(j->desc->digest));
		snprintf(j->chain_id, sizeof(j->chain_id), "%s", img->chain_ids[i]);
		snprintf(j->diff_id, sizeof(j->diff_id), "%s", img->diff_ids[i]);
		snprintf(j->rec.chain_id, sizeof(j->rec.chain_id), "%s", j->chain_id);
		snprintf(j->rec.diff_id, sizeof(j->rec.diff_id), "%s", j->diff_id);
		j->rec.media_type = j->desc->media_type;
		j->rec.blob_size = j->desc->size;
		j->rec.size = layer_size_known(db, j->chain_id, &known);
		if (known && layer_exists(b, j->chain_id)) {
			j->state = L_EXISTS;
			if (layer_blob_exists(b, j->desc->digest))
				snprintf(j->rec.blob, sizeof(j->rec.blob), "%s", j->desc->digest);
			else if (!local_blob_for_chain(db, j->chain_id, &j->rec, j->mt_buf, sizeof(j->mt_buf)))
				snprintf(j->rec.blob, sizeof(j->rec.blob), "%s", j->desc->digest);
			if (!complete)
				progress_status(pg, j->id, "Already exists");
			continue;
		}
		j->state = L_QUEUED;
		j->in_store = store_has(b, j->desc->digest);
		for (size_t k = 0; k < i; k++)
			if (p.jobs[k].state != L_EXISTS && strcmp(p.jobs[k].desc->digest, j->desc->digest) == 0 &&
			    !p.jobs[k].same_blob && !p.jobs[k].in_store) {
				j->same_blob = &p.jobs[k];
				break;
			}
		progress_status(pg, j->id, "Pulling fs layer");
	}
	/* Then, as docker lists them, the ones beyond the download limit. */
	for (size_t i = 0; i < p.n; i++) {
		struct layer_job *j = &p.jobs[i];
		if (j->state == L_QUEUED && !j->same_blob && !j->in_store && waiting++ >= p.max_downloads)
			progress_status(pg, j->id, "Waiting");
	}

	bool any_new = false;
	for (size_t i = 0; i < p.n; i++)
		if (p.jobs[i].state == L_QUEUED)
			any_new = true;
	if (any_new && run_layers(&p, err) < 0)
		goto out;

	/* Everything checked out: make it durable, then visible. */
	if (any_new) {
		if (store_sync(b, err) < 0)
			goto out;
		for (size_t i = 0; i < p.n; i++) {
			struct layer_job *j = &p.jobs[i];
			if (j->state != L_DONE)
				continue;
			if (j->split_tmp) {
				if (tarsplit_publish(b, j->split_tmp, j->res.blob_digest, err) < 0)
					goto out;
				free(j->split_tmp);
				j->split_tmp = NULL;
			} else if (j->w) {
				blob_writer_set_digest(j->w, j->res.blob_digest);
				if (blob_writer_commit(j->w, j->desc->digest, NULL, NULL, err) < 0 ||
				    blob_writer_publish(j->w, err) < 0)
					goto out;
			}
			if (layer_commit_dir(b, j->tmp_dir, j->chain_id, err) < 0)
				goto out;
			free(j->tmp_dir);
			j->tmp_dir = NULL;
			j->rec.size = j->res.size;
		}
	}
	if (!md->from_store && store_put(b, md->body, md->len, md->digest, NULL, err) < 0)
		goto out;
	if (!store_has(b, m.config.digest) && store_put(b, config, config_len, m.config.digest, NULL, err) < 0)
		goto out;

	{
		struct image_layer_desc *recs = xcalloc(p.n + 1, sizeof(*recs));
		cleanup_free char *rd = xasprintf("%s@%s", t->name, top.digest);
		cleanup_free char *before = NULL;
		bool existed = image_known(db, img->id);
		if (t->canonical)
			tag_points_at(db, t->canonical, &before);
		for (size_t i = 0; i < p.n; i++)
			recs[i] = p.jobs[i].rec;
		/* Nothing to write when the image, its name and its digest are
		 * all recorded already: a repeated pull stays a read. */
		bool unchanged = existed && !any_new && (!t->canonical || (before && strcmp(before, img->id) == 0)) &&
				 repo_digest_is(db, rd, img->id);
		if (!unchanged) {
			if (db_begin(db, err) < 0) {
				free(recs);
				goto out;
			}
			if (image_insert(db, img->id, config, config_len, recs, p.n, NULL, md->digest, err) < 0 ||
			    (t->canonical && image_set_tag(db, t->canonical, img->id, NULL, err) < 0) ||
			    set_repo_digest(db, rd, img->id, err) < 0) {
				db_rollback(db);
				free(recs);
				goto out;
			}
			/* Where these blobs live, for mounts on a later push. */
			for (size_t i = 0; i < p.n; i++)
				reg_note_blob(r, db, p.jobs[i].desc->digest);
			reg_note_blob(r, db, m.config.digest);
			if (db_commit(db, err) < 0) {
				db_rollback(db);
				free(recs);
				goto out;
			}
		}
		free(recs);
		/* docker: "up to date" when the name already meant this image. */
		res->newer = !existed || (t->canonical && (!before || strcmp(before, img->id) != 0));
	}
	rc = 0;
out:
	if (p.jobs) {
		atomic_store(&p.cancel, true);
		if (p.nthreads)
			stop_workers(&p);
		free_jobs(&p);
		pthread_mutex_destroy(&p.mu);
		pthread_cond_destroy(&p.cv);
		pthread_cond_destroy(&p.data_cv);
	}
	json_decref(cfg_json);
	image_free(img);
	oci_manifest_clear(&m);
	doc_clear(&top);
	doc_clear(&man);
	return rc;
}

/* ---- endpoints and names ------------------------------------------------ */

/* Try each endpoint (a docker.io name: the mirrors, then Docker Hub) until
 * one answers with the image.  The error kept is the first real answer
 * from a registry ("manifest unknown"), else the last network error. */
static int pull_from_endpoints(struct berth *b, const struct target *t, const struct platform *want,
			       bool explicit_platform, struct progress *pg, struct outcome *res, berr_t *err)
{
	struct berth_config cfg;
	cleanup_strv char **bases = NULL;
	size_t nb = 0;
	berr_t answer = NULL, first_net = NULL, last = NULL;

	if (config_load(b, &cfg, err) < 0) {
		(*err)->status = EXIT_PULL;
		return -1;
	}
	bases = xcalloc(1, sizeof(char *));
	if (strcmp(t->ref->domain, "docker.io") == 0) {
		for (char **m = cfg.registry_mirrors; m && *m; m++) {
			bases = xrealloc(bases, (nb + 2) * sizeof(char *));
			bases[nb++] = xstrdup(*m);
			bases[nb] = NULL;
		}
	}
	config_clear(&cfg);
	bases = xrealloc(bases, (nb + 2) * sizeof(char *));
	bases[nb++] = NULL; /* the registry itself */

	for (size_t i = 0; i < nb; i++) {
		struct reg *r = NULL;
		berr_t e = NULL;
		int rc = reg_open(b, t->ref->domain, t->ref->path, bases[i], &r, &e);
		if (rc == 0)
			rc = reg_ping(r, &e);
		if (rc == 0)
			rc = pull_image(b, r, t, want, explicit_platform, pg, res, &e);
		bool network = r == NULL || !r->pinged;
		reg_close(r);
		if (rc == 0) {
			berr_free(&answer);
			berr_free(&first_net);
			berr_free(&last);
			return 0;
		}
		if (!network && !answer)
			answer = steal_pointer(&e);
		else if (!first_net)
			first_net = steal_pointer(&e);
		else {
			berr_free(&last);
			last = steal_pointer(&e);
		}
	}
	if (answer) {
		*err = steal_pointer(&answer);
	} else if (last) {
		/* A mirror that is down, then Docker Hub out of reach (offline):
		 * both matter to whoever reads it. */
		berr_make_status(err, EXIT_PULL, 0, "%s; then Docker Hub: %s", first_net->msg, last->msg);
	} else {
		*err = steal_pointer(&first_net);
	}
	berr_free(&answer);
	berr_free(&first_net);
	berr_free(&last);
	if (*err && (*err)->status == BERTH_EXIT_ERROR)
		(*err)->status = EXIT_PULL;
	return -1;
}

static int make_target(struct ref *ref, struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->ref = ref;
	t->name = ref_name(ref);
	t->by_digest = ref->digest != NULL;
	t->reference = ref->digest ? ref->digest : ref->tag;
	if (!ref->digest)
		t->canonical = ref_string(ref);
	t->familiar = ref_familiar(ref);
	return 0;
}

static void target_clear(struct target *t)
{
	free(t->canonical);
	free(t->familiar);
	free(t->name);
}

static int pull_one(struct berth *b, struct ref *ref, const struct platform *want, bool explicit_platform,
		    struct progress *pg, bool *newer, berr_t *err)
{
	struct target t;
	struct outcome res = {0};
	int rc;

	make_target(ref, &t);
	rc = pull_from_endpoints(b, &t, want, explicit_platform, pg, &res, err);
	if (rc == 0) {
		progress_message(pg, "Digest: %s", res.digest);
		*newer = res.newer;
	}
	target_clear(&t);
	return rc;
}

/* GET /v2/<name>/tags/list (one page is plenty for a course; a Link
 * header asks for the next). */
static int list_tags(struct berth *b, struct ref *ref, char ***tags, berr_t *err)
{
	struct reg *r = NULL;
	struct reg_xfer x;
	json_error_t jerr;
	json_t *root = NULL, *arr, *v;
	size_t i, n = 0;
	int rc = -1;

	*tags = xcalloc(1, sizeof(char *));
	if (reg_open(b, ref->domain, ref->path, NULL, &r, err) < 0 || reg_ping(r, err) < 0) {
		reg_close(r);
		return -1;
	}
	reg_xfer_init(&x, r, "GET", reg_url(r, "tags/list"));
	x.follow = true;
	x.max_body = TAGS_MAX;
	x.too_large = "tag list too large";
	if (reg_do(&x, err) < 0)
		goto out;
	if (x.resp.status != 200) {
		reg_http_error(&x, NULL, err);
		goto out;
	}
	root = json_loadb(x.resp.body ? x.resp.body : "", x.resp.body_len, 0, &jerr);
	arr = root ? json_object_get(root, "tags") : NULL;
	if (!json_is_array(arr)) {
		berr_make_status(err, EXIT_PULL, 0, "invalid tag list from the registry");
		goto out;
	}
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || !ref_valid_tag(json_string_value(v)))
			continue;
		*tags = xrealloc(*tags, (n + 2) * sizeof(char *));
		(*tags)[n++] = xstrdup(json_string_value(v));
		(*tags)[n] = NULL;
	}
	rc = 0;
out:
	json_decref(root);
	reg_xfer_fini(&x);
	reg_close(r);
	return rc;
}

int registry_pull(struct berth *b, const char *refstr, const struct pull_options *o, berr_t *err)
{
	static const struct pull_options defaults = {0};
	struct ref ref;
	struct platform want;
	struct progress *pg;
	bool newer = false;
	int rc = -1;

	if (!o)
		o = &defaults;
	/* docker's CLI exits 1 for these too. */
	if (ref_parse(refstr, &ref, err) < 0) {
		(*err)->status = EXIT_PULL;
		return -1;
	}
	if (parse_platform(o->platform, &want, err) < 0) {
		(*err)->status = EXIT_PULL;
		ref_free(&ref);
		return -1;
	}
	pg = progress_new(o->out ? o->out : stdout, o->quiet);
	if (o->all_tags) {
		cleanup_strv char **tags = NULL;
		cleanup_free char *fam = NULL;
		bool any_new = false;
		if (ref.tag || ref.digest) {
			berr_make(err, 0, "tag can't be used with --all-tags/-a");
			goto out;
		}
		if (list_tags(b, &ref, &tags, err) < 0)
			goto out;
		for (char **tg = tags; *tg; tg++) {
			ref.tag = xstrdup(*tg);
			rc = pull_one(b, &ref, &want, o->platform != NULL, pg, &newer, err);
			free(ref.tag);
			ref.tag = NULL;
			if (rc < 0)
				goto out;
			any_new |= newer;
		}
		rc = -1;
		fam = ref_familiar_name(&ref);
		progress_message(pg, "Status: %s for %s", any_new ? "Downloaded newer image" : "Image is up to date",
				 fam);
		rc = 0;
		goto out;
	}
	if (!ref.tag && !ref.digest) {
		progress_message(pg, "Using default tag: %s", REF_DEFAULT_TAG);
		ref.tag = xstrdup(REF_DEFAULT_TAG);
	}
	if (pull_one(b, &ref, &want, o->platform != NULL, pg, &newer, err) < 0)
		goto out;
	{
		cleanup_free char *fam = ref_familiar(&ref);
		progress_message(pg, "Status: %s for %s", newer ? "Downloaded newer image" : "Image is up to date", fam);
	}
	rc = 0;
out:
	progress_free(pg);
	ref_free(&ref);
	return rc;
}
