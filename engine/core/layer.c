/* layer.c: unpacking layer tars safely, writing trees as tars, and
 * flattening layers (see layer.h).
 *
 * Reading is a chain of pull-based libarchive readers, so a layer streams
 * from its source (a file, or an entry of an outer archive being loaded)
 * to disk without an intermediate copy:
 *
 *   source --(raw bytes: hashed = blob digest, written to the blob store)-->
 *   libarchive "raw" reader with decompression filters
 *   --(uncompressed bytes: hashed = diff id; skipped when uncompressed,
 *      since then the diff id is the blob digest)-->
 *   libarchive tar reader --> our writer (openat2 RESOLVE_IN_ROOT)
 *
 * Writing the files is ours rather than archive_write_disk's: we need
 * whiteout conversion anyway, and resolving each parent with one openat2()
 * in the kernel is both safer and cheaper than libarchive's per-component
 * lstat walk (ARCHIVE_EXTRACT_SECURE_SYMLINKS).
 */
#define _GNU_SOURCE
#include "layer.h"
#include "tarsplit.h"
#include "util.h"
#include "cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* Best-effort calls whose failure changes nothing we could act on. */
#define IGNORE_RESULT (void)!

#define OPAQUE_XATTR "trusted.overlay.opaque"
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

static int openat2_in_root(int root, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV | resolve,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd;
}

/* ---- sources ---------------------------------------------------------- */

static ssize_t fd_source_read(void *ctx, void *buf, size_t cap, berr_t *err)
{
	struct layer_fd_source *s = ctx;
	for (;;) {
		ssize_t n = read(s->fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berr_make(err, errno, "read error");
		return n;
	}
}

void layer_fd_source_init(struct layer_fd_source *s, struct layer_source *src, int fd)
{
	s->fd = fd;
	src->read = fd_source_read;
	src->ctx = s;
}

void layer_fd_source_fini(struct layer_fd_source *s)
{
	s->fd = -1;
}

/* ---- extraction ------------------------------------------------------- */

struct dirmeta {
	char *rel;
	mode_t mode;
	struct timespec times[2];
};

struct extract {
	int root;
	char *cached_rel;  /* parent directory last opened, and its fd */
	int cached_fd;
	struct dirmeta *dirs;
	size_t ndirs, capdirs;
	bool privileged;
	long long size;
	struct tarsplit *ts;      /* content about to be removed goes inline */
	const char *cur_parent;   /* parent of the entry being extracted */
};

static void cache_drop(struct extract *x)
{
	if (x->cached_fd >= 0)
		close(x->cached_fd);
	x->cached_fd = -1;
	free(x->cached_rel);
	x->cached_rel = NULL;
}

/* Normalise an entry path: strip leading "/" and "./", drop "." and empty
 * components, refuse "..".  "" is the layer root. */
static int clean_path(const char *in, char **out, berr_t *err)
{
	size_t n = strlen(in);
	char *r = xmalloc(n + 1), *w = r;
	const char *p = in;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(r);
			return berr_make(err, 0, "invalid layer: %s: a path may not contain '..'", in);
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (w != r)
				*w++ = '/';
			memcpy(w, p, len);
			w += len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	*w = '\0';
	*out = r;
	return 0;
}

/* Open (O_PATH) the directory rel inside the layer, creating missing
 * directories (mode 0755) when asked.  The result is cached: entries come
 * grouped by directory.  Returns a borrowed fd, or -1 with err set. */
static int open_parent(struct extract *x, const char *rel, berr_t *err)
{
	int fd;

	if (!*rel)
		return x->root;
	if (x->cached_rel && strcmp(x->cached_rel, rel) == 0)
		return x->cached_fd;
	fd = openat2_in_root(x->root, rel, O_PATH | O_DIRECTORY, 0);
	if (fd < 0 && errno == ENOENT) {
		/* mkdir -p, one component at a time, each resolved in root. */
		cleanup_free char *buf = xstrdup(rel);
		for (char *s = buf;; s++) {
			if (*s != '/' && *s != '\0')
				continue;
			char save = *s;
			*s = '\0';
			int cfd = openat2_in_root(x->root, buf, O_PATH | O_DIRECTORY, 0);
			if (cfd < 0 && errno == ENOENT) {
				char *slash = strrchr(buf, '/');
				int pfd = slash ? (*slash = '\0', openat2_in_root(x->root, buf, O_PATH | O_DIRECTORY, 0))
						: dup(x->root);
				if (slash)
					*slash = '/';
				if (pfd < 0)
					return berr_make(err, errno, "invalid layer: cannot create directory %s", buf);
				int r = mkdirat(pfd, slash ? slash + 1 : buf, 0755);
				int e = errno;
				close(pfd);
				if (r < 0 && e != EEXIST)
					return berr_make(err, e, "invalid layer: cannot create directory %s", buf);
				cfd = openat2_in_root(x->root, buf, O_PATH | O_DIRECTORY, 0);
			}
			if (cfd < 0)
				return berr_make(err, errno, "invalid layer: cannot open directory %s", buf);
			close(cfd);
			*s = save;
			if (!save)
				break;
		}
		fd = openat2_in_root(x->root, rel, O_PATH | O_DIRECTORY, 0);
	}
	if (fd < 0)
		return berr_make(err, errno, "invalid layer: cannot open directory %s", rel);
	cache_drop(x);
	x->cached_rel = xstrdup(rel);
	x->cached_fd = fd;
	return fd;
}

static int rm_rf_at(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		if (fd < 0)
			return -1;
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return -1;
		}
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (rm_rf_at(dirfd(d), de->d_name) < 0) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
		return unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
	}
	return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
}

int layer_rm_rf_at(int dirfd, const char *name, berr_t *err)
{
	if (rm_rf_at(dirfd, name) < 0)
		return berr_make(err, errno, "cannot remove %s", name);
	return 0;
}

/* Whatever is at parent/name goes (a file where a directory was, or the
 * reverse); the cached parent may have been inside it. */
