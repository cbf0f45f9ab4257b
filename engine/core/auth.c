/* auth.c: WWW-Authenticate challenges, token answers, and docker's
 * config.json (see auth.h).
 *
 * The challenge grammar is RFC 7235's:
 *
 *   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *
 * and a header may hold several challenges separated by commas, which is
 * what makes it awkward: after a comma, "name=value" continues the current
 * challenge while "Scheme ..." starts the next one, so the parser looks one
 * token ahead.  Bytes come from whatever answered on the network: lengths
 * are bounded, NULs and control characters refused, every branch ends.
 */
#define _GNU_SOURCE
#include "auth.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CHALLENGES 16
#define TOKEN_MAX (16 * 1024)
#define TOKEN_BODY_MAX (1024 * 1024)
#define CONFIG_JSON_MAX (16 * 1024 * 1024)
#define DOCKER_HUB_KEY "https://index.docker.io/v1/"

/* ---- WWW-Authenticate ------------------------------------------------- */

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

struct cursor {
	const char *s;
	size_t len, p;
};

static bool at_end(const struct cursor *c)
{
	return c->p >= c->len;
}

static char cur(const struct cursor *c)
{
	return at_end(c) ? '\0' : c->s[c->p];
}

static void skip_ows(struct cursor *c)
{
	while (!at_end(c) && (c->s[c->p] == ' ' || c->s[c->p] == '\t'))
		c->p++;
}

/* Length of the token at the cursor (0 when none). */
static size_t token_len(const struct cursor *c, size_t at)
{
	size_t n = 0;
	while (at + n < c->len && is_tchar((unsigned char)c->s[at + n]))
		n++;
	return n;
}

/* Is there "token BWS =" at the cursor, followed by something that is not
 * another '=' (which would make it token68 padding)? */
static bool param_ahead(const struct cursor *c)
{
	size_t n = token_len(c, c->p), q = c->p + n;
	if (n == 0)
		return false;
	while (q < c->len && (c->s[q] == ' ' || c->s[q] == '\t'))
		q++;
	if (q >= c->len || c->s[q] != '=')
		return false;
	/* "abc==" or "abc=" at the end of an item is token68 padding. */
	return q + 1 < c->len && c->s[q + 1] != '=' && c->s[q + 1] != ',';
}

