/* mountspec.h: -v, --mount and --tmpfs, parsed as docker parses them.
 *
 *   -v NAME:/path[:MODE]          a named volume (created if missing)
 *   -v /host/path:/path[:MODE]    a bind mount (a missing host dir is created)
 *   -v /path                      an anonymous volume
 *   --mount type=volume|bind|tmpfs,source=,target=,readonly,...
 *   --tmpfs /path[:OPTIONS]
 *
 * MODE is a comma list of ro|rw, z|Z (SELinux relabel, accepted and
 * ignored), a propagation (shared, rshared, slave, rslave, private,
 * rprivate), nocopy (volumes only) and consistent|cached|delegated (macOS
 * hints, ignored), as docker's linux parser allows.
 *
 * Parsing checks only the text; whether a bind source exists and whether a
 * volume name is free is the engine's business (volume.c), since docker's
 * daemon checks those too.  The two layers keep docker's two kinds of
 * message: the CLI's ('invalid argument "X" for "--mount" flag: target is
 * required', status 125) and the daemon's ('invalid mount config for type
 * "bind": ...').
 */
#ifndef BERTH_MOUNTSPEC_H
#define BERTH_MOUNTSPEC_H

#include <stdbool.h>
#include "err.h"

enum mount_kind { MK_BIND, MK_VOLUME, MK_TMPFS };

struct mount_spec {
	enum mount_kind kind;
	char *source;          /* bind: host path; volume: name or NULL (anonymous) */
	char *target;
	bool readonly;
	bool from_v;           /* -v syntax (docker creates a missing bind source) */
	bool nocopy;           /* volume-nocopy / nocopy mode */
	char *mode;            /* -v's mode text ("ro,z"), "" when none */
	char *propagation;     /* "" or rprivate, shared, ... */
	char *tmpfs_options;   /* mount data for tmpfs ("size=65536k,mode=1777") */
};

void mount_spec_clear(struct mount_spec *m);

/* -v / --volume.  Errors as docker's, e.g. "invalid spec: X: too many
 * colons", "invalid mode: rx", "invalid volume specification: 'a:rel':
 * invalid mount config for type "bind": invalid mount path: 'rel' mount
 * path must be absolute", "create bad*name: ... includes invalid
 * characters for a local volume name ...". */
int mountspec_parse_volume(const char *spec, struct mount_spec *out, berr_t *err);

/* --mount: the CSV key=value form.  CLI errors are the whole docker line
 * ('invalid argument "SPEC" for "--mount" flag: MSG'); the daemon's
 * checks follow ('invalid mount config for type "bind": field Source
 * must not be empty'). */
int mountspec_parse_mount(const char *spec, struct mount_spec *out, berr_t *err);

/* --tmpfs /path[:opts]. */
int mountspec_parse_tmpfs(const char *spec, struct mount_spec *out, berr_t *err);

/* docker's local volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool volume_name_valid(const char *name);

/* The path cleaned as Go's filepath.Clean would ("/a//b/../c/" -> "/a/c"). */
char *path_clean(const char *p);

#endif
