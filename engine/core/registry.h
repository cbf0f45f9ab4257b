/* registry.h: talking to registries over the OCI distribution API.
 *
 * Three parts:
 *
 *   registry.c       the client: one registry, one repository, over libcurl
 *                    (connections reused through one curl multi handle,
 *                    several transfers at once), the /v2/ ping, the auth
 *                    flow (auth.h), redirects, errors as docker words them;
 *   registry_pull.c  pull: manifests, indexes and platforms, blobs into the
 *                    store, layers unpacked, the image registered;
 *   registry_push.c  push: blobs (skipped, mounted or uploaded), then the
 *                    manifest.
 *
 * Plain HTTP is used for localhost, loopback addresses and the registries
 * listed in "insecure-registries" (config.h); HTTPS, verified, otherwise.
 * BERTH_REGISTRY_TIMEOUT (seconds, default 30) bounds the wait for a
 * connection and any stretch with no bytes moving.
 *
 * Everything that comes back from the network is hostile until checked:
 * manifests larger than 4 MiB are refused before they are read to the end,
 * blobs longer than their descriptor says are cut off, every digest is
 * checked, and an Authorization header never follows a redirect to another
 * host.
 */
#ifndef BERTH_REGISTRY_H
#define BERTH_REGISTRY_H

#include <curl/curl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "auth.h"
#include "config.h"
#include "err.h"
#include "root.h"

/* ---- the commands' API -------------------------------------------------- */

struct pull_options {
	const char *platform;  /* "os/arch[/variant]"; NULL: this host's (linux/amd64) */
	bool quiet;            /* no progress or status lines */
	bool all_tags;         /* -a: every tag of the repository */
	FILE *out;             /* where progress goes; NULL: stdout (`run` uses stderr) */
};

/* docker pull NAME[:TAG|@DIGEST]: fetch the image and register it under
 * its canonical name, printing docker's lines (TAG: Pulling from REPO,
 * per-layer progress, Digest:, Status:).  o may be NULL (defaults).
 * Registry failures exit 1, as docker's "Error response from daemon". */
int registry_pull(struct berth *b, const char *ref, const struct pull_options *o, berr_t *err);

struct push_options {
	bool quiet;
	bool all_tags;         /* -a: every local tag of the repository */
	FILE *out;
};

/* docker push NAME[:TAG]: upload the image's blobs and manifest; prints
 * "TAG: digest: sha256:... size: N" at the end. */
int registry_push(struct berth *b, const char *ref, const struct push_options *o, berr_t *err);

/* docker login: check user/pass against the registry (its /v2/ with
 * Basic credentials, or its token server), and store them in config.json.
 * server: a domain ("localhost:5000"), a URL, or NULL for Docker Hub.
 * *key_out (caller frees) gets the config.json key it was stored under. */
int registry_login(struct berth *b, const char *server, const char *user, const char *pass, char **key_out,
		   berr_t *err);

/* The domain a login/logout SERVER argument names: "localhost:5000" from
 * "http://localhost:5000/v2/", "docker.io" for NULL or Docker Hub's names
 * (*out: caller frees). */
int registry_server_domain(const char *server, char **out, berr_t *err);

/* "http://localhost:5000", "https://registry-1.docker.io": where a
 * registry's API is, by the insecure-registries rules (caller frees). */
char *registry_base_url(const struct berth_config *cfg, const char *domain);

/* A manifest GET's body, as pull takes it (exposed for the fuzzer): the
 * Content-Type (may be NULL) and the document classified, *media_type
 * set; an index resolved for `platform` (NULL: this host) into chosen,
 * returning 1; a manifest parsed and checked into *m, returning 0.  -1
 * with err set for anything else. */
struct oci_manifest;
int registry_parse_document(const char *body, size_t len, const char *content_type, const char *platform,
			    char **media_type, char chosen[72], struct oci_manifest *m, berr_t *err);

/* ---- the client (for registry_pull.c and registry_push.c) -------------- */

/* What a response said, of the headers berth uses. */
struct reg_resp {
	long status;
	char *content_type;
	char *digest;          /* Docker-Content-Digest */
	char *location;
	char *www_authenticate;
	char *range;           /* Range (upload progress) */
	long long content_length;  /* -1 when not given */
	char *body;            /* captured body (non-2xx, or no sink), NUL-terminated */
	size_t body_len;
};

struct reg;

/* A sink for a 2xx response's body; -1 with err set aborts the transfer. */
typedef int (*reg_sink_fn)(void *ctx, const void *buf, size_t len, berr_t *err);

