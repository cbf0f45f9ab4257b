/* rootfs.c: overlayfs roots for containers, and the flattened fallback
 * (see rootfs.h). */
#define _GNU_SOURCE
#include "rootfs.h"
#include "layer.h"
#include "store.h"
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

void rootfs_free(struct rootfs *r)
{
	free(r->mount_data);
	free(r->flat_dir);
	free(r->lower_base);
	free(r->upper_dir);
	free(r->work_dir);
	if (r->lower_dirs) {
		for (char **p = r->lower_dirs; *p; p++)
			free(*p);
		free(r->lower_dirs);
	}
	memset(r, 0, sizeof(*r));
}

static int mkdir_one(const char *path, mode_t mode, berr_t *err)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create %s", path);
	return 0;
}

static int overlay_mount(const struct rootfs *r, const char *target)
{
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc, e;

	if (cwd < 0)
		return -1;
	/* The lowerdirs are relative to lower_base: the kernel resolves them
	 * against the cwd of the mounting process. */
	if (chdir(r->lower_base) < 0)
		return -1;
	rc = mount("overlay", target, "overlay", 0, r->mount_data);
	e = errno;
	if (fchdir(cwd) < 0) {
		/* Nothing sensible to do: the mount itself is what matters. */
	}
	errno = e;
	return rc;
}

