/* ctrfs.c: docker cp and docker export (see ctrops.h).
 *
 * Files inside a container are only ever touched by a forked child whose
 * root *is* the container's: it joins the mount namespace of a running
 * container (setns), or mounts a stopped container's root in a private
 * mount namespace and chroots into it.  Absolute symlinks and ".." then
 * resolve inside the container, as they would for its own processes, and
 * nothing the image contains can point the copy at a host file.  Host and
 * container sides talk through a pipe carrying a tar stream (libarchive);
 * the container side never looks up user or group names, so a planted
 * libnss module in the image is never loaded (CVE-2019-14271).
 */
#define _GNU_SOURCE
#include "ctrops.h"
#include "cleanup.h"
#include "image.h"
#include "layer.h"
#include "lazylib.h"
#include "lifecycle.h"
#include "rootfs.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif

/* ---- entering a container's root (in a child) ----------------------- */

struct root_ctx {
	bool running;
	pid_t pid;
	struct rootfs rootfs;
	bool have_rootfs;
	char *mnt;            /* mount point for a stopped container's root */
};

static int root_prepare(struct berth *b, struct container *c, struct root_ctx *r, berr_t *err)
{
	memset(r, 0, sizeof(*r));
	if ((c->state == CS_RUNNING || c->state == CS_PAUSED) && proc_alive(c->pid, c->pid_start)) {
		r->running = true;
		r->pid = c->pid;
		return 0;
	}
	struct image *img = NULL;
	cleanup_free char *cdir = container_dir(b, c->id);
	if (image_get(b, c->image_id, &img, err) < 0)
		return -1;
	int rc = ctr_rootfs_prepare(b, img, cdir, false, &r->rootfs, err);
	image_free(img);
	if (rc < 0)
		return -1;
	r->have_rootfs = true;
	r->mnt = xasprintf("%s/rootfs", cdir);
	mkdir(r->mnt, 0755);
	return 0;
}

static void root_free(struct root_ctx *r)
{
	if (r->have_rootfs)
		rootfs_free(&r->rootfs);
	free(r->mnt);
}

/* In the child: make "/" the container's root.  Returns -1 with errno.
 * The tar side needs libarchive, which lives in the host's /usr/lib:
 * load it before the host's files go out of sight. */
static int root_enter(struct root_ctx *r)
{
	lazylib_bind_all();
	if (r->running) {
		int fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
		if (fd < 0 || setns(fd, CLONE_NEWNS) < 0)
			return -1;
		close(fd);
		return chdir("/");
	}
	cleanup_berr berr_t e = NULL;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (rootfs_mount_at(&r->rootfs, r->mnt, &e) < 0) {
		errno = e && e->errnum ? e->errnum : EIO;
		return -1;
	}
	if (chdir(r->mnt) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

/* ---- tar helpers ------------------------------------------------------ */

static int write_cb_fd;

static la_ssize_t fd_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	(void)a;
	(void)ctx;
	const char *p = buf;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(write_cb_fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	return (la_ssize_t)len;
}

/* Tar `path` (relative to cwd or absolute) onto fd, entries named `base`
 * and below (base "." for a directory's contents).  No name lookups. */
static int tar_path(const char *path, const char *base, int fd, char *errbuf, size_t errlen)
{
	struct archive *disk = archive_read_disk_new(), *out = archive_write_new();
	struct archive_entry *e;
	cleanup_free char *trimmed = xstrdup(path);
	size_t plen = strlen(trimmed);
	int rc = 0;

	/* "dir/" is "dir": entry names below are cut at plen, and a kept
	 * slash would glue "base" and "name" into "basename". */
	while (plen > 1 && trimmed[plen - 1] == '/')
		trimmed[--plen] = '\0';
	path = trimmed;
	write_cb_fd = fd;
	archive_read_disk_set_symlink_physical(disk);
	archive_write_set_format_pax_restricted(out);
	if (archive_write_open(out, NULL, NULL, fd_write, NULL) != ARCHIVE_OK ||
	    archive_read_disk_open(disk, path) != ARCHIVE_OK) {
		snprintf(errbuf, errlen, "%s", archive_error_string(disk) ? archive_error_string(disk) : "cannot read");
		rc = -1;
		goto done;
	}
	for (;;) {
		e = archive_entry_new();
		int r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r < ARCHIVE_WARN) {
			snprintf(errbuf, errlen, "%s", archive_error_string(disk));
			archive_entry_free(e);
			rc = -1;
			break;
		}
		archive_read_disk_descend(disk);
		const char *full = archive_entry_pathname(e);
		const char *rest = strlen(full) >= plen ? full + plen : "";
		cleanup_free char *name = xasprintf("%s%s", base, rest);
		archive_entry_set_pathname(e, name);
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			snprintf(errbuf, errlen, "%s", archive_error_string(out));
			archive_entry_free(e);
			rc = -1;
			break;
		}
		if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
			const void *buf;
			size_t len;
			la_int64_t off;
			int rr;
			while ((rr = archive_read_data_block(disk, &buf, &len, &off)) == ARCHIVE_OK)
				if (archive_write_data(out, buf, len) < 0)
					break;
		}
		archive_entry_free(e);
	}
