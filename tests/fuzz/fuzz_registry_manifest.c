/* fuzz_registry_manifest.c: what a registry answers to a manifest GET is
 * hostile input.  The first input byte picks a Content-Type (none, an
 * index, a manifest, a schema 1 type, junk) and a platform; the rest is
 * the body, handed to the same classification, platform choice and checks
 * `berth pull` uses (registry_parse_document).  It must never crash, and a
 * manifest it accepts must be one pull can use: sizes given, digests sha256. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/oci.h"
#include "../../engine/core/registry.h"
#include "../../engine/core/store.h"

static const char *const types[] = {
	NULL,
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
	"text/plain",
	"application/json",
};
static const char *const platforms[] = {NULL, "linux/arm64", "linux/arm/v7", "windows/amd64"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_manifest m;
	char chosen[72];
	char *mt = NULL;
	berr_t err = NULL;
	int r;

	if (size < 1)
		return 0;
	r = registry_parse_document((const char *)data + 1, size - 1, types[data[0] % 8], platforms[(data[0] >> 3) % 4],
				    &mt, chosen, &m, &err);
	if (r == 0) {
		if (m.config.size < 0 || !digest_is_sha256(m.config.digest))
			abort();
		for (size_t i = 0; i < m.n_layers; i++)
			if (m.layers[i].size < 0 || !digest_is_sha256(m.layers[i].digest))
				abort();
		oci_manifest_clear(&m);
	} else if (r == 1) {
		if (!digest_is_sha256(chosen))
			abort();
	} else if (!err || !err->msg) {
		abort();
	}
	free(mt);
	berr_free(&err);
	return 0;
}