static int replace_existing(struct extract *x, int pfd, const char *name, berr_t *err)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berr_make(err, errno, "invalid layer: %s", name);
	/* The split points at files by path: what is about to go from the
	 * directory is kept inline instead. */
	if (x->ts) {
		cleanup_free char *p = *x->cur_parent ? xasprintf("%s/%s", x->cur_parent, name) : xstrdup(name);
		if (tarsplit_inline_under(x->ts, x->root, p, err) < 0)
			return -1;
	}
	/* A cached parent other than pfd may lie inside the directory about
	 * to go; pfd itself (its parent) stays valid. */
	if (S_ISDIR(st.st_mode) && x->cached_fd != pfd)
		cache_drop(x);
	if (rm_rf_at(pfd, name) < 0)
		return berr_make(err, errno, "invalid layer: cannot replace %s", name);
	return 0;
}

static bool skip_xattr(const char *name)
{
	/* Only berth's whiteout conversion may set overlay's own xattrs: a
	 * layer carrying trusted.overlay.redirect or .opaque could otherwise
	 * reach into other layers.  SELinux labels belong to the host. */
	return str_has_prefix(name, "trusted.overlay.") || str_has_prefix(name, "user.overlay.") ||
	       strcmp(name, "security.selinux") == 0;
}

static void apply_xattrs_fd(struct archive_entry *e, int fd, const char *path_for_l)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!name || skip_xattr(name))
			continue;
		/* Best effort, as docker: a filesystem without user xattrs or an
		 * unprivileged run must not make the layer unusable. */
		if (fd >= 0)
			(void)fsetxattr(fd, name, value, size, 0);
		else if (path_for_l)
			(void)lsetxattr(path_for_l, name, value, size, 0);
	}
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

static int write_file(struct extract *x, struct archive *a, struct archive_entry *e, int pfd, const char *base,
		      const char *rel, berr_t *err)
{
	cleanup_close int fd = -1;
	long long size = archive_entry_size(e), end = 0;
	struct timespec ts[2];

	for (int tries = 0; fd < 0; tries++) {
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries > 0)
			return berr_make(err, errno, "invalid layer: cannot create %s", rel);
		if (replace_existing(x, pfd, base, err) < 0)
			return -1;
	}
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return berr_make(err, 0, "invalid layer: %s: %s", rel, archive_error_string(a));
		const char *p = buf;
		while (len > 0) {
			ssize_t n = pwrite(fd, p, len, off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return berr_make(err, errno, "cannot write %s", rel);
			}
			p += n;
			off += n;
			len -= (size_t)n;
		}
		if (off > end)
			end = off;
	}
	/* Sparse files end in a hole the data blocks do not cover. */
	if (size > end && ftruncate(fd, size) < 0)
		return berr_make(err, errno, "cannot write %s", rel);
	x->size += size;
	if (x->privileged && fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
		return berr_make(err, errno, "cannot chown %s", rel);
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return berr_make(err, errno, "cannot chmod %s", rel);
	apply_xattrs_fd(e, fd, NULL);
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return berr_make(err, errno, "cannot set times of %s", rel);
	return 0;
}

static int make_dir(struct extract *x, struct archive_entry *e, int pfd, const char *base, const char *rel,
		    berr_t *err)
{
	cleanup_close int fd = -1;
	struct stat st;
	struct dirmeta *m;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
		if (replace_existing(x, pfd, base, err) < 0)
			return -1;
	}
	if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
		return berr_make(err, errno, "invalid layer: cannot create directory %s", rel);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berr_make(err, errno, "invalid layer: cannot open directory %s", rel);
	if (x->privileged && fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
		return berr_make(err, errno, "cannot chown %s", rel);
	apply_xattrs_fd(e, fd, NULL);
	/* Mode and times last (children change mtime; a read-only mode would
	 * stop an unprivileged unpack from filling it). */
	if (x->ndirs == x->capdirs) {
		x->capdirs = x->capdirs ? x->capdirs * 2 : 256;
		x->dirs = xrealloc(x->dirs, x->capdirs * sizeof(*x->dirs));
	}
	m = &x->dirs[x->ndirs++];
	m->rel = xstrdup(rel);
	m->mode = archive_entry_perm(e) & 07777;
	entry_times(e, m->times);
	return 0;
}

