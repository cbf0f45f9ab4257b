/* cgroup.c: the cgroup layout and a container's cgroup (see cgroup.h).
 *
 * Three layouts exist in the wild and berth must run on all of them; crun
 * refuses the hybrid one, which is exactly what some hosts (this project's
 * CI among them) have.  Detection is by filesystem magic, not by parsing
 * /proc/mounts, so it costs two statfs calls.
 *
 * On v1 a container gets a directory in every mounted hierarchy, as docker's
 * cgroupfs driver does, so that its view (/proc/self/cgroup inside its own
 * cgroup namespace) is "/" everywhere and `stats` finds cpu, memory, pids
 * and blkio figures.  Device rules are written to devices.allow/deny on v1;
 * on v2 they become an eBPF program (cgroup_bpf.c).
 */
#define _GNU_SOURCE
#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"

/* cgroup_bpf.c */
int cgroup_bpf_devices(const char *v2_path, bool privileged, berr_t *err);

enum cgroup_mode cgroup_detect(void)
{
	struct statfs fs;

	if (statfs(CG_ROOT, &fs) < 0)
		return CGROUP_NONE;
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_V2;
	if (fs.f_type != TMPFS_MAGIC)
		return CGROUP_NONE;
	if (statfs(CG_ROOT "/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_HYBRID;
	return CGROUP_V1;
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_V1:
		return "1";
	case CGROUP_HYBRID:
		return "1 (hybrid: v1 controllers with a cgroup2 hierarchy)";
	case CGROUP_V2:
		return "2";
	default:
		return "none";
	}
}

static bool has_ctrl(const char *list, const char *ctrl)
{
	size_t n = strlen(ctrl);
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, ctrl, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Our own cgroup in a hierarchy, from /proc/self/cgroup: the line whose
 * controller list contains `ctrl` (v2: the "0::" line). */
static char *own_cgroup(const char *ctrl, bool v2)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		char *list = strchr(line, ':'), *path = list ? strchr(list + 1, ':') : NULL;
		if (!list || !path)
			continue;
		*list++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (v2 ? strcmp(line, "0") == 0 && *list == '\0' : has_ctrl(list, ctrl))
			return xstrdup(path);
	}
	return xstrdup("/");
}

/* Where cgroups go in a hierarchy mounted at `mnt`: its root when we may
 * write there, else our own cgroup. */
