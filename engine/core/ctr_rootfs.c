/* ctr_rootfs.c: a container's root filesystem as the runtime mounts it.
 *
 * rootfs_prepare() (rootfs.c) gives the overlay of the image's layers with
 * the container's upper and work directories.  Two things are added here:
 *   - a shared init layer on top (docker's "-init" layer, made once under
 *     runtime/init): the mount points a container needs, so that mounting
 *     /etc/hostname and friends writes nothing into its upper layer;
 *   - overlayfs' "volatile" option for --rm containers: nothing of them must
 *     survive a crash, so their end needs no sync of the upper filesystem.
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

/* docker's "-init" layer, made once and shared read-only by every
 * container: the mount points a container needs (/etc/hostname,
 * /etc/hosts, /etc/resolv.conf, /proc, /dev, /sys) as empty files and
 * directories.  Stacked as the topmost lower layer they exist before the
 * container starts, so mounting over them writes nothing into its upper
 * layer: no copy-up of /etc, nothing on disk for `run --rm` to create and
 * delete again.  It also holds what docker's init layer gives every
 * container (moby daemon/initlayer): an empty /.dockerenv, /dev/console,
 * /dev/pts, /dev/shm and /etc/mtab -> /proc/mounts, which `export` shows
 * as docker's does (every directory and placeholder file 0755, as there).
 *
 * The directory's name carries the version of its content: a root made
 * by an older berth has runtime/init without /.dockerenv, and running
 * containers may still have it as a lower layer, so it is not changed in
 * place.  Returns its path relative to layers/l, or NULL. */
#define INIT_LAYER "runtime/init-2"

static const char *init_layer(struct berth *b)
{
	/* Under runtime/, not layers/: layers/ holds only image layers (and
	 * `system check` treats anything else there as an orphan). */
	static const struct {
		const char *path;
		char type;         /* d: directory, f: empty file, l: symlink */
		const char *target;
	} entries[] = {
		{"", 'd', NULL},
		{"/.dockerenv", 'f', NULL},
		{"/dev", 'd', NULL},
		{"/dev/console", 'f', NULL},
		{"/dev/pts", 'd', NULL},
		{"/dev/shm", 'd', NULL},
		{"/etc", 'd', NULL},
		{"/etc/hostname", 'f', NULL},
		{"/etc/hosts", 'f', NULL},
		{"/etc/mtab", 'l', "/proc/mounts"},
		{"/etc/resolv.conf", 'f', NULL},
		{"/proc", 'd', NULL},
		{"/sys", 'd', NULL},
	};
	const char *rel = "../../" INIT_LAYER;
	cleanup_free char *top = berth_path(b, "runtime");
	cleanup_free char *dir = berth_path(b, INIT_LAYER);
	struct stat st;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return rel;
	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		return NULL;
	cleanup_free char *rnd = random_hex(4);
	cleanup_free char *tmp = xasprintf("%s.tmp-%s", dir, rnd);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		cleanup_free char *p = xasprintf("%s%s", tmp, entries[i].path);
		int fd;
		switch (entries[i].type) {
		case 'd':
			fd = mkdir(p, 0755);
			break;
		case 'f':
			fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
			if (fd >= 0)
				close(fd);
			break;
		default:
			fd = symlink(entries[i].target, p);
		}
		/* chmod: 0755 whatever the umask left of it */
		if (fd < 0 || (entries[i].type != 'l' && chmod(p, 0755) < 0))
			goto fail;
	}
	if (rename(tmp, dir) == 0 || (errno == ENOTEMPTY || errno == EEXIST)) {
		/* Another CLI made it first: same content. */
		cleanup_berr berr_t e = NULL;
		remove_tree(tmp, &e);
		return rel;
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

int ctr_rootfs_prepare(struct berth *b, const struct image *img, const char *cdir, bool ephemeral, struct rootfs *out,
		       berr_t *err)
{
	if (rootfs_prepare(b, img, cdir, out, err) < 0)
		return -1;
	if (!out->mount_data)
		return 0; /* flattened: a plain directory, nothing to add */
	const char *init = init_layer_fits(out) ? init_layer(b) : NULL;
	const char *lower = strstr(out->mount_data, "lowerdir=");
	if (init && lower) {
		/* The init layer goes on top of the image's layers. */
		size_t pre = (size_t)(lower - out->mount_data) + strlen("lowerdir=");
		char *m = xasprintf("%.*s%s:%s", (int)pre, out->mount_data, init, out->mount_data + pre);
		free(out->mount_data);
		out->mount_data = m;
		size_t n = 0;
		while (out->lower_dirs && out->lower_dirs[n])
			n++;
		out->lower_dirs = xrealloc(out->lower_dirs, (n + 2) * sizeof(char *));
		memmove(out->lower_dirs + 1, out->lower_dirs, (n + 1) * sizeof(char *));
		out->lower_dirs[0] = berth_path(b, INIT_LAYER);
	}
	if (ephemeral && out->volatile_ok) {
		char *m = xasprintf("%s,volatile", out->mount_data);
		free(out->mount_data);
		out->mount_data = m;
	}
	return 0;
}