static int make_special(struct extract *x, struct archive_entry *e, int pfd, const char *base, const char *rel,
			berr_t *err)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];

	if (replace_existing(x, pfd, base, err) < 0)
		return -1;
	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);
		if (!target)
			return berr_make(err, 0, "invalid layer: symlink %s has no target", rel);
		if (symlinkat(target, pfd, base) < 0)
			return berr_make(err, errno, "invalid layer: cannot create symlink %s", rel);
		/* docker's layer size is the du of its directory: a symlink
		 * counts as the length of its target. */
		x->size += (long long)strlen(target);
	} else {
		dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		if (mknodat(pfd, base, type | (archive_entry_perm(e) & 07777), dev) < 0) {
			/* An unprivileged unpack cannot make device nodes; rootless
			 * docker skips them the same way. */
			if (errno == EPERM && !x->privileged && type != AE_IFIFO)
				return 0;
			return berr_make(err, errno, "invalid layer: cannot create %s", rel);
		}
	}
	if (x->privileged &&
	    fchownat(pfd, base, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return berr_make(err, errno, "cannot chown %s", rel);
	if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return berr_make(err, errno, "cannot chmod %s", rel);
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_make(err, errno, "cannot set times of %s", rel);
	return 0;
}

static int make_hardlink(struct extract *x, struct archive_entry *e, int pfd, const char *base, const char *rel,
			 berr_t *err)
{
	cleanup_free char *target = NULL;
	cleanup_close int tfd = -1;
	const char *tbase;
	char *slash;
	struct stat a, b;

	if (clean_path(archive_entry_hardlink(e), &target, err) < 0)
		return -1;
	if (!*target)
		return berr_make(err, 0, "invalid layer: hard link %s points at the layer root", rel);
	slash = strrchr(target, '/');
	if (slash) {
		*slash = '\0';
		tbase = slash + 1;
		tfd = openat2_in_root(x->root, target, O_PATH | O_DIRECTORY, 0);
	} else {
		tbase = target;
		tfd = dup(x->root);
	}
	if (tfd < 0 || fstatat(tfd, tbase, &a, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_make(err, 0, "invalid layer: hard link %s points at %s%s%s, which is not in the layer", rel,
				 slash ? target : "", slash ? "/" : "", tbase);
	if (S_ISDIR(a.st_mode))
		return berr_make(err, 0, "invalid layer: hard link %s points at a directory", rel);
	if (fstatat(pfd, base, &b, AT_SYMLINK_NOFOLLOW) == 0) {
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 0;
		if (replace_existing(x, pfd, base, err) < 0)
			return -1;
	}
	/* flags 0: a link to a symlink links the symlink itself, never
	 * what it points at. */
	if (linkat(tfd, tbase, pfd, base, 0) < 0)
		return berr_make(err, errno, "invalid layer: cannot link %s", rel);
	return 0;
}

static int whiteout(struct extract *x, struct archive_entry *e, int pfd, const char *parent, const char *base,
		    berr_t *err)
{
	const char *name = base + strlen(WH_PREFIX);

	if (strcmp(base, WH_OPAQUE) == 0) {
		/* The directory itself, opened for reading to set the xattr. */
		cleanup_close int fd = *parent ? openat2_in_root(x->root, parent, O_RDONLY | O_DIRECTORY, 0)
					      : dup(x->root);
		if (fd < 0)
			return berr_make(err, errno, "invalid layer: cannot open %s", parent);
		if (fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
			return berr_make(err, errno, "cannot mark %s/ opaque (overlayfs needs trusted.* xattrs, so root)",
					 *parent ? parent : ".");
		return 0;
	}
	if (str_has_prefix(base, WH_PREFIX WH_PREFIX))
		return 0; /* aufs bookkeeping (.wh..wh.plnk and the like): no meaning here */
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return berr_make(err, 0, "invalid layer: whiteout %s%s%s names no file", parent, *parent ? "/" : "",
				 base);
	if (replace_existing(x, pfd, name, err) < 0)
		return -1;
	if (mknodat(pfd, name, S_IFCHR, makedev(0, 0)) < 0)
		return berr_make(err, errno, "cannot create whiteout for %s (overlayfs whiteouts need root)", name);
	if (x->privileged)
		IGNORE_RESULT fchownat(pfd, name, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int extract_entry(struct extract *x, struct archive *a, struct archive_entry *e, berr_t *err)
{
	cleanup_free char *rel = NULL;
	const char *path = archive_entry_pathname(e), *base;
	char *parent;
	mode_t type = archive_entry_filetype(e);
	int pfd;

	if (!path)
		return berr_make(err, 0, "invalid layer: an entry has no name");
	if (clean_path(path, &rel, err) < 0)
		return -1;
	if (!*rel) {
		/* The root itself ("./"): only its metadata. */
		if (type != AE_IFDIR)
			return berr_make(err, 0, "invalid layer: the root entry is not a directory");
		if (x->privileged && fchown(x->root, archive_entry_uid(e), archive_entry_gid(e)) < 0)
			return berr_make(err, errno, "cannot chown the layer root");
		apply_xattrs_fd(e, x->root, NULL);
		if (x->ndirs == x->capdirs) {
			x->capdirs = x->capdirs ? x->capdirs * 2 : 256;
			x->dirs = xrealloc(x->dirs, x->capdirs * sizeof(*x->dirs));
		}
		x->dirs[x->ndirs].rel = xstrdup("");
		x->dirs[x->ndirs].mode = archive_entry_perm(e) & 07777;
		entry_times(e, x->dirs[x->ndirs].times);
		x->ndirs++;
		return 0;
	}
	/* Split into parent and base (rel is ours to cut). */
	char *slash = strrchr(rel, '/');
	if (slash) {
		*slash = '\0';
		parent = rel;
		base = slash + 1;
	} else {
		parent = (char *)"";
		base = rel;
	}
	pfd = open_parent(x, parent, err);
	if (pfd < 0)
		return -1;
	x->cur_parent = parent;
	if (str_has_prefix(base, WH_PREFIX))
		return whiteout(x, e, pfd, parent, base, err);
	if (archive_entry_hardlink(e))
		return make_hardlink(x, e, pfd, base, path, err);
	switch (type) {
	case AE_IFREG:
		return write_file(x, a, e, pfd, base, path, err);
	case AE_IFDIR:
		return make_dir(x, e, pfd, base, slash ? (*slash = '/', rel) : rel, err);
	case AE_IFLNK:
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return make_special(x, e, pfd, base, path, err);
	case AE_IFSOCK:
		return 0; /* sockets mean nothing in an image; tar skips them too */
	default:
		return berr_make(err, 0, "invalid layer: %s has an unknown file type", path);
	}
}

static int finish_dirs(struct extract *x, berr_t *err)
{
	for (size_t i = x->ndirs; i-- > 0;) {
		struct dirmeta *m = &x->dirs[i];
		int fd = *m->rel ? openat2_in_root(x->root, m->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
						   RESOLVE_NO_SYMLINKS)
				 : dup(x->root);
		if (fd < 0)
			continue; /* replaced by a later entry */
		if (fchmod(fd, m->mode) < 0 || futimens(fd, m->times) < 0) {
			int e = errno;
			close(fd);
			return berr_make(err, e, "cannot set attributes of %s/", m->rel);
		}
		close(fd);
	}
	return 0;
}

static void extract_fini(struct extract *x)
{
	cache_drop(x);
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].rel);
	free(x->dirs);
}

/* ---- the reader chain ------------------------------------------------- */

/* Hashing the raw bytes on another core while this one writes files: a
 * pipeline over a ring of RING_SLOTS source buffers.  The source reads into
 * the next slot, the hasher takes the slots in order, and a slot is read
 * into again only once the hasher is done with it, so the hasher may lag
 * a few blocks behind (a descheduled moment, a block of many small files)
 * without stalling the unpacking, and nothing is copied for it.  Both
 * stages see the same private bytes: what is hashed is what is unpacked,
 * even if the file being read changes meanwhile.  libarchive only keeps a
 * block until it asks for the next one, so it never sees a slot reused.
 * 8 x 256 KiB: the ring stays in a core's L2 cache, where the read, the
 * hash and the file writes all find it (1 MiB slots cost 3% more CPU). */
#define RING_SLOTS 8
#define SLOT_SIZE (256 << 10)

struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;   /* the hasher waits for a block */
	pthread_cond_t done_cv;   /* the reader waits for a free slot */
	struct sha256 *h;
	const void *buf[RING_SLOTS];
	size_t len[RING_SLOTS];
	unsigned long posted, done;
	bool quit, started, idle, reader_waits;
};

static void *hasher_main(void *arg)
{
	struct hasher *hs = arg;
	pthread_mutex_lock(&hs->mu);
	for (;;) {
		while (hs->done == hs->posted && !hs->quit) {
			hs->idle = true;
			pthread_cond_wait(&hs->work_cv, &hs->mu);
			hs->idle = false;
		}
		if (hs->done == hs->posted)
			break;
		size_t k = hs->done % RING_SLOTS;
		const void *buf = hs->buf[k];
		size_t len = hs->len[k];
		pthread_mutex_unlock(&hs->mu);
		sha256_update(hs->h, buf, len);
		pthread_mutex_lock(&hs->mu);
		hs->done++;
		if (hs->reader_waits)
			pthread_cond_signal(&hs->done_cv);
	}
	pthread_mutex_unlock(&hs->mu);
	return NULL;
}

static void hasher_start(struct hasher *hs, struct sha256 *h)
{
	memset(hs, 0, sizeof(*hs));
	hs->h = h;
	pthread_mutex_init(&hs->mu, NULL);
	pthread_cond_init(&hs->work_cv, NULL);
	pthread_cond_init(&hs->done_cv, NULL);
	/* Without a thread (it could not start), hash inline. */
	hs->started = pthread_create(&hs->thread, NULL, hasher_main, hs) == 0;
}

/* Wait until at most `pending` posted blocks are still being hashed. */
static void hasher_wait(struct hasher *hs, unsigned long pending)
{
	if (!hs->started)
		return;
	pthread_mutex_lock(&hs->mu);
	while (hs->posted - hs->done > pending) {
		hs->reader_waits = true;
		pthread_cond_wait(&hs->done_cv, &hs->mu);
	}
	hs->reader_waits = false;
	pthread_mutex_unlock(&hs->mu);
}

static void hasher_post(struct hasher *hs, const void *buf, size_t len)
{
	if (!hs->started) {
		sha256_update(hs->h, buf, len);
		return;
	}
	pthread_mutex_lock(&hs->mu);
	size_t k = hs->posted % RING_SLOTS;
	hs->buf[k] = buf;
	hs->len[k] = len;
	hs->posted++;
	if (hs->idle)
		pthread_cond_signal(&hs->work_cv);
	pthread_mutex_unlock(&hs->mu);
}

/* Let the hasher finish what was posted, and end it. */
static void hasher_stop(struct hasher *hs)
{
	if (!hs->started)
		return;
	pthread_mutex_lock(&hs->mu);
	hs->quit = true;
	pthread_cond_signal(&hs->work_cv);
	pthread_mutex_unlock(&hs->mu);
	pthread_join(hs->thread, NULL);
	pthread_mutex_destroy(&hs->mu);
	pthread_cond_destroy(&hs->work_cv);
	pthread_cond_destroy(&hs->done_cv);
	hs->started = false;
}

struct chain {
	struct layer_source *src;
	struct blob_writer *blob;
	struct sha256 *h_raw;    /* blob digest */
	struct hasher hs;        /* computes h_raw alongside */
	char *slot[RING_SLOTS];  /* the ring the source reads into */
	unsigned long nread;     /* blocks read so far */
	struct sha256 *h_diff;   /* diff id, only when compressed */
	struct archive *raw;     /* decompressing reader */
	bool compressed;
	long long raw_size;
	berr_t *err;             /* where a source error lands */
	int failed;
	/* tar-split of an uncompressed layer: every byte of the tar stream
	 * below split_pos has been either recorded (headers, padding) or
	 * dropped (file content, which the directory holds).  Bytes above it
	 * are in pending (copied) or still in the current block. */
	struct tarsplit *ts;
	long long stream_pos;    /* bytes handed to the tar reader */
	long long split_pos;
	const char *cb;          /* current block */
	long long cb_off;
	size_t cb_len;
	char *pend;
	size_t pstart, plen, pcap;
};

/* Copy what is still unclassified of the current block into pending:
 * the block is about to be replaced. */
static void split_retire(struct chain *c)
{
	long long end = c->cb_off + (long long)c->cb_len;
	long long from = c->split_pos > c->cb_off ? c->split_pos : c->cb_off;
	size_t n;

	if (!c->cb || from >= end)
		return;
	n = (size_t)(end - from);
	if (c->pstart + c->plen + n > c->pcap) {
		if (c->plen)
			memmove(c->pend, c->pend + c->pstart, c->plen);
		c->pstart = 0;
		if (c->plen + n > c->pcap) {
			c->pcap = (c->plen + n) * 2;
			c->pend = xrealloc(c->pend, c->pcap);
		}
	}
	memcpy(c->pend + c->pstart + c->plen, c->cb + (from - c->cb_off), n);
	c->plen += n;
}

/* Record (keep) or drop the bytes [split_pos, pos). */
static void split_advance(struct chain *c, long long pos, bool keep)
{
	while (c->split_pos < pos) {
		long long want = pos - c->split_pos;
		if (c->plen > 0) {
			size_t n = (size_t)(want < (long long)c->plen ? want : (long long)c->plen);
			if (keep)
				tarsplit_raw(c->ts, c->pend + c->pstart, n);
			c->pstart += n;
			c->plen -= n;
			c->split_pos += (long long)n;
			continue;
		}
		long long end = c->cb_off + (long long)c->cb_len;
		if (!c->cb || c->split_pos < c->cb_off || c->split_pos >= end) {
			/* Not read yet: only content is ever skipped ahead. */
			c->split_pos = pos;
			return;
		}
		long long n = (pos < end ? pos : end) - c->split_pos;
		if (keep)
			tarsplit_raw(c->ts, c->cb + (c->split_pos - c->cb_off), (size_t)n);
		c->split_pos += n;
	}
}

static ssize_t chain_pull_source(struct chain *c, const void **buf)
{
	size_t k = c->nread % RING_SLOTS;
	ssize_t n;

	/* The slot is free once the hasher is done with the block read into
	 * it RING_SLOTS reads ago. */
	hasher_wait(&c->hs, RING_SLOTS - 1);
	if (!c->slot[k])
		c->slot[k] = xmalloc(SLOT_SIZE);
	n = c->src->read(c->src->ctx, c->slot[k], SLOT_SIZE, c->err);
	if (n < 0) {
		c->failed = 1;
		return -1;
	}
	*buf = c->slot[k];
	if (n > 0) {
		c->nread++;
		hasher_post(&c->hs, *buf, (size_t)n);
		c->raw_size += n;
		if (c->blob && blob_writer_write(c->blob, *buf, (size_t)n, c->err) < 0) {
			c->failed = 1;
			return -1;
		}
	}
	return n;
}

static la_ssize_t raw_read_cb(struct archive *a, void *ctx, const void **buf)
{
	struct chain *c = ctx;
	ssize_t n = chain_pull_source(c, buf);
	if (n < 0)
		archive_set_error(a, EIO, "%s", (*c->err)->msg);
	return n;
}

static la_ssize_t tar_read_cb(struct archive *a, void *ctx, const void **buf)
{
	struct chain *c = ctx;
	size_t len;
	la_int64_t off;
	int r;

	/* The split still needs the unrecorded tail of the current block (the
	 * last entry's padding, the next header): copy it out BEFORE reading
	 * on, since the reader may reuse that memory for the next block. */
	if (c->ts) {
		split_retire(c);
		c->cb = NULL;
	}
	r = archive_read_data_block(c->raw, buf, &len, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		archive_set_error(a, EIO, "%s", archive_error_string(c->raw));
		return -1;
	}
	if (c->h_diff)
		sha256_update(c->h_diff, *buf, len);
	if (c->ts) {
		c->cb = *buf;
		c->cb_off = c->stream_pos;
		c->cb_len = len;
	}
	c->stream_pos += (long long)len;
	return (la_ssize_t)len;
}

/* Entries whose content the unpacked directory holds verbatim, at the
 * entry's own path: plain (not sparse) regular files, not hard links, not
 * whiteouts. */
static bool split_content(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e), *base;
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) || archive_entry_size(e) <= 0 ||
	    archive_entry_sparse_count(e) > 0 || !p)
		return false;
	base = strrchr(p, '/');
	base = base ? base + 1 : p;
	return !str_has_prefix(base, WH_PREFIX);
}

