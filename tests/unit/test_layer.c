/* test_layer.c: layers unpack exactly (types, modes, owners, times,
 * xattrs, compression, whiteouts), never write outside their directory
 * whatever the tar says (containerd's and docker's breakout cases), write
 * back out as tar, flatten as overlayfs would show them, and mount as a
 * container root (overlay, and the flattened fallback).
 *
 * Tars are built in memory with libarchive.  Some checks need root
 * (owners, device nodes, trusted.* xattrs, mounts); without it they are
 * skipped, and say so. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/layer.h"
#include "../../engine/core/rootfs.h"
#include "../../engine/core/image.h"
#include "../../engine/core/store.h"
#include "../../engine/core/tarsplit.h"
#include "../../engine/core/db.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static char top[256];
static bool root;

static void test_skip_c(const char *what, const char *why)
{
	printf("ok %d # skip %s (%s)\n", ++tap_n, what, why);
}

/* ---- building tars ------------------------------------------------------ */

struct tb {
	struct archive *a;
	char *buf;
	size_t cap, used;
};

static void tb_open(struct tb *t, int filter)
{
	t->cap = 8 << 20;
	t->buf = xmalloc(t->cap);
	t->used = 0;
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	if (filter == ARCHIVE_FILTER_GZIP)
		archive_write_add_filter_gzip(t->a);
	else if (filter == ARCHIVE_FILTER_ZSTD)
		archive_write_add_filter_zstd(t->a);
	archive_write_open_memory(t->a, t->buf, t->cap, &t->used);
}

static void tb_add(struct tb *t, const char *path, mode_t type, mode_t perm, const char *data, const char *link,
		   const char *hardlink)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, 1600000000, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	if (hardlink) {
		archive_entry_set_hardlink(e, hardlink);
		archive_entry_set_size(e, 0);
	} else {
		archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
	}
	archive_write_header(t->a, e);
	if (data && !hardlink)
		archive_write_data(t->a, data, strlen(data));
	archive_entry_free(e);
}

static void tb_file(struct tb *t, const char *p, const char *data)
{
	tb_add(t, p, AE_IFREG, 0644, data, NULL, NULL);
}
static void tb_dir(struct tb *t, const char *p)
{
	tb_add(t, p, AE_IFDIR, 0755, NULL, NULL, NULL);
}
static void tb_symlink(struct tb *t, const char *p, const char *target)
{
	tb_add(t, p, AE_IFLNK, 0777, NULL, target, NULL);
}
static void tb_link(struct tb *t, const char *p, const char *target)
{
	tb_add(t, p, AE_IFREG, 0644, NULL, NULL, target);
}

static void tb_close(struct tb *t)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
}