static int quoted_string(struct cursor *c, char **out, berr_t *err)
{
	cleanup_free char *buf = xmalloc(c->len - c->p + 1);
	size_t n = 0;

	c->p++; /* the opening quote */
	for (;;) {
		if (at_end(c))
			return berr_make(err, 0, "invalid WWW-Authenticate header: unterminated quoted string");
		unsigned char ch = (unsigned char)c->s[c->p++];
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (at_end(c))
				return berr_make(err, 0, "invalid WWW-Authenticate header: unterminated quoted string");
			ch = (unsigned char)c->s[c->p++];
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return berr_make(err, 0, "invalid WWW-Authenticate header: control character in a value");
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

static int set_param(struct auth_challenge *ch, const char *name, size_t nlen, char *value, berr_t *err)
{
	char **slot = NULL;

	if (nlen == 5 && strncasecmp(name, "realm", 5) == 0)
		slot = &ch->realm;
	else if (nlen == 7 && strncasecmp(name, "service", 7) == 0)
		slot = &ch->service;
	else if (nlen == 5 && strncasecmp(name, "scope", 5) == 0)
		slot = &ch->scope;
	else if (nlen == 5 && strncasecmp(name, "error", 5) == 0)
		slot = &ch->error;
	if (!slot) {
		free(value);
		return 0;
	}
	if (*slot) {
		free(value);
		return berr_make(err, 0, "invalid WWW-Authenticate header: parameter %.*s given twice", (int)nlen, name);
	}
	*slot = value;
	return 0;
}

/* token68: base64-ish characters then '=' padding. */
static void skip_token68(struct cursor *c)
{
	while (!at_end(c) && (is_tchar((unsigned char)c->s[c->p]) || c->s[c->p] == '/'))
		c->p++;
	while (!at_end(c) && c->s[c->p] == '=')
		c->p++;
}

/* The parameters of one challenge; the cursor is after the scheme and its
 * spaces.  Returns with the cursor at the next challenge's scheme or the
 * end. */
static int parse_params(struct cursor *c, struct auth_challenge *ch, berr_t *err)
{
	bool first = true;

	for (;;) {
		size_t n = token_len(c, c->p);
		if (first && !param_ahead(c)) {
			/* token68 (Basic's old credentials syntax, Negotiate's
			 * blob): nothing berth uses; step over it. */
			skip_token68(c);
		} else {
			const char *name = c->s + c->p;
			char *value = NULL;
			if (n == 0)
				return berr_make(err, 0, "invalid WWW-Authenticate header: expected a parameter");
			c->p += n;
			skip_ows(c);
			c->p++; /* '=' (param_ahead checked, or the branch below) */
			skip_ows(c);
			if (cur(c) == '"') {
				if (quoted_string(c, &value, err) < 0)
					return -1;
			} else {
				size_t vn = token_len(c, c->p);
				value = xstrndup(c->s + c->p, vn);
				c->p += vn;
			}
			if (set_param(ch, name, n, value, err) < 0)
				return -1;
		}
		first = false;
		skip_ows(c);
		if (at_end(c))
			return 0;
		if (cur(c) != ',')
			return berr_make(err, 0, "invalid WWW-Authenticate header: unexpected '%c'",
					 (unsigned char)cur(c) >= 0x20 && (unsigned char)cur(c) < 0x7f ? cur(c) : '?');
		while (!at_end(c) && (cur(c) == ',' || cur(c) == ' ' || cur(c) == '\t'))
			c->p++;
		if (at_end(c))
			return 0;
		if (!param_ahead(c))
			return 0; /* the next challenge */
	}
}

void auth_challenges_free(struct auth_challenge *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].realm);
		free(c[i].service);
		free(c[i].scope);
		free(c[i].error);
	}
	free(c);
}

