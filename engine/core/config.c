/* config.c: berth's daemon.json (see config.h).
 *
 * The checks follow dockerd's (registry/config.go): a mirror is an http or
 * https URL without credentials, query or fragment; an insecure registry is
 * "host[:port]" or a CIDR, never a URL.  A learner who writes the file by
 * hand gets the same refusal dockerd would give, with the file's name.
 */
#define _GNU_SOURCE
#include "config.h"
#include "cleanup.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_DOWNLOADS 3
#define DEFAULT_UPLOADS 5
#define SYSTEM_CONFIG "/etc/berth/daemon.json"
/* A configuration file is a few hundred bytes; refuse something absurd
 * rather than read it into memory. */
#define CONFIG_MAX (1024 * 1024)

char *config_path(struct berth *b)
{
	const char *env = getenv("BERTH_CONFIG");
	if (env && *env)
		return xstrdup(env);
	char *p = berth_path(b, "daemon.json");
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return xstrdup(SYSTEM_CONFIG);
}

void config_clear(struct berth_config *c)
{
	free(c->path);
	cleanup_strvp(&c->registry_mirrors);
	cleanup_strvp(&c->insecure_registries);
	memset(c, 0, sizeof(*c));
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* A string array, or a one-line error naming the key. */
static int string_array(json_t *root, const char *key, const char *origin, json_t **out, berr_t *err)
{
	json_t *a = json_object_get(root, key);
	size_t i;
	json_t *v;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return berr_make(err, 0, "%s: \"%s\" must be a list of strings", origin, key);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return berr_make(err, 0, "%s: \"%s\" must be a list of strings", origin, key);
	}
	*out = a;
	return 0;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f)
			return true;
	return false;
}

/* dockerd's ValidateMirror. */
static int check_mirror(const char *v, const char *origin, char **out, berr_t *err)
{
	const char *rest;
	size_t len;

	if (str_has_prefix(v, "http://"))
		rest = v + 7;
	else if (str_has_prefix(v, "https://"))
		rest = v + 8;
	else if (strstr(v, "://"))
		return berr_make(err, 0, "%s: invalid mirror: unsupported scheme in \"%s\"", origin, v);
	else
		return berr_make(err, 0, "%s: invalid mirror: \"%s\" is not a valid URI (want http://HOST[:PORT])",
				 origin, v);
	if (!*rest || *rest == '/' || has_ctl(v))
		return berr_make(err, 0, "%s: invalid mirror: \"%s\" is not a valid URI", origin, v);
	if (strpbrk(v, "?#"))
		return berr_make(err, 0, "%s: invalid mirror: query or fragment at end of the URI \"%s\"", origin, v);
	if (memchr(rest, '@', strcspn(rest, "/")))
		return berr_make(err, 0, "%s: invalid mirror: username/password not allowed in URI \"%s\"", origin,
				 v);
	len = strlen(v);
	while (len > 0 && v[len - 1] == '/')
		len--;
	*out = xstrndup(v, len);
	return 0;
}

/* CIDR "a.b.c.d/n" or "x::y/n" into family, address bytes and prefix. */
static bool parse_cidr(const char *s, int *family, unsigned char addr[16], int *bits)
{
	const char *slash = strchr(s, '/');
	char host[64];
	char *end;
	long n;

	if (!slash || (size_t)(slash - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	errno = 0;
	n = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1)
		return false;
	if (inet_pton(AF_INET, host, addr) == 1) {
		*family = AF_INET;
		if (n < 0 || n > 32)
			return false;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		*family = AF_INET6;
		if (n < 0 || n > 128)
			return false;
	} else {
		return false;
	}
	*bits = (int)n;
	return true;
}

static bool cidr_contains(int family, const unsigned char *net, int bits, int afam, const unsigned char *a)
{
	if (family != afam)
		return false;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((net[i] & mask) != (a[i] & mask))
			return false;
	}
	return true;
}

static int check_insecure(const char *v, const char *origin, berr_t *err)
{
	int fam, bits;
	unsigned char addr[16];

	if (strstr(v, "://"))
		return berr_make(err, 0, "%s: insecure registry %s should not contain '://'", origin, v);
	if (!*v || has_ctl(v) || strpbrk(v, "?#@"))
		return berr_make(err, 0, "%s: invalid insecure registry \"%s\"", origin, v);
	if (strchr(v, '/') && !parse_cidr(v, &fam, addr, &bits))
		return berr_make(err, 0, "%s: invalid insecure registry \"%s\" (want HOST[:PORT] or a CIDR)", origin,
				 v);
	return 0;
}

static int check_count(json_t *root, const char *key, const char *origin, int def, int *out, berr_t *err)
{
	json_t *v = json_object_get(root, key);
	*out = def;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 64)
		return berr_make(err, 0, "%s: \"%s\" must be a number from 1 to 64", origin, key);
	*out = (int)json_integer_value(v);
	return 0;
}

