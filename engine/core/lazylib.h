/* lazylib.h: libraries bound on first use (see mk/lazylib.sh).
 *
 * On x86-64 berth does not link libcurl, libarchive, libcrypto or
 * libnftables: the first call into one of them loads it.  Code that is
 * about to lose sight of the host's /usr/lib (a child that chroots or joins
 * a container's mount namespace) calls lazylib_bind_all() first.
 */
#ifndef BERTH_LAZYLIB_H
#define BERTH_LAZYLIB_H

#include <stddef.h>

struct lazylib {
	const char *soname;
	const char *const *names;
	void **ptrs;
	size_t n;
	size_t bound;
};

/* Called by the trampolines: load `lib` and fill its pointers, or exit. */
void lazylib_resolve(struct lazylib *lib);

/* Load every lazily bound library now. */
void lazylib_bind_all(void);

#endif