done:
	archive_read_close(disk);
	archive_read_free(disk);
	archive_write_close(out);
	archive_write_free(out);
	return rc;
}

/* Extract a tar from fd into cwd; the first path component `from` (when
 * not NULL) becomes `to`.  Refuses absolute names, "..", and writing
 * through symlinks; ownership is left to the extracting user, as docker
 * cp does without -a. */
static int untar(int fd, const char *from, const char *to, char *errbuf, size_t errlen)
{
	struct archive *in = archive_read_new(), *disk = archive_write_disk_new();
	struct archive_entry *e;
	int rc = 0;

	archive_read_support_format_all(in);
	archive_read_support_filter_all(in);
	archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
						     ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK);
	if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK) {
		snprintf(errbuf, errlen, "%s", archive_error_string(in));
		rc = -1;
		goto done;
	}
	for (;;) {
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			snprintf(errbuf, errlen, "%s", archive_error_string(in));
			rc = -1;
			break;
		}
		if (from) {
			const char *name = archive_entry_pathname(e);
			size_t fl = strlen(from);
			if (strncmp(name, from, fl) == 0 && (name[fl] == '\0' || name[fl] == '/')) {
				cleanup_free char *n = xasprintf("%s%s", to, name + fl);
				archive_entry_set_pathname(e, n);
			}
			const char *hl = archive_entry_hardlink(e);
			if (hl && strncmp(hl, from, fl) == 0 && (hl[fl] == '\0' || hl[fl] == '/')) {
				cleanup_free char *n = xasprintf("%s%s", to, hl + fl);
				archive_entry_set_hardlink(e, n);
			}
		}
		if (archive_write_header(disk, e) < ARCHIVE_WARN) {
			snprintf(errbuf, errlen, "%s: %s", archive_entry_pathname(e), archive_error_string(disk));
			rc = -1;
			break;
		}
		const void *buf;
		size_t len;
		la_int64_t off;
		while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(disk, buf, len, off) < ARCHIVE_WARN)
				break;
		archive_write_finish_entry(disk);
	}
done:
	archive_read_close(in);
	archive_read_free(in);
	archive_write_close(disk);
	archive_write_free(disk);
	return rc;
}

/* ---- cp ---------------------------------------------------------------- */

struct endpoint {
	struct container *c;  /* NULL: host */
	char *path;
};

/* "name:path" is a container path when name is not a local path (docker
 * treats anything before a ':' as a container, unless it starts with
 * "/" or "."). */