static char *base_dir(const char *mnt, const char *ctrl, bool v2)
{
	if (access(mnt, W_OK) == 0)
		return xstrdup(mnt);
	cleanup_free char *own = own_cgroup(ctrl, v2);
	return xasprintf("%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
}

static void add_dir(struct cgroup *cg, const char *mnt, const char *name, const char *rel, bool v2)
{
	if (cg->n >= CGROUP_MAX_DIRS)
		return;
	/* For "cpu,cpuacct" our own cgroup is found under either name. */
	cleanup_free char *first = xstrndup(name, strcspn(name, ","));
	cleanup_free char *base = base_dir(mnt, first, v2);
	struct cgroup_dir *d = &cg->dirs[cg->n++];

	d->path = xasprintf("%s/%s", base, rel);
	d->name = xstrdup(name);
	d->v2 = v2;
}

static bool dir_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cgroup_open(const char *id, const struct cgroup_limits *l, struct cgroup *out, berr_t *err)
{
	memset(out, 0, sizeof(*out));
	if (!*id || id[0] == '/' || strstr(id, ".."))
		return berr_make(err, 0, "invalid cgroup name %s", id);
	out->mode = cgroup_detect();
	if (out->mode == CGROUP_NONE)
		return 0;
	if (out->mode == CGROUP_V2) {
		add_dir(out, CG_ROOT, "unified", id, true);
		out->memory = out->cpu = out->cpuacct = out->pids = out->freezer = out->blkio = out->cpuset =
			out->v2 = out->clone_into = out->dirs[0].path;
		out->devices = NULL; /* eBPF, attached to v2 */
		return 0;
	}
	cleanup_closedir DIR *d = opendir(CG_ROOT);
	struct dirent *e;
	if (!d)
		return berr_make(err, errno, "cannot read %s", CG_ROOT);
	while ((e = readdir(d))) {
		char mnt[512];
		struct statfs fs;
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		snprintf(mnt, sizeof(mnt), CG_ROOT "/%s", e->d_name);
		if (statfs(mnt, &fs) < 0)
			continue;
		if (fs.f_type == CGROUP2_SUPER_MAGIC) {
			add_dir(out, mnt, "unified", id, true);
		} else if (fs.f_type == CGROUP_SUPER_MAGIC) {
			/* A named hierarchy (systemd) is mounted as "name=systemd". */
			char name[256];
			if (strcmp(e->d_name, "systemd") == 0 || strcmp(e->d_name, "elogind") == 0)
				snprintf(name, sizeof(name), "name=%s", e->d_name);
			else
				snprintf(name, sizeof(name), "%s", e->d_name);
			if (out->mode == CGROUP_HYBRID) {
				/* Only what a limit needs (see cgroup.h). */
				bool want = false;
				if (l)
					want = (l->memory > 0 && has_ctrl(name, "memory")) ||
					       (l->nano_cpus > 0 && has_ctrl(name, "cpu")) ||
					       (l->pids != 0 && has_ctrl(name, "pids"));
				if (!l) {
					cleanup_free char *first = xstrndup(name, strcspn(name, ","));
					cleanup_free char *base = base_dir(mnt, first, false);
					cleanup_free char *p = xasprintf("%s/%s", base, id);
					want = dir_exists(p);
				}
				if (!want)
					continue;
			}
			add_dir(out, mnt, name, id, false);
		}
	}
	for (size_t i = 0; i < out->n; i++) {
		const char *n = out->dirs[i].name, *p = out->dirs[i].path;
		if (out->dirs[i].v2) {
			out->v2 = p;
			if (out->mode == CGROUP_HYBRID) {
				/* The unified node carries what needs no controller. */
				out->clone_into = out->freezer = p;
				out->devices = NULL;
			}
			continue;
		}
		if (has_ctrl(n, "memory"))
			out->memory = p;
		if (has_ctrl(n, "cpu"))
			out->cpu = p;
		if (has_ctrl(n, "cpuacct"))
			out->cpuacct = p;
		if (has_ctrl(n, "pids"))
			out->pids = p;
		if (has_ctrl(n, "freezer") && out->mode == CGROUP_V1)
			out->freezer = p;
		if (has_ctrl(n, "devices") && out->mode == CGROUP_V1)
			out->devices = p;
		if (has_ctrl(n, "blkio"))
			out->blkio = p;
		if (has_ctrl(n, "cpuset"))
			out->cpuset = p;
	}
	return 0;
}

void cgroup_free(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i].path);
		free(cg->dirs[i].name);
	}
	memset(cg, 0, sizeof(*cg));
}

/* Write a value into dir/file; -1 with errno.  No allocation: cgroup_enter
 * runs in a freshly cloned child. */
static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[600];
	int fd, rc = 0;
	size_t len = strlen(val);

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return errno = ENAMETOOLONG, -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, len) != (ssize_t)len)
		rc = -1;
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[600];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int write_limit(const char *dir, const char *file, const char *val, berr_t *err)
{
	if (cg_write(dir, file, val) < 0)
		return berr_make(err, errno, "cannot set %s/%s to %s", dir, file, val);
	return 0;
}

/* docker's default device rules (runc's AllowedDevices): mknod anything,
 * use only the harmless character devices and ptys. */
static const char *const v1_allow[] = {
	"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm", NULL,
};

/* A new cpuset cgroup starts with no cpus and no memory nodes, and nothing
 * can join it until both are set: copy them from the parent. */