static const char *media_type_for(int filter)
{
	switch (filter) {
	case ARCHIVE_FILTER_NONE:
		return "application/vnd.oci.image.layer.v1.tar";
	case ARCHIVE_FILTER_GZIP:
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	case ARCHIVE_FILTER_ZSTD:
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	default:
		return NULL;
	}
}

/* The error a failed archive call leaves, preferring one from our own
 * source (a read error beats libarchive's paraphrase of it). */
static int archive_fail(struct chain *c, struct archive *a, berr_t *err, const char *what)
{
	if (c->failed && *err)
		return -1;
	const char *m = a ? archive_error_string(a) : NULL;
	return berr_make(err, 0, "invalid layer: %s%s%s", what, m ? ": " : "", m ? m : "");
}

int layer_unpack(struct layer_source *src, struct blob_writer *blob, struct tarsplit *split, int dirfd,
		 struct layer_result *res, berr_t *err)
{
	struct chain c = {.src = src, .blob = blob, .err = err};
	struct extract x = {.root = dirfd, .cached_fd = -1, .privileged = geteuid() == 0};
	struct archive *tar = NULL;
	struct archive_entry *e;
	int rc = -1, r, filter;

	memset(res, 0, sizeof(*res));
	c.h_raw = sha256_new();
	hasher_start(&c.hs, c.h_raw);
	c.raw = archive_read_new();
	archive_read_support_filter_gzip(c.raw);
	archive_read_support_filter_zstd(c.raw);
	archive_read_support_filter_bzip2(c.raw);
	archive_read_support_filter_xz(c.raw);
	archive_read_support_format_raw(c.raw);
	if (archive_read_open(c.raw, &c, NULL, raw_read_cb, NULL) != ARCHIVE_OK) {
		if (c.raw_size == 0 && !c.failed)
			berr_make(err, 0, "invalid layer: empty");
		else
			archive_fail(&c, c.raw, err, "unreadable");
		goto out;
	}
	if (archive_read_next_header(c.raw, &e) != ARCHIVE_OK) {
		archive_fail(&c, c.raw, err, "unreadable");
		goto out;
	}
	filter = archive_filter_code(c.raw, 0);
	res->media_type = media_type_for(filter);
	if (!res->media_type) {
		berr_make(err, 0, "invalid layer: unsupported compression %s (use gzip, zstd or none)",
			  archive_filter_name(c.raw, 0));
		goto out;
	}
	c.compressed = filter != ARCHIVE_FILTER_NONE;
	if (c.compressed)
		c.h_diff = sha256_new();
	if (!c.compressed && split && dirfd >= 0) {
		/* Uncompressed: its directory plus a split is the whole tar;
		 * no second copy of the content. */
		c.ts = split;
		x.ts = split;
		res->split_used = true;
		if (blob) {
			blob_writer_discard(blob);
			c.blob = NULL;
		}
	}

