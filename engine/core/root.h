/* root.h: the state root and the handle every command works through.
 *
 * The root is /var/lib/berth for root and $XDG_DATA_HOME/berth (else
 * ~/.local/share/berth) otherwise; BERTH_ROOT, then --root, override it.
 * It holds berth.db and, as later parts land, blobs/, layers/, containers/
 * and volumes/.  The database is opened on first use, so commands that never
 * touch state (version, --help) never create anything.
 */
#ifndef BERTH_ROOT_H
#define BERTH_ROOT_H

#include <sqlite3.h>
#include <stdbool.h>
#include "err.h"

struct berth {
	char *root;          /* absolute path of the state root */
	sqlite3 *db;         /* NULL until berth_db() */
	bool debug;
	const char *self;    /* path of the running berth binary (for re-exec) */
};

/* Where the root is when nothing overrides it. */
char *root_default_path(void);

/* Set b->root from --root (may be NULL), BERTH_ROOT, or the default. */
int berth_init(struct berth *b, const char *root_flag, berr_t *err);

/* Create the root if needed, open and migrate berth.db. */
int berth_db(struct berth *b, sqlite3 **db, berr_t *err);

/* A path under the root: berth_path(b, "blobs/sha256") (caller frees). */
char *berth_path(const struct berth *b, const char *rel);

void berth_fini(struct berth *b);

#endif