static int cpuset_fill(const char *dir, berr_t *err)
{
	char buf[256];
	cleanup_free char *parent = xstrndup(dir, strrchr(dir, '/') - dir);

	for (int i = 0; i < 2; i++) {
		const char *file = i == 0 ? "cpuset.cpus" : "cpuset.mems";
		if (cg_read(dir, file, buf, sizeof(buf)) == 0 && buf[0] != '\n' && buf[0] != '\0')
			continue;
		if (cg_read(parent, file, buf, sizeof(buf)) < 0 || buf[0] == '\n' || buf[0] == '\0') {
			if (strcmp(parent, CG_ROOT "/cpuset") != 0 && cpuset_fill(parent, err) < 0)
				return -1;
			if (cg_read(parent, file, buf, sizeof(buf)) < 0)
				return berr_make(err, errno, "cannot read %s/%s", parent, file);
		}
		if (write_limit(dir, file, buf, err) < 0)
			return -1;
	}
	return 0;
}

/* v2: the controllers must be enabled in every ancestor's subtree_control. */
static void v2_enable(const char *berth_dir)
{
	cleanup_free char *parent = xstrndup(berth_dir, strrchr(berth_dir, '/') - berth_dir);
	static const char *const ctrls[] = {"+memory", "+pids", "+cpu", "+io", "+cpuset", NULL};
	char avail[512] = "";

	if (cg_read(parent, "cgroup.controllers", avail, sizeof(avail)) < 0)
		return;
	for (size_t i = 0; ctrls[i]; i++) {
		if (!strstr(avail, ctrls[i] + 1))
			continue;
		/* Best effort, one at a time: a controller another manager holds
		 * must not stop the others. */
		cg_write(parent, "cgroup.subtree_control", ctrls[i]);
		cg_write(berth_dir, "cgroup.subtree_control", ctrls[i]);
	}
}