struct memsrc {
	const char *buf;
	size_t len, off, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t cap, berr_t *err)
{
	struct memsrc *m = ctx;
	size_t n = m->len - m->off;
	(void)err;
	if (n > m->chunk)
		n = m->chunk;
	if (n > cap)
		n = cap;
	memcpy(buf, m->buf + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

/* Unpack buf into a fresh dir top/name; returns its fd (or -1 with err). */
static int unpack_mem(const char *buf, size_t len, const char *name, struct layer_result *res, berr_t *err)
{
	cleanup_free char *dir = xasprintf("%s/%s", top, name);
	struct memsrc m = {buf, len, 0, 7000};
	struct layer_source src = {mem_read, &m};
	int fd;

	mkdir(dir, 0755);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layer_unpack(&src, NULL, NULL, fd, res, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool exists_at(const char *rel)
{
	cleanup_free char *p = xasprintf("%s/%s", top, rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

static char *slurp(const char *rel)
{
	cleanup_free char *p = xasprintf("%s/%s", top, rel);
	char *s = NULL;
	cleanup_berr berr_t err = NULL;
	if (read_file(p, &s, NULL, &err) < 0)
		return NULL;
	return s;
}

/* ---- tests -------------------------------------------------------------- */

static void test_basic(void)
{
	struct tb t;
	struct layer_result res;
	cleanup_berr berr_t err = NULL;
	struct stat st;
	char buf[64];
	int fd;

	tb_open(&t, ARCHIVE_FILTER_NONE);
	tb_add(&t, "./", AE_IFDIR, 0755, NULL, NULL, NULL);
	tb_add(&t, "a/", AE_IFDIR, 0750, NULL, NULL, NULL);
	{
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "a/f");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 04755);
		archive_entry_set_uid(e, 1000);
		archive_entry_set_gid(e, 1001);
		archive_entry_set_mtime(e, 1500000000, 123000000);
		archive_entry_set_size(e, 5);
		archive_entry_xattr_add_entry(e, "user.berth", "yes", 3);
		archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
		archive_write_header(t.a, e);
		archive_write_data(t.a, "hello", 5);
		archive_entry_free(e);
	}
	tb_symlink(&t, "a/l", "f");
	tb_link(&t, "a/h", "a/f");
	tb_add(&t, "p", AE_IFIFO, 0600, NULL, NULL, NULL);
	{
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "dev/null");
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_perm(e, 0666);
		archive_entry_set_rdevmajor(e, 1);
		archive_entry_set_rdevminor(e, 3);
		archive_write_header(t.a, e);
		archive_entry_free(e);
	}
	tb_file(&t, "deep/er/file", "x");
	tb_close(&t);

	fd = unpack_mem(t.buf, t.used, "basic", &res, &err);
	ok(fd >= 0, "a tar with every entry type unpacks%s%s", err ? ": " : "", err ? err->msg : "");
	if (fd < 0) {
		free(t.buf);
		return;
	}
	char want[DIGEST_LEN];
	sha256_digest(t.buf, t.used, want);
	is_str(res.diff_id, want, "diff id is the sha256 of the tar");
	is_str(res.blob_digest, want, "and so is the blob digest, uncompressed");
	is_str(res.media_type, "application/vnd.oci.image.layer.v1.tar", "media type: plain tar");
	is_int(res.size, 5 + 1 + 1, "size counts file bytes and symlink targets, a hard link once");

	ok(fstatat(fd, "a/f", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 04755,
	   "mode, setuid bit included");
	ok(st.st_mtim.tv_sec == 1500000000 && st.st_mtim.tv_nsec == 123000000, "mtime with nanoseconds");
	ok(st.st_nlink == 2, "the hard link shares the inode");
	if (root)
		ok(st.st_uid == 1000 && st.st_gid == 1001, "owner 1000:1001");
	else
		test_skip_c("owner", "not root");
	ok(fstatat(fd, "a", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 0750 &&
		   st.st_mtim.tv_sec == 1600000000,
	   "directory mode and mtime are set after its children");
	{
		cleanup_free char *p = xasprintf("%s/basic/a/f", top);
		ssize_t n = getxattr(p, "user.berth", buf, sizeof(buf));
		ok(n == 3 && memcmp(buf, "yes", 3) == 0, "user xattr restored");
		ok(getxattr(p, "trusted.overlay.redirect", buf, sizeof(buf)) < 0,
		   "overlay xattrs from the tar are dropped");
	}
	ssize_t n = readlinkat(fd, "a/l", buf, sizeof(buf));
	ok(n == 1 && buf[0] == 'f', "symlink target kept");
	ok(fstatat(fd, "p", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode), "fifo");
	if (root)
		ok(fstatat(fd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
			   st.st_rdev == makedev(1, 3),
		   "character device 1:3");
	else
		test_skip_c("device node", "not root");
	ok(fstatat(fd, "deep/er/file", &st, 0) == 0, "missing parents are created");
	close(fd);
	free(t.buf);
}

static void test_compression(void)
{
	static const int filters[] = {ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_ZSTD};
	static const char *const types[] = {"application/vnd.oci.image.layer.v1.tar+gzip",
					    "application/vnd.oci.image.layer.v1.tar+zstd"};
	struct tb plain;

	tb_open(&plain, ARCHIVE_FILTER_NONE);
	tb_file(&plain, "hello", "world");
	tb_close(&plain);
	for (int i = 0; i < 2; i++) {
		struct tb t;
		struct layer_result res;
		cleanup_berr berr_t err = NULL;
		char want_diff[DIGEST_LEN], want_blob[DIGEST_LEN];
		cleanup_free char *name = xasprintf("comp%d", i);
		tb_open(&t, filters[i]);
		tb_file(&t, "hello", "world");
		tb_close(&t);
		sha256_digest(plain.buf, plain.used, want_diff);
		sha256_digest(t.buf, t.used, want_blob);
		int fd = unpack_mem(t.buf, t.used, name, &res, &err);
		ok(fd >= 0, "%s layer unpacks", types[i]);
		is_str(res.media_type, types[i], "media type detected");
		is_str(res.diff_id, want_diff, "diff id is the digest of the uncompressed tar");
		is_str(res.blob_digest, want_blob, "blob digest is the digest of the compressed bytes");
		cleanup_free char *p = xasprintf("%s/hello", name);
		cleanup_free char *c = slurp(p);
		is_str(c, "world", "content");
		if (fd >= 0)
			close(fd);
		free(t.buf);
	}
	free(plain.buf);
}

static void test_whiteouts(void)
{
	struct tb t;
	struct layer_result res;
	cleanup_berr berr_t err = NULL;
	struct stat st;
	char v[8];
	int fd;

	if (!root) {
		test_skip_c("whiteouts", "overlayfs whiteouts need root");
		return;
	}
	tb_open(&t, ARCHIVE_FILTER_NONE);
	tb_file(&t, ".wh.gone", "");
	tb_dir(&t, "d/");
	tb_file(&t, "d/.wh..wh..opq", "");
	tb_file(&t, "d/new", "n");
	tb_file(&t, "e/.wh.deep", "");
	tb_file(&t, ".wh..wh.plnk", "");
	tb_close(&t);
	fd = unpack_mem(t.buf, t.used, "wh", &res, &err);
	ok(fd >= 0, "a layer with whiteouts unpacks%s%s", err ? ": " : "", err ? err->msg : "");
	ok(fstatat(fd, "gone", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0,
	   ".wh.gone became a 0/0 character device named gone");
	ok(fstatat(fd, ".wh.gone", &st, AT_SYMLINK_NOFOLLOW) < 0, "no .wh. file is left");
	cleanup_free char *d = xasprintf("%s/wh/d", top);
	ok(getxattr(d, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y',
	   ".wh..wh..opq made d opaque (trusted.overlay.opaque=y)");
	ok(fstatat(fd, "d/new", &st, 0) == 0 && fstatat(fd, "d/.wh..wh..opq", &st, AT_SYMLINK_NOFOLLOW) < 0,
	   "the opaque marker itself is not a file");
	ok(fstatat(fd, "e/deep", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode), "whiteout in a new directory");
	ok(fstatat(fd, ".wh..wh.plnk", &st, AT_SYMLINK_NOFOLLOW) < 0, "aufs metadata is ignored");
	close(fd);
	free(t.buf);
}

/* A sentinel outside the layer directory, which no tar may touch. */
static void make_outside(void)
{
	cleanup_free char *d = xasprintf("%s/outside", top);
	cleanup_free char *f = xasprintf("%s/outside/sentinel", top);
	cleanup_berr berr_t err = NULL;
	mkdir(d, 0755);
	write_file_atomic(f, "untouched", 9, 0644, &err);
}

static bool outside_intact(void)
{
	cleanup_free char *d = xasprintf("%s/outside", top);
	cleanup_free char *c = slurp("outside/sentinel");
	cleanup_closedir DIR *dir = opendir(d);
	struct dirent *de;
	struct stat st;
	cleanup_free char *f = xasprintf("%s/outside/sentinel", top);
	int n = 0;
	while (dir && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	return c && strcmp(c, "untouched") == 0 && n == 1 && stat(f, &st) == 0 && st.st_nlink == 1;
}

typedef void (*builder_fn)(struct tb *t, const char *outside);

struct breakout {
	const char *what;
	builder_fn build;
	int refuse;            /* 1: the layer must be refused; 0: contained */
	const char *inside;    /* contained: this path must exist in the layer */
};

static void b_abs(struct tb *t, const char *o)
{
	cleanup_free char *p = xasprintf("%s/abs-evil", o);
	tb_file(t, p, "x");
}
static void b_dotdot(struct tb *t, const char *o)
{
	(void)o;
	tb_file(t, "../outside/evil", "x");
}
static void b_dotdot_mid(struct tb *t, const char *o)
{
	(void)o;
	tb_file(t, "a/../../outside/evil", "x");
}
static void b_symlink_parent(struct tb *t, const char *o)
{
	(void)o;
	tb_symlink(t, "up", "../outside");
	tb_file(t, "up/evil", "x");
}
static void b_symlink_abs(struct tb *t, const char *o)
{
	tb_symlink(t, "s", o);
	tb_file(t, "s/evil", "x");
}
static void b_symlink_deep(struct tb *t, const char *o)
{
	(void)o;
	tb_symlink(t, "x", "../../../../../../../../../../../..");
	tb_dir(t, "x/outside-ish/");
	tb_file(t, "x/evil", "x");
}
static void b_symlink_overwrite(struct tb *t, const char *o)
{
	cleanup_free char *p = xasprintf("%s/sentinel", o);
	tb_symlink(t, "f", p);
	tb_file(t, "f", "overwritten");
}
static void b_hardlink_dotdot(struct tb *t, const char *o)
{
	(void)o;
	tb_link(t, "h", "../outside/sentinel");
}
static void b_hardlink_abs(struct tb *t, const char *o)
{
	cleanup_free char *p = xasprintf("%s/sentinel", o);
	tb_link(t, "h", p);
}
static void b_hardlink_via_symlink(struct tb *t, const char *o)
{
	cleanup_free char *p = xasprintf("%s/sentinel", o);
	tb_symlink(t, "sl", p);
	tb_link(t, "h", "sl");
	tb_file(t, "h", "through the link?");
}
static void b_hardlink_via_symlink_dir(struct tb *t, const char *o)
{
	tb_symlink(t, "sd", o);
	tb_link(t, "h", "sd/sentinel");
}
static void b_whiteout_root(struct tb *t, const char *o)
{
	(void)o;
	tb_file(t, ".wh..", "");
}
static void b_whiteout_dotdot(struct tb *t, const char *o)
{
	(void)o;
	tb_file(t, "a/.wh...", "");
}
static void b_whiteout_through_symlink(struct tb *t, const char *o)
{
	tb_symlink(t, "s", o);
	tb_file(t, "s/.wh.sentinel", "");
}
static void b_file_where_dir(struct tb *t, const char *o)
{
	(void)o;
	tb_dir(t, "d/");
	tb_file(t, "d/inner", "x");
	tb_file(t, "d", "now a file");
}
static void b_dir_where_symlink(struct tb *t, const char *o)
{
	tb_symlink(t, "d", o);
	tb_dir(t, "d/");
	tb_file(t, "d/evil", "x");
}
static void b_symlink_chain(struct tb *t, const char *o)
{
	tb_symlink(t, "a", "b");
	tb_symlink(t, "b", o);
	tb_file(t, "a/evil", "x");
}
static void b_opaque_through_symlink(struct tb *t, const char *o)
{
	tb_symlink(t, "s", o);
	tb_file(t, "s/.wh..wh..opq", "");
}

static void test_breakouts(void)
{
	static const struct breakout cases[] = {
		{"absolute path", b_abs, 0, NULL},
		{"../ path", b_dotdot, 1, NULL},
		{"a/../../ path", b_dotdot_mid, 1, NULL},
		{"write through a symlink to ..", b_symlink_parent, 0, "evil"},
		{"write through an absolute symlink", b_symlink_abs, 0, NULL},
		{"write through a symlink full of ..", b_symlink_deep, 0, "evil"},
		{"file replacing a symlink to outside", b_symlink_overwrite, 0, "f"},
		{"hard link to ../", b_hardlink_dotdot, 1, NULL},
		{"hard link to an absolute path", b_hardlink_abs, 1, NULL},
		{"hard link to a symlink pointing out", b_hardlink_via_symlink, 0, "h"},
		{"hard link through a symlinked dir", b_hardlink_via_symlink_dir, 1, NULL},
		{"whiteout of the root (.wh..)", b_whiteout_root, 1, NULL},
		{"whiteout of .. (.wh...)", b_whiteout_dotdot, 1, NULL},
		{"whiteout through a symlink", b_whiteout_through_symlink, 0, NULL},
		{"file where a directory was", b_file_where_dir, 0, "d"},
		{"directory where a symlink to outside was", b_dir_where_symlink, 0, "d/evil"},
		{"symlink chain to outside", b_symlink_chain, 0, NULL},
		{"opaque marker through a symlink", b_opaque_through_symlink, 0, NULL},
	};
	cleanup_free char *outside = xasprintf("%s/outside", top);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tb t;
		struct layer_result res;
		cleanup_berr berr_t err = NULL;
		cleanup_free char *name = xasprintf("breakout%zu", i);
		int fd;

		make_outside();
		tb_open(&t, ARCHIVE_FILTER_NONE);
		cases[i].build(&t, outside);
		tb_close(&t);
		fd = unpack_mem(t.buf, t.used, name, &res, &err);
		if (cases[i].refuse)
			ok(fd < 0 && err && strstr(err->msg, "invalid layer"), "%s: refused (%s)", cases[i].what,
			   err ? err->msg : "accepted");
		else if (fd < 0)
			/* Refusing is as safe as containing; say which. */
			ok(err != NULL, "%s: refused (%s)", cases[i].what, err ? err->msg : "?");
		else
			ok(1, "%s: unpacked", cases[i].what);
		ok(outside_intact(), "%s: nothing outside the layer changed", cases[i].what);
		if (cases[i].inside && fd >= 0) {
			cleanup_free char *p = xasprintf("%s/%s", name, cases[i].inside);
			ok(exists_at(p), "%s: the entry landed inside the layer (%s)", cases[i].what, cases[i].inside);
		}
		if (fd >= 0)
			close(fd);
		free(t.buf);
	}
	/* An absolute path is taken relative to the layer root, as tar does. */
	{
		cleanup_free char *p = xasprintf("breakout0/%s/abs-evil", outside);
		ok(exists_at(p), "an absolute path lands under the layer root");
	}
	{
		cleanup_free char *c = slurp("breakout6/f");
		is_str(c, "overwritten", "a file entry replaces a symlink instead of writing through it");
	}
	{
		struct stat st;
		cleanup_free char *p = xasprintf("%s/breakout14/d", top);
		ok(lstat(p, &st) == 0 && S_ISREG(st.st_mode), "the file replaced the directory");
	}
}

static void test_bad_input(void)
{
	static const struct {
		const char *what;
		size_t cut;   /* keep this many bytes of a valid tar, 0 = garbage */
	} cases[] = {{"a truncated header", 300}, {"truncated file data", 700}, {"garbage", 0}};
	struct tb t;

	tb_open(&t, ARCHIVE_FILTER_NONE);
	tb_file(&t, "f", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	tb_close(&t);
	for (size_t i = 0; i < 3; i++) {
		struct layer_result res;
		cleanup_berr berr_t err = NULL;
		cleanup_free char *name = xasprintf("bad%zu", i);
		const char *buf = cases[i].cut ? t.buf : "this is not a tar archive at all, just some words... padding "
							   "padding padding padding padding padding padding padding";
		size_t len = cases[i].cut ? cases[i].cut : strlen(buf);
		int fd = unpack_mem(buf, len, name, &res, &err);
		ok(fd < 0 && err && strstr(err->msg, "invalid layer") && !strchr(err->msg, '\n'),
		   "%s: a one-line 'invalid layer' error (%s)", cases[i].what, err ? err->msg : "accepted");
		if (fd >= 0)
			close(fd);
	}
	{
		struct layer_result res;
		cleanup_berr berr_t err = NULL;
		int fd = unpack_mem("", 0, "bad-empty", &res, &err);
		ok(fd < 0 && err && strstr(err->msg, "empty"), "an empty stream is refused");
	}
	free(t.buf);
}

static int sink_mem(void *ctx, const void *buf, size_t len, berr_t *err)
{
	struct tb *t = ctx;
	(void)err;
	if (t->used + len > t->cap) {
		t->cap = (t->used + len) * 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->used, buf, len);
	t->used += len;
	return 0;
}

static void test_write_tar(void)
{
	struct tb out = {0};
	struct layer_tar_opts o = {.oci_whiteouts = true, .clamp_mtime = -1};
	cleanup_berr berr_t err = NULL;
	struct layer_result res;
	struct stat st;
	char v[4];
	cleanup_free char *src = xasprintf("%s/wh", top);
	cleanup_close int sfd = open(src, O_RDONLY | O_DIRECTORY);

	if (!root || sfd < 0) {
		test_skip_c("tar writing with whiteouts", "needs the whiteout layer (root)");
		return;
	}
	out.cap = 1 << 16;
	out.buf = xmalloc(out.cap);
	ok(layer_write_tar(sfd, &o, sink_mem, &out, &err) == 0, "a layer directory writes back out as a tar");
	int fd = unpack_mem(out.buf, out.used, "wh-again", &res, &err);
	ok(fd >= 0, "and that tar unpacks%s%s", err ? ": " : "", err ? err->msg : "");
	ok(fd >= 0 && fstatat(fd, "gone", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0,
	   "the whiteout went out as .wh.gone and came back");
	cleanup_free char *d = xasprintf("%s/wh-again/d", top);
	ok(getxattr(d, "trusted.overlay.opaque", v, sizeof(v)) == 1, "the opaque directory too");
	{
		struct tb again = {0};
		again.cap = 1 << 16;
		again.buf = xmalloc(again.cap);
		layer_write_tar(sfd, &o, sink_mem, &again, &err);
		ok(again.used == out.used && memcmp(again.buf, out.buf, out.used) == 0,
		   "the same tree gives the same bytes");
		free(again.buf);
	}
	if (fd >= 0)
		close(fd);
	free(out.buf);
}

/* Two layers: the second deletes a file and makes a directory opaque. */
static void make_two_layers(const char *base)
{
	struct tb t;
	struct layer_result res;
	cleanup_berr berr_t err = NULL;
	cleanup_free char *l1 = xasprintf("%s/l1", base);
	cleanup_free char *l2 = xasprintf("%s/l2", base);
	int fd;

	tb_open(&t, ARCHIVE_FILTER_NONE);
	tb_file(&t, "a/x", "x1");
	tb_file(&t, "a/keep", "k");
	tb_file(&t, "d/old1", "o");
	tb_file(&t, "d/old2", "o");
	tb_file(&t, "top", "1");
	tb_close(&t);
	fd = unpack_mem(t.buf, t.used, l1 + strlen(top) + 1, &res, &err);
	if (fd >= 0)
		close(fd);
	free(t.buf);
	tb_open(&t, ARCHIVE_FILTER_NONE);
	tb_file(&t, "a/.wh.x", "");
	tb_dir(&t, "d/");
	tb_file(&t, "d/.wh..wh..opq", "");
	tb_file(&t, "d/new", "n");
	tb_file(&t, "top", "2");
	tb_close(&t);
	fd = unpack_mem(t.buf, t.used, l2 + strlen(top) + 1, &res, &err);
	if (fd >= 0)
		close(fd);
	free(t.buf);
}

static bool tree_is_right(const char *base)
{
	cleanup_free char *ax = xasprintf("%s/a/x", base);
	cleanup_free char *keep = xasprintf("%s/a/keep", base);
	cleanup_free char *old = xasprintf("%s/d/old1", base);
	cleanup_free char *nw = xasprintf("%s/d/new", base);
	cleanup_free char *tp = xasprintf("%s/top", base);
	cleanup_free char *c = NULL;
	cleanup_berr berr_t err = NULL;
	struct stat st;
	if (lstat(ax, &st) == 0 || lstat(keep, &st) < 0 || lstat(old, &st) == 0 || lstat(nw, &st) < 0)
		return false;
	return read_file(tp, &c, NULL, &err) == 0 && strcmp(c, "2") == 0;
}

static void test_flatten(void)
{
	cleanup_free char *base = xasprintf("%s/flat", top);
	cleanup_free char *l1 = xasprintf("%s/l1", base);
	cleanup_free char *l2 = xasprintf("%s/l2", base);
	cleanup_free char *dst = xasprintf("%s/out", base);
	cleanup_berr berr_t err = NULL;

	if (!root) {
		test_skip_c("flattening", "whiteouts need root");
		return;
	}
	mkdir(base, 0755);
	make_two_layers(base);
	mkdir(dst, 0755);
	int d = open(dst, O_RDONLY | O_DIRECTORY), a = open(l1, O_RDONLY | O_DIRECTORY), b = open(l2, O_RDONLY | O_DIRECTORY);
	ok(layer_apply_dir(a, d, &err) == 0 && layer_apply_dir(b, d, &err) == 0, "two layers flatten");
	ok(tree_is_right(dst), "deleted file gone, opaque dir replaced, changed file updated");
	close(a);
	close(b);
	close(d);
}

/* rootfs_prepare + rootfs_mount_at on a made-up image whose two layers
 * are the ones above, in a private mount namespace. */
static void test_rootfs(bool flat)
{
	struct berth b = {0};
	struct image img = {0};
	struct rootfs r;
	cleanup_berr berr_t err = NULL;
	cleanup_free char *rootdir = xasprintf("%s/berthroot%d", top, flat);
	cleanup_free char *cdir = xasprintf("%s/container%d", top, flat);
	cleanup_free char *target = xasprintf("%s/merged", cdir);
	char *diffs[3] = {"sha256:1111111111111111111111111111111111111111111111111111111111111111",
			  "sha256:2222222222222222222222222222222222222222222222222222222222222222", NULL};
	pid_t pid;
	int status;

	if (!root) {
		test_skip_c("rootfs mount", "mounts need root");
		return;
	}
	b.root = rootdir;
	img.id = "sha256:test";
	img.n_layers = 2;
	img.diff_ids = diffs;
	img.chain_ids = image_chain_ids(diffs, 2);
	mkdir(rootdir, 0700);
	{
		cleanup_free char *layers = xasprintf("%s/layers", rootdir);
		mkdir(layers, 0700);
		cleanup_free char *base = xasprintf("%s/flat", top);
		for (int i = 0; i < 2; i++) {
			cleanup_free char *from = xasprintf("%s/l%d", base, i + 1);
			cleanup_free char *to = layer_dir(&b, img.chain_ids[i]);
			cleanup_free char *cmd = xasprintf("cp -a '%s' '%s'", from, to);
			if (system(cmd) != 0)
				ok(0, "copy layer");
		}
	}
	mkdir(cdir, 0755);
	mkdir(target, 0755);
	int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
	if (flat) {
		setenv("BERTH_ROOTFS_FLATTEN", "1", 1);
		dup2(devnull, 2); /* its one-line notice is expected */
	}
	int prc = rootfs_prepare(&b, &img, cdir, &r, &err);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	ok(prc == 0, "rootfs_prepare (%s)%s%s", flat ? "flattened" : "overlay", err ? ": " : "", err ? err->msg : "");
	unsetenv("BERTH_ROOTFS_FLATTEN");
	if (flat) {
		ok(r.mount_data == NULL && r.flat_dir != NULL, "the fallback is a flattened copy");
	} else {
		ok(r.mount_data && strstr(r.mount_data, "lowerdir=") && strlen(r.mount_data) < 200,
		   "overlay options with short lowerdirs: %s", r.mount_data ? r.mount_data : "(none)");
		cleanup_free char *vp = xasprintf("%s/layers/.overlay-verdict", rootdir);
		cleanup_free char *v = NULL;
		cleanup_berr berr_t ve = NULL;
		int vr = read_file(vp, &v, NULL, &ve);
		ok(vr == 0 && str_has_prefix(v, "overlay"), "the verdict is kept, so later containers skip the trial mount");
		struct rootfs r2;
		cleanup_free char *cdir2 = xasprintf("%s/container-again", top);
		mkdir(cdir2, 0755);
		ok(rootfs_prepare(&b, &img, cdir2, &r2, &err) == 0 && r2.mount_data && r2.volatile_ok == r.volatile_ok,
		   "a second prepare uses it");
		rootfs_free(&r2);
		rootfs_remove(cdir2, &err);
	}
	pid = fork();
	if (pid == 0) {
		cleanup_berr berr_t e2 = NULL;
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		if (rootfs_mount_at(&r, target, &e2) < 0) {
			fprintf(stderr, "# %s\n", e2->msg);
			_exit(3);
		}
		if (!tree_is_right(target))
			_exit(4);
		/* Writes go to the upper dir, never into a layer. */
		cleanup_free char *w = xasprintf("%s/a/keep", target);
		if (write_file_atomic(w, "changed", 7, 0644, &e2) < 0)
			_exit(5);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : 99, 0, "mounted, the root shows the right tree");
	{
		cleanup_free char *c = NULL;
		cleanup_berr berr_t e3 = NULL;
		cleanup_free char *layerfile = NULL;
		cleanup_free char *ld = layer_dir(&b, img.chain_ids[0]);
		layerfile = xasprintf("%s/a/keep", ld);
		ok(read_file(layerfile, &c, NULL, &e3) == 0 && strcmp(c, "k") == 0, "the shared layer is unchanged");
	}
	if (!flat) {
		cleanup_free char *up = xasprintf("%s/upper/a/keep", cdir);
		struct stat st;
		ok(stat(up, &st) == 0, "the change is in the container's upper dir");
	}
	ok(rootfs_remove(cdir, &err) == 0, "rootfs_remove");
	{
		cleanup_free char *up = xasprintf("%s/upper", cdir);
		struct stat st;
		ok(stat(up, &st) < 0, "upper is gone");
	}
	rootfs_free(&r);
	for (char **p = img.chain_ids; *p; p++)
		free(*p);
	free(img.chain_ids);
}

/* An uncompressed layer kept as directory + split gives back the exact
 * tar, however the stream is cut into blocks, even when entries of the
 * layer replace or delete earlier ones. */
static void test_split(void)
{
	static const size_t chunks[] = {1, 100, 511, 512, 513, 4096, 7000, 1 << 20};
	struct berth b = {0};
	cleanup_berr berr_t err = NULL;
	cleanup_free char *broot = xasprintf("%s/splitroot", top);
	cleanup_free char *big = xmalloc(100001);
	cleanup_free char *longname = xmalloc(300);
	struct tb t;
	sqlite3 *db;
	char diff[DIGEST_LEN];

	for (int i = 0; i < 100000; i++)
		big[i] = (char)('a' + i % 26 + i / 4096);
	big[100000] = '\0';
	memset(longname, 'n', 250);
	strcpy(longname + 250, "/file");
	b.root = broot;
	if (berth_db(&b, &db, &err) < 0) {
		ok(0, "database: %s", err->msg);
		return;
	}
	tb_open(&t, ARCHIVE_FILTER_NONE);
	tb_dir(&t, "./");
	tb_file(&t, "empty", "");
	tb_file(&t, "one", "1");
	tb_add(&t, "f511", AE_IFREG, 0644, big + 1000 - 511 + 511 - 511, NULL, NULL);
	tb_file(&t, "big", big);
	tb_symlink(&t, "sym", "big");
	tb_link(&t, "hard", "big");
	tb_file(&t, longname, "long");
	tb_file(&t, "dup", "first version");
	tb_file(&t, "dup", "second, longer version");
	tb_dir(&t, "d/");
	tb_file(&t, "d/inner", "inner content");
	tb_file(&t, "d", "d is a file now");
	if (root) {
		tb_file(&t, "gone", "soon deleted");
		tb_file(&t, ".wh.gone", "");
	}
	tb_close(&t);
	sha256_digest(t.buf, t.used, diff);

	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct memsrc m = {t.buf, t.used, 0, chunks[k]};
		struct layer_source src = {mem_read, &m};
		struct layer_result res;
		struct tarsplit *ts = tarsplit_new();
		struct layer_blob *lb = NULL;
		cleanup_free char *dir = layer_dir(&b, diff);
		cleanup_free char *tmp = NULL;
		cleanup_free char *out = xmalloc(t.used + 1);
		long long size = 0, n, got = 0;
		int fd;

		mkdir_p(dir, 0755, &err);
		fd = open(dir, O_RDONLY | O_DIRECTORY);
		if (layer_unpack(&src, NULL, ts, fd, &res, &err) < 0) {
			ok(0, "chunks of %zu: unpack (%s)", chunks[k], err->msg);
			berr_free(&err);
			close(fd);
			tarsplit_free(ts);
			continue;
		}
		close(fd);
		ok(res.split_used, "chunks of %zu: kept as a split", chunks[k]);
		db_exec(db, "DELETE FROM layers", &err);
		{
			cleanup_free char *sql = xasprintf("INSERT INTO layers VALUES ('%s', '%s', NULL, 0)", diff, diff);
			db_exec(db, sql, &err);
		}
		if (tarsplit_save(ts, &b, diff, &tmp, &err) < 0 || tarsplit_publish(&b, tmp, diff, &err) < 0) {
			ok(0, "save split: %s", err->msg);
			tarsplit_free(ts);
			continue;
		}
		tarsplit_free(ts);
		if (layer_blob_open(&b, diff, &lb, &size, &err) < 0) {
			ok(0, "open: %s", err->msg);
			continue;
		}
		while ((n = layer_blob_read(lb, out + got, (size_t)((long long)t.used + 1 - got) < 777 ? (size_t)((long long)t.used + 1 - got) : 777, &err)) > 0)
			got += n;
		layer_blob_close(lb);
		ok(n == 0 && got == (long long)t.used && size == (long long)t.used && memcmp(out, t.buf, t.used) == 0,
		   "chunks of %zu: the tar comes back byte for byte (%lld of %zu bytes)%s%s", chunks[k], got, t.used,
		   err ? ": " : "", err ? err->msg : "");
		berr_free(&err);
		remove_tree(dir, &err);
		tarsplit_remove(&b, diff, &err);
	}
	{
		cleanup_free char *p = tarsplit_path(&b, diff);
		ok(!tarsplit_exists(&b, diff), "split removed");
	}
	free(t.buf);
	db_close(b.db);
}

int main(void)
{
	cleanup_berr berr_t err = NULL;

	root = geteuid() == 0;
	snprintf(top, sizeof(top), "/tmp/berth-layertest.XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	test_basic();
	test_compression();
	test_whiteouts();
	test_breakouts();
	test_bad_input();
	test_write_tar();
	test_flatten();
	test_rootfs(false);
	test_rootfs(true);
	test_split();
	remove_tree(top, &err);
	return done_testing();
}
