/* fuzz_manifest.c: arbitrary bytes through every JSON document parser of
 * the image code (OCI manifest and index, docker-archive manifest.json,
 * image config), the --change parser and the reference parser: each must
 * accept or refuse, never crash or leak.
 *
 *   make fuzz && build/fuzz/fuzz_manifest -max_total_time=60 tests/fuzz/corpus/manifest
 */
#define _GNU_SOURCE
#include "../../engine/core/oci.h"
#include "../../engine/core/image.h"
#include "../../engine/core/imageio.h"
#include "../../engine/core/ref.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	cleanup_free char *str = xstrndup(buf, size);

	{
		cleanup_berr berr_t err = NULL;
		struct oci_manifest m;
		if (oci_parse_manifest(buf, size, &m, &err) == 0)
			oci_manifest_clear(&m);
	}
	{
		cleanup_berr berr_t err = NULL;
		struct oci_descriptor *d;
		size_t n;
		if (oci_parse_index(buf, size, &d, &n, &err) == 0)
			oci_descriptors_free(d, n);
	}
	{
		cleanup_berr berr_t err = NULL;
		struct docker_archive_image *a;
		size_t n;
		if (oci_parse_docker_archive(buf, size, &a, &n, &err) == 0)
			oci_docker_archive_free(a, n);
	}
	{
		cleanup_berr berr_t err = NULL;
		json_error_t jerr;
		json_t *j = json_loadb(buf, size, 0, &jerr);
		if (j) {
			struct image *img = xcalloc(1, sizeof(*img));
			image_from_config("sha256:0000000000000000000000000000000000000000000000000000000000000000", j,
					  img, &err);
			image_free(img);
			json_decref(j);
		}
	}
	{
		cleanup_berr berr_t err = NULL;
		json_t *cfg = json_object();
		image_apply_change(cfg, str, &err);
		json_decref(cfg);
	}
	{
		cleanup_berr berr_t err = NULL;
		struct ref r;
		if (ref_parse(str, &r, &err) == 0) {
			free(ref_string(&r));
			free(ref_familiar(&r));
			ref_free(&r);
		}
	}
	return 0;
}
