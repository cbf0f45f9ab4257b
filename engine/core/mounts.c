/* mounts.c: user mounts inside the container's mount namespace (see mounts.h). */
#define _GNU_SOURCE
#include "mounts.h"
#include "cleanup.h"
#include "mountspec.h"
#include "usergroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void mount_ops_free(struct mount_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ops[i].source);
		free(ops[i].target);
		free(ops[i].fstype);
		free(ops[i].data);
	}
	free(ops);
}

void mount_options_split(const char *opts, unsigned long *flags, char **data)
{
	static const struct {
		const char *name;
		unsigned long set, clear;
	} fl[] = {
		{"ro", MS_RDONLY, 0},        {"rw", 0, MS_RDONLY},          {"nosuid", MS_NOSUID, 0},
		{"suid", 0, MS_NOSUID},      {"nodev", MS_NODEV, 0},        {"dev", 0, MS_NODEV},
		{"noexec", MS_NOEXEC, 0},    {"exec", 0, MS_NOEXEC},        {"sync", MS_SYNCHRONOUS, 0},
		{"async", 0, MS_SYNCHRONOUS}, {"dirsync", MS_DIRSYNC, 0},   {"noatime", MS_NOATIME, 0},
		{"atime", 0, MS_NOATIME},    {"nodiratime", MS_NODIRATIME, 0}, {"diratime", 0, MS_NODIRATIME},
		{"relatime", MS_RELATIME, 0}, {"norelatime", 0, MS_RELATIME}, {"strictatime", MS_STRICTATIME, 0},
		{"nostrictatime", 0, MS_STRICTATIME}, {"mand", MS_MANDLOCK, 0}, {"nomand", 0, MS_MANDLOCK},
		{"tmpcopyup", 0, 0},
	};
	cleanup_free char *copy = xstrdup(opts ? opts : "");
	size_t len = 0;
	char *out = NULL, *save = NULL;
	FILE *m = open_memstream(&out, &len);
	bool first = true;

	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
			if (strcmp(o, fl[i].name) == 0) {
				*flags = (*flags | fl[i].set) & ~fl[i].clear;
				known = true;
			}
		}
		if (!known) {
			fprintf(m, "%s%s", first ? "" : ",", o);
			first = false;
		}
	}
	fclose(m);
	*data = out;
}

/* ---- paths in the root ------------------------------------------------- */

static char fdpath_buf[2][64];

static const char *fdpath(int slot, int fd)
{
	snprintf(fdpath_buf[slot], sizeof(fdpath_buf[slot]), "/proc/self/fd/%d", fd);
	return fdpath_buf[slot];
}

/* Open the mountpoint below rootfd, creating what is missing: directories
 * all the way, and the last component as a file when !dir.  Every step is
 * resolved inside the root; creation happens below an fd, one plain name
 * at a time, O_NOFOLLOW|O_EXCL for files. */
int mountpoint_create_leaf(int pfd, const char *leaf, bool dir)
{
	/* leaf is one plain name: mkdirat/openat below pfd cannot escape,
	 * and O_NOFOLLOW|O_EXCL refuse to create through a symlink. */
	if (dir) {
		if (mkdirat(pfd, leaf, 0755) < 0 && errno != EEXIST) {
			close(pfd);
			return -1;
		}
	} else {
		int f = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST) {
			close(pfd);
			return -1;
		}
		if (f >= 0)
			close(f);
	}
	close(pfd);
	return 0;
}

static int mountpoint_in_root_depth(int rootfd, const char *path, bool dir, int depth);

static int mountpoint_in_root(int rootfd, const char *path, bool dir)
{
	return mountpoint_in_root_depth(rootfd, path, dir, 0);
}

/* The last component is a symlink that leads nowhere (yet): follow it the
 * way the container would see it, inside the root, as docker's
 * FollowSymlinkInScope does, and create what it points to. */
