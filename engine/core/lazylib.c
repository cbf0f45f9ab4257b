/* lazylib.c: the resolver behind mk/lazylib.sh's trampolines.
 *
 * A library that cannot be loaded is as fatal as it would have been for
 * the dynamic loader at start-up, so this prints one line and exits 125
 * (berth's own error) instead of returning to a caller that cannot cope.
 */
#define _GNU_SOURCE
#include "lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Defined by the generated trampolines; absent (NULL) where berth links
 * the libraries directly (other architectures, the fuzz build). */
extern struct lazylib *const lazylib_table[] __attribute__((weak));

static pthread_mutex_t lazylib_lock = PTHREAD_MUTEX_INITIALIZER;

void lazylib_resolve(struct lazylib *lib)
{
	pthread_mutex_lock(&lazylib_lock);
	if (__atomic_load_n(&lib->bound, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&lazylib_lock);
		return;
	}
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "Error: cannot load %s: %s; reinstall it (make deps)\n", lib->soname, dlerror());
		_exit(125);
	}
	for (size_t i = 0; i < lib->n; i++) {
		void *f = dlsym(h, lib->names[i]);
		if (f == NULL) {
			fprintf(stderr, "Error: %s has no %s: %s\n", lib->soname, lib->names[i], dlerror());
			_exit(125);
		}
		__atomic_store_n(&lib->ptrs[i], f, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&lib->bound, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lazylib_lock);
}

void lazylib_bind_all(void)
{
	if (lazylib_table == NULL)
		return;
	for (size_t i = 0; lazylib_table[i] != NULL; i++)
		lazylib_resolve(lazylib_table[i]);
}