int auth_parse_challenges(const char *hdr, size_t len, struct auth_challenge **out, size_t *nout, berr_t *err)
{
	struct cursor c = {.s = hdr, .len = len};
	struct auth_challenge *v = NULL;
	size_t n = 0;

	*out = NULL;
	*nout = 0;
	if (len > AUTH_HEADER_MAX)
		return berr_make(err, 0, "invalid WWW-Authenticate header: longer than %d bytes", AUTH_HEADER_MAX);
	if (memchr(hdr, '\0', len))
		return berr_make(err, 0, "invalid WWW-Authenticate header: NUL byte");
	while (!at_end(&c) && (cur(&c) == ',' || cur(&c) == ' ' || cur(&c) == '\t'))
		c.p++;
	while (!at_end(&c)) {
		size_t sl = token_len(&c, c.p);
		struct auth_challenge *ch;
		if (sl == 0) {
			berr_make(err, 0, "invalid WWW-Authenticate header: expected an authentication scheme");
			goto fail;
		}
		if (n == MAX_CHALLENGES) {
			berr_make(err, 0, "invalid WWW-Authenticate header: more than %d challenges", MAX_CHALLENGES);
			goto fail;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		ch = &v[n++];
		memset(ch, 0, sizeof(*ch));
		if (sl == 5 && strncasecmp(c.s + c.p, "basic", 5) == 0)
			ch->scheme = AUTH_BASIC;
		else if (sl == 6 && strncasecmp(c.s + c.p, "bearer", 6) == 0)
			ch->scheme = AUTH_BEARER;
		else
			ch->scheme = AUTH_OTHER;
		c.p += sl;
		if (at_end(&c))
			break;
		if (cur(&c) == ',') {
			while (!at_end(&c) && (cur(&c) == ',' || cur(&c) == ' ' || cur(&c) == '\t'))
				c.p++;
			continue;
		}
		if (cur(&c) != ' ' && cur(&c) != '\t') {
			berr_make(err, 0, "invalid WWW-Authenticate header: bad authentication scheme");
			goto fail;
		}
		skip_ows(&c);
		if (at_end(&c))
			break;
		if (parse_params(&c, ch, err) < 0)
			goto fail;
	}
	if (n == 0)
		return berr_make(err, 0, "invalid WWW-Authenticate header: empty");
	*out = v;
	*nout = n;
	return 0;
fail:
	auth_challenges_free(v, n);
	return -1;
}

/* ---- token answers ---------------------------------------------------- */

int auth_parse_token(const char *body, size_t len, char **token, long *expires_in, berr_t *err)
{
	json_error_t jerr;
	json_t *root, *t, *e;
	const char *s;
	size_t slen;
	int rc = -1;

	*token = NULL;
	*expires_in = 60;
	if (len > TOKEN_BODY_MAX)
		return berr_make(err, 0, "token server answer too large");
	root = json_loadb(body, len, 0, &jerr);
	if (!root)
		return berr_make(err, 0, "token server answer is not JSON: %s", jerr.text);
	if (!json_is_object(root)) {
		berr_make(err, 0, "token server answer is not a JSON object");
		goto out;
	}
	t = json_object_get(root, "token");
	if (!json_is_string(t) || json_string_length(t) == 0)
		t = json_object_get(root, "access_token");
	if (!json_is_string(t) || json_string_length(t) == 0) {
		berr_make(err, 0, "token server answer has no token");
		goto out;
	}
	s = json_string_value(t);
	slen = json_string_length(t);
	if (slen > TOKEN_MAX) {
		berr_make(err, 0, "token from the token server is too long");
		goto out;
	}
	for (size_t i = 0; i < slen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == ',') {
			berr_make(err, 0, "token from the token server has characters a header cannot carry");
			goto out;
		}
	}
	e = json_object_get(root, "expires_in");
	if (json_is_integer(e) && json_integer_value(e) > 0 && json_integer_value(e) < 86400 * 366)
		*expires_in = (long)json_integer_value(e);
	*token = xstrdup(s);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* ---- base64 ----------------------------------------------------------- */

char *auth_basic_encode(const char *user, const char *pass)
{
	cleanup_free char *plain = xasprintf("%s:%s", user, pass);
	size_t n = strlen(plain);
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)plain, (int)n);
	return out;
}

int auth_basic_decode(const char *b64, char **user, char **pass, berr_t *err)
{
	size_t n = strlen(b64), pad = 0;
	cleanup_free unsigned char *raw = NULL;
	int got;
	char *colon;

	*user = *pass = NULL;
	if (n == 0 || n % 4 != 0 || n > 64 * 1024)
		return berr_make(err, 0, "invalid base64 in \"auth\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b64[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
			  ch == '/' || (ch == '=' && i >= n - 2);
		if (!ok || (pad && ch != '='))
			return berr_make(err, 0, "invalid base64 in \"auth\"");
		if (ch == '=')
			pad++;
	}
	raw = xmalloc(n / 4 * 3 + 1);
	got = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (got < 0 || (size_t)got < pad)
		return berr_make(err, 0, "invalid base64 in \"auth\"");
	got -= (int)pad;
	raw[got] = '\0';
	if (memchr(raw, '\0', (size_t)got))
		return berr_make(err, 0, "invalid \"auth\": NUL byte");
	colon = strchr((char *)raw, ':');
	if (!colon)
		return berr_make(err, 0, "invalid \"auth\": no ':' between user and password");
	*user = xstrndup((char *)raw, (size_t)(colon - (char *)raw));
	*pass = xstrdup(colon + 1);
	return 0;
}

/* ---- config.json ------------------------------------------------------ */

char *auth_config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG");
	const char *home;

	if (dir && *dir)
		return xasprintf("%s/config.json", dir);
	home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "/";
	}
	return xasprintf("%s/.docker/config.json", home);
}