int config_parse(const char *buf, size_t len, const char *origin, struct berth_config *c, berr_t *err)
{
	json_error_t jerr;
	json_t *root, *a, *v;
	size_t i, n = 0;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->max_concurrent_downloads = DEFAULT_DOWNLOADS;
	c->max_concurrent_uploads = DEFAULT_UPLOADS;
	c->registry_mirrors = xcalloc(1, sizeof(char *));
	c->insecure_registries = xcalloc(1, sizeof(char *));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		config_clear(c);
		return berr_make(err, 0, "%s: invalid JSON: %s (line %d)", origin, jerr.text, jerr.line);
	}
	if (!json_is_object(root)) {
		berr_make(err, 0, "%s: the configuration must be a JSON object", origin);
		goto out;
	}
	if (string_array(root, "registry-mirrors", origin, &a, err) < 0)
		goto out;
	if (a) {
		json_array_foreach(a, i, v)
		{
			char *m = NULL;
			if (check_mirror(json_string_value(v), origin, &m, err) < 0)
				goto out;
			strv_push(&c->registry_mirrors, &n, m);
		}
	}
	if (string_array(root, "insecure-registries", origin, &a, err) < 0)
		goto out;
	n = 0;
	if (a) {
		json_array_foreach(a, i, v)
		{
			if (check_insecure(json_string_value(v), origin, err) < 0)
				goto out;
			strv_push(&c->insecure_registries, &n, xstrdup(json_string_value(v)));
		}
	}
	if (check_count(root, "max-concurrent-downloads", origin, DEFAULT_DOWNLOADS, &c->max_concurrent_downloads,
			err) < 0 ||
	    check_count(root, "max-concurrent-uploads", origin, DEFAULT_UPLOADS, &c->max_concurrent_uploads, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	if (rc < 0)
		config_clear(c);
	return rc;
}

int config_load(struct berth *b, struct berth_config *c, berr_t *err)
{
	cleanup_free char *path = config_path(b);
	cleanup_free char *buf = NULL;
	size_t len;

	if (read_file(path, &buf, &len, err) < 0) {
		if ((*err)->errnum != ENOENT)
			return -1;
		berr_free(err);
		return config_parse("{}", 2, path, c, err);
	}
	if (len > CONFIG_MAX)
		return berr_make(err, 0, "%s: too large for a configuration file", path);
	if (config_parse(buf, len, path, c, err) < 0)
		return -1;
	c->path = steal_pointer(&path);
	return 0;
}

/* Split "host:port", "[v6]:port", "host" into the host alone. */
static char *domain_host(const char *domain)
{
	const char *colon;

	if (domain[0] == '[') {
		const char *close = strchr(domain, ']');
		return close ? xstrndup(domain + 1, (size_t)(close - domain - 1)) : xstrdup(domain);
	}
	colon = strrchr(domain, ':');
	return colon ? xstrndup(domain, (size_t)(colon - domain)) : xstrdup(domain);
}

static bool addr_insecure(const struct berth_config *c, int family, const unsigned char *a)
{
	static const unsigned char loop4[4] = {127, 0, 0, 0};
	static const unsigned char loop6[16] = {[15] = 1};
	int fam, bits;
	unsigned char net[16];

	if (cidr_contains(AF_INET, loop4, 8, family, a) || cidr_contains(AF_INET6, loop6, 128, family, a))
		return true;
	for (char **p = c ? c->insecure_registries : NULL; p && *p; p++)
		if (parse_cidr(*p, &fam, net, &bits) && cidr_contains(fam, net, bits, family, a))
			return true;
	return false;
}

static bool has_cidr(const struct berth_config *c)
{
	int fam, bits;
	unsigned char net[16];
	for (char **p = c ? c->insecure_registries : NULL; p && *p; p++)
		if (parse_cidr(*p, &fam, net, &bits))
			return true;
	return false;
}

bool config_registry_insecure(const struct berth_config *c, const char *domain)
{
	cleanup_free char *host = domain_host(domain);
	unsigned char a[16];

	for (char **p = c ? c->insecure_registries : NULL; p && *p; p++)
		if (strcmp(*p, domain) == 0)
			return true;
	if (strcmp(host, "localhost") == 0 || str_has_suffix(host, ".localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return addr_insecure(c, AF_INET, a);
	if (inet_pton(AF_INET6, host, a) == 1)
		return addr_insecure(c, AF_INET6, a);
	/* A name: dockerd resolves it and checks its addresses against the
	 * CIDRs.  Only worth a lookup when the configuration lists some. */
	if (has_cidr(c)) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
		bool hit = false;
		if (getaddrinfo(host, NULL, &hints, &res) == 0) {
			for (struct addrinfo *ai = res; ai && !hit; ai = ai->ai_next) {
				if (ai->ai_family == AF_INET)
					hit = addr_insecure(c, AF_INET,
							    (unsigned char *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr);
				else if (ai->ai_family == AF_INET6)
					hit = addr_insecure(
						c, AF_INET6, (unsigned char *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
			}
			freeaddrinfo(res);
		}
		return hit;
	}
	return false;
}
