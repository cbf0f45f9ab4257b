/* oci.c: OCI and docker image JSON documents (see oci.h). */
#define _GNU_SOURCE
#include "oci.h"
#include "store.h"
#include "util.h"
#include "cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	NULL,
};

bool oci_is_manifest_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0);
}

bool oci_is_index_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

bool oci_is_config_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_CONFIG) == 0 || strcmp(mt, MT_DOCKER_CONFIG) == 0);
}

bool oci_is_layer_type(const char *mt)
{
	for (size_t i = 0; mt && layer_types[i]; i++)
		if (strcmp(mt, layer_types[i]) == 0)
			return true;
	return false;
}

void oci_descriptor_clear(struct oci_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->architecture);
	free(d->variant);
	json_decref(d->annotations);
	memset(d, 0, sizeof(*d));
}

static char *opt_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

int oci_parse_descriptor(json_t *j, struct oci_descriptor *d, berr_t *err)
{
	json_t *digest, *size, *platform, *ann;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j))
		return berr_make(err, 0, "invalid descriptor: not an object");
	digest = json_object_get(j, "digest");
	size = json_object_get(j, "size");
	if (!json_is_string(digest))
		return berr_make(err, 0, "invalid descriptor: no digest");
	if (!digest_is_sha256(json_string_value(digest)))
		return berr_make(err, 0, "invalid descriptor: unsupported digest %.80s", json_string_value(digest));
	if (size && (!json_is_integer(size) || json_integer_value(size) < 0))
		return berr_make(err, 0, "invalid descriptor: bad size for %s", json_string_value(digest));
	d->digest = xstrdup(json_string_value(digest));
	d->size = size ? json_integer_value(size) : -1;
	d->media_type = opt_str(j, "mediaType");
	platform = json_object_get(j, "platform");
	if (json_is_object(platform)) {
		d->os = opt_str(platform, "os");
		d->architecture = opt_str(platform, "architecture");
		d->variant = opt_str(platform, "variant");
	}
	ann = json_object_get(j, "annotations");
	if (json_is_object(ann))
		d->annotations = json_incref(ann);
	return 0;
}

static json_t *load_json(const char *buf, size_t len, const char *what, berr_t *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		berr_make(err, 0, "invalid %s: %s (line %d)", what, jerr.text, jerr.line);
	return j;
}

