/* registry.c: the OCI distribution client (see registry.h).
 *
 * One `struct reg` per registry and repository.  Every request is a
 * `struct reg_xfer` run on the client's curl multi handle, so connections
 * are reused between requests and several blobs can move at once; a
 * blocking request (reg_do) is just a transfer waited for alone.
 *
 * Redirects and auth challenges are answered here rather than by curl:
 *
 *  - a 3xx is followed by hand, and when it points at another origin
 *    (scheme, host or port) the Authorization header is dropped for good:
 *    a registry may send blob downloads to a CDN or object store, which
 *    must not see the registry's credentials;
 *  - a 401 with a WWW-Authenticate challenge gets one answer: a (new)
 *    Bearer token from the challenge's realm, or the stored Basic
 *    credentials, then the request is sent again; a second 401 is final.
 *
 * Errors read as docker's, prefixed with the method and URL the way Go's
 * net/http does it ("Get \"http://127.0.0.1:5000/v2/\": dial tcp
 * 127.0.0.1:5000: connect: connection refused"), and exit 1 like every
 * "Error response from daemon".
 */
#define _GNU_SOURCE
#include "registry.h"
#include "cleanup.h"
#include "db.h"
#include "util.h"
#include "version.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 30
/* Error bodies and headers are read for their first bytes only. */
#define ERRBODY_MAX (64 * 1024)
#define HEADER_VALUE_MAX 8192
#define MAX_REDIRECTS 10
#define EXIT_PULL 1

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static long env_timeout(void)
{
	const char *s = getenv("BERTH_REGISTRY_TIMEOUT");
	char *end;
	long v;

	if (!s || !*s)
		return DEFAULT_TIMEOUT;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 3600)
		return DEFAULT_TIMEOUT;
	return v;
}

static bool is_docker_hub(const char *domain)
{
	return strcmp(domain, "docker.io") == 0 || strcmp(domain, "index.docker.io") == 0 ||
	       strcmp(domain, "registry-1.docker.io") == 0;
}

char *registry_base_url(const struct berth_config *cfg, const char *domain)
{
	if (is_docker_hub(domain))
		return xstrdup("https://registry-1.docker.io");
	return xasprintf("%s://%s", config_registry_insecure(cfg, domain) ? "http" : "https", domain);
}

/* The host[:port] of an http(s) URL (caller frees), or NULL. */
static char *url_hostport(const char *url)
{
	const char *s;
	if (str_has_prefix(url, "http://"))
		s = url + 7;
	else if (str_has_prefix(url, "https://"))
		s = url + 8;
	else
		return NULL;
	return xstrndup(s, strcspn(s, "/?#"));
}

int reg_open(struct berth *b, const char *domain, const char *repo, const char *base, struct reg **out,
	     berr_t *err)
{
	struct reg *r;
	cleanup_free char *cred_host = NULL;

	pthread_once(&curl_once, curl_init_once);
	r = xcalloc(1, sizeof(*r));
	r->b = b;
	if (config_load(b, &r->cfg, err) < 0) {
		free(r);
		return -1;
	}
	r->domain = xstrdup(domain);
	r->repo = repo ? xstrdup(repo) : NULL;
	r->base = base ? xstrdup(base) : registry_base_url(&r->cfg, domain);
	r->timeout = env_timeout();
	r->multi = curl_multi_init();
	if (!r->multi) {
		reg_close(r);
		return berr_make(err, 0, "cannot initialise libcurl");
	}
	/* A mirror is its own registry: its own credentials, if any. */
	cred_host = base ? url_hostport(base) : xstrdup(domain);
	if (cred_host && auth_cred_get(NULL, cred_host, &r->cred, &r->have_cred, err) < 0) {
		reg_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void reg_close(struct reg *r)
{
	if (!r)
		return;
	if (r->multi)
		curl_multi_cleanup(r->multi);
	config_clear(&r->cfg);
	auth_cred_clear(&r->cred);
	free(r->domain);
	free(r->base);
	free(r->repo);
	cleanup_strvp(&r->mount_from);
	free(r->realm);
	free(r->service);
	free(r->authz);
	free(r);
}

char *reg_url(struct reg *r, const char *fmt, ...)
{
	cleanup_free char *tail = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&tail, fmt, ap) < 0)
		tail = NULL;
	va_end(ap);
	if (!tail)
		tail = xstrdup("");
	return xasprintf("%s/v2/%s/%s", r->base, r->repo ? r->repo : "", tail);
}

/* ---- transfers ---------------------------------------------------------- */