static int parse_endpoint(struct berth *b, const char *arg, struct endpoint *ep, berr_t *err)
{
	const char *colon = strchr(arg, ':');
	memset(ep, 0, sizeof(ep[0]));
	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg) {
		ep->path = xstrdup(arg);
		return 0;
	}
	cleanup_free char *name = xstrndup(arg, (size_t)(colon - arg));
	if (container_find(b, name, &ep->c, err) < 0)
		return -1;
	ep->path = xstrdup(*(colon + 1) ? colon + 1 : "/");
	if (ep->path[0] != '/') {
		/* Relative to the container's working directory, or "/". */
		const char *wd = json_string_value(json_object_get(ep->c->config, "WorkingDir"));
		char *abs = xasprintf("%s/%s", wd && *wd ? wd : "", ep->path);
		free(ep->path);
		ep->path = abs;
	}
	return 0;
}

/* What to name the copy: base name of src ("." for "dir/." contents). */
static char *src_base(const char *path)
{
	size_t n = strlen(path);
	if (n >= 2 && strcmp(path + n - 2, "/.") == 0)
		return xstrdup(".");
	cleanup_free char *copy = xstrdup(path);
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	return xstrdup(basename(copy));
}

/* Report from a child: status and message on a pipe. */
struct cp_report {
	int status;
	char msg[900];
};

__attribute__((noreturn)) static void child_report(int fd, int status, const char *fmt, ...)
{
	struct cp_report r = {.status = status};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	(void)!write(fd, &r, sizeof(r));
	_exit(status ? 1 : 0);
}

/* Extract a tar from `fd` to dst (host or container cwd), docker's rules:
 * an existing directory receives the copy under its own name; otherwise
 * dst is the new name (its parent must exist). */
static int place(int fd, const char *dst, const char *base, char *errbuf, size_t errlen, int *status)
{
	struct stat st;
	bool trailing = dst[strlen(dst) - 1] == '/';

	*status = 1;
	if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (chdir(dst) < 0) {
			snprintf(errbuf, errlen, "cannot enter %s: %s", dst, strerror(errno));
			return -1;
		}
		return untar(fd, NULL, NULL, errbuf, errlen);
	}
	if (trailing) {
		snprintf(errbuf, errlen, "no such directory");
		return -1;
	}
	cleanup_free char *d1 = xstrdup(dst), *d2 = xstrdup(dst);
	const char *parent = dirname(d1), *leaf = basename(d2);
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode) || chdir(parent) < 0) {
		snprintf(errbuf, errlen, "no such directory: %s", parent);
		return -1;
	}
	if (strcmp(base, ".") == 0) {
		/* "dir/." into a new name: create it, copy the contents in. */
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
			snprintf(errbuf, errlen, "cannot create %s: %s", dst, strerror(errno));
			return -1;
		}
		if (chdir(leaf) < 0) {
			snprintf(errbuf, errlen, "cannot enter %s: %s", dst, strerror(errno));
			return -1;
		}
		return untar(fd, NULL, NULL, errbuf, errlen);
	}
	return untar(fd, base, leaf, errbuf, errlen);
}

static int wait_child(pid_t pid, int rep, berr_t *err)
{
	struct cp_report r;
	ssize_t n;
	int st;

	while ((n = read(rep, &r, sizeof(r))) < 0 && errno == EINTR)
		;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(r) && r.status) {
		r.msg[sizeof(r.msg) - 1] = '\0';
		return berr_make_status(err, 1, 0, "%s", r.msg);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return berr_make_status(err, 1, 0, "copy failed");
	return 0;
}