void oci_manifest_clear(struct oci_manifest *m)
{
	free(m->media_type);
	oci_descriptor_clear(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		oci_descriptor_clear(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

int oci_parse_manifest(const char *buf, size_t len, struct oci_manifest *m, berr_t *err)
{
	json_t *j, *layers, *e;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (!(j = load_json(buf, len, "manifest", err)))
		return -1;
	if (!json_is_object(j)) {
		json_decref(j);
		return berr_make(err, 0, "invalid manifest: not an object");
	}
	if (json_integer_value(json_object_get(j, "schemaVersion")) != 2) {
		json_decref(j);
		return berr_make(err, 0, "invalid manifest: unsupported schemaVersion (want 2)");
	}
	m->media_type = opt_str(j, "mediaType");
	if (m->media_type && !oci_is_manifest_type(m->media_type)) {
		berr_make(err, 0, "unsupported manifest media type %.100s", m->media_type);
		goto fail;
	}
	if (oci_parse_descriptor(json_object_get(j, "config"), &m->config, err) < 0) {
		berr_wrap(err, "manifest config");
		goto fail;
	}
	if (m->config.media_type && !oci_is_config_type(m->config.media_type)) {
		berr_make(err, 0, "unsupported config media type %.100s", m->config.media_type);
		goto fail;
	}
	layers = json_object_get(j, "layers");
	if (!json_is_array(layers)) {
		berr_make(err, 0, "invalid manifest: layers is not a list");
		goto fail;
	}
	m->layers = xcalloc(json_array_size(layers) + 1, sizeof(*m->layers));
	json_array_foreach(layers, i, e) {
		if (oci_parse_descriptor(e, &m->layers[i], err) < 0) {
			berr_wrap(err, "manifest layer %zu", i);
			m->n_layers = i + 1;
			goto fail;
		}
		m->n_layers = i + 1;
		if (!oci_is_layer_type(m->layers[i].media_type)) {
			berr_make(err, 0, "unsupported layer media type %.100s",
				  m->layers[i].media_type ? m->layers[i].media_type : "(none)");
			goto fail;
		}
	}
	json_decref(j);
	return 0;
fail:
	json_decref(j);
	oci_manifest_clear(m);
	return -1;
}

void oci_descriptors_free(struct oci_descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		oci_descriptor_clear(&d[i]);
	free(d);
}

int oci_parse_index(const char *buf, size_t len, struct oci_descriptor **out, size_t *n, berr_t *err)
{
	json_t *j, *ms, *e;
	struct oci_descriptor *d;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!(j = load_json(buf, len, "index", err)))
		return -1;
	ms = json_object_get(j, "manifests");
	if (!json_is_object(j) || !json_is_array(ms)) {
		json_decref(j);
		return berr_make(err, 0, "invalid index: no manifests list");
	}
	if (json_object_get(j, "mediaType") && !oci_is_index_type(json_string_value(json_object_get(j, "mediaType")))) {
		json_decref(j);
		return berr_make(err, 0, "unsupported index media type");
	}
	d = xcalloc(json_array_size(ms) + 1, sizeof(*d));
	json_array_foreach(ms, i, e) {
		if (oci_parse_descriptor(e, &d[i], err) < 0) {
			berr_wrap(err, "index entry %zu", i);
			oci_descriptors_free(d, i + 1);
			json_decref(j);
			return -1;
		}
	}
	*out = d;
	*n = json_array_size(ms);
	json_decref(j);
	return 0;
}

static void strv_free_(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void oci_docker_archive_free(struct docker_archive_image *imgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(imgs[i].config);
		strv_free_(imgs[i].repo_tags);
		strv_free_(imgs[i].layers);
	}
	free(imgs);
}

static int string_list(json_t *v, const char *what, char ***out, size_t *n, berr_t *err)
{
	size_t i;
	json_t *e;
	*out = xcalloc(json_array_size(v) + 1, sizeof(char *));
	if (n)
		*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return berr_make(err, 0, "invalid manifest.json: %s is not a list", what);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return berr_make(err, 0, "invalid manifest.json: %s[%zu] is not a string", what, i);
		(*out)[i] = xstrdup(json_string_value(e));
		if (n)
			*n = i + 1;
	}
	return 0;
}

int oci_parse_docker_archive(const char *buf, size_t len, struct docker_archive_image **out, size_t *n,
			     berr_t *err)
{
	json_t *j, *e;
	struct docker_archive_image *imgs;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!(j = load_json(buf, len, "manifest.json", err)))
		return -1;
	if (!json_is_array(j)) {
		json_decref(j);
		return berr_make(err, 0, "invalid manifest.json: not a list");
	}
	imgs = xcalloc(json_array_size(j) + 1, sizeof(*imgs));
	json_array_foreach(j, i, e) {
		json_t *cfg = json_object_get(e, "Config");
		if (!json_is_object(e) || !json_is_string(cfg)) {
			berr_make(err, 0, "invalid manifest.json: entry %zu has no Config", i);
			goto fail;
		}
		imgs[i].config = xstrdup(json_string_value(cfg));
		if (string_list(json_object_get(e, "RepoTags"), "RepoTags", &imgs[i].repo_tags, NULL, err) < 0 ||
		    string_list(json_object_get(e, "Layers"), "Layers", &imgs[i].layers, &imgs[i].n_layers, err) < 0)
			goto fail;
	}
	*out = imgs;
	*n = json_array_size(j);
	json_decref(j);
	return 0;
fail:
	oci_docker_archive_free(imgs, json_array_size(j));
	json_decref(j);
	return -1;
}

char *oci_dump_compact(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	if (!s) {
		fputs("berth: out of memory\n", stderr);
		exit(BERTH_EXIT_ERROR);
	}
	return s;
}

json_t *oci_descriptor_json(const char *media_type, const char *digest, long long size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size", (json_int_t)size);
}

char *oci_dump_docker(json_t *j, bool indent)
{
	char *raw = json_dumps(j, (indent ? JSON_INDENT(4) : JSON_COMPACT) | JSON_ENCODE_ANY);
	size_t extra = 0, n;
	char *out, *w;

	if (!raw) {
		fputs("berth: out of memory\n", stderr);
		exit(BERTH_EXIT_ERROR);
	}
	/* These characters only occur inside strings in JSON text, so a plain
	 * substitution is exact. */
	for (const char *p = raw; *p; p++)
		if (*p == '<' || *p == '>' || *p == '&')
			extra += 5;
	if (!extra)
		return raw;
	n = strlen(raw);
	out = w = xmalloc(n + extra + 1);
	for (const char *p = raw; *p; p++) {
		if (*p == '<' || *p == '>' || *p == '&') {
			w += sprintf(w, "\\u00%s", *p == '<' ? "3c" : *p == '>' ? "3e" : "26");
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	free(raw);
	return out;
}
