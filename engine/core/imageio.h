/* imageio.h: images in and out of the store as files.
 *
 *   load.c    docker-archive (docker save, Docker 20.10 and 25+) and OCI
 *             image layout tars, plain or compressed  -> the store
 *   save.c    the store -> one tar that is both a docker-archive
 *             (manifest.json) and an OCI layout (index.json, oci-layout),
 *             as Docker 25+ writes it
 *   import.c  a root filesystem tar -> a one-layer image (docker import)
 *
 * Errors are one line; load and save failures exit 1, as docker's do.
 */
#ifndef BERTH_IMAGEIO_H
#define BERTH_IMAGEIO_H

#include <jansson.h>
#include <stdbool.h>
#include "err.h"
#include "root.h"

/* Lines for the user ("Loaded image: busybox:latest"), one call each. */
typedef void (*imageio_print_fn)(void *ctx, const char *line);

/* Load every image of the archive read from fd.  A non-seekable fd (a
 * pipe) is spooled to a temporary file first: the archive lists its
 * manifests after its layers, so it is read twice (the first time
 * skipping the layer data). */
int image_load(struct berth *b, int fd, imageio_print_fn print, void *ctx, berr_t *err);

/* Write the named images (names or ids) as one archive to fd. */
int image_save(struct berth *b, char *const *names, int n, int fd, berr_t *err);

struct import_opts {
	const char *name;            /* REPOSITORY[:TAG], or NULL */
	char *const *changes;        /* Dockerfile instructions (CMD, ENV, ...), NULL-terminated */
	const char *message;         /* -m; default "Imported from -" */
	const char *platform;        /* "linux/amd64" or NULL for the host */
};
/* Import a root filesystem tar (plain or compressed) read from fd; *id_out
 * gets the new image id.  The created time is now, or SOURCE_DATE_EPOCH
 * when set, so a build can make the same image twice. */
int image_import(struct berth *b, int fd, const struct import_opts *o, char **id_out, berr_t *err);

/* Apply one --change instruction to a config object ("config" of an
 * image config); docker import's subset: CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. */
int image_apply_change(json_t *config, const char *change, berr_t *err);

#endif