static int create_dir(const struct cgroup_dir *d, berr_t *err)
{
	cleanup_free char *parent = xstrndup(d->path, strrchr(d->path, '/') - d->path);
	cleanup_free char *grand = xstrndup(parent, strrchr(parent, '/') - parent);

	/* A parent given as "a/b" needs its own parents first. */
	if (access(grand, F_OK) < 0 && mkdir_p(grand, 0755, err) < 0)
		return -1;
	if (mkdir(parent, 0755) == 0) {
		if (d->v2)
			v2_enable(parent);
		else if (has_ctrl(d->name, "cpuset"))
			cg_write(parent, "cgroup.clone_children", "1");
	} else if (errno != EEXIST) {
		return berr_make(err, errno, "cannot create cgroup %s", parent);
	}
	if (mkdir(d->path, 0755) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create cgroup %s", d->path);
	return 0;
}

int cgroup_create(struct cgroup *cg, const struct cgroup_limits *l, berr_t *err)
{
	char buf[64];

	for (size_t i = 0; i < cg->n; i++)
		if (create_dir(&cg->dirs[i], err) < 0)
			goto fail;
	if (cg->cpuset && !(cg->mode == CGROUP_V2) && cpuset_fill(cg->cpuset, err) < 0)
		goto fail;
	if (cg->mode == CGROUP_V2) {
		const char *d = cg->v2;
		if (l->memory > 0) {
			snprintf(buf, sizeof(buf), "%lld", l->memory);
			if (write_limit(d, "memory.max", buf, err) < 0)
				goto fail;
			/* docker: --memory-swap defaults to twice --memory, i.e.
			 * as much swap as memory; -1 is unlimited. */
			long long swap = l->memory_swap < 0 ? -1 : l->memory_swap > 0 ? l->memory_swap - l->memory : l->memory;
			if (swap < 0)
				snprintf(buf, sizeof(buf), "max");
			else
				snprintf(buf, sizeof(buf), "%lld", swap);
			cg_write(d, "memory.swap.max", buf); /* absent without swap accounting */
		}
		if (l->nano_cpus > 0) {
			snprintf(buf, sizeof(buf), "%lld 100000", l->nano_cpus / 10000);
			if (write_limit(d, "cpu.max", buf, err) < 0)
				goto fail;
		}
		if (l->pids != 0) {
			if (l->pids < 0)
				snprintf(buf, sizeof(buf), "max");
			else
				snprintf(buf, sizeof(buf), "%lld", l->pids);
			if (write_limit(d, "pids.max", buf, err) < 0)
				goto fail;
		}
		if (cgroup_bpf_devices(d, l->privileged, err) < 0)
			goto fail;
		return 0;
	}
	if (l->memory > 0 && cg->memory) {
		snprintf(buf, sizeof(buf), "%lld", l->memory);
		if (write_limit(cg->memory, "memory.limit_in_bytes", buf, err) < 0)
			goto fail;
		long long sw = l->memory_swap < 0 ? -1 : l->memory_swap > 0 ? l->memory_swap : 2 * l->memory;
		snprintf(buf, sizeof(buf), "%lld", sw);
		cg_write(cg->memory, "memory.memsw.limit_in_bytes", buf); /* absent without swap accounting */
	}
	if (l->nano_cpus > 0 && cg->cpu) {
		snprintf(buf, sizeof(buf), "%lld", l->nano_cpus / 10000);
		if (write_limit(cg->cpu, "cpu.cfs_period_us", "100000", err) < 0 ||
		    write_limit(cg->cpu, "cpu.cfs_quota_us", buf, err) < 0)
			goto fail;
	}
	if (l->pids != 0 && cg->pids) {
		if (l->pids < 0)
			snprintf(buf, sizeof(buf), "max");
		else
			snprintf(buf, sizeof(buf), "%lld", l->pids);
		if (write_limit(cg->pids, "pids.max", buf, err) < 0)
			goto fail;
	}
	if (cg->mode == CGROUP_HYBRID && cg->v2) {
		if (cgroup_bpf_devices(cg->v2, l->privileged, err) < 0)
			goto fail;
	} else if (cg->devices) {
		if (l->privileged) {
			if (write_limit(cg->devices, "devices.allow", "a", err) < 0)
				goto fail;
		} else {
			if (write_limit(cg->devices, "devices.deny", "a", err) < 0)
				goto fail;
			for (size_t i = 0; v1_allow[i]; i++)
				if (write_limit(cg->devices, "devices.allow", v1_allow[i], err) < 0)
					goto fail;
		}
	}
	return 0;
fail: {
	cleanup_berr berr_t e2 = NULL;
	cgroup_remove(cg, &e2);
	return -1;
}
}

int cgroup_enter(const struct cgroup *cg, pid_t pid, bool all)
{
	char val[24], tmp[24];
	int n = 0;
	unsigned v = (unsigned)pid;

	/* Hand-made itoa: this runs in a just-cloned child. */
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		val[i] = tmp[n - 1 - i];
	val[n] = '\0';
	for (size_t i = 0; i < cg->n; i++) {
		if (!all && cg->dirs[i].path == cg->clone_into)
			continue;
		if (cg_write(cg->dirs[i].path, "cgroup.procs", val) < 0)
			return -1;
	}
	return 0;
}

int cgroup_open_procs(const struct cgroup *cg, bool all, int *fds, berr_t *err)
{
	int n = 0;
	for (size_t i = 0; i < cg->n; i++) {
		char path[600];
		if (!all && cg->dirs[i].path == cg->clone_into)
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dirs[i].path);
		fds[n] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[n] < 0) {
			int e = errno;
			while (n > 0)
				close(fds[--n]);
			return berr_make(err, e, "cannot open %s", path);
		}
		n++;
	}
	return n;
}

int cgroup_join_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (write(fds[i], "0", 1) != 1)
			return -1;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The freezer is cgroup.freeze on any cgroup2 node (also on hybrid hosts),
 * freezer.state on v1. */
static bool freezer_v2(const struct cgroup *cg)
{
	return cg->freezer && cg->freezer == cg->v2;
}

bool cgroup_is_frozen(const struct cgroup *cg)
{
	char buf[256];
	if (!cg->freezer)
		return false;
	if (freezer_v2(cg))
		return cg_read(cg->v2, "cgroup.events", buf, sizeof(buf)) == 0 && strstr(buf, "frozen 1");
	return cg_read(cg->freezer, "freezer.state", buf, sizeof(buf)) == 0 && strncmp(buf, "FROZEN", 6) == 0;
}

