/* fuzz_layer.c: arbitrary bytes as a layer: layer_unpack must refuse or
 * unpack them, never crash, hang or leak, and never write outside the
 * layer directory (a sentinel directory next to it must stay empty).
 * Both ways of keeping a layer run: a blob writer is not needed, but the
 * tar-split is built and read back, which must give back the input.
 *
 *   make fuzz && build/fuzz/fuzz_layer -max_total_time=60 tests/fuzz/corpus/layer
 */
#define _GNU_SOURCE
#include "../../engine/core/layer.h"
#include "../../engine/core/tarsplit.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[64];

struct memsrc {
	const uint8_t *buf;
	size_t len, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t cap, berr_t *err)
{
	struct memsrc *m = ctx;
	size_t n = m->len - m->off;
	(void)err;
	/* Odd block sizes exercise the split's block boundaries. */
	if (n > 1000)
		n = 1000;
	if (n > cap)
		n = cap;
	memcpy(buf, m->buf + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_berr berr_t err = NULL;
	struct memsrc m = {data, size, 0};
	struct layer_source src = {mem_read, &m};
	struct layer_result res;
	struct tarsplit *ts = tarsplit_new();
	char layer[128], sentinel[128];
	int fd;

	if (!top[0]) {
		snprintf(top, sizeof(top), "/tmp/berth-fuzz-layer.XXXXXX");
		if (!mkdtemp(top))
			abort();
	}
	snprintf(layer, sizeof(layer), "%s/layer", top);
	snprintf(sentinel, sizeof(sentinel), "%s/outside", top);
	remove_tree(layer, NULL);
	mkdir(layer, 0755);
	mkdir(sentinel, 0755);
	fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	(void)layer_unpack(&src, NULL, ts, fd, &res, &err);
	close(fd);
	tarsplit_free(ts);
	if (!empty_dir(sentinel))
		abort(); /* something escaped the layer directory */
	remove_tree(layer, NULL);
	return 0;
}