bool rootfs_overlay_works(const struct rootfs *r, const char *scratch, int *errnum)
{
	pid_t pid;
	int status;

	*errnum = 0;
	if (mkdir(scratch, 0700) < 0 && errno != EEXIST) {
		*errnum = errno;
		return false;
	}
	/* The trial mount happens in a child's own mount namespace: nothing
	 * is ever mounted in the caller's, even if the child is killed. */
	pid = fork();
	if (pid < 0) {
		*errnum = errno;
		rmdir(scratch);
		return false;
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(errno & 0xff);
		if (overlay_mount(r, scratch) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rmdir(scratch);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	*errnum = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
	return false;
}

#define VERDICT "layers/.overlay-verdict"

/* The recorded verdict: true when overlay worked here before. */
static bool read_verdict(struct berth *b, bool *volatile_ok)
{
	cleanup_free char *path = berth_path(b, VERDICT);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char v[64];
	ssize_t n;

	*volatile_ok = false;
	if (fd < 0 || (n = read(fd, v, sizeof(v) - 1)) <= 0)
		return false;
	v[n] = '\0';
	if (!str_has_prefix(v, "overlay"))
		return false;
	*volatile_ok = strstr(v, "volatile") != NULL;
	return true;
}

static void write_verdict(struct berth *b, bool volatile_ok)
{
	cleanup_free char *path = berth_path(b, VERDICT);
	cleanup_berr berr_t err = NULL;
	const char *v = volatile_ok ? "overlay volatile\n" : "overlay\n";
	write_file_atomic(path, v, strlen(v), 0600, &err);
}

/* overlayfs' "volatile" (Linux 5.10), tried on throwaway upper/work dirs. */
static bool volatile_works(const struct rootfs *r, const char *cdir)
{
	cleanup_free char *up = xasprintf("%s/.vtest-upper", cdir);
	cleanup_free char *wk = xasprintf("%s/.vtest-work", cdir);
	cleanup_free char *scratch = xasprintf("%s/.vtest-mnt", cdir);
	const char *lower = strstr(r->mount_data, "lowerdir=");
	size_t llen = lower ? strcspn(lower, ",") : 0;
	struct rootfs t = *r;
	cleanup_berr berr_t e = NULL;
	int errnum;
	bool ok;

	if (!lower || (mkdir(up, 0755) < 0 && errno != EEXIST) || (mkdir(wk, 0700) < 0 && errno != EEXIST))
		return false;
	t.mount_data = xasprintf("%.*s,upperdir=%s,workdir=%s,volatile", (int)llen, lower, up, wk);
	ok = rootfs_overlay_works(&t, scratch, &errnum);
	free(t.mount_data);
	remove_tree(up, &e);
	remove_tree(wk, &e);
	return ok;
}

/* Build container_dir/flat from the layers, bottom first, via flat.tmp so
 * a half-made copy is never taken for a finished one. */
static int flatten(const struct rootfs *r, const char *cdir, berr_t *err)
{
	cleanup_free char *tmp = xasprintf("%s/flat.tmp", cdir);
	cleanup_close int dst = -1;
	size_t n = 0;

	if (access(r->flat_dir, F_OK) == 0)
		return 0;
	if (remove_tree(tmp, err) < 0 || mkdir_one(tmp, 0755, err) < 0)
		return -1;
	dst = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		return berr_make(err, errno, "cannot open %s", tmp);
	while (r->lower_dirs[n])
		n++;
	for (size_t i = n; i-- > 0;) {
		cleanup_close int src = open(r->lower_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (src < 0)
			return berr_make(err, errno, "cannot open layer %s", r->lower_dirs[i]);
		if (layer_apply_dir(src, dst, err) < 0)
			return berr_wrap(err, "flattening layer %s", r->lower_dirs[i]);
	}
	if (rename(tmp, r->flat_dir) < 0)
		return berr_make(err, errno, "cannot rename %s", tmp);
	return 0;
}

int rootfs_prepare(struct berth *b, const struct image *img, const char *cdir, struct rootfs *out,
		   berr_t *err)
{
	static int warned;
	cleanup_free char *lowers = NULL;
	cleanup_free char *scratch = NULL;
	size_t n = img->n_layers, len = 0;
	bool force_flat = getenv("BERTH_ROOTFS_FLATTEN") && *getenv("BERTH_ROOTFS_FLATTEN") == '1';
	long page = sysconf(_SC_PAGESIZE);
	const char *why = NULL;
	int errnum = 0;

	memset(out, 0, sizeof(*out));
	out->upper_dir = xasprintf("%s/upper", cdir);
	out->work_dir = xasprintf("%s/work", cdir);
	out->lower_base = berth_path(b, "layers/l");
	out->lower_dirs = xcalloc(n + 2, sizeof(char *));
	if (mkdir_p(out->lower_base, 0700, err) < 0)
		goto fail;

	/* Lowerdirs, top layer first as overlayfs wants them. */
	lowers = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		const char *chain = img->chain_ids[n - 1 - i];
		cleanup_free char *dir = layer_dir(b, chain);
		cleanup_free char *link = NULL;
		char *joined;

		if (access(dir, F_OK) < 0) {
			berr_make(err, 0, "layer %s of image %s is missing: run 'berth system check'", chain, img->id);
			goto fail;
		}
		link = layer_short_link(b, chain);
		if (!link)
			link = xasprintf("../%s", digest_hex(chain));
		joined = xasprintf("%s%s%s", lowers, i ? ":" : "", link);
		free(lowers);
		lowers = joined;
		out->lower_dirs[i] = steal_pointer(&dir);
	}
	if (n == 0) {
		/* overlayfs needs a lowerdir: an image with no layers (FROM
		 * scratch and nothing added) gets an empty one. */
		out->lower_dirs[0] = xasprintf("%s/empty", cdir);
		if (mkdir_one(out->lower_dirs[0], 0755, err) < 0)
			goto fail;
		free(lowers);
		lowers = xstrdup(out->lower_dirs[0]);
	}
	if (mkdir_one(out->upper_dir, 0755, err) < 0 || mkdir_one(out->work_dir, 0700, err) < 0)
		goto fail;
	out->mount_data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lowers, out->upper_dir, out->work_dir);
	len = strlen(out->mount_data);

	if (force_flat) {
		why = "BERTH_ROOTFS_FLATTEN=1";
	} else if ((long)len + 10 >= page - 1) {
		/* +10: room for ",volatile" */
		why = "too many layers for one overlay mount";
	} else if (read_verdict(b, &out->volatile_ok)) {
		return 0;
	} else {
		scratch = xasprintf("%s/.overlay-test", cdir);
		if (!rootfs_overlay_works(out, scratch, &errnum)) {
			why = strerror(errnum);
		} else {
			out->volatile_ok = volatile_works(out, cdir);
			write_verdict(b, out->volatile_ok);
		}
	}
	if (!why)
		return 0;

	if (!warned++)
		fprintf(stderr, "berth: overlayfs refused here (%s): using a flattened copy of the image's layers\n",
			why);
	free(out->mount_data);
	out->mount_data = NULL;
	out->flat_dir = xasprintf("%s/flat", cdir);
	if (flatten(out, cdir, err) < 0)
		goto fail;
	return 0;
fail:
	rootfs_free(out);
	return -1;
}

int rootfs_mount_at(const struct rootfs *r, const char *target, berr_t *err)
{
	if (r->mount_data) {
		if (overlay_mount(r, target) < 0)
			return berr_make(err, errno, "cannot mount overlay at %s", target);
		return 0;
	}
	if (!r->flat_dir)
		return berr_make(err, 0, "rootfs not prepared");
	if (mount(r->flat_dir, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berr_make(err, errno, "cannot bind %s at %s", r->flat_dir, target);
	return 0;
}

int rootfs_remove(const char *cdir, berr_t *err)
{
	static const char *const parts[] = {"upper",	     "work",	    "flat",	  "flat.tmp",
					    "empty",	     ".overlay-test", ".vtest-upper", ".vtest-work",
					    ".vtest-mnt"};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		cleanup_free char *p = xasprintf("%s/%s", cdir, parts[i]);
		if (remove_tree(p, err) < 0)
			return -1;
	}
	return 0;
}
