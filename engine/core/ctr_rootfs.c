/* ctr_rootfs.c: a container's rootfs, prepared without a test mount on
 * every start.
 *
 * rootfs_prepare() (rootfs.c) proves that overlayfs accepts the options by
 * mounting and unmounting a scratch overlay each time.  Unmounting a
 * writable overlay syncs its upper filesystem: 5-20 ms here, more than a
 * whole `run --rm` may take.  The verdict depends only on the filesystem
 * under the root, so it is taken once, recorded in layers/.overlay-verdict,
 * and later starts build the same struct rootfs directly (the same lowerdir
 * short links, upper and work dirs as rootfs_prepare makes; keep the two in
 * step).  The same one-time test checks overlayfs' "volatile" option,
 * which --rm containers use: nothing of them survives, so there is nothing
 * to sync when they end, and their end is faster for it.
 */
#define _GNU_SOURCE
#include "lifecycle.h"
#include "cleanup.h"
#include "layer.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERDICT "layers/.overlay-verdict"

/* docker's "-init" layer, made once and shared read-only by every
 * container: the mount points a container needs (/etc/hostname,
 * /etc/hosts, /etc/resolv.conf, /proc, /dev, /sys) as empty files and
 * directories.  Stacked as the topmost lower layer they exist before the
 * container starts, so mounting over them writes nothing into its upper
 * layer: no copy-up of /etc, nothing on disk for `run --rm` to create and
 * delete again.  Returns its path relative to layers/l, or NULL. */
static const char *init_layer(struct berth *b)
{
	/* Under runtime/, not layers/: layers/ holds only image layers (and
	 * `system check` treats anything else there as an orphan). */
	cleanup_free char *top = berth_path(b, "runtime");
	cleanup_free char *dir = berth_path(b, "runtime/init");
	struct stat st;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return "../../runtime/init";
	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		return NULL;
	cleanup_free char *rnd = random_hex(4);
	cleanup_free char *tmp = xasprintf("%s.tmp-%s", dir, rnd);
	static const char *const dirs[] = {"", "/etc", "/proc", "/dev", "/sys"};
	static const char *const files[] = {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"};
	for (size_t i = 0; i < 5; i++) {
		cleanup_free char *p = xasprintf("%s%s", tmp, dirs[i]);
		if (mkdir(p, 0755) < 0)
			goto fail;
		if (chmod(p, i == 2 || i == 4 ? 0555 : 0755) < 0)
			goto fail;
	}
	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *p = xasprintf("%s%s", tmp, files[i]);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			goto fail;
		close(fd);
	}
	if (rename(tmp, dir) == 0 || (errno == ENOTEMPTY || errno == EEXIST)) {
		/* Another CLI made it first: same content. */
		cleanup_berr berr_t e = NULL;
		remove_tree(tmp, &e);
		return "../../runtime/init";
	}
fail: {
	cleanup_berr berr_t e = NULL;
	remove_tree(tmp, &e);
	return NULL;
}
}

/* May the init layer go on top of this image?  Only if the image's /etc,
 * where it has one, is a directory: the init layer's own /etc would hide
 * an /etc that is a symlink. */
static bool init_layer_fits(const struct rootfs *r)
{
	for (size_t i = 0; r->lower_dirs && r->lower_dirs[i]; i++) {
		struct stat st;
		cleanup_free char *p = xasprintf("%s/etc", r->lower_dirs[i]);
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			return true;
		/* A whiteout (0/0) deletes it: the init layer makes a new one. */
		return S_ISCHR(st.st_mode) && st.st_rdev == 0;
	}
	return true;
}