static bool is_docker_hub(const char *domain)
{
	return strcmp(domain, "docker.io") == 0 || strcmp(domain, "index.docker.io") == 0 ||
	       strcmp(domain, "registry-1.docker.io") == 0;
}

char *auth_server_key(const char *domain)
{
	return xstrdup(is_docker_hub(domain) ? DOCKER_HUB_KEY : domain);
}

char *auth_key_hostname(const char *key)
{
	const char *s = key;
	if (str_has_prefix(s, "http://"))
		s += 7;
	else if (str_has_prefix(s, "https://"))
		s += 8;
	return xstrndup(s, strcspn(s, "/"));
}

void auth_cred_clear(struct auth_cred *c)
{
	free(c->username);
	free(c->password);
	free(c->identity_token);
	memset(c, 0, sizeof(*c));
}

/* Does a config.json key name this domain?  docker compares hostnames
 * ("https://localhost:5000/v1/" names localhost:5000); Docker Hub's
 * aliases all name the one key. */
static bool key_matches(const char *key, const char *domain)
{
	cleanup_free char *h = auth_key_hostname(key);
	if (is_docker_hub(domain))
		return is_docker_hub(h);
	return strcmp(h, domain) == 0;
}

static json_t *find_entry(json_t *auths, const char *domain, const char **key_out)
{
	cleanup_free char *exact = auth_server_key(domain);
	const char *k;
	json_t *v, *hit = NULL;

	/* The exact key first, then any other spelling of the same host. */
	json_object_foreach(auths, k, v)
	{
		if (strcmp(k, exact) == 0) {
			*key_out = k;
			return v;
		}
		if (!hit && key_matches(k, domain)) {
			*key_out = k;
			hit = v;
		}
	}
	return hit;
}

static int entry_cred(json_t *e, const char *key, struct auth_cred *c, berr_t *err)
{
	json_t *a = json_object_get(e, "auth");
	json_t *it = json_object_get(e, "identitytoken");

	if (!json_is_object(e))
		return berr_make(err, 0, "config.json: auths[\"%s\"] is not an object", key);
	if (json_is_string(a) && json_string_length(a) > 0) {
		if (auth_basic_decode(json_string_value(a), &c->username, &c->password, err) < 0)
			return berr_wrap(err, "config.json: auths[\"%s\"]", key);
	} else {
		/* Older files keep the two apart. */
		json_t *u = json_object_get(e, "username"), *p = json_object_get(e, "password");
		if (json_is_string(u) && json_is_string(p)) {
			c->username = xstrdup(json_string_value(u));
			c->password = xstrdup(json_string_value(p));
		}
	}
	if (json_is_string(it) && json_string_length(it) > 0)
		c->identity_token = xstrdup(json_string_value(it));
	return 0;
}

int auth_cred_parse(const char *buf, size_t len, const char *domain, struct auth_cred *c, bool *found, berr_t *err)
{
	json_error_t jerr;
	json_t *root, *auths, *e;
	const char *key = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	*found = false;
	if (len == 0)
		return 0;
	root = json_loadb(buf, len, 0, &jerr);
	if (!root)
		return berr_make(err, 0, "config.json: invalid JSON: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(root)) {
		berr_make(err, 0, "config.json: not a JSON object");
		goto out;
	}
	auths = json_object_get(root, "auths");
	if (!auths || json_is_null(auths)) {
		rc = 0;
		goto out;
	}
	if (!json_is_object(auths)) {
		berr_make(err, 0, "config.json: \"auths\" is not an object");
		goto out;
	}
	e = find_entry(auths, domain, &key);
	if (!e) {
		rc = 0;
		goto out;
	}
	if (entry_cred(e, key ? key : domain, c, err) < 0) {
		auth_cred_clear(c);
		goto out;
	}
	*found = c->username != NULL || c->identity_token != NULL;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Read config.json (an absent or empty file is no data, not an error). */
static int read_config(const char *path, char **buf, size_t *len, berr_t *err)
{
	struct stat st;

	*buf = NULL;
	*len = 0;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return berr_make(err, errno, "cannot read %s", path);
	}
	if (st.st_size > CONFIG_JSON_MAX)
		return berr_make(err, 0, "%s: too large", path);
	return read_file(path, buf, len, err);
}

