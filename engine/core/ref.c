/* ref.c: docker image references (see ref.h).
 *
 * Hand-written rather than a regex engine: POSIX EREs pick the longest
 * match where Go's regexp picks the first, and the grammar is small enough
 * that a direct reading of each production is clearer than a translated
 * pattern.  Each function below is one production of distribution's
 * regexp.go, and the error for each failure is the one that package gives.
 */
#define _GNU_SOURCE
#include "ref.h"
#include "util.h"
#include "cleanup.h"

#include <ctype.h>
#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool ref_is_hex64(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*
 * separator := "." | "_" | "__" | "-"+                     [s, s+n) */
static bool valid_path_component(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]))
		return false;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		/* A separator, then at least one alphanumeric. */
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* path := path-component ("/" path-component)* */
static bool valid_path(const char *s, size_t n)
{
	size_t start = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (!valid_path_component(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool valid_domain_component(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* domain := host (":" [0-9]+)?
 * host := domain-component ("." domain-component)* | "[" [a-fA-F0-9:]+ "]" */
static bool valid_domain(const char *s, size_t n)
{
	size_t hostlen = n;

	if (n == 0)
		return false;
	if (s[0] == '[') {
		size_t i = 1;
		while (i < n && (is_hex(s[i]) || s[i] == ':'))
			i++;
		if (i == 1 || i >= n || s[i] != ']')
			return false;
		hostlen = i + 1;
	} else {
		const char *colon = memchr(s, ':', n);
		size_t start = 0;
		if (colon)
			hostlen = (size_t)(colon - s);
		for (size_t i = 0; i <= hostlen; i++) {
			if (i == hostlen || s[i] == '.') {
				if (!valid_domain_component(s + start, i - start))
					return false;
				start = i + 1;
			}
		}
	}
	if (hostlen == n)
		return true;
	if (s[hostlen] != ':' || hostlen + 1 == n)
		return false;
	for (size_t i = hostlen + 1; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9'))
			return false;
	return true;
}

/* name := (domain "/")? path.  Returns the length of the domain part (0
 * when the whole name is a path), or -1 when the name is invalid.  Like
 * Go's leftmost-first match, a first component that is a valid domain is
 * taken as one. */
static long split_name(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	if (slash) {
		size_t d = (size_t)(slash - s);
		if (valid_domain(s, d) && valid_path(slash + 1, n - d - 1))
			return (long)d;
	}
	return valid_path(s, n) ? 0 : -1;
}

bool ref_valid_tag(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0 || n > 128)
		return false;
	if (!(is_alnum(tag[0]) || tag[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(is_alnum(tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-'))
			return false;
	return true;
}

/* The shape the reference regexp accepts for a digest:
 * [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,} */
static bool digest_shape(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t i = 0, hex = 0;

	if (!colon)
		return false;
	for (;;) {
		if (!isalpha((unsigned char)s[i]))
			return false;
		i++;
		while (isalnum((unsigned char)s[i]))
			i++;
		if (s[i] == ':')
			break;
		if (!s[i] || !strchr("-_+.", s[i]))
			return false;
		i++;
	}
	for (const char *p = colon + 1; *p; p++, hex++)
		if (!is_hex(*p))
			return false;
	return hex >= 32;
}

/* go-digest's Validate for a digest of the right shape. */
static int digest_check(const char *d, berr_t *err)
{
	static const struct {
		const char *alg;
		size_t len;
	} algs[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
	const char *colon = strchr(d, ':');
	size_t alen = (size_t)(colon - d);

	for (size_t i = 0; i < 3; i++) {
		if (strlen(algs[i].alg) != alen || strncmp(d, algs[i].alg, alen) != 0)
			continue;
		if (strlen(colon + 1) != algs[i].len)
			return berr_make(err, 0, "invalid checksum digest length");
		for (const char *p = colon + 1; *p; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
				return berr_make(err, 0, "invalid checksum digest format");
		return 0;
	}
	return berr_make(err, 0, "unsupported digest algorithm");
}

bool ref_valid_digest(const char *digest)
{
	cleanup_berr berr_t err = NULL;
	return digest_shape(digest) && digest_check(digest, &err) == 0;
}

/* The reference grammar on s, without normalisation: fill domain/path/tag/
 * digest.  `lowered` is set when checking the lowercased input, to tell an
 * uppercase name from a malformed one, as Parse does. */
static int parse_plain(const char *s, struct ref *out, berr_t *err)
{
	cleanup_free char *copy = xstrdup(s);
	char *at, *name = copy, *tag = NULL, *digest = NULL, *colon, *lastslash;
	long dlen;
	size_t nlen;

	memset(out, 0, sizeof(*out));
	at = strchr(copy, '@');
	if (at) {
		*at = '\0';
		digest = at + 1;
		if (!digest_shape(digest))
			return -1;
	}
	colon = strrchr(name, ':');
	lastslash = strrchr(name, '/');
	if (colon && (!lastslash || colon > lastslash)) {
		*colon = '\0';
		tag = colon + 1;
		if (!ref_valid_tag(tag))
			return -1;
	}
	nlen = strlen(name);
	dlen = split_name(name, nlen);
	if (dlen < 0)
		return -1;
	if (nlen > REF_NAME_MAX)
		return berr_make(err, 0, "repository name must not be more than 255 characters");
	if (digest && digest_check(digest, err) < 0)
		return -1;
	out->domain = dlen > 0 ? xstrndup(name, (size_t)dlen) : NULL;
	out->path = xstrdup(dlen > 0 ? name + dlen + 1 : name);
	out->tag = tag ? xstrdup(tag) : NULL;
	out->digest = digest ? xstrdup(digest) : NULL;
	return 0;
}

/* reference.Parse: the grammar, with its error messages. */
static int parse_checked(const char *s, struct ref *out, berr_t *err)
{
	if (parse_plain(s, out, err) == 0)
		return 0;
	if (*err)
		return -1;
	if (!*s)
		return berr_make(err, 0, "invalid reference format: repository name must have at least one component");
	cleanup_free char *lower = xstrdup(s);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	struct ref tmp;
	cleanup_berr berr_t e2 = NULL;
	if (parse_plain(lower, &tmp, &e2) == 0) {
		ref_free(&tmp);
		return berr_make(err, 0, "invalid reference format: repository name must be lowercase");
	}
	return berr_make(err, 0, "invalid reference format");
}

int ref_parse_canonical(const char *s, struct ref *out, berr_t *err)
{
	return parse_checked(s, out, err);
}

int ref_parse(const char *s, struct ref *out, berr_t *err)
{
	cleanup_free char *full = NULL;
	cleanup_free char *domain = NULL;
	const char *slash, *remainder;
	size_t rlen;

	memset(out, 0, sizeof(*out));
	if (ref_is_hex64(s))
		return berr_make(err, 0, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);

	/* splitDockerDomain */
	slash = strchr(s, '/');
	if (slash) {
		size_t d = (size_t)(slash - s);
		bool lower = true;
		for (size_t i = 0; i < d; i++)
			if (isupper((unsigned char)s[i]))
				lower = false;
		if (!memchr(s, '.', d) && !memchr(s, ':', d) && !(d == 9 && strncmp(s, "localhost", 9) == 0) && lower)
			slash = NULL;
	}
	if (slash) {
		domain = xstrndup(s, (size_t)(slash - s));
		remainder = slash + 1;
	} else {
		domain = xstrdup(REF_DEFAULT_DOMAIN);
		remainder = s;
	}
	if (strcmp(domain, "index.docker.io") == 0) {
		free(domain);
		domain = xstrdup(REF_DEFAULT_DOMAIN);
	}
	if (strcmp(domain, REF_DEFAULT_DOMAIN) == 0 && !strchr(remainder, '/'))
		full = xasprintf("%s/library/%s", domain, remainder);
	else
		full = xasprintf("%s/%s", domain, remainder);

	/* The remote name (before any tag) must be lowercase; docker names it
	 * in the message.  The digest may follow the tag, so cut at '@' too. */
	rlen = strcspn(remainder, ":");
	for (size_t i = 0; i < rlen; i++) {
		if (isupper((unsigned char)remainder[i])) {
			const char *lib = strcmp(domain, REF_DEFAULT_DOMAIN) == 0 && !strchr(remainder, '/') ?
						  "library/" : "";
			return berr_make(err, 0, "invalid reference format: repository name (%s%.*s) must be lowercase",
					 lib, (int)rlen, remainder);
		}
	}
	if (parse_checked(full, out, err) < 0)
		return -1;
	return 0;
}

int ref_parse_default_tag(const char *s, struct ref *out, berr_t *err)
{
	if (ref_parse(s, out, err) < 0)
		return -1;
	if (!out->tag && !out->digest)
		out->tag = xstrdup(REF_DEFAULT_TAG);
	return 0;
}

void ref_free(struct ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

char *ref_name(const struct ref *r)
{
	if (!r->domain)
		return xstrdup(r->path);
	return xasprintf("%s/%s", r->domain, r->path);
}

char *ref_familiar_name(const struct ref *r)
{
	if (r->domain && strcmp(r->domain, REF_DEFAULT_DOMAIN) == 0) {
		const char *p = r->path;
		if (str_has_prefix(p, "library/") && !strchr(p + 8, '/'))
			p += 8;
		return xstrdup(p);
	}
	return ref_name(r);
}

static char *with_suffix(char *name, const struct ref *r)
{
	char *s = xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "", r->digest ? "@" : "",
			    r->digest ? r->digest : "");
	free(name);
	return s;
}

char *ref_string(const struct ref *r)
{
	return with_suffix(ref_name(r), r);
}

char *ref_familiar(const struct ref *r)
{
	return with_suffix(ref_familiar_name(r), r);
}

char *ref_familiarize(const char *canonical)
{
	cleanup_berr berr_t err = NULL;
	struct ref r;
	char *s;

	if (parse_checked(canonical, &r, &err) < 0)
		return xstrdup(canonical);
	s = ref_familiar(&r);
	ref_free(&r);
	return s;
}