static int follow_dangling(int rootfd, const char *path, bool dir, int depth)
{
	cleanup_free char *target = xmalloc(4096);
	cleanup_free char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	const char *leaf = slash ? slash + 1 : parent;
	int pfd;
	ssize_t n;

	if (depth >= 40) {
		errno = ELOOP;
		return -1;
	}
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		parent[1] = '\0', leaf = path + 1;
	pfd = open_in_root(rootfd, slash && slash != parent ? parent : "/", O_PATH | O_DIRECTORY, 0);
	if (pfd < 0)
		return -1;
	n = readlinkat(pfd, leaf, target, 4095);
	close(pfd);
	if (n < 0) {
		errno = ENOENT;
		return -1;
	}
	target[n] = '\0';
	cleanup_free char *joined = target[0] == '/' ? xstrdup(target)
						     : xasprintf("%s/%s", slash && slash != parent ? parent : "", target);
	cleanup_free char *clean = path_clean(joined);
	return mountpoint_in_root_depth(rootfd, clean, dir, depth + 1);
}

static int mountpoint_in_root_depth(int rootfd, const char *path, bool dir, int depth)
{
	/* On the heap: this runs on the child's small stack (runtime.c's
	 * vfork-style clone), once per path component. */
	cleanup_free char *buf = NULL;
	int fd = open_in_root(rootfd, path, O_PATH | (dir ? O_DIRECTORY : 0), 0);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	buf = xstrdup(path);
	char *slash = strrchr(buf, '/');
	const char *leaf = slash ? slash + 1 : buf;
	int pfd;
	if (slash && slash != buf) {
		*slash = '\0';
		pfd = mountpoint_in_root_depth(rootfd, buf, true, depth);
	} else {
		pfd = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	}
	if (pfd < 0 || mountpoint_create_leaf(pfd, leaf, dir) < 0)
		return -1;
	fd = open_in_root(rootfd, path, O_PATH | (dir ? O_DIRECTORY : 0), 0);
	if (fd < 0 && errno == ENOENT)
		return follow_dangling(rootfd, path, dir, depth);
	return fd;
}

/* ---- copy-up ------------------------------------------------------------- */

static bool dir_empty(int fd)
{
	int d = dup(fd);
	DIR *dp;
	struct dirent *e;
	bool empty = true;

	if (d < 0 || !(dp = fdopendir(d))) {
		if (d >= 0)
			close(d);
		return false;
	}
	while ((e = readdir(dp))) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	}
	closedir(dp);
	return empty;
}

static void copy_meta(int fd, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (fchown(fd, st->st_uid, st->st_gid) < 0) {
		/* best effort: an id the filesystem refuses keeps root's */
	}
	fchmod(fd, st->st_mode & 07777);
	futimens(fd, ts);
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out;
	if (in < 0)
		return -1;
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			break;
		if (n < 0) {
			/* Across filesystems on older kernels: copy by hand. */
			char buf[16384];
			ssize_t r;
			while ((r = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)r) != r) {
					close(in);
					close(out);
					return -1;
				}
			break;
		}
	}
	copy_meta(out, st);
	close(in);
	close(out);
	return 0;
}

static int copy_tree(int sdir, int ddir, int depth)
{
	int d = dup(sdir);
	DIR *dp;
	struct dirent *e;
	int rc = 0;

	if (depth > 128 || d < 0 || !(dp = fdopendir(d))) {
		if (d >= 0)
			close(d);
		return -1;
	}
	while ((e = readdir(dp))) {
		struct stat st;
		const char *name = e->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST) {
				rc = -1;
				continue;
			}
			int s2 = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 >= 0 && d2 >= 0 && copy_tree(s2, d2, depth + 1) < 0)
				rc = -1;
			if (d2 >= 0)
				copy_meta(d2, &st);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISREG(st.st_mode)) {
			if (copy_file(sdir, ddir, name, &st) < 0)
				rc = -1;
		} else if (S_ISLNK(st.st_mode)) {
			cleanup_free char *target = xmalloc(4096); /* small child stack: see above */
			ssize_t n = readlinkat(sdir, name, target, 4095);
			if (n < 0)
				continue;
			target[n] = '\0';
			/* The link is copied as text: it is followed later, inside
			 * the container, where it means what it meant in the image. */
			if (symlinkat(target, ddir, name) == 0) {
				struct timespec ts[2] = {st.st_atim, st.st_mtim};
				if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
					/* best effort, as for files */
				}
				utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
			}
		} else {
			mknodat(ddir, name, st.st_mode, st.st_rdev);
		}
	}
	closedir(dp);
	return rc;
}