static int cp_out(struct berth *b, struct endpoint *src, const char *dst, berr_t *err)
{
	struct root_ctx rc;
	int data[2], rep[2];
	pid_t pid;
	cleanup_free char *base = src_base(src->path);
	char errbuf[900] = "";
	int status = 0, r;

	if (root_prepare(b, src->c, &rc, err) < 0)
		return -1;
	if (pipe2(data, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		root_free(&rc);
		return berr_make(err, errno, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		struct stat st;
		close(data[0]);
		close(rep[0]);
		if (root_enter(&rc) < 0)
			child_report(rep[1], 1, "cannot enter the container's filesystem: %s", strerror(errno));
		cleanup_free char *p = xstrdup(src->path);
		size_t n = strlen(p);
		if (strcmp(base, ".") == 0)
			p[n - 2] = '\0'; /* "dir/." -> "dir" */
		if (!*p)
			p[0] = '/', p[1] = '\0';
		if (lstat(p, &st) < 0)
			child_report(rep[1], 1, "Error response from daemon: Could not find the file %s in container %s",
				     src->path, src->c->name);
		if (strcmp(base, ".") == 0 && !S_ISDIR(st.st_mode))
			child_report(rep[1], 1, "Error response from daemon: %s is not a directory", src->path);
		if (tar_path(p, base, data[1], errbuf, sizeof(errbuf)) < 0)
			child_report(rep[1], 1, "%s", errbuf);
		_exit(0);
	}
	close(data[1]);
	close(rep[1]);
	root_free(&rc);
	if (pid < 0) {
		close(data[0]);
		close(rep[0]);
		return berr_make(err, errno, "fork");
	}
	if (strcmp(dst, "-") == 0) {
		char buf[65536];
		ssize_t n;
		while ((n = read(data[0], buf, sizeof(buf))) > 0)
			if (write(1, buf, (size_t)n) != n)
				break;
		r = 0;
	} else {
		/* Extract in a child too: place() changes directory. */
		pid_t x = fork();
		if (x == 0) {
			int s = 0;
			if (place(data[0], dst, base, errbuf, sizeof(errbuf), &s) < 0) {
				fprintf(stderr, "%s\n", errbuf);
				_exit(1);
			}
			_exit(0);
		}
		int st;
		while (waitpid(x, &st, 0) < 0 && errno == EINTR)
			;
		r = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
	}
	close(data[0]);
	status = wait_child(pid, rep[0], err);
	close(rep[0]);
	if (status < 0)
		return -1;
	if (r < 0)
		return berr_make_status(err, 1, 0, "copying to %s failed", dst);
	return 0;
}

static int cp_in(struct berth *b, const char *src, struct endpoint *dst, berr_t *err)
{
	struct root_ctx rc;
	int data[2], rep[2];
	pid_t pid;
	cleanup_free char *base = strcmp(src, "-") == 0 ? NULL : src_base(src);
	char errbuf[900] = "";
	struct stat st;
	int rcode;

	if (strcmp(src, "-") != 0 && lstat(src, &st) < 0) {
		/* docker names the absolute path */
		char cwd[4096];
		bool rel = src[0] != '/' && getcwd(cwd, sizeof(cwd));
		return berr_make_status(err, 1, 0, "lstat %s%s%s: no such file or directory", rel ? cwd : "",
					rel ? "/" : "", src);
	}
	if (base && strcmp(base, ".") == 0) {
		cleanup_free char *p = xstrndup(src, strlen(src) - 2);
		if (stat(*p ? p : "/", &st) < 0 || !S_ISDIR(st.st_mode))
			return berr_make_status(err, 1, 0, "%s is not a directory", src);
	}
	if (root_prepare(b, dst->c, &rc, err) < 0)
		return -1;
	if (pipe2(data, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		root_free(&rc);
		return berr_make(err, errno, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		int s = 0;
		close(data[1]);
		close(rep[0]);
		if (root_enter(&rc) < 0)
			child_report(rep[1], 1, "cannot enter the container's filesystem: %s", strerror(errno));
		if (!base) {
			/* A tar on stdin goes into an existing directory. */
			if (stat(dst->path, &st) < 0 || !S_ISDIR(st.st_mode) || chdir(dst->path) < 0)
				child_report(rep[1], 1, "Error response from daemon: Could not find the file %s in container %s",
					     dst->path, dst->c->name);
			if (untar(data[0], NULL, NULL, errbuf, sizeof(errbuf)) < 0)
				child_report(rep[1], 1, "Error response from daemon: %s", errbuf);
			_exit(0);
		}
		if (place(data[0], dst->path, base, errbuf, sizeof(errbuf), &s) < 0) {
			if (str_has_prefix(errbuf, "no such directory"))
				child_report(rep[1], 1, "Error response from daemon: Could not find the file %s in container %s",
					     dst->path, dst->c->name);
			child_report(rep[1], 1, "Error response from daemon: %s", errbuf);
		}
		_exit(0);
	}
	close(data[0]);
	close(rep[1]);
	root_free(&rc);
	if (pid < 0) {
		close(data[1]);
		close(rep[0]);
		return berr_make(err, errno, "fork");
	}
	signal(SIGPIPE, SIG_IGN);
	if (!base) {
		char buf[65536];
		ssize_t n;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(data[1], buf, (size_t)n) != n)
				break;
		rcode = 0;
	} else {
		cleanup_free char *p = strcmp(base, ".") == 0 ? xstrndup(src, strlen(src) - 2) : xstrdup(src);
		rcode = tar_path(*p ? p : "/", base, data[1], errbuf, sizeof(errbuf));
	}
	close(data[1]);
	int w = wait_child(pid, rep[0], err);
	close(rep[0]);
	if (w < 0)
		return -1;
	if (rcode < 0)
		return berr_make_status(err, 1, 0, "%s", errbuf);
	return 0;
}

int ctr_cp(struct berth *b, const char *src, const char *dst, berr_t *err)
{
	struct endpoint s, d;
	int rc;

	if (parse_endpoint(b, src, &s, err) < 0)
		return -1;
	if (parse_endpoint(b, dst, &d, err) < 0) {
		container_free(s.c);
		free(s.path);
		return -1;
	}
	if (s.c && d.c)
		rc = berr_make_status(err, 1, 0, "copying between containers is not supported");
	else if (!s.c && !d.c)
		rc = berr_make_status(err, 1, 0, "must specify at least one container source");
	else if (s.c)
		rc = cp_out(b, &s, d.path, err);
	else
		rc = cp_in(b, s.path, &d, err);
	container_free(s.c);
	container_free(d.c);
	free(s.path);
	free(d.path);
	return rc;
}

/* ---- export ------------------------------------------------------------ */

static int sink_fd(void *ctx, const void *buf, size_t len, berr_t *err)
{
	int fd = *(int *)ctx;
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_make(err, errno, "write");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctr_export(struct berth *b, struct container *c, int fd, berr_t *err)
{
	struct root_ctx rc;
	int rep[2];
	pid_t pid;

	if (root_prepare(b, c, &rc, err) < 0)
		return -1;
	if (pipe2(rep, O_CLOEXEC) < 0) {
		root_free(&rc);
		return berr_make(err, errno, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		cleanup_berr berr_t e = NULL;
		int dirfd;
		close(rep[0]);
		if (root_enter(&rc) < 0)
			child_report(rep[1], 1, "cannot enter the container's filesystem: %s", strerror(errno));
		/* The root mount alone (a detached, non-recursive clone): not
		 * /proc, /sys, /dev or the /etc files mounted on top of it. */
		dirfd = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | O_CLOEXEC);
		if (dirfd < 0)
			dirfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct layer_tar_opts opts = {.oci_whiteouts = false, .clamp_mtime = -1, .exclude = NULL};
		if (layer_write_tar(dirfd, &opts, sink_fd, &fd, &e) < 0)
			child_report(rep[1], 1, "%s", e->msg);
		_exit(0);
	}
	close(rep[1]);
	root_free(&rc);
	if (pid < 0) {
		close(rep[0]);
		return berr_make(err, errno, "fork");
	}
	int r = wait_child(pid, rep[0], err);
	close(rep[0]);
	return r;
}
