/* fuzz_runtime_input.c: what the runtime takes from users and images:
 * flag values (sizes, ulimits, restart policies, timestamps), log records,
 * and an image's /etc/passwd and /etc/group with a -u spec.  The input is
 * split at NUL bytes into those pieces. */
#define _GNU_SOURCE
#include "../../engine/core/logfile.h"
#include "../../engine/core/units.h"
#include "../../engine/core/usergroup.h"
#include "../../engine/core/util.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/berth-fuzz-ug.XXXXXX";
static int rootfd = -1;

static void put(const char *name, const char *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/etc/%s", root, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		(void)!write(fd, data, len);
		close(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *parts[6] = {0};
	size_t n = 0;

	if (rootfd < 0) {
		char etc[300];
		if (!mkdtemp(root))
			abort();
		snprintf(etc, sizeof(etc), "%s/etc", root);
		mkdir(etc, 0755);
		rootfd = open(root, O_PATH | O_DIRECTORY);
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	parts[n++] = buf;
	for (size_t i = 0; i < size && n < 6; i++)
		if (buf[i] == '\0')
			parts[n++] = buf + i + 1;
	for (size_t i = n; i < 6; i++)
		parts[i] = "";

	(void)parse_ram_size(parts[0]);
	(void)parse_signal(parts[0]);
	{
		struct ulimit u;
		char why[256];
		(void)parse_ulimit(parts[0], &u, why, sizeof(why));
	}
	{
		struct restart_policy p;
		berr_t err = NULL;
		(void)parse_restart(parts[0], &p, &err);
		berr_free(&err);
	}
	(void)parse_timestamp(parts[0], 1700000000000000000LL);
	{
		struct log_record r;
		(void)logfile_parse(parts[1], strlen(parts[1]), &r);
	}
	put("passwd", parts[2], strlen(parts[2]));
	put("group", parts[3], strlen(parts[3]));
	{
		struct exec_user u;
		berr_t err = NULL;
		(void)user_resolve(rootfd, parts[4], &u, &err);
		berr_free(&err);
	}
	free(buf);
	return 0;
}
