/* bench/tools/layer-from-dir.c: time what berth build does with a RUN's
 * overlay upper dir, alone: build_layer_from_upper() (the tar written into
 * the blob store while it is hashed, the blob committed, the directory
 * moved into layers/ as the unpacked layer).  The bench (metrics/40-build.sh)
 * runs it beside `tar -c` of the same files, so the row compares the layer
 * with tar and nothing else: no container start, no RUN, no image commit.
 *
 *   layer-from-dir ROOT DIR    (DIR is consumed: it becomes the layer)
 */
#define _GNU_SOURCE
#include "../../engine/core/build.h"
#include "../../engine/core/image.h"
#include "../../engine/core/cleanup.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	cleanup_berr berr_t err = NULL;
	struct berth b;
	struct image_layer_desc d;

	if (argc != 3) {
		fprintf(stderr, "usage: layer-from-dir ROOT DIR\n");
		return 2;
	}
	if (berth_init(&b, argv[1], &err) < 0 || build_layer_from_upper(&b, argv[2], NULL, &d, &err) < 0)
		return berr_report(&err, "layer-from-dir");
	printf("%s %lld\n", d.diff_id, d.blob_size);
	berth_fini(&b);
	return 0;
}
