/* oci.h: the JSON documents images travel in: OCI image manifests and
 * indexes (and docker's v2 schema 2 equivalents), the manifest.json of a
 * docker-archive (`docker save`), and the manifests berth writes.
 *
 * Parsers here validate what later code relies on (digests are sha256,
 * sizes are non-negative, media types are ones berth can handle) and turn
 * anything else into one-line errors; tests/fuzz/fuzz_manifest.c feeds
 * them arbitrary bytes.
 */
#ifndef BERTH_OCI_H
#define BERTH_OCI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "err.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

struct oci_descriptor {
	char *media_type;
	char *digest;           /* "sha256:<hex>" */
	long long size;
	char *os, *architecture, *variant; /* platform, in an index */
	json_t *annotations;    /* object or NULL */
};

struct oci_manifest {
	char *media_type;
	struct oci_descriptor config;
	struct oci_descriptor *layers;
	size_t n_layers;
};

/* One image of a docker-archive's manifest.json. */
struct docker_archive_image {
	char *config;           /* path inside the archive */
	char **repo_tags;       /* as written ("busybox:latest"), NULL-terminated */
	char **layers;          /* paths inside the archive, bottom first */
	size_t n_layers;
};

bool oci_is_manifest_type(const char *mt);
bool oci_is_index_type(const char *mt);
bool oci_is_config_type(const char *mt);
bool oci_is_layer_type(const char *mt);

int oci_parse_descriptor(json_t *j, struct oci_descriptor *d, berr_t *err);
void oci_descriptor_clear(struct oci_descriptor *d);

/* An image manifest (OCI or docker v2 schema 2). */
int oci_parse_manifest(const char *buf, size_t len, struct oci_manifest *m, berr_t *err);
void oci_manifest_clear(struct oci_manifest *m);

/* An image index (index.json of a layout, or a manifest list). */
int oci_parse_index(const char *buf, size_t len, struct oci_descriptor **out, size_t *n, berr_t *err);
void oci_descriptors_free(struct oci_descriptor *d, size_t n);

/* manifest.json of a docker-archive. */
int oci_parse_docker_archive(const char *buf, size_t len, struct docker_archive_image **out, size_t *n,
			     berr_t *err);
void oci_docker_archive_free(struct docker_archive_image *imgs, size_t n);

/* Serialise compactly (what goes into blobs: stable bytes, stable digest). */
char *oci_dump_compact(json_t *j);

/* What docker prints: Go's encoding/json output, indented by 4 spaces
 * (indent) or compact, with <, > and & escaped as \u003c, \u003e, \u0026. */
char *oci_dump_docker(json_t *j, bool indent);

/* A descriptor object {"mediaType","digest","size"}. */
json_t *oci_descriptor_json(const char *media_type, const char *digest, long long size);

#endif