	tar = archive_read_new();
	archive_read_support_format_tar(tar);
	if (archive_read_open(tar, &c, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
		archive_fail(&c, tar, err, "not a tar archive");
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			archive_fail(&c, tar, err, "bad tar entry");
			goto out;
		}
		if (dirfd < 0) {
			/* Digests only (system check): every entry must still
			 * read as valid tar. */
			if (archive_read_data_skip(tar) < ARCHIVE_WARN) {
				archive_fail(&c, tar, err, "bad tar entry");
				goto out;
			}
			continue;
		}
		cleanup_free char *split_rel = NULL;
		if (c.ts) {
			/* Headers (and the previous entry's padding) are kept; a
			 * regular file's content is dropped, and referenced once
			 * the file is written (after any older entry it replaces
			 * was taken inline). */
			split_advance(&c, archive_filter_bytes(tar, 0), true);
			if (split_content(e)) {
				if (clean_path(archive_entry_pathname(e), &split_rel, err) < 0)
					goto out;
				split_advance(&c, archive_filter_bytes(tar, 0) + archive_entry_size(e), false);
			}
		}
		if (extract_entry(&x, tar, e, err) < 0)
			goto out;
		if (split_rel)
			tarsplit_file(c.ts, split_rel, archive_entry_size(e));
	}
	if (dirfd >= 0 && finish_dirs(&x, err) < 0)
		goto out;

