/* sysinfo.c: see sysinfo.h. */
#define _GNU_SOURCE
#include "sysinfo.h"
#include "cgroup.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Tables arrive with later migrations (images, containers); until a table
 * exists its count is honestly zero. */
static long count_rows(sqlite3 *db, const char *sql)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

static int engine_id(sqlite3 *db, char **out, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *fresh = random_hex(16);

	/* INSERT OR IGNORE then SELECT: concurrent first runs agree on one id. */
	if (db_prepare(db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('engine_id', ?)", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, fresh, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(db, "SELECT value FROM meta WHERE key = 'engine_id'", &st, err) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	*out = xstrdup((const char *)sqlite3_column_text(st, 0));
	return 0;
}

static void os_name(char *buf, size_t len)
{
	cleanup_fclose FILE *f = fopen("/etc/os-release", "re");
	char line[256];

	snprintf(buf, len, "Linux");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PRETTY_NAME=", 12) != 0)
			continue;
		char *v = line + 12;
		v[strcspn(v, "\n")] = '\0';
		if (*v == '"') {
			v++;
			v[strcspn(v, "\"")] = '\0';
		}
		snprintf(buf, len, "%s", v);
	}
}

int sysinfo_gather(struct berth *b, struct sysinfo *s, berr_t *err)
{
	sqlite3 *db;
	struct utsname u;

	memset(s, 0, sizeof(*s));
	if (berth_db(b, &db, err) < 0)
		return -1;
	s->containers = count_rows(db, "SELECT count(*) FROM containers");
	s->running = count_rows(db, "SELECT count(*) FROM containers WHERE state = 'running'");
	s->paused = count_rows(db, "SELECT count(*) FROM containers WHERE state = 'paused'");
	s->stopped = s->containers - s->running - s->paused;
	s->images = count_rows(db, "SELECT count(*) FROM images");
	if (engine_id(db, &s->engine_id, err) < 0)
		return -1;
	s->storage_driver = "overlayfs";
	s->cgroup_version = cgroup_mode_name(cgroup_detect());
	/* PR_GET_SECCOMP fails with EINVAL when the kernel lacks seccomp. */
	s->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	if (uname(&u) == 0) {
		snprintf(s->kernel, sizeof(s->kernel), "%s", u.release);
		snprintf(s->arch, sizeof(s->arch), "%s", u.machine);
	}
	os_name(s->os, sizeof(s->os));
	gethostname(s->hostname, sizeof(s->hostname) - 1);
	s->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	s->mem_total = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
	s->root = xstrdup(b->root);
	return 0;
}

void sysinfo_free(struct sysinfo *s)
{
	free(s->engine_id);
	free(s->root);
}

void format_bytes_binary(long long n, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.4g%s", v, units[u]);
}

const char *sysinfo_oci_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#else
	return "unknown";
#endif
}
