/* util.c: see util.h. */
#define _GNU_SOURCE
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
	fputs("berth: out of memory\n", stderr);
	exit(BERTH_EXIT_ERROR);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

int mkdir_p(const char *path, mode_t mode, berr_t *err)
{
	cleanup_free char *p = xstrdup(path);
	size_t len = strlen(p);

	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return berr_make(err, errno, "cannot create directory %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create directory %s", p);
	return 0;
}

int read_file(const char *path, char **out, size_t *len, berr_t *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t size = 0, cap = 0;

	if (fd < 0)
		return berr_make(err, errno, "cannot open %s", path);
	for (;;) {
		if (cap - size < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + size, cap - size - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berr_make(err, errno, "cannot read %s", path);
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	if (!buf)
		buf = xmalloc(1);
	buf[size] = '\0';
	if (len)
		*len = size;
	*out = steal_pointer(&buf);
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, berr_t *err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = data;

	if (fd < 0)
		return berr_make(err, errno, "cannot create %s", tmp);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			unlink(tmp);
			return berr_make(err, e, "cannot write %s", tmp);
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return berr_make(err, e, "cannot write %s", path);
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path, berr_t *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : berr_make(err, errno, "cannot remove %s", path);
	if (nftw(path, remove_one, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return berr_make(err, errno, "cannot remove %s", path);
	return 0;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

char *random_hex(size_t nbytes)
{
	unsigned char *raw = xmalloc(nbytes);
	char *hex = xmalloc(nbytes * 2 + 1);
	size_t got = 0;

	while (got < nbytes) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			oom(); /* getrandom cannot fail on Linux >= 3.17 but EINTR */
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++)
		sprintf(hex + 2 * i, "%02x", raw[i]);
	free(raw);
	return hex;
}

char *path_clean_rel(const char *p)
{
	char *out = xmalloc(strlen(p) + 1);
	size_t n = 0;
	const char *s = p;

	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, '/');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == 1 && s[0] == '.') {
			/* "." names where we are */
		} else if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n)
				out[n++] = '/';
			memcpy(out + n, s, l);
			n += l;
		}
		s += l;
	}
	out[n] = '\0';
	return out;
}

size_t utf8_next(const unsigned char *s, unsigned *cp, unsigned invalid)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
		*cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
		return 4;
	}
	*cp = invalid;
	return 1;
}