	/* Digests cover every byte: what the tar reader left after its end
	 * marker, and what the decompressor left after its stream. */
	for (;;) {
		const void *buf;
		la_ssize_t n = tar_read_cb(tar, &c, &buf);
		if (n < 0) {
			archive_fail(&c, tar, err, "trailing data");
			goto out;
		}
		if (n == 0)
			break;
	}
	if (c.ts) {
		split_advance(&c, c.stream_pos, true);
		c.cb = NULL;
	}
	for (;;) {
		const void *buf;
		ssize_t n = chain_pull_source(&c, &buf);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
	}
	hasher_stop(&c.hs);
	sha256_finish(c.h_raw, res->blob_digest);
	c.h_raw = NULL;
	if (blob)
		blob_writer_set_digest(blob, res->blob_digest);
	if (c.h_diff) {
		sha256_finish(c.h_diff, res->diff_id);
		c.h_diff = NULL;
	} else {
		memcpy(res->diff_id, res->blob_digest, DIGEST_LEN);
	}
	res->blob_size = c.raw_size;
	res->size = x.size;
	res->compressed = c.compressed;
	rc = 0;
out:
	if (tar)
		archive_read_free(tar);
	archive_read_free(c.raw);
	hasher_stop(&c.hs);
	for (size_t k = 0; k < RING_SLOTS; k++)
		free(c.slot[k]);
	sha256_free(c.h_raw);
	sha256_free(c.h_diff);
	free(c.pend);
	extract_fini(&x);
	return rc;
}

int layer_unpack_fd(int fd, int dirfd, struct layer_result *res, berr_t *err)
{
	struct layer_fd_source s;
	struct layer_source src;
	int r;

	layer_fd_source_init(&s, &src, fd);
	r = layer_unpack(&src, NULL, NULL, dirfd, res, err);
	layer_fd_source_fini(&s);
	return r;
}

static ssize_t blob_src_read(void *ctx, void *buf, size_t cap, berr_t *err)
{
	return (ssize_t)layer_blob_read(ctx, buf, cap, err);
}

int layer_unpack_blob(struct berth *b, const char *digest, int dirfd, struct layer_result *res, berr_t *err)
{
	struct layer_blob *lb;
	struct layer_source src = {blob_src_read, NULL};
	long long size;
	int r;

	if (layer_blob_open(b, digest, &lb, &size, err) < 0)
		return -1;
	src.ctx = lb;
	r = layer_unpack(&src, NULL, NULL, dirfd, res, err);
	layer_blob_close(lb);
	return r;
}

/* ---- layer directories ------------------------------------------------ */

char *layer_dir(struct berth *b, const char *chain_id)
{
	return xasprintf("%s/layers/%s", b->root, digest_hex(chain_id));
}

bool layer_exists(struct berth *b, const char *chain_id)
{
	cleanup_free char *d = layer_dir(b, chain_id);
	struct stat st;
	return stat(d, &st) == 0 && S_ISDIR(st.st_mode);
}

int layer_tmp_dir(struct berth *b, char **path, int *fd, berr_t *err)
{
	cleanup_free char *dir = berth_path(b, "layers");
	char *p;

	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	p = xasprintf("%s/tmp-XXXXXX", dir);
	if (!mkdtemp(p)) {
		berr_make(err, errno, "cannot create a directory in %s", dir);
		free(p);
		return -1;
	}
	/* A layer root is 0755 unless its tar says otherwise. */
	chmod(p, 0755);
	*fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		berr_make(err, errno, "cannot open %s", p);
		rmdir(p);
		free(p);
		return -1;
	}
	*path = p;
	return 0;
}

char *layer_short_link(struct berth *b, const char *chain_id)
{
	const char *hex = digest_hex(chain_id);
	cleanup_free char *ldir = berth_path(b, "layers/l");
	cleanup_free char *link = xasprintf("%s/%.12s", ldir, hex);
	cleanup_free char *target = xasprintf("../%s", hex);
	char buf[256];

	for (int tries = 0; tries < 2; tries++) {
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);
		if (n >= 0) {
			buf[n] = '\0';
			return strcmp(buf, target) == 0 ? xasprintf("%.12s", hex) : NULL;
		}
		if (errno != ENOENT)
			return NULL;
		mkdir(ldir, 0700);
		if (symlink(target, link) == 0)
			return xasprintf("%.12s", hex);
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

int layer_commit_dir(struct berth *b, const char *tmp_path, const char *chain_id, berr_t *err)
{
	cleanup_free char *final = layer_dir(b, chain_id);
	cleanup_free char *link = NULL;

	if (rename(tmp_path, final) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return berr_make(err, errno, "cannot rename %s", tmp_path);
		/* Someone else unpacked the same chain: same bytes, keep theirs. */
		if (remove_tree(tmp_path, err) < 0)
			return -1;
	}
	link = layer_short_link(b, chain_id);
	return 0;
}

int layer_remove(struct berth *b, const char *chain_id, berr_t *err)
{
	cleanup_free char *dir = layer_dir(b, chain_id);
	cleanup_free char *link = NULL;
	cleanup_free char *want = xasprintf("../%s", digest_hex(chain_id));
	cleanup_free char *rnd = random_hex(6);
	cleanup_free char *gone = NULL;
	char buf[256];
	ssize_t n;

	link = xasprintf("%s/layers/l/%.12s", b->root, digest_hex(chain_id));
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		if (strcmp(buf, want) == 0)
			unlink(link);
	}
	/* Rename first, so a half-removed layer never passes for a whole one
	 * (system check clears tmp-* leftovers). */
	gone = xasprintf("%s/layers/tmp-rm-%s", b->root, rnd);
	if (rename(dir, gone) < 0)
		return errno == ENOENT ? 0 : berr_make(err, errno, "cannot remove %s", dir);
	return remove_tree(gone, err);
}

/* ---- writing trees as tar --------------------------------------------- */

struct tar_writer {
	struct archive *a;
	const struct layer_tar_opts *opts;
	layer_sink_fn sink;
	void *ctx;
	berr_t *err;
	int failed;
	/* hard links: inode -> first path */
	struct {
		dev_t dev;
		ino_t ino;
		char *path;
	} *links;
	size_t nlinks, caplinks;
	char *buf;
	bool in_content;    /* the sink is getting a file's content (opts->split) */
};

