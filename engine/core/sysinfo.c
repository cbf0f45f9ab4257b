/* sysinfo.c: see sysinfo.h. */
#define _GNU_SOURCE
#include "sysinfo.h"
#include "cgroup.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"
#include "version.h"

#include <archive.h>
#include <curl/curl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>
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
	db_stmt_release(st);
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

/* When this binary was built, in the form docker prints (Go's ANSIC:
 * "Mon Jan _2 15:04:05 2006"). */
static void build_time(char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	snprintf(buf, len, "%s %s", __DATE__, __TIME__);
	if (strptime(buf, "%b %d %Y %H:%M:%S", &tm) == NULL)
		return;
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm);
}

/* jansson keeps insertion order; docker's Details is a Go map, which
 * encoding/json writes with sorted keys, so the keys go in sorted. */
json_t *sysinfo_version_json(void)
{
	const struct scmp_version *sv = seccomp_version();
	char built[64], seccomp[32];
	struct utsname u;
	json_t *client, *server, *components;

	memset(&u, 0, sizeof(u));
	uname(&u);
	build_time(built, sizeof(built));
	snprintf(seccomp, sizeof(seccomp), "%u.%u.%u", sv ? sv->major : 0, sv ? sv->minor : 0, sv ? sv->micro : 0);

	client = json_pack("{s:{s:s}, s:s, s:s, s:s, s:s, s:s, s:s}", "Platform", "Name", "berth", "Version",
			   BERTH_VERSION, "ApiVersion", BERTH_DOCKER_COMPAT, "GitCommit", BERTH_GIT_COMMIT, "Os",
			   "linux", "Arch", sysinfo_oci_arch(), "BuildTime", built);
	components = json_pack("[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}}, {s:s, s:s, s:{s:s}}, {s:s, s:s},"
			       " {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]",
			       "Name", "Engine", "Version", BERTH_VERSION, "Details", "ApiVersion", BERTH_DOCKER_COMPAT,
			       "Arch", sysinfo_oci_arch(), "BuildTime", built, "Experimental", "false", "GitCommit",
			       BERTH_GIT_COMMIT, "KernelVersion", u.release, "Os", "linux",
			       "Name", "libarchive", "Version", ARCHIVE_VERSION_ONLY_STRING, "Details", "Libraries",
			       archive_version_details(),
			       "Name", "libseccomp", "Version", seccomp,
			       "Name", "SQLite", "Version", sqlite3_libversion(),
			       "Name", "jansson", "Version", jansson_version_str(),
			       "Name", "libcurl", "Version", curl_version_info(CURLVERSION_NOW)->version);
	server = json_pack("{s:{s:s}, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Platform", "Name", "berth",
			   "Components", components, "Version", BERTH_VERSION, "ApiVersion", BERTH_DOCKER_COMPAT,
			   "GitCommit", BERTH_GIT_COMMIT, "Os", "linux", "Arch", sysinfo_oci_arch(), "KernelVersion",
			   u.release, "BuildTime", built);
	return json_pack("{s:o, s:o}", "Client", client, "Server", server);
}

json_t *sysinfo_info_json(struct berth *b, berr_t *err)
{
	struct sysinfo s;
	char now[64];
	struct timespec ts;
	struct tm tm;
	const char *cgv;
	json_t *info, *security;

	if (sysinfo_gather(b, &s, err) < 0)
		return NULL;
	/* docker reports the hierarchy's version: "1" for a hybrid host too */
	switch (cgroup_detect()) {
	case CGROUP_V1:
	case CGROUP_HYBRID: cgv = "1"; break;
	case CGROUP_V2: cgv = "2"; break;
	default: cgv = ""; break;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(now + strlen(now), sizeof(now) - strlen(now), ".%09ldZ", ts.tv_nsec);
	security = s.seccomp ? json_pack("[s]", "name=seccomp,profile=builtin") : json_array();
	if (s.seccomp && strcmp(cgv, "2") == 0)
		json_array_append_new(security, json_string("name=cgroupns"));

	info = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:[], s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
			 " s:I, s:I, s:s, s:s, s:[], s:b, s:s, s:o, s:[], s:{s:b, s:s, s:s, s:s, s:s}}",
			 "ID", s.engine_id, "Containers", (json_int_t)s.containers, "ContainersRunning",
			 (json_int_t)s.running, "ContainersPaused", (json_int_t)s.paused, "ContainersStopped",
			 (json_int_t)s.stopped, "Images", (json_int_t)s.images, "Driver", s.storage_driver,
			 "DriverStatus", "Debug", b->debug, "SystemTime", now, "CgroupDriver", "cgroupfs",
			 "CgroupVersion", cgv, "KernelVersion", s.kernel, "OperatingSystem", s.os, "OSType", "linux",
			 "Architecture", s.arch, "NCPU", (json_int_t)s.cpus, "MemTotal", (json_int_t)s.mem_total,
			 "DockerRootDir", s.root, "Name", s.hostname, "Labels", "ExperimentalBuild", false,
			 "ServerVersion", BERTH_VERSION, "SecurityOptions", security, "Warnings", "ClientInfo",
			 "Debug", b->debug, "Version", BERTH_VERSION, "GitCommit", BERTH_GIT_COMMIT, "Os", "linux",
			 "Arch", sysinfo_oci_arch());
	sysinfo_free(&s);
	if (info == NULL)
		berr_make(err, 0, "building the info document failed");
	return info;
}
