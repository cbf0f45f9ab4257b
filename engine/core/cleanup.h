/* cleanup.h: scope-bound release of memory, descriptors and handles.
 *
 * `cleanup_free char *s = NULL;` frees s whenever the scope is left, so an
 * early `return` on error cannot leak.  Transfer ownership with steal_pointer()
 * (or steal_fd()) when a value must outlive its scope.  Same idea as crun's
 * cleanup_free/cleanup_close and GLib's g_autofree.
 */
#ifndef BERTH_CLEANUP_H
#define BERTH_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include "err.h"

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
static inline void cleanup_berrp(berr_t *e)
{
	berr_free(e);
}
/* A NULL-terminated array of strings, each freed, then the array. */
static inline void cleanup_strvp(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
}

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_closedir __attribute__((cleanup(cleanup_closedirp)))
#define cleanup_berr __attribute__((cleanup(cleanup_berrp)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))

static inline void *steal_ptr_(void **pp)
{
	void *p = *pp;
	*pp = NULL;
	return p;
}
#define steal_pointer(pp) steal_ptr_((void **)(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
