/* auth.h: registry authentication: the challenges a registry sends, the
 * tokens a token server hands out, and the credentials `login` keeps.
 *
 * A registry that wants credentials answers 401 with a WWW-Authenticate
 * header (RFC 7235).  Two schemes matter (docker's registry/auth):
 *
 *   Basic realm="Registry Realm"
 *       send "Authorization: Basic base64(user:pass)" with every request;
 *   Bearer realm="https://auth.example/token",service="registry.example",
 *          scope="repository:library/busybox:pull"
 *       ask the realm for a token (GET realm?service=..&scope=.., with
 *       Basic credentials when we have some), then send
 *       "Authorization: Bearer <token>".
 *
 * Credentials live where docker keeps them, so one `login` serves both
 * tools: $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json, as
 *   {"auths": {"localhost:5000": {"auth": "base64(user:pass)"}}}
 * with Docker Hub under the key "https://index.docker.io/v1/".  berth
 * rewrites the file atomically with mode 0600 and keeps every other key
 * in it (credsStore, proxies, ...) as it found them.
 *
 * Everything parsed here comes from the network or from a file a learner
 * may have edited: the parsers take arbitrary bytes and fail with one line
 * (tests/fuzz/fuzz_registry_auth.c).
 */
#ifndef BERTH_AUTH_H
#define BERTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

enum auth_scheme {
	AUTH_OTHER,   /* a scheme berth does not speak (Digest, Negotiate...) */
	AUTH_BASIC,
	AUTH_BEARER,
};

struct auth_challenge {
	enum auth_scheme scheme;
	char *realm;      /* NULL when absent */
	char *service;
	char *scope;
	char *error;      /* Bearer error="insufficient_scope" and the like */
};

/* A header longer than this is refused outright. */
#define AUTH_HEADER_MAX 8192

/* Parse a WWW-Authenticate value: one or more challenges, each a scheme
 * with comma-separated name=value or name="quoted value" parameters.
 * Parameter names are case-insensitive, as are schemes.  Fails on a
 * malformed header ("invalid WWW-Authenticate header: ..."). */
int auth_parse_challenges(const char *hdr, size_t len, struct auth_challenge **out, size_t *n, berr_t *err);
void auth_challenges_free(struct auth_challenge *c, size_t n);

/* The token in a token server's JSON answer ("token", else "access_token";
 * docker's rule), checked to be something that can go into a header:
 * printable ASCII without spaces, at most 16 KiB. *expires_in gets the
 * lifetime in seconds (60 when absent, as in docker). */
int auth_parse_token(const char *body, size_t len, char **token, long *expires_in, berr_t *err);

/* Base64 of "user:pass" (caller frees) and back.  Decoding refuses bad
 * base64 and a value without ':'. */
char *auth_basic_encode(const char *user, const char *pass);
int auth_basic_decode(const char *b64, char **user, char **pass, berr_t *err);

/* ---- docker's config.json ------------------------------------------- */

/* $DOCKER_CONFIG/config.json or $HOME/.docker/config.json (caller frees). */
char *auth_config_path(void);

/* The config.json key for a registry domain: "https://index.docker.io/v1/"
 * for Docker Hub (docker.io, index.docker.io, registry-1.docker.io),
 * the domain itself ("localhost:5000") otherwise (caller frees). */
char *auth_server_key(const char *domain);

/* The host part of a key as docker's ConvertToHostname gives it:
 * "https://index.docker.io/v1/" -> "index.docker.io" (caller frees). */
char *auth_key_hostname(const char *key);

struct auth_cred {
	char *username;
	char *password;
	char *identity_token;  /* an OAuth refresh token, when login stored one */
};
void auth_cred_clear(struct auth_cred *c);

/* Look up the credentials for a registry domain in config.json (missing
 * file or entry: *found = false, not an error).  `path` NULL means
 * auth_config_path(). */
int auth_cred_get(const char *path, const char *domain, struct auth_cred *c, bool *found, berr_t *err);

/* The same lookup on a config.json held in memory (tests, fuzzer). */
int auth_cred_parse(const char *buf, size_t len, const char *domain, struct auth_cred *c, bool *found,
		    berr_t *err);

/* Store user:pass for a domain (creates the file and its directory, mode
 * 0600 and 0700). */
int auth_cred_store(const char *path, const char *domain, const char *user, const char *pass, berr_t *err);

/* Remove a domain's entry; *found says whether there was one. */
int auth_cred_erase(const char *path, const char *domain, bool *found, berr_t *err);

#endif