int cgroup_freeze(const struct cgroup *cg, bool frozen, berr_t *err)
{
	if (!cg->freezer)
		return berr_make(err, 0, "this host has no cgroup freezer");
	if (freezer_v2(cg)) {
		if (write_limit(cg->v2, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
			return -1;
	} else if (write_limit(cg->freezer, "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0) {
		return -1;
	}
	/* v1 passes through FREEZING; v2 reports in cgroup.events. */
	for (int i = 0; i < 2000; i++) {
		if (cgroup_is_frozen(cg) == frozen)
			return 0;
		sleep_ms(1);
	}
	return berr_make(err, 0, "timed out waiting for the cgroup to %s", frozen ? "freeze" : "thaw");
}

static unsigned long long stat_field(const char *buf, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	}
	return 0;
}

bool cgroup_oom_killed(const struct cgroup *cg)
{
	char buf[1024];
	if (!cg->memory)
		return false;
	if (cg->mode == CGROUP_V2)
		return cg_read(cg->v2, "memory.events", buf, sizeof(buf)) == 0 && stat_field(buf, "oom_kill") > 0;
	return cg_read(cg->memory, "memory.oom_control", buf, sizeof(buf)) == 0 && stat_field(buf, "oom_kill") > 0;
}

int cgroup_pids(const struct cgroup *cg, pid_t **out, size_t *n, berr_t *err)
{
	/* On hybrid hosts every process is in the unified node; on v1 the
	 * pids (or memory) hierarchy has them all. */
	const char *dir = cg->v2 ? cg->v2 : cg->pids ? cg->pids : cg->memory ? cg->memory : cg->n ? cg->dirs[0].path : NULL;
	cleanup_free char *path = NULL;
	cleanup_fclose FILE *f = NULL;
	pid_t *v = NULL;
	size_t count = 0;
	long p;

	*out = NULL;
	*n = 0;
	if (!dir)
		return 0;
	path = xasprintf("%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : berr_make(err, errno, "cannot read %s", path);
	while (fscanf(f, "%ld", &p) == 1) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = (pid_t)p;
	}
	*out = v;
	*n = count;
	return 0;
}

void cgroup_kill_all(const struct cgroup *cg)
{
	if (cg->v2 && cg_write(cg->v2, "cgroup.kill", "1") == 0)
		return;
	for (int round = 0; round < 50; round++) {
		pid_t *pids = NULL;
		size_t n = 0;
		cleanup_berr berr_t e = NULL;
		if (cgroup_pids(cg, &pids, &n, &e) < 0 || n == 0) {
			free(pids);
			return;
		}
		/* A frozen v1 task cannot die until it is thawed. */
		if (cg->freezer && !freezer_v2(cg))
			cg_write(cg->freezer, "freezer.state", "THAWED");
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		free(pids);
		sleep_ms(2);
	}
}

int cgroup_remove(struct cgroup *cg, berr_t *err)
{
	int rc = 0;

	for (size_t i = 0; i < cg->n; i++) {
		const char *p = cg->dirs[i].path;
		int tries = 0;
		while (rmdir(p) < 0) {
			if (errno == ENOENT)
				break;
			if (errno != EBUSY || ++tries > 500) {
				if (rc == 0)
					berr_make(err, errno, "cannot remove cgroup %s", p);
				rc = -1;
				break;
			}
			/* Exited tasks linger for a moment; anything still alive
			 * (an exec'd process that outlived the init) is killed. */
			if (tries == 1 || tries % 50 == 0)
				cgroup_kill_all(cg);
			sleep_ms(1);
		}
	}
	return rc;
}

/* Resident memory of the cgroup's processes, for a hybrid host where the
 * container has no memory cgroup (no -m): the sum of their RSS. */
static unsigned long long rss_sum(const struct cgroup *cg)
{
	pid_t *pids = NULL;
	size_t n = 0;
	unsigned long long sum = 0;
	cleanup_berr berr_t e = NULL;
	long page = sysconf(_SC_PAGESIZE);

	if (cgroup_pids(cg, &pids, &n, &e) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char path[64], buf[128];
		unsigned long long size, res;
		snprintf(path, sizeof(path), "/proc/%d", (int)pids[i]);
		if (cg_read(path, "statm", buf, sizeof(buf)) == 0 && sscanf(buf, "%llu %llu", &size, &res) == 2)
			sum += res * (unsigned long long)page;
	}
	free(pids);
	return sum;
}

static unsigned long long count_lines(const char *dir, const char *file)
{
	char buf[65536];
	unsigned long long n = 0;
	if (cg_read(dir, file, buf, sizeof(buf)) < 0)
		return 0;
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

int cgroup_stats(const struct cgroup *cg, struct cgroup_stats *out)
{
	char buf[8192];
	memset(out, 0, sizeof(*out));
	if (cg->mode == CGROUP_V2) {
		const char *d = cg->v2;
		if (cg_read(d, "cpu.stat", buf, sizeof(buf)) == 0)
			out->cpu_usage_ns = stat_field(buf, "usage_usec") * 1000ULL;
		if (cg_read(d, "memory.current", buf, sizeof(buf)) == 0) {
			out->mem_usage = strtoull(buf, NULL, 10);
			if (cg_read(d, "memory.stat", buf, sizeof(buf)) == 0) {
				unsigned long long inactive = stat_field(buf, "inactive_file");
				out->mem_usage = out->mem_usage > inactive ? out->mem_usage - inactive : 0;
			}
		} else {
			/* The memory controller is not delegated here. */
			out->mem_usage = rss_sum(cg);
		}
		if (cg_read(d, "memory.max", buf, sizeof(buf)) == 0 && strncmp(buf, "max", 3) != 0)
			out->mem_limit = strtoull(buf, NULL, 10);
		if (cg_read(d, "pids.current", buf, sizeof(buf)) == 0)
			out->pids = strtoull(buf, NULL, 10);
		else
			out->pids = count_lines(d, "cgroup.threads");
		if (cg_read(d, "io.stat", buf, sizeof(buf)) == 0) {
			for (char *p = buf; (p = strstr(p, "rbytes=")); p++)
				out->blk_read += strtoull(p + 7, NULL, 10);
			for (char *p = buf; (p = strstr(p, "wbytes=")); p++)
				out->blk_write += strtoull(p + 7, NULL, 10);
		}
	} else {
		if (cg->cpuacct && cg_read(cg->cpuacct, "cpuacct.usage", buf, sizeof(buf)) == 0)
			out->cpu_usage_ns = strtoull(buf, NULL, 10);
		else if (cg->v2 && cg_read(cg->v2, "cpu.stat", buf, sizeof(buf)) == 0)
			out->cpu_usage_ns = stat_field(buf, "usage_usec") * 1000ULL;
		if (cg->memory) {
			if (cg_read(cg->memory, "memory.usage_in_bytes", buf, sizeof(buf)) == 0)
				out->mem_usage = strtoull(buf, NULL, 10);
			if (cg_read(cg->memory, "memory.stat", buf, sizeof(buf)) == 0) {
				unsigned long long inactive = stat_field(buf, "total_inactive_file");
				out->mem_usage = out->mem_usage > inactive ? out->mem_usage - inactive : 0;
			}
			if (cg_read(cg->memory, "memory.limit_in_bytes", buf, sizeof(buf)) == 0)
				out->mem_limit = strtoull(buf, NULL, 10);
		} else {
			out->mem_usage = rss_sum(cg);
		}
		if (cg->pids && cg_read(cg->pids, "pids.current", buf, sizeof(buf)) == 0)
			out->pids = strtoull(buf, NULL, 10);
		else if (cg->v2)
			out->pids = count_lines(cg->v2, "cgroup.threads");
		if (cg->blkio && cg_read(cg->blkio, "blkio.throttle.io_service_bytes_recursive", buf, sizeof(buf)) == 0) {
			for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
				char dev[64], op[32];
				unsigned long long v;
				if (sscanf(line, "%63s %31s %llu", dev, op, &v) == 3) {
					if (strcmp(op, "Read") == 0)
						out->blk_read += v;
					else if (strcmp(op, "Write") == 0)
						out->blk_write += v;
				}
			}
		}
	}
	/* "No limit" is a huge number on v1 and "max" on v2: show the host's
	 * memory instead, as docker stats does. */
	long long host = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
	if (out->mem_limit == 0 || out->mem_limit > (unsigned long long)host)
		out->mem_limit = (unsigned long long)host;
	return 0;
}