static la_ssize_t tar_write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct tar_writer *w = ctx;
	/* Unblocked writes (see layer_write_tar): a call is either a file's
	 * content, from archive_write_data, or everything else. */
	if (w->opts && w->opts->split && !w->in_content)
		tarsplit_raw(w->opts->split, buf, len);
	if (w->sink(w->ctx, buf, len, w->err) < 0) {
		w->failed = 1;
		archive_set_error(a, EIO, "write error");
		return -1;
	}
	return (la_ssize_t)len;
}

static int tw_fail(struct tar_writer *w, const char *what)
{
	if (w->failed && *w->err)
		return -1;
	return berr_make(w->err, 0, "cannot write tar (%s): %s", what, archive_error_string(w->a));
}

static void add_xattrs(struct archive_entry *e, int fd)
{
	char names[4096];
	ssize_t n = flistxattr(fd, names, sizeof(names));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		char val[4096];
		const char *name = names + i;
		if (skip_xattr(name))
			continue;
		ssize_t vl = fgetxattr(fd, name, val, sizeof(val));
		if (vl >= 0)
			archive_entry_xattr_add_entry(e, name, val, (size_t)vl);
	}
}

static bool is_opaque(int fd)
{
	char v[4];
	ssize_t n = fgetxattr(fd, OPAQUE_XATTR, v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_names(int dirfd, berr_t *err)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		berr_make(err, errno, "cannot read directory");
		return NULL;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof(char *));
		}
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	v = xrealloc(v, (n + 1) * sizeof(char *));
	v[n] = NULL;
	qsort(v, n, sizeof(char *), strcmp_p);
	return v;
}

static void set_common(struct tar_writer *w, struct archive_entry *e, const char *path, const struct stat *st)
{
	long long mt = st->st_mtim.tv_sec;
	if (w->opts && w->opts->clamp_mtime >= 0 && mt > w->opts->clamp_mtime)
		mt = w->opts->clamp_mtime;
	archive_entry_set_pathname(e, path);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, mt, 0);
}

static int write_empty(struct tar_writer *w, const char *path, const struct stat *st, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	int r;
	set_common(w, e, path, st);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, 0);
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? tw_fail(w, path) : 0;
}

static int tar_tree(struct tar_writer *w, int dirfd, const char *prefix, int depth);

static int tar_one(struct tar_writer *w, int dirfd, const char *name, const char *prefix, int depth)
{
	cleanup_free char *path = xasprintf("%s%s", prefix, name);
	cleanup_close int fd = -1;
	struct archive_entry *e = NULL;
	struct stat st;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_make(w->err, errno, "cannot stat %s", path);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0 && w->opts && w->opts->oci_whiteouts) {
		cleanup_free char *wh = xasprintf("%s" WH_PREFIX "%s", prefix, name);
		return write_empty(w, wh, &st, st.st_mode & 0777);
	}
	e = archive_entry_new();
	set_common(w, e, path, &st);
	if (S_ISREG(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFREG);
		if (st.st_nlink > 1) {
			for (size_t i = 0; i < w->nlinks; i++) {
				if (w->links[i].dev == st.st_dev && w->links[i].ino == st.st_ino) {
					archive_entry_set_hardlink(e, w->links[i].path);
					archive_entry_set_size(e, 0);
					r = archive_write_header(w->a, e);
					archive_entry_free(e);
					return r < ARCHIVE_WARN ? tw_fail(w, path) : 0;
				}
			}
			if (w->nlinks == w->caplinks) {
				w->caplinks = w->caplinks ? w->caplinks * 2 : 64;
				w->links = xrealloc(w->links, w->caplinks * sizeof(*w->links));
			}
			w->links[w->nlinks].dev = st.st_dev;
			w->links[w->nlinks].ino = st.st_ino;
			w->links[w->nlinks].path = xstrdup(path);
			w->nlinks++;
		}
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			archive_entry_free(e);
			return berr_make(w->err, errno, "cannot open %s", path);
		}
		add_xattrs(e, fd);
		archive_entry_set_size(e, st.st_size);
		if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
			archive_entry_free(e);
			return tw_fail(w, path);
		}
		archive_entry_free(e);
		long long left = st.st_size;
		if (w->opts && w->opts->split && left > 0) {
			tarsplit_file(w->opts->split, path, left);
			w->in_content = true;
		}
		while (left > 0) {
			ssize_t n = read(fd, w->buf, left < (1 << 20) ? (size_t)left : (1 << 20));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return berr_make(w->err, errno, "cannot read %s", path);
			if (n == 0) {
				/* Shrunk while we read: pad, as tar does, so the
				 * archive stays well-formed. */
				memset(w->buf, 0, 1 << 20);
				n = left < (1 << 20) ? (ssize_t)left : (1 << 20);
			}
			if (archive_write_data(w->a, w->buf, (size_t)n) < 0)
				return tw_fail(w, path);
			left -= n;
		}
		w->in_content = false;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		cleanup_free char *dpath = xasprintf("%s/", path);
		bool opaque;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			archive_entry_free(e);
			return berr_make(w->err, errno, "cannot open %s", path);
		}
		archive_entry_set_pathname(e, dpath);
		archive_entry_set_filetype(e, AE_IFDIR);
		add_xattrs(e, fd);
		r = archive_write_header(w->a, e);
		archive_entry_free(e);
		if (r < ARCHIVE_WARN)
			return tw_fail(w, path);
		opaque = w->opts && w->opts->oci_whiteouts && is_opaque(fd);
		if (opaque) {
			cleanup_free char *wh = xasprintf("%s" WH_OPAQUE, dpath);
			if (write_empty(w, wh, &st, 0) < 0)
				return -1;
		}
		return tar_tree(w, fd, dpath, depth + 1);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dirfd, name, target, PATH_MAX);
		if (n < 0) {
			archive_entry_free(e);
			return berr_make(w->err, errno, "cannot read link %s", path);
		}
		target[n] = '\0';
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		archive_entry_set_filetype(e, S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
		archive_entry_set_rdevmajor(e, major(st.st_rdev));
		archive_entry_set_rdevminor(e, minor(st.st_rdev));
	} else if (S_ISFIFO(st.st_mode)) {
		archive_entry_set_filetype(e, AE_IFIFO);
	}
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? tw_fail(w, path) : 0;
}

