/* ref.h: docker image references ("busybox", "localhost:5000/a/b:v1",
 * "alpine@sha256:...") parsed and normalised the way docker does.
 *
 * The grammar and the normalisation rules are those of the Go package
 * github.com/distribution/reference (reference.go, normalize.go), which the
 * docker CLI, dockerd and containerd all share:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain "/"] path-component ["/" path-component]*
 *   domain     := host [":" port]          host: dns name, or [IPv6]
 *   path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex        (sha256 needs exactly 64 hex)
 *
 * Normalisation: a first component without "." or ":" that is not
 * "localhost" (and is lowercase) is not a domain, so the domain becomes
 * docker.io; "index.docker.io" is docker.io; a one-component name on
 * docker.io gets "library/".  The familiar form is what docker prints:
 * "busybox:latest" for docker.io/library/busybox:latest.
 */
#ifndef BERTH_REF_H
#define BERTH_REF_H

#include <stdbool.h>
#include "err.h"

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_DEFAULT_TAG "latest"
#define REF_NAME_MAX 255

struct ref {
	char *domain; /* "docker.io", "localhost:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* "latest", or NULL when none was given */
	char *digest; /* "sha256:<64 hex>", or NULL */
};

/* docker's ParseNormalizedNamed: parse what a user typed, normalise the
 * domain and path, keep the tag and digest as given (no default tag).
 * Errors are docker's messages ("invalid reference format", "invalid
 * reference format: repository name (library/Foo) must be lowercase", ...),
 * exit status 125.  On error *out is left zeroed. */
int ref_parse(const char *s, struct ref *out, berr_t *err);

/* ref_parse, then "latest" when neither a tag nor a digest was given
 * (docker's TagNameOnly), which is what `docker run busybox` means. */
int ref_parse_default_tag(const char *s, struct ref *out, berr_t *err);

/* The grammar alone, without normalisation (docker's reference.Parse):
 * domain is NULL when the name has none.  For names already canonical,
 * such as database rows. */
int ref_parse_canonical(const char *s, struct ref *out, berr_t *err);

void ref_free(struct ref *r);

/* "docker.io/library/busybox" */
char *ref_name(const struct ref *r);
/* "busybox", "localhost:5000/a/b" */
char *ref_familiar_name(const struct ref *r);
/* "docker.io/library/busybox:latest[@sha256:...]": the full reference. */
char *ref_string(const struct ref *r);
/* "busybox:latest", "busybox@sha256:...": what docker prints. */
char *ref_familiar(const struct ref *r);

/* Turn a canonical "docker.io/library/busybox:latest" (or @digest) into
 * its familiar form; returns a copy of s if it does not parse. */
char *ref_familiarize(const char *canonical);

/* Checks for single parts. */
bool ref_valid_tag(const char *tag);
/* "sha256:<64 lowercase hex>" and other algorithms docker accepts. */
bool ref_valid_digest(const char *digest);
/* 64 lowercase hex characters. */
bool ref_is_hex64(const char *s);

#endif