static void resp_clear(struct reg_resp *p)
{
	free(p->content_type);
	free(p->digest);
	free(p->location);
	free(p->www_authenticate);
	free(p->range);
	free(p->body);
	memset(p, 0, sizeof(*p));
	p->content_length = -1;
}

void reg_xfer_init(struct reg_xfer *x, struct reg *r, const char *method, char *url)
{
	memset(x, 0, sizeof(*x));
	x->r = r;
	x->method = method;
	x->url = url;
	x->body_fd = -1;
	x->max_body = ERRBODY_MAX;
	x->resp.content_length = -1;
}

void reg_xfer_fini(struct reg_xfer *x)
{
	if (x->easy) {
		if (!x->done && x->r && x->r->multi) {
			curl_multi_remove_handle(x->r->multi, x->easy);
			x->r->active--;
		}
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hdrs);
	resp_clear(&x->resp);
	berr_free(&x->err);
	free(x->url);
	free(x->range);
	free(x->content_range);
	memset(x, 0, sizeof(*x));
	x->body_fd = -1;
}

void reg_xfer_reset(struct reg_xfer *x)
{
	resp_clear(&x->resp);
	berr_free(&x->err);
	x->done = false;
	x->net_error = false;
	x->retryable = false;
	x->auth_retried = false;
	x->upload_pos = 0;
	x->received = 0;
	x->errbuf[0] = '\0';
}

static bool valid_header_value(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static size_t on_header(char *buf, size_t size, size_t nmemb, void *ctx)
{
	struct reg_xfer *x = ctx;
	size_t n = size * nmemb, nl, vl;
	const char *colon, *v;
	char **slot = NULL;

	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): forget the last one's. */
		resp_clear(&x->resp);
		return n;
	}
	colon = memchr(buf, ':', n);
	if (!colon)
		return n;
	nl = (size_t)(colon - buf);
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (vl > HEADER_VALUE_MAX || !valid_header_value(v, vl))
		return n; /* ignored: nothing berth needs is that long or binary */
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(buf, name, nl) == 0)
	if (IS("Content-Type"))
		slot = &x->resp.content_type;
	else if (IS("Docker-Content-Digest"))
		slot = &x->resp.digest;
	else if (IS("Location"))
		slot = &x->resp.location;
	else if (IS("Range"))
		slot = &x->resp.range;
	else if (IS("WWW-Authenticate")) {
		/* Several challenge headers are one list (RFC 7230 3.2.2). */
		if (x->resp.www_authenticate) {
			char *joined = xasprintf("%s, %.*s", x->resp.www_authenticate, (int)vl, v);
			free(x->resp.www_authenticate);
			x->resp.www_authenticate = joined;
			return n;
		}
		slot = &x->resp.www_authenticate;
	} else if (IS("Content-Length")) {
		char tmp[32], *end;
		if (vl > 0 && vl < sizeof(tmp)) {
			memcpy(tmp, v, vl);
			tmp[vl] = '\0';
			errno = 0;
			long long cl = strtoll(tmp, &end, 10);
			if (!errno && *end == '\0' && cl >= 0)
				x->resp.content_length = cl;
		}
		return n;
	}
#undef IS
	if (slot) {
		free(*slot);
		*slot = xstrndup(v, vl);
	}
	return n;
}

static long current_status(struct reg_xfer *x)
{
	long st = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
	return st;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct reg_xfer *x = ctx;
	size_t n = size * nmemb, limit;
	long st = current_status(x);
	bool ok = st >= 200 && st < 300;

	x->received += (long long)n;
	if (ok && x->sink) {
		if (x->sink(x->sink_ctx, data, n, &x->err) < 0)
			return 0;
		return n;
	}
	limit = ok ? x->max_body : ERRBODY_MAX;
	if (x->resp.body_len + n > limit) {
		if (ok) {
			berr_make_status(&x->err, EXIT_PULL, 0, "%s",
					 x->too_large ? x->too_large : "response from the registry is too large");
			return 0;
		}
		/* An error body: its beginning says enough. */
		n = limit - x->resp.body_len;
		if (n == 0)
			return size * nmemb;
	}
	x->resp.body = xrealloc(x->resp.body, x->resp.body_len + n + 1);
	memcpy(x->resp.body + x->resp.body_len, data, n);
	x->resp.body_len += n;
	x->resp.body[x->resp.body_len] = '\0';
	return size * nmemb;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ctx)
{
	struct reg_xfer *x = ctx;
	size_t want = size * nmemb;
	long long left;

	if (x->body) {
		left = (long long)x->body_len - x->upload_pos;
		if ((long long)want > left)
			want = (size_t)left;
		memcpy(buf, x->body + x->upload_pos, want);
		x->upload_pos += (off_t)want;
		return want;
	}
	if (x->body_fd < 0)
		return 0;
	left = x->body_size - x->upload_pos;
	if ((long long)want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	for (;;) {
		ssize_t got = pread(x->body_fd, buf, want, x->body_off + x->upload_pos);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			berr_make(&x->err, got < 0 ? errno : 0, "cannot read the blob to upload%s",
				  got == 0 ? ": file shorter than expected" : "");
			return CURL_READFUNC_ABORT;
		}
		x->upload_pos += got;
		return (size_t)got;
	}
}