static int tar_tree(struct tar_writer *w, int dirfd, const char *prefix, int depth)
{
	char **names = sorted_names(dirfd, w->err);
	int rc = 0;

	if (!names)
		return -1;
	for (char **p = names; *p; p++) {
		bool skip = false;
		if (depth == 0 && w->opts && w->opts->exclude)
			for (const char *const *x = w->opts->exclude; *x; x++)
				if (strcmp(*x, *p) == 0)
					skip = true;
		if (!skip && rc == 0)
			rc = tar_one(w, dirfd, *p, prefix, depth);
		free(*p);
	}
	free(names);
	return rc;
}

int layer_write_tar(int dirfd, const struct layer_tar_opts *opts, layer_sink_fn sink, void *ctx, berr_t *err)
{
	struct tar_writer w = {.opts = opts, .sink = sink, .ctx = ctx, .err = err};
	int rc;

	w.a = archive_write_new();
	w.buf = xmalloc(1 << 20);
	/* pax only where ustar cannot say it (long names, xattrs, big ids),
	 * as Go's archive/tar does for docker; no padding to 10 KiB records. */
	archive_write_set_format_pax_restricted(w.a);
	/* Unblocked: libarchive hands our 1 MiB reads to the sink as they
	 * are (a block size of 512 made it 512-byte writes and hash updates,
	 * 200,000 of them for 100 MB); the bytes are the same. */
	archive_write_set_bytes_per_block(w.a, 0);
	if (archive_write_open(w.a, &w, NULL, tar_write_cb, NULL) != ARCHIVE_OK) {
		rc = tw_fail(&w, "open");
		goto out;
	}
	rc = tar_tree(&w, dirfd, "", 0);
	if (rc == 0 && archive_write_close(w.a) != ARCHIVE_OK)
		rc = tw_fail(&w, "close");
out:
	archive_write_free(w.a);
	for (size_t i = 0; i < w.nlinks; i++)
		free(w.links[i].path);
	free(w.links);
	free(w.buf);
	return rc;
}

/* ---- flattening ------------------------------------------------------- */

static int copy_meta(int fd, const struct stat *st, bool privileged)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (privileged && fchown(fd, st->st_uid, st->st_gid) < 0)
		return -1;
	if (fchmod(fd, st->st_mode & 07777) < 0)
		return -1;
	return futimens(fd, ts);
}

static void copy_xattrs(int from, int to)
{
	char names[4096];
	ssize_t n = flistxattr(from, names, sizeof(names));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		char val[4096];
		if (skip_xattr(names + i))
			continue;
		ssize_t vl = fgetxattr(from, names + i, val, sizeof(val));
		if (vl >= 0)
			(void)fsetxattr(to, names + i, val, (size_t)vl, 0);
	}
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, bool priv, berr_t *err)
{
	cleanup_close int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int out = -1;
	long long left = st->st_size;

	if (in < 0)
		return berr_make(err, errno, "cannot open %s", name);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berr_make(err, errno, "cannot create %s", name);
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				return berr_make(err, errno, "cannot write %s", name);
		}
		if (n < 0)
			return berr_make(err, errno, "cannot copy %s", name);
		if (n == 0)
			break;
		left -= n;
	}
	copy_xattrs(in, out);
	if (copy_meta(out, st, priv) < 0)
		return berr_make(err, errno, "cannot set attributes of %s", name);
	return 0;
}

static int apply_tree(int sdir, int ddir, bool priv, berr_t *err)
{
	char **names = sorted_names(sdir, err);
	int rc = 0;

	if (!names)
		return -1;
	for (char **p = names; *p && rc == 0; p++) {
		const char *name = *p;
		struct stat st, dst;
		bool exists;

		if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = berr_make(err, errno, "cannot stat %s", name);
			break;
		}
		exists = fstatat(ddir, name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
			rc = layer_rm_rf_at(ddir, name, err);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			cleanup_close int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			cleanup_close int d = -1;
			if (s < 0) {
				rc = berr_make(err, errno, "cannot open %s", name);
				break;
			}
			if (exists && (!S_ISDIR(dst.st_mode) || is_opaque(s))) {
				if ((rc = layer_rm_rf_at(ddir, name, err)) < 0)
					break;
				exists = false;
			}
			if (!exists && mkdirat(ddir, name, 0700) < 0) {
				rc = berr_make(err, errno, "cannot create %s", name);
				break;
			}
			d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (d < 0) {
				rc = berr_make(err, errno, "cannot open %s", name);
				break;
			}
			if ((rc = apply_tree(s, d, priv, err)) < 0)
				break;
			copy_xattrs(s, d);
			if (copy_meta(d, &st, priv) < 0)
				rc = berr_make(err, errno, "cannot set attributes of %s", name);
			continue;
		}
		if (exists && (rc = layer_rm_rf_at(ddir, name, err)) < 0)
			break;
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(sdir, ddir, name, &st, priv, err);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX + 1];
			ssize_t n = readlinkat(sdir, name, target, PATH_MAX);
			struct timespec ts[2] = {st.st_atim, st.st_mtim};
			if (n < 0 || (target[n] = '\0', symlinkat(target, ddir, name) < 0)) {
				rc = berr_make(err, errno, "cannot copy symlink %s", name);
				break;
			}
			if (priv)
				IGNORE_RESULT fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
			IGNORE_RESULT utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
		} else if (!S_ISSOCK(st.st_mode)) {
			struct timespec ts[2] = {st.st_atim, st.st_mtim};
			if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0) {
				rc = berr_make(err, errno, "cannot create %s", name);
				break;
			}
			if (priv)
				IGNORE_RESULT fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
			IGNORE_RESULT fchmodat(ddir, name, st.st_mode & 07777, 0);
			IGNORE_RESULT utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
		}
	}
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
	return rc;
}

int layer_apply_dir(int layer_dirfd, int dst_dirfd, berr_t *err)
{
	struct stat st;
	bool priv = geteuid() == 0;
	if (apply_tree(layer_dirfd, dst_dirfd, priv, err) < 0)
		return -1;
	if (fstat(layer_dirfd, &st) == 0)
		copy_meta(dst_dirfd, &st, priv);
	return 0;
}
