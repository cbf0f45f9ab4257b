/* util.h: small helpers every part uses: allocation that cannot return NULL,
 * formatted strings, directories, whole-file reads and atomic writes. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>
#include "err.h"

/* Allocation failure is not a recoverable error for a CLI: these print
 * one line and exit 125 rather than making every caller check. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdir -p with the given mode for directories it creates. */
int mkdir_p(const char *path, mode_t mode, berr_t *err);

/* Read a whole file (NUL-terminated; *len excludes the NUL). */
int read_file(const char *path, char **out, size_t *len, berr_t *err);

/* Write via a temporary file in the same directory, fsync, rename: readers
 * see either the old content or the new, never half of it. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, berr_t *err);

/* Remove a tree (rm -rf) without following symlinks or crossing mounts. */
int remove_tree(const char *path, berr_t *err);

/* A relative path cleaned lexically: no empty or "." parts, ".." taken
 * back, never above the start ("../a" is "a").  Malloc'd. */
char *path_clean_rel(const char *p);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

/* The UTF-8 sequence at s (NUL-terminated): its length, and its code
 * point in *cp; a byte that starts no sequence is 1 byte long with *cp =
 * invalid (0xFFFD for U+FFFD, or a value the caller treats apart). */
size_t utf8_next(const unsigned char *s, unsigned *cp, unsigned invalid);

/* Monotonic and wall-clock time in nanoseconds. */
long long now_ns(void);
long long monotonic_ns(void);

/* Random lowercase hex of n bytes (2n chars), from getrandom(). */
char *random_hex(size_t nbytes);

#endif