struct reg_xfer {
	struct reg *r;
	/* the request */
	const char *method;          /* "GET", "HEAD", "PUT", "POST", "PATCH" */
	char *url;                   /* absolute; replaced on redirects */
	const char *accept;
	const char *content_type;
	char *range;                 /* "bytes=N-" for a resumed download, or NULL */
	char *content_range;         /* "a-b" for a chunk (PATCH), or NULL */
	const char *body;            /* upload from memory... */
	size_t body_len;
	int body_fd;                 /* ...or from a file (-1: none) */
	off_t body_off;
	long long body_size;
	bool has_body;               /* PUT/PATCH/POST with a body (maybe empty) */
	size_t max_body;             /* captured body limit; beyond it the transfer fails */
	const char *too_large;       /* the error for a body beyond max_body ("manifest ... too large") */
	reg_sink_fn sink;            /* 2xx body goes here instead of being captured */
	void *sink_ctx;
	bool follow;                 /* follow redirects (GET/HEAD) */
	/* progress of an upload or download, for the caller */
	void (*on_progress)(struct reg_xfer *x, long long now, long long total);
	void *user;
	/* results */
	struct reg_resp resp;
	bool done;
	bool net_error;              /* the connection failed (worth a retry) */
	bool retryable;              /* ...and broke mid-way, rather than refused or timed out */
	berr_t err;                  /* when the transfer failed */
	/* internal */
	CURL *easy;
	struct curl_slist *hdrs;
	bool no_auth;                /* redirected to another host: no Authorization */
	bool auth_retried;
	int redirects;
	off_t upload_pos;
	long long received;
	char errbuf[CURL_ERROR_SIZE];
	struct reg_xfer *next_active;
};

struct reg {
	struct berth *b;
	struct berth_config cfg;
	char *domain;                /* "localhost:5000", "docker.io" */
	char *base;                  /* "http://localhost:5000", "https://registry-1.docker.io" */
	char *repo;                  /* "library/busybox" */
	char **mount_from;           /* other repositories to read (mount sources), NULL-terminated */
	bool push;                   /* ask for pull,push */
	long timeout;                /* seconds */
	CURLM *multi;
	int active;
	/* auth */
	struct auth_cred cred;
	bool have_cred;
	enum auth_scheme scheme;     /* from the /v2/ ping */
	char *realm, *service;
	char *authz;                 /* the Authorization header line, or NULL */
	bool pinged;
};

/* A client for repo on the registry at domain (as a ref gives them);
 * `base` overrides the endpoint (a mirror's URL).  Reads config and
 * credentials. */
int reg_open(struct berth *b, const char *domain, const char *repo, const char *base, struct reg **out,
	     berr_t *err);
void reg_close(struct reg *r);

/* GET /v2/: learn whether and how the registry wants credentials, and
 * get a token for the repository when it speaks Bearer. */
int reg_ping(struct reg *r, berr_t *err);

/* Ask for push access too (and read access to other repositories, for
 * cross-repository mounts; NULL-terminated, may be NULL), renewing a
 * Bearer token to cover them. */
void reg_want_push(struct reg *r, char *const *mount_from);

/* blob_sources (db.c migration 3): remember that this registry's
 * repository holds a blob, and find another repository of the same
 * registry that holds one (caller frees; NULL when none). */
void reg_note_blob(struct reg *r, sqlite3 *db, const char *digest);
char *reg_mount_source(struct reg *r, sqlite3 *db, const char *digest);

/* The registry as blob_sources records it: the host[:port] of the
 * endpoint (a mirror's own, registry-1.docker.io for Docker Hub). */
char *reg_host(struct reg *r);

/* "http://host/v2/<repo>/<what>" (caller frees). */
char *reg_url(struct reg *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A transfer: fill the request fields with reg_xfer_init and then set
 * what the request needs; reg_start adds it to the multi handle,
 * reg_run drives every started transfer (waking also for wake_fd when
 * >= 0, or after timeout_ms) and finishes those that are done (following redirects and
 * answering auth challenges on the way).  reg_do is start + wait. */
void reg_xfer_init(struct reg_xfer *x, struct reg *r, const char *method, char *url);
void reg_xfer_fini(struct reg_xfer *x);
/* Back to a fresh state for the same request (a retry). */
void reg_xfer_reset(struct reg_xfer *x);
int reg_start(struct reg_xfer *x, berr_t *err);
int reg_run(struct reg *r, int wake_fd, int timeout_ms, berr_t *err);
int reg_do(struct reg_xfer *x, berr_t *err);

/* The error for a response that is not what the caller wanted, as docker
 * words it: the registry's {"errors": [...]} ("manifest unknown: manifest
 * unknown"), or the status line.  `what` prefixes it, may be NULL.
 * Exit status 1. */
int reg_http_error(struct reg_xfer *x, const char *what, berr_t *err);

/* Same scheme, host and port (default ports filled in)? */
bool reg_same_origin(const char *a, const char *b);

/* Resolve a Location header against the request's URL (caller frees);
 * NULL when it is not an http(s) URL. */
char *reg_resolve_location(struct reg_xfer *x);

#endif
