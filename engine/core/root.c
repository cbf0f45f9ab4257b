/* root.c: resolving and opening the state root (see root.h). */
#define _GNU_SOURCE
#include "root.h"
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *root_default_path(void)
{
	const char *xdg, *home;

	if (geteuid() == 0)
		return xstrdup("/var/lib/berth");
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/berth", xdg);
	home = getenv("HOME");
	return xasprintf("%s/.local/share/berth", home && *home ? home : "/tmp");
}

int berth_init(struct berth *b, const char *root_flag, berr_t *err)
{
	const char *chosen = root_flag;
	cleanup_free char *def = NULL;

	memset(b, 0, sizeof(*b));
	if (!chosen || !*chosen)
		chosen = getenv("BERTH_ROOT");
	if (!chosen || !*chosen)
		chosen = def = root_default_path();
	if (chosen[0] == '/') {
		b->root = xstrdup(chosen);
	} else {
		/* A relative --root is taken from the current directory, once,
		 * so that later chdirs (into a rootfs, say) cannot change it. */
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return berr_make(err, errno, "cannot resolve --root %s", chosen);
		b->root = xasprintf("%s/%s", cwd, chosen);
	}
	return 0;
}

int berth_db(struct berth *b, sqlite3 **db, berr_t *err)
{
	if (!b->db) {
		if (mkdir_p(b->root, 0700, err) < 0)
			return -1;
		cleanup_free char *path = berth_path(b, "berth.db");
		if (db_open(path, &b->db, err) < 0)
			return -1;
	}
	*db = b->db;
	return 0;
}

char *berth_path(const struct berth *b, const char *rel)
{
	return xasprintf("%s/%s", b->root, rel);
}

void berth_fini(struct berth *b)
{
	db_close(b->db);
	b->db = NULL;
	free(b->root);
	b->root = NULL;
}