static int on_seek(void *ctx, curl_off_t offset, int origin)
{
	struct reg_xfer *x = ctx;
	if (origin != SEEK_SET || offset < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	x->upload_pos = (off_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int on_xferinfo(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct reg_xfer *x = ctx;
	if (x->on_progress) {
		if (x->has_body)
			x->on_progress(x, ulnow, ultotal);
		else
			x->on_progress(x, dlnow, dltotal);
	}
	return 0;
}

static void add_header(struct reg_xfer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_header(struct reg_xfer *x, const char *fmt, ...)
{
	cleanup_free char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		x->hdrs = curl_slist_append(x->hdrs, line);
}

int reg_start(struct reg_xfer *x, berr_t *err)
{
	struct reg *r = x->r;
	CURL *e;

	if (!x->easy && !(x->easy = curl_easy_init()))
		return berr_make(err, 0, "cannot initialise libcurl");
	e = x->easy;
	curl_easy_reset(e);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	resp_clear(&x->resp);
	x->done = false;
	x->upload_pos = 0;
	x->received = 0;
	x->errbuf[0] = '\0';

	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, r->timeout);
	/* A stall is any stretch of `timeout` seconds with under a byte a
	 * second moving, waiting for an answer included. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r->timeout);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
	if (x->on_progress) {
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	}
	if (strcmp(x->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(x->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		long long size = x->body ? (long long)x->body_len : x->body_fd >= 0 ? x->body_size : 0;
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, x);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
		if (strcmp(x->method, "POST") == 0) {
			curl_easy_setopt(e, CURLOPT_POST, 1L);
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
		} else {
			curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
			if (strcmp(x->method, "PUT") != 0)
				curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
		}
		x->has_body = true;
		/* No "Expect: 100-continue" round trip: registries read the
		 * body anyway. */
		add_header(x, "Expect:");
	}
	if (x->accept)
		add_header(x, "Accept: %s", x->accept);
	if (x->content_type)
		add_header(x, "Content-Type: %s", x->content_type);
	if (x->range)
		add_header(x, "Range: %s", x->range);
	if (x->content_range)
		add_header(x, "Content-Range: %s", x->content_range);
	if (r->authz && !x->no_auth)
		add_header(x, "%s", r->authz);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	if (curl_multi_add_handle(r->multi, e) != CURLM_OK)
		return berr_make(err, 0, "cannot start a transfer (libcurl)");
	r->active++;
	return 0;
}

/* Go's method spelling in errors: "Get", "Head". */
static const char *go_method(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return "Get";
	if (strcmp(m, "HEAD") == 0)
		return "Head";
	if (strcmp(m, "PUT") == 0)
		return "Put";
	if (strcmp(m, "POST") == 0)
		return "Post";
	if (strcmp(m, "PATCH") == 0)
		return "Patch";
	return m;
}

/* The URL as it may be shown: without query parameters, which can carry
 * upload state or signatures. */
static char *shown_url(const char *url)
{
	return xstrndup(url, strcspn(url, "?#"));
}

static void net_error(struct reg_xfer *x, CURLcode code)
{
	struct reg *r = x->r;
	cleanup_free char *hp = url_hostport(x->url);
	cleanup_free char *u = shown_url(x->url);
	long oserr = 0;
	const char *m = go_method(x->method);

	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
	x->net_error = true;
	x->retryable = code != CURLE_COULDNT_CONNECT && code != CURLE_COULDNT_RESOLVE_HOST &&
		       code != CURLE_OPERATION_TIMEDOUT;
	switch (code) {
	case CURLE_COULDNT_CONNECT:
	{
		/* Go spells system errors in lower case. */
		char why[128];
		snprintf(why, sizeof(why), "%s", oserr ? strerror((int)oserr) : "connection refused");
		if (why[0] >= 'A' && why[0] <= 'Z')
			why[0] = (char)(why[0] - 'A' + 'a');
		berr_make_status(&x->err, EXIT_PULL, 0, "%s \"%s\": dial tcp %s: connect: %s", m, u, hp ? hp : "",
				 why);
	}
		break;
	case CURLE_COULDNT_RESOLVE_HOST: {
		cleanup_free char *host = hp ? xstrndup(hp, strcspn(hp, ":")) : xstrdup("");
		if (hp && hp[0] == '[')
			host = (free(host), xstrndup(hp + 1, strcspn(hp + 1, "]")));
		berr_make_status(&x->err, EXIT_PULL, 0, "%s \"%s\": dial tcp: lookup %s: no such host", m, u, host);
		break;
	}
	case CURLE_OPERATION_TIMEDOUT:
		berr_make_status(&x->err, EXIT_PULL, 0,
				 "%s \"%s\": timeout: the registry did not answer for %ld seconds "
				 "(BERTH_REGISTRY_TIMEOUT=%ld)",
				 m, u, r->timeout, r->timeout);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		berr_make_status(&x->err, EXIT_PULL, 0,
				 "%s \"%s\": tls: %s (a registry that speaks plain HTTP must be listed in "
				 "\"insecure-registries\" in %s)",
				 m, u, x->errbuf[0] ? x->errbuf : curl_easy_strerror(code),
				 r->cfg.path ? r->cfg.path : "ROOT/daemon.json");
		break;
	case CURLE_GOT_NOTHING:
		berr_make_status(&x->err, EXIT_PULL, 0, "%s \"%s\": EOF", m, u);
		break;
	default:
		berr_make_status(&x->err, EXIT_PULL, 0, "%s \"%s\": %s", m, u,
				 x->errbuf[0] ? x->errbuf : curl_easy_strerror(code));
	}
}

bool reg_same_origin(const char *a, const char *b)
{
	CURLU *ua = curl_url(), *ub = curl_url();
	char *sa = NULL, *sb = NULL, *ha = NULL, *hb = NULL, *pa = NULL, *pb = NULL;
	bool same = false;

	if (ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
	    curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK &&
	    curl_url_get(ua, CURLUPART_SCHEME, &sa, 0) == CURLUE_OK &&
	    curl_url_get(ub, CURLUPART_SCHEME, &sb, 0) == CURLUE_OK &&
	    curl_url_get(ua, CURLUPART_HOST, &ha, 0) == CURLUE_OK &&
	    curl_url_get(ub, CURLUPART_HOST, &hb, 0) == CURLUE_OK &&
	    curl_url_get(ua, CURLUPART_PORT, &pa, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    curl_url_get(ub, CURLUPART_PORT, &pb, CURLU_DEFAULT_PORT) == CURLUE_OK)
		same = strcasecmp(sa, sb) == 0 && strcasecmp(ha, hb) == 0 && strcmp(pa, pb) == 0;
	curl_free(sa);
	curl_free(sb);
	curl_free(ha);
	curl_free(hb);
	curl_free(pa);
	curl_free(pb);
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

char *reg_resolve_location(struct reg_xfer *x)
{
	CURLU *u;
	char *out = NULL, *scheme = NULL, *res = NULL;

	if (!x->resp.location || !*x->resp.location)
		return NULL;
	u = curl_url();
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, x->url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, x->resp.location, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		res = xstrdup(out);
	curl_free(out);
	curl_free(scheme);
	curl_url_cleanup(u);
	return res;
}

static int fetch_token(struct reg *r, const char *extra_scope, const char *account, berr_t *err);
static int answer_challenge(struct reg_xfer *x, berr_t *err);

static void finish(struct reg_xfer *x, CURLcode code)
{
	struct reg *r = x->r;
	long st;

	curl_multi_remove_handle(r->multi, x->easy);
	r->active--;
	if (code != CURLE_OK) {
		if (!x->err)
			net_error(x, code);
		x->done = true;
		return;
	}
	st = current_status(x);
	x->resp.status = st;
	if (st == 401 && !x->auth_retried && !x->no_auth && x->resp.www_authenticate) {
		x->auth_retried = true;
		if (answer_challenge(x, &x->err) < 0) {
			x->done = true;
			return;
		}
		if (reg_start(x, &x->err) < 0)
			x->done = true;
		return;
	}
	if (x->follow && (st == 301 || st == 302 || st == 303 || st == 307 || st == 308)) {
		char *next = reg_resolve_location(x);
		cleanup_free char *u = shown_url(x->url);
		if (!next) {
			berr_make_status(&x->err, EXIT_PULL, 0, "%s \"%s\": redirect to an unusable location",
					 go_method(x->method), u);
			x->done = true;
			return;
		}
		if (++x->redirects > MAX_REDIRECTS) {
			free(next);
			berr_make_status(&x->err, EXIT_PULL, 0, "%s \"%s\": stopped after %d redirects",
					 go_method(x->method), u, MAX_REDIRECTS);
			x->done = true;
			return;
		}
		/* Credentials are for the registry alone. */
		if (!reg_same_origin(x->url, next))
			x->no_auth = true;
		free(x->url);
		x->url = next;
		if (reg_start(x, &x->err) < 0)
			x->done = true;
		return;
	}
	x->done = true;
}

int reg_run(struct reg *r, int wake_fd, int timeout_ms, berr_t *err)
{
	struct curl_waitfd w = {.fd = wake_fd, .events = CURL_WAIT_POLLIN};
	CURLMsg *m;
	int running, left;
	bool finished = false;

	if (curl_multi_perform(r->multi, &running) != CURLM_OK)
		return berr_make(err, 0, "libcurl: transfer failed");
	while ((m = curl_multi_info_read(r->multi, &left))) {
		struct reg_xfer *x = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			finish(x, m->data.result);
		finished = true;
	}
	/* finish() may have restarted transfers: run them before sleeping,
	 * and let the caller look at what finished. */
	if (finished)
		return 0;
	if (curl_multi_poll(r->multi, wake_fd >= 0 ? &w : NULL, wake_fd >= 0 ? 1 : 0, timeout_ms, NULL) != CURLM_OK)
		return berr_make(err, 0, "libcurl: poll failed");
	return 0;
}

int reg_do(struct reg_xfer *x, berr_t *err)
{
	if (reg_start(x, err) < 0)
		return -1;
	while (!x->done)
		if (reg_run(x->r, -1, 1000, err) < 0)
			return -1;
	if (x->err) {
		*err = steal_pointer(&x->err);
		return -1;
	}
	return 0;
}

/* ---- errors ------------------------------------------------------------- */

static const char *status_text(long st)
{
	switch (st) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Request Entity Too Large";
	case 416: return "Requested Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

/* docker's errcode formatting: "MANIFEST_UNKNOWN" -> "manifest unknown". */
static char *code_words(const char *code)
{
	char *s = xstrndup(code, 64);
	for (char *p = s; *p; p++) {
		if (*p == '_')
			*p = ' ';
		else if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	}
	return s;
}

/* A message from the network, made printable and short. */
static char *printable(const char *s, size_t max)
{
	char *o = xstrndup(s, max);
	for (char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	return o;
}

/* "code: message" from {"errors": [{"code", "message"}, ...]}, or NULL. */
static char *registry_errors(const char *body, size_t len)
{
	json_error_t jerr;
	json_t *root, *errs, *e0, *c, *msg, *details;
	char *out = NULL;

	if (!body || len == 0)
		return NULL;
	root = json_loadb(body, len, 0, &jerr);
	if (!root)
		return NULL;
	errs = json_object_get(root, "errors");
	e0 = json_is_array(errs) ? json_array_get(errs, 0) : NULL;
	if (json_is_object(e0)) {
		c = json_object_get(e0, "code");
		msg = json_object_get(e0, "message");
		cleanup_free char *words = json_is_string(c) ? code_words(json_string_value(c)) : xstrdup("error");
		cleanup_free char *m = json_is_string(msg) ? printable(json_string_value(msg), 512) : NULL;
		out = m && *m ? xasprintf("%s: %s", words, m) : xstrdup(words);
	} else if (json_is_string(details = json_object_get(root, "details"))) {
		/* Docker Hub's token server: {"details": "incorrect username or password"} */
		cleanup_free char *m = printable(json_string_value(details), 512);
		out = xstrdup(m);
	}
	json_decref(root);
	return out;
}

int reg_http_error(struct reg_xfer *x, const char *what, berr_t *err)
{
	cleanup_free char *msg = registry_errors(x->resp.body, x->resp.body_len);
	cleanup_free char *u = shown_url(x->url);
	long st = x->resp.status;

	if (!msg) {
		if (st == 401)
			msg = xstrdup("unauthorized: authentication required");
		else if (st == 403)
			msg = xstrdup("denied: requested access to the resource is denied");
		else if (st == 404)
			msg = xstrdup("not found");
		else
			msg = xasprintf("unexpected status from %s request to %s: %ld %s", x->method, u, st,
					status_text(st));
	} else if (st == 401 && strncmp(msg, "unauthorized", 12) != 0) {
		char *m = xasprintf("unauthorized: %s", msg);
		free(msg);
		msg = m;
	}
	if (what)
		return berr_make_status(err, EXIT_PULL, 0, "%s: %s", what, msg);
	return berr_make_status(err, EXIT_PULL, 0, "%s", msg);
}

/* ---- auth --------------------------------------------------------------- */

static void set_authz(struct reg *r, char *line)
{
	free(r->authz);
	r->authz = line;
}

static char *repo_scope(struct reg *r)
{
	if (!r->repo)
		return NULL;
	return xasprintf("repository:%s:%s", r->repo, r->push ? "pull,push" : "pull");
}

struct membuf {
	char *data;
	size_t len, max;
	bool too_big;
};

static size_t membuf_write(char *d, size_t s, size_t n, void *ctx)
{
	struct membuf *m = ctx;
	size_t len = s * n;
	if (m->len + len > m->max) {
		m->too_big = true;
		return 0;
	}
	m->data = xrealloc(m->data, m->len + len + 1);
	memcpy(m->data + m->len, d, len);
	m->len += len;
	m->data[m->len] = '\0';
	return len;
}

static void append_param(char **url, bool *first, const char *name, const char *value, CURL *e)
{
	char *esc = curl_easy_escape(e, value, 0);
	char *next = xasprintf("%s%c%s=%s", *url, *first ? (strchr(*url, '?') ? '&' : '?') : '&', name,
			       esc ? esc : "");
	curl_free(esc);
	free(*url);
	*url = next;
	*first = false;
}

/* GET realm?service=..&scope=..: a Bearer token for this repository (and
 * another scope a challenge asked for), with Basic credentials when we
 * have them.  Its own easy handle: a token is needed in the middle of
 * other transfers. */
static int fetch_token(struct reg *r, const char *extra_scope, const char *account, berr_t *err)
{
	cleanup_free char *url = xstrdup(r->realm);
	cleanup_free char *scope = repo_scope(r);
	cleanup_free char *shown = NULL;
	cleanup_free char *token = NULL;
	struct membuf body = {.max = 1024 * 1024};
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *e = curl_easy_init();
	bool first = true;
	long st = 0, expires;
	CURLcode code;
	int rc = -1;

	if (!e)
		return berr_make(err, 0, "cannot initialise libcurl");
	if (r->service && *r->service)
		append_param(&url, &first, "service", r->service, e);
	if (scope)
		append_param(&url, &first, "scope", scope, e);
	for (char **m = r->mount_from; m && *m; m++) {
		cleanup_free char *s = xasprintf("repository:%s:pull", *m);
		append_param(&url, &first, "scope", s, e);
	}
	if (extra_scope && (!scope || strcmp(extra_scope, scope) != 0))
		append_param(&url, &first, "scope", extra_scope, e);
	if (account)
		append_param(&url, &first, "account", account, e);
	shown = shown_url(url);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, r->timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r->timeout);
	/* curl itself drops the credentials if this redirects elsewhere
	 * (CURLOPT_UNRESTRICTED_AUTH stays off). */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, membuf_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	if (r->have_cred && r->cred.username) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, r->cred.username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, r->cred.password ? r->cred.password : "");
	}
	code = curl_easy_perform(e);
	if (code != CURLE_OK) {
		if (body.too_big)
			berr_make_status(err, EXIT_PULL, 0, "Get \"%s\": token server answer too large", shown);
		else if (code == CURLE_OPERATION_TIMEDOUT)
			berr_make_status(err, EXIT_PULL, 0,
					 "Get \"%s\": timeout: the token server did not answer for %ld seconds", shown,
					 r->timeout);
		else
			berr_make_status(err, EXIT_PULL, 0, "Get \"%s\": %s", shown,
					 errbuf[0] ? errbuf : curl_easy_strerror(code));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &st);
	if (st != 200) {
		cleanup_free char *msg = registry_errors(body.data, body.len);
		if (st == 401 || st == 403) {
			const char *why = r->have_cred ? "incorrect username or password" : "authentication required";
			if (msg && strncmp(msg, "unauthorized", 12) == 0)
				berr_make_status(err, EXIT_PULL, 0, "%s", msg);
			else
				berr_make_status(err, EXIT_PULL, 0, "unauthorized: %s", msg ? msg : why);
		} else {
			berr_make_status(err, EXIT_PULL, 0, "Get \"%s\": token server answered %ld %s%s%s", shown, st,
					 status_text(st), msg ? ": " : "", msg ? msg : "");
		}
		goto out;
	}
	if (auth_parse_token(body.data ? body.data : "", body.len, &token, &expires, err) < 0) {
		berr_wrap(err, "Get \"%s\"", shown);
		goto out;
	}
	set_authz(r, xasprintf("Authorization: Bearer %s", token));
	rc = 0;
out:
	free(body.data);
	curl_easy_cleanup(e);
	return rc;
}

static int check_realm(const char *realm, berr_t *err)
{
	if (!realm || !(str_has_prefix(realm, "https://") || str_has_prefix(realm, "http://")) ||
	    strpbrk(realm, " \t\r\n#"))
		return berr_make_status(err, EXIT_PULL, 0, "the registry's Bearer challenge has no usable realm");
	return 0;
}

/* Pick the challenge berth answers: Bearer, else Basic. */
static int pick_challenge(struct reg *r, const char *hdr, char **scope_out, berr_t *err)
{
	struct auth_challenge *c = NULL, *pick = NULL;
	size_t n = 0;

	if (scope_out)
		*scope_out = NULL;
	if (auth_parse_challenges(hdr, strlen(hdr), &c, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && !pick; i++)
		if (c[i].scheme == AUTH_BEARER)
			pick = &c[i];
	for (size_t i = 0; i < n && !pick; i++)
		if (c[i].scheme == AUTH_BASIC)
			pick = &c[i];
	if (!pick) {
		auth_challenges_free(c, n);
		return berr_make_status(err, EXIT_PULL, 0, "the registry asks for an authentication scheme berth does "
							  "not speak (only Basic and Bearer)");
	}
	r->scheme = pick->scheme;
	if (pick->scheme == AUTH_BEARER) {
		if (check_realm(pick->realm, err) < 0) {
			auth_challenges_free(c, n);
			return -1;
		}
		free(r->realm);
		r->realm = xstrdup(pick->realm);
		free(r->service);
		r->service = pick->service ? xstrdup(pick->service) : NULL;
		if (scope_out && pick->scope)
			*scope_out = xstrdup(pick->scope);
	}
	auth_challenges_free(c, n);
	return 0;
}

static char *basic_line(struct reg *r)
{
	cleanup_free char *b64 = auth_basic_encode(r->cred.username, r->cred.password ? r->cred.password : "");
	return xasprintf("Authorization: Basic %s", b64);
}

static int answer_challenge(struct reg_xfer *x, berr_t *err)
{
	struct reg *r = x->r;
	cleanup_free char *scope = NULL;
	bool had_basic = r->authz && str_has_prefix(r->authz, "Authorization: Basic");

	if (pick_challenge(r, x->resp.www_authenticate, &scope, err) < 0)
		return -1;
	if (r->scheme == AUTH_BEARER)
		return fetch_token(r, scope, NULL, err);
	if (!r->have_cred || !r->cred.username) {
		cleanup_free char *u = shown_url(x->url);
		return berr_make_status(err, EXIT_PULL, 0, "%s \"%s\": no basic auth credentials", go_method(x->method),
					u);
	}
	if (had_basic)
		return berr_make_status(err, EXIT_PULL, 0, "unauthorized: incorrect username or password");
	set_authz(r, basic_line(r));
	return 0;
}

int reg_ping(struct reg *r, berr_t *err)
{
	struct reg_xfer x;
	int rc = -1;

	reg_xfer_init(&x, r, "GET", xasprintf("%s/v2/", r->base));
	/* The ping goes out bare: its 401 is how the registry says what it
	 * wants. */
	x.no_auth = true;
	if (reg_do(&x, err) < 0)
		goto out;
	if (x.resp.status == 200) {
		r->scheme = AUTH_OTHER;
		r->pinged = true;
		rc = 0;
		goto out;
	}
	if (x.resp.status != 401) {
		reg_http_error(&x, NULL, err);
		berr_wrap(err, "Get \"%s/v2/\"", r->base);
		goto out;
	}
	if (!x.resp.www_authenticate) {
		berr_make_status(err, EXIT_PULL, 0, "Get \"%s/v2/\": 401 Unauthorized without a WWW-Authenticate header",
				 r->base);
		goto out;
	}
	if (pick_challenge(r, x.resp.www_authenticate, NULL, err) < 0)
		goto out;
	r->pinged = true;
	if (r->scheme == AUTH_BEARER) {
		if (fetch_token(r, NULL, NULL, err) < 0)
			goto out;
	} else if (r->have_cred && r->cred.username) {
		set_authz(r, basic_line(r));
	}
	rc = 0;
out:
	reg_xfer_fini(&x);
	return rc;
}

void reg_want_push(struct reg *r, char *const *mount_from)
{
	bool changed = !r->push;
	size_t n = 0;

	r->push = true;
	cleanup_strvp(&r->mount_from);
	r->mount_from = xcalloc(1, sizeof(char *));
	for (char *const *m = mount_from; m && *m; m++) {
		r->mount_from = xrealloc(r->mount_from, (n + 2) * sizeof(char *));
		r->mount_from[n++] = xstrdup(*m);
		r->mount_from[n] = NULL;
		changed = true;
	}
	/* A Bearer token covers the scopes it was asked for: ask again. */
	if (changed && r->scheme == AUTH_BEARER) {
		berr_t e = NULL;
		if (fetch_token(r, NULL, NULL, &e) < 0)
			berr_free(&e); /* the next 401 asks again, and reports */
	}
}

char *reg_host(struct reg *r)
{
	char *h = url_hostport(r->base);
	return h ? h : xstrdup(r->domain);
}

void reg_note_blob(struct reg *r, sqlite3 *db, const char *digest)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *host = reg_host(r);

	if (!db || !r->repo)
		return;
	/* Best effort: a mount is an optimisation. */
	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO blob_sources(digest, registry, repository, added) VALUES (?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ns());
	sqlite3_step(st);
}

char *reg_mount_source(struct reg *r, sqlite3 *db, const char *digest)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *host = reg_host(r);

	if (!db || !r->repo)
		return NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? AND repository != ? "
			       "ORDER BY added DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->repo, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return NULL;
	return xstrdup((const char *)sqlite3_column_text(st, 0));
}

/* ---- login -------------------------------------------------------------- */

int registry_server_domain(const char *server, char **out, berr_t *err)
{
	const char *s = server;
	size_t n;

	*out = NULL;
	if (!s || !*s) {
		*out = xstrdup("docker.io");
		return 0;
	}
	if (str_has_prefix(s, "http://"))
		s += 7;
	else if (str_has_prefix(s, "https://"))
		s += 8;
	n = strcspn(s, "/");
	if (n == 0 || n > 255)
		return berr_make(err, 0, "invalid registry address \"%s\"", server);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
			return berr_make(err, 0, "invalid registry address \"%s\"", server);
	}
	*out = xstrndup(s, n);
	if (is_docker_hub(*out)) {
		free(*out);
		*out = xstrdup("docker.io");
	}
	return 0;
}

int registry_login(struct berth *b, const char *server, const char *user, const char *pass, char **key_out,
		   berr_t *err)
{
	cleanup_free char *domain = NULL;
	struct reg *r = NULL;
	struct reg_xfer x;
	int rc = -1;

	*key_out = NULL;
	reg_xfer_init(&x, NULL, "GET", NULL);
	if (registry_server_domain(server, &domain, err) < 0 || reg_open(b, domain, NULL, NULL, &r, err) < 0)
		goto out;
	/* The credentials to check are the ones given, not the stored ones. */
	auth_cred_clear(&r->cred);
	r->cred.username = xstrdup(user);
	r->cred.password = xstrdup(pass);
	r->have_cred = true;

	reg_xfer_fini(&x);
	reg_xfer_init(&x, r, "GET", xasprintf("%s/v2/", r->base));
	x.no_auth = true;
	if (reg_do(&x, err) < 0)
		goto out;
	if (x.resp.status == 401) {
		if (!x.resp.www_authenticate) {
			berr_make_status(err, 1, 0, "login failed: 401 Unauthorized without a WWW-Authenticate header");
			goto out;
		}
		if (pick_challenge(r, x.resp.www_authenticate, NULL, err) < 0)
			goto out;
		if (r->scheme == AUTH_BEARER) {
			if (fetch_token(r, NULL, user, err) < 0)
				goto out;
		} else {
			set_authz(r, basic_line(r));
		}
		reg_xfer_fini(&x);
		reg_xfer_init(&x, r, "GET", xasprintf("%s/v2/", r->base));
		if (reg_do(&x, err) < 0)
			goto out;
		if (x.resp.status == 401) {
			/* The registry's own words ("authentication required")
			 * say less than what happened. */
			berr_make_status(err, 1, 0, "login failed: unauthorized: incorrect username or password");
			goto out;
		}
	}
	if (x.resp.status != 200) {
		reg_http_error(&x, "login failed", err);
		goto out;
	}
	if (auth_cred_store(NULL, domain, user, pass, err) < 0)
		goto out;
	*key_out = auth_server_key(domain);
	rc = 0;
out:
	if (rc < 0 && *err && (*err)->status != 1)
		(*err)->status = 1;
	if (rc < 0 && *err && !str_has_prefix((*err)->msg, "login failed"))
		berr_wrap(err, "login failed");
	reg_xfer_fini(&x);
	reg_close(r);
	return rc;
}