/* rootfs_prepare's overlay case, minus the test mount. */
static int build_overlay(struct berth *b, const struct image *img, const char *cdir, struct rootfs *out, berr_t *err)
{
	size_t n = img->n_layers;
	cleanup_free char *lowers = xstrdup("");

	memset(out, 0, sizeof(*out));
	out->upper_dir = xasprintf("%s/upper", cdir);
	out->work_dir = xasprintf("%s/work", cdir);
	out->lower_base = berth_path(b, "layers/l");
	out->lower_dirs = xcalloc(n + 2, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *chain = img->chain_ids[n - 1 - i];
		cleanup_free char *dir = layer_dir(b, chain);
		cleanup_free char *link = NULL;
		char *joined;

		if (access(dir, F_OK) < 0) {
			rootfs_free(out);
			return berr_make(err, 0, "layer %s of image %s is missing: run 'berth system check'", chain, img->id);
		}
		link = layer_short_link(b, chain);
		if (!link)
			link = xasprintf("../%s", digest_hex(chain));
		joined = xasprintf("%s%s%s", lowers, i ? ":" : "", link);
		free(lowers);
		lowers = joined;
		out->lower_dirs[i] = steal_pointer(&dir);
	}
	if ((mkdir(out->upper_dir, 0755) < 0 && errno != EEXIST) || (mkdir(out->work_dir, 0700) < 0 && errno != EEXIST)) {
		int e = errno;
		rootfs_free(out);
		return berr_make(err, e, "cannot create %s/upper", cdir);
	}
	const char *init = init_layer_fits(out) ? init_layer(b) : NULL;
	if (init) {
		memmove(out->lower_dirs + 1, out->lower_dirs, (n + 1) * sizeof(char *));
		out->lower_dirs[0] = berth_path(b, "runtime/init");
	}
	out->mount_data = xasprintf("lowerdir=%s%s%s,upperdir=%s,workdir=%s", init ? init : "", init && n ? ":" : "",
				    lowers, out->upper_dir, out->work_dir);
	return 0;
}

/* The one-time test of "volatile", on throwaway upper/work dirs. */
static bool volatile_works(const struct rootfs *r, const char *cdir)
{
	cleanup_free char *up = xasprintf("%s/.vtest-upper", cdir), *wk = xasprintf("%s/.vtest-work", cdir);
	cleanup_free char *scratch = xasprintf("%s/.vtest-mnt", cdir);
	struct rootfs t = *r;
	const char *lower = strstr(r->mount_data, "lowerdir=");
	size_t llen = lower ? strcspn(lower, ",") : 0;
	int errnum = 0;
	bool ok;
	cleanup_berr berr_t e = NULL;

	if (!lower || mkdir(up, 0755) < 0 || mkdir(wk, 0700) < 0)
		return false;
	t.mount_data = xasprintf("%.*s,upperdir=%s,workdir=%s,volatile", (int)llen, lower, up, wk);
	ok = rootfs_overlay_works(&t, scratch, &errnum);
	free(t.mount_data);
	remove_tree(up, &e);
	remove_tree(wk, &e);
	return ok;
}

int ctr_rootfs_prepare(struct berth *b, const struct image *img, const char *cdir, bool ephemeral, struct rootfs *out,
		       berr_t *err)
{
	cleanup_free char *verdict_path = berth_path(b, VERDICT);
	char verdict[64] = "";
	int fd;
	const char *flat = getenv("BERTH_ROOTFS_FLATTEN");

	fd = open(verdict_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, verdict, sizeof(verdict) - 1);
		verdict[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (!(flat && *flat == '1') && str_has_prefix(verdict, "overlay")) {
		if (build_overlay(b, img, cdir, out, err) < 0)
			return -1;
		if ((long)strlen(out->mount_data) + 10 >= sysconf(_SC_PAGESIZE)) {
			/* Too many layers for one mount: rootfs_prepare flattens. */
			rootfs_free(out);
			return rootfs_prepare(b, img, cdir, out, err);
		}
	} else {
		if (rootfs_prepare(b, img, cdir, out, err) < 0)
			return -1;
		if (out->mount_data && !(flat && *flat == '1')) {
			const char *v = volatile_works(out, cdir) ? "overlay volatile\n" : "overlay\n";
			cleanup_berr berr_t e = NULL;
			write_file_atomic(verdict_path, v, strlen(v), 0600, &e);
			snprintf(verdict, sizeof(verdict), "%s", v);
		}
	}
	if (ephemeral && out->mount_data && strstr(verdict, "volatile")) {
		char *m = xasprintf("%s,volatile", out->mount_data);
		free(out->mount_data);
		out->mount_data = m;
	}
	return 0;
}