/* Fill the volume at `source` from the image's `target`, if it is empty
 * and the image has a directory there. */
static int copy_up(int rootfd, const char *source, const char *target, berr_t *err)
{
	struct stat st;
	int dst = open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int src;
	int rc = 0;

	if (dst < 0)
		return berr_make(err, errno, "cannot open volume directory %s", source);
	if (!dir_empty(dst)) {
		close(dst);
		return 0;
	}
	src = open_in_root(rootfd, target, O_RDONLY | O_DIRECTORY, 0);
	if (src < 0) {
		close(dst);
		return 0; /* nothing there in the image, or not a directory */
	}
	if (fstat(src, &st) == 0)
		copy_meta(dst, &st);
	if (copy_tree(src, dst, 0) < 0)
		rc = berr_make(err, errno, "cannot copy the image's %s into its volume", target);
	close(src);
	close(dst);
	return rc;
}

/* ---- mounting --------------------------------------------------------------- */

static int bind_onto(int tfd, const char *source, bool readonly, berr_t *err)
{
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return berr_make(err, errno, "cannot bind %s", source);
	if (readonly) {
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
		if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
			int e = errno;
			close(tree);
			return berr_make(err, e, "cannot make %s read-only", source);
		}
	}
	if (syscall(SYS_move_mount, tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		int e = errno;
		close(tree);
		return berr_make(err, e, "cannot mount %s", source);
	}
	close(tree);
	return 0;
}

int mounts_apply(int rootfd, const struct mount_op *ops, size_t n, berr_t *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct mount_op *o = &ops[i];
		bool dir = true;
		int tfd;

		if (o->kind == MO_BIND) {
			struct stat st;
			if (stat(o->source, &st) < 0)
				return berr_make(err, errno, "invalid mount config for type \"bind\": bind source path does not exist: %s",
						 o->source);
			dir = S_ISDIR(st.st_mode);
			if (o->copy_up && copy_up(rootfd, o->source, o->target, err) < 0)
				return -1;
		}
		tfd = mountpoint_in_root(rootfd, o->target, dir);
		if (tfd < 0)
			return berr_make(err, errno, "cannot create mountpoint %s in the container", o->target);
		int rc = 0;
		switch (o->kind) {
		case MO_BIND:
			rc = bind_onto(tfd, o->source, o->readonly, err);
			break;
		case MO_TMPFS:
		case MO_DEVICE: {
			unsigned long fl = o->flags | (o->readonly ? MS_RDONLY : 0);
			const char *fstype = o->kind == MO_TMPFS ? "tmpfs" : o->fstype;
			const char *src = o->kind == MO_TMPFS ? "tmpfs" : o->source;
			if (mount(src, fdpath(0, tfd), fstype, fl, o->data && *o->data ? o->data : NULL) < 0)
				rc = berr_make(err, errno, "cannot mount %s on %s", fstype, o->target);
			break;
		}
		}
		if (rc == 0 && o->propagation) {
			/* Propagation is set on the mount now on top of the mountpoint. */
			int mfd = open_in_root(rootfd, o->target, O_PATH, 0);
			if (mfd < 0 || mount(NULL, fdpath(1, mfd), NULL, o->propagation | MS_REC, NULL) < 0)
				rc = berr_make(err, errno, "cannot set the propagation of %s", o->target);
			if (mfd >= 0)
				close(mfd);
		}
		close(tfd);
		if (rc < 0)
			return -1;
	}
	return 0;
}