int auth_cred_get(const char *path, const char *domain, struct auth_cred *c, bool *found, berr_t *err)
{
	cleanup_free char *p = path ? xstrdup(path) : auth_config_path();
	cleanup_free char *buf = NULL;
	size_t len;

	memset(c, 0, sizeof(*c));
	*found = false;
	if (read_config(p, &buf, &len, err) < 0)
		return -1;
	if (auth_cred_parse(buf ? buf : "", len, domain, c, found, err) < 0)
		return berr_wrap(err, "%s", p);
	return 0;
}

/* Load config.json as an object to change (a new one when absent). */
static int load_root(const char *path, json_t **out, berr_t *err)
{
	cleanup_free char *buf = NULL;
	size_t len;
	json_error_t jerr;
	json_t *root;

	if (read_config(path, &buf, &len, err) < 0)
		return -1;
	if (!buf || len == 0) {
		*out = json_object();
		return 0;
	}
	root = json_loadb(buf, len, 0, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		/* Never overwrite a file we cannot read back: it may hold
		 * other tools' settings. */
		return berr_make(err, 0, "%s: not a JSON object (fix or remove the file)", path);
	}
	*out = root;
	return 0;
}

static int save_root(const char *path, json_t *root, berr_t *err)
{
	cleanup_free char *dir = xstrdup(path);
	cleanup_free char *text = NULL;
	char *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0700, err) < 0)
			return -1;
	}
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text)
		return berr_make(err, 0, "cannot serialise %s", path);
	/* docker indents config.json with tabs; jansson indents with spaces,
	 * one per level here, and a line's leading spaces are all indent
	 * (strings cannot hold a raw newline). */
	for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		for (char *c = line; *c == ' '; c++)
			*c = '\t';
	return write_file_atomic(path, text, strlen(text), 0600, err);
}

int auth_cred_store(const char *path, const char *domain, const char *user, const char *pass, berr_t *err)
{
	cleanup_free char *p = path ? xstrdup(path) : auth_config_path();
	cleanup_free char *key = auth_server_key(domain);
	cleanup_free char *b64 = auth_basic_encode(user, pass);
	json_t *root = NULL, *auths, *e;
	const char *k;
	void *tmp;
	int rc;

	if (load_root(p, &root, err) < 0)
		return -1;
	auths = json_object_get(root, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(root, "auths", auths);
	}
	/* One entry per registry: drop other spellings of the same one. */
	json_object_foreach_safe(auths, tmp, k, e)
	{
		if (strcmp(k, key) != 0 && key_matches(k, domain))
			json_object_del(auths, k);
	}
	e = json_object();
	json_object_set_new(e, "auth", json_string(b64));
	json_object_set_new(auths, key, e);
	rc = save_root(p, root, err);
	json_decref(root);
	return rc;
}

int auth_cred_erase(const char *path, const char *domain, bool *found, berr_t *err)
{
	cleanup_free char *p = path ? xstrdup(path) : auth_config_path();
	json_t *root = NULL, *auths, *e;
	const char *k;
	void *tmp;
	int rc = 0;

	*found = false;
	if (access(p, F_OK) < 0)
		return 0;
	if (load_root(p, &root, err) < 0)
		return -1;
	auths = json_object_get(root, "auths");
	if (json_is_object(auths)) {
		json_object_foreach_safe(auths, tmp, k, e)
		{
			if (key_matches(k, domain)) {
				json_object_del(auths, k);
				*found = true;
			}
		}
	}
	if (*found)
		rc = save_root(p, root, err);
	json_decref(root);
	return rc;
}
