/* db.c: opening berth.db and migrating its schema (see db.h).
 *
 * Migrations are append-only: never edit one that has shipped, add a new one
 * at the end.  Each runs once, in order, inside the same transaction that
 * bumps user_version, so a crash mid-migration leaves the old schema intact
 * and a concurrent CLI that loses the race simply finds the work done.
 */
#define _GNU_SOURCE
#include "db.h"
#include "util.h"
#include "cleanup.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const migrations[] = {
	/* 1: engine identity (docker info's ID) and free-form settings. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 2: images (issue 3).  An image is its config blob (id = its
	 * sha256, config = its bytes, kept here so inspect needs no file read),
	 * an ordered stack of layers (image_layers: which blob each came from,
	 * and the chain id naming its directory under layers/), and the names
	 * pointing at it (tags, repo_digests), canonical ("docker.io/library/
	 * busybox:latest").  layers has one row per unpacked directory. */
	"CREATE TABLE images ("
	"  id TEXT PRIMARY KEY,"              /* "sha256:<hex>" */
	"  config TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"         /* seconds, from the config */
	"  size INTEGER NOT NULL,"            /* bytes of its unpacked layers */
	"  parent TEXT,"                      /* image it was built from */
	"  manifest TEXT,"                    /* digest of the manifest blob it came with */
	"  added INTEGER NOT NULL);"          /* ns, when it entered this root */
	"CREATE TABLE layers ("
	"  chain_id TEXT PRIMARY KEY,"
	"  diff_id TEXT NOT NULL,"
	"  parent TEXT,"                      /* chain id of the layer below */
	"  size INTEGER NOT NULL);"
	"CREATE TABLE image_layers ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  chain_id TEXT NOT NULL REFERENCES layers(chain_id),"
	"  blob TEXT NOT NULL,"               /* digest in blobs/ (as received: maybe compressed) */
	"  media_type TEXT NOT NULL,"
	"  blob_size INTEGER NOT NULL,"
	"  PRIMARY KEY (image_id, idx));"
	"CREATE INDEX image_layers_chain ON image_layers(chain_id);"
	"CREATE INDEX image_layers_blob ON image_layers(blob);"
	"CREATE TABLE tags ("
	"  name TEXT PRIMARY KEY,"
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  added INTEGER NOT NULL);"
	"CREATE INDEX tags_image ON tags(image_id);"
	"CREATE TABLE repo_digests ("
	"  name TEXT PRIMARY KEY,"            /* "docker.io/library/busybox@sha256:..." */
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
	"CREATE INDEX repo_digests_image ON repo_digests(image_id);",
	/* 3: where blobs were seen on registries (issue 6).  A pull or push
	 * records (blob, registry host, repository); a later push of the
	 * same blob to another repository of that registry mounts it from
	 * there instead of uploading it again (docker's "Mounted from"). */
	"CREATE TABLE blob_sources ("
	"  digest TEXT NOT NULL,"
	"  registry TEXT NOT NULL,"           /* "localhost:5000", "registry-1.docker.io" */
	"  repository TEXT NOT NULL,"         /* "library/busybox" */
	"  added INTEGER NOT NULL,"           /* ns */
	"  PRIMARY KEY (digest, registry, repository));",
	/* 4: containers (issue 4): one row per container (engine/core/container.c).  config and
	 * host_config are docker's Config and HostConfig as JSON; times are ns
	 * since the epoch (0 = never); pid_start/monitor_start are the processes'
	 * start times from /proc/PID/stat, so a recycled pid is never mistaken
	 * for ours. */
	"CREATE TABLE containers ("
	" id TEXT PRIMARY KEY CHECK (length(id) = 64),"
	" name TEXT NOT NULL UNIQUE,"
	" image_id TEXT NOT NULL,"
	" image_ref TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL DEFAULT 0,"
	" path TEXT NOT NULL DEFAULT '',"
	" args TEXT NOT NULL DEFAULT '[]',"
	" config TEXT NOT NULL DEFAULT '{}',"
	" host_config TEXT NOT NULL DEFAULT '{}',"
	" state TEXT NOT NULL DEFAULT 'created' CHECK (state IN"
	"  ('created','running','paused','restarting','exited','dead','removing')),"
	" pid INTEGER NOT NULL DEFAULT 0,"
	" pid_start INTEGER NOT NULL DEFAULT 0,"
	" monitor_pid INTEGER NOT NULL DEFAULT 0,"
	" monitor_start INTEGER NOT NULL DEFAULT 0,"
	" exit_code INTEGER NOT NULL DEFAULT 0,"
	" oom_killed INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '',"
	" started_at INTEGER NOT NULL DEFAULT 0,"
	" finished_at INTEGER NOT NULL DEFAULT 0,"
	" restart_count INTEGER NOT NULL DEFAULT 0,"
	" stop_requested INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX containers_image ON containers(image_id);",
	/* 5: networks, endpoints, published ports and volumes (issue 5;
	 * engine/core/network.c, ipam.c, portfwd.c, volume.c).
	 * networks: one row per network, the predefined bridge/host/none
	 * included; subnet/gateway/bridge only for driver 'bridge'.
	 * endpoints: a container's membership of a network, from create on;
	 * ip (and veth) only while it runs, unique per network so concurrent
	 * starts cannot share an address.  port_bindings: the host ports a
	 * running container holds (what `port` and ps's PORTS show).
	 * volumes: named and anonymous; mounts: each container's volumes,
	 * bind mounts and tmpfs, resolved at create (anonymous volumes
	 * named); a volume some container mounts is in use and stays. */
	"CREATE TABLE networks ("
	" id TEXT PRIMARY KEY CHECK (length(id) = 64),"
	" name TEXT NOT NULL UNIQUE,"
	" driver TEXT NOT NULL,"               /* bridge | host | null */
	" created INTEGER NOT NULL,"           /* ns */
	" internal INTEGER NOT NULL DEFAULT 0,"
	" attachable INTEGER NOT NULL DEFAULT 0,"
	" predefined INTEGER NOT NULL DEFAULT 0,"
	" subnet TEXT,"                        /* "172.18.0.0/24" */
	" gateway TEXT,"
	" ipam_config TEXT NOT NULL DEFAULT '[]'," /* IPAM.Config as the user gave it */
	" bridge TEXT,"                        /* the device */
	" labels TEXT NOT NULL DEFAULT '{}',"
	" options TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE endpoints ("
	" network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" endpoint_id TEXT NOT NULL,"
	" idx INTEGER NOT NULL,"               /* order of connection: eth0, eth1... */
	" aliases TEXT NOT NULL DEFAULT '[]',"
	" want_ip TEXT,"                       /* --ip */
	" ip TEXT,"                            /* while running */
	" mac TEXT,"
	" veth TEXT,"                          /* host side, while running */
	" PRIMARY KEY (network_id, container_id));"
	"CREATE UNIQUE INDEX endpoints_ip ON endpoints(network_id, ip);"
	"CREATE INDEX endpoints_container ON endpoints(container_id);"
	"CREATE TABLE port_bindings ("
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" proto TEXT NOT NULL,"
	" container_port INTEGER NOT NULL,"
	" host_ip TEXT NOT NULL,"
	" host_port INTEGER NOT NULL,"
	" PRIMARY KEY (container_id, proto, container_port, host_ip, host_port));"
	"CREATE TABLE volumes ("
	" name TEXT PRIMARY KEY,"
	" driver TEXT NOT NULL DEFAULT 'local',"
	" created INTEGER NOT NULL,"           /* seconds */
	" labels TEXT NOT NULL DEFAULT '{}',"
	" options TEXT,"                       /* -o, as an object; NULL when none */
	" anonymous INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE mounts ("
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" destination TEXT NOT NULL,"
	" type TEXT NOT NULL CHECK (type IN ('bind','volume','tmpfs')),"
	" source TEXT NOT NULL DEFAULT '',"    /* host path (bind), volume name (volume) */
	" rw INTEGER NOT NULL DEFAULT 1,"
	" mode TEXT NOT NULL DEFAULT '',"      /* -v's mode field, as docker shows it */
	" propagation TEXT NOT NULL DEFAULT '',"
	" options TEXT NOT NULL DEFAULT '',"   /* tmpfs: mount data ("size=65536k,mode=1777") */
	" nocopy INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (container_id, destination));"
	"CREATE INDEX mounts_source ON mounts(type, source);",
	/* 6: the build cache (issue 9, engine/core/buildcache.c): a step's key
	 * (parent image, instruction, build args, source content hash) to the
	 * image the step made.  Not a foreign key: removing an image leaves a
	 * row that lookups skip (they join images). */
	"CREATE TABLE build_cache ("
	" key TEXT PRIMARY KEY,"
	" image_id TEXT NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX build_cache_image ON build_cache(image_id);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int db_schema_version(void)
{
	return N_MIGRATIONS;
}

/* The primary result code of the last failed db_exec/db_prepare on this
 * thread: a ROLLBACK after the failure would overwrite sqlite3_errcode(). */
static _Thread_local int last_failure;

int db_exec(sqlite3 *db, const char *sql, berr_t *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		last_failure = rc & 0xff;
		berr_make(err, 0, "database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Prepared statements kept for the life of their connection.  Parsing
 * SQL is most of what a query costs berth: `ps` asks for each container's
 * networks, ports and mounts, the same few statements a hundred times.  A
 * statement db_stmt_release()d goes back here, reset, and the next
 * db_prepare of the same SQL on the same connection takes it instead of
 * parsing again.  One in use is never handed out twice: a nested query
 * with the same SQL gets a fresh statement.  Global, under a mutex,
 * because build threads share nothing else with each other but this. */
#define STMT_CACHE_MAX 64

struct cached_stmt {
	sqlite3 *db;
	char *sql;
	sqlite3_stmt *st;
	bool in_use;
};

static struct cached_stmt stmt_cache[STMT_CACHE_MAX];
static size_t stmt_cache_len;
static pthread_mutex_t stmt_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static sqlite3_stmt *stmt_cache_take(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&stmt_cache_lock);
	for (size_t i = 0; i < stmt_cache_len; i++) {
		struct cached_stmt *c = &stmt_cache[i];
		if (c->db == db && !c->in_use && strcmp(c->sql, sql) == 0) {
			c->in_use = true;
			st = c->st;
			break;
		}
	}
	pthread_mutex_unlock(&stmt_cache_lock);
	return st;
}

static void stmt_cache_add(sqlite3 *db, const char *sql, sqlite3_stmt *st)
{
	pthread_mutex_lock(&stmt_cache_lock);
	if (stmt_cache_len < STMT_CACHE_MAX)
		stmt_cache[stmt_cache_len++] = (struct cached_stmt){db, xstrdup(sql), st, true};
	pthread_mutex_unlock(&stmt_cache_lock);
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out, berr_t *err)
{
	*out = stmt_cache_take(db, sql);
	if (*out)
		return 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
	if (rc != SQLITE_OK) {
		last_failure = rc & 0xff;
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	}
	stmt_cache_add(db, sql, *out);
	return 0;
}

void db_stmt_release(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&stmt_cache_lock);
	for (size_t i = 0; i < stmt_cache_len; i++) {
		if (stmt_cache[i].st == st) {
			/* Ends its read transaction and forgets its bindings. */
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			stmt_cache[i].in_use = false;
			pthread_mutex_unlock(&stmt_cache_lock);
			return;
		}
	}
	pthread_mutex_unlock(&stmt_cache_lock);
	sqlite3_finalize(st);
}

/* A connection's statements go with it. */
static void stmt_cache_drop(sqlite3 *db)
{
	pthread_mutex_lock(&stmt_cache_lock);
	size_t k = 0;
	for (size_t i = 0; i < stmt_cache_len; i++) {
		if (stmt_cache[i].db == db) {
			sqlite3_finalize(stmt_cache[i].st);
			free(stmt_cache[i].sql);
		} else {
			stmt_cache[k++] = stmt_cache[i];
		}
	}
	stmt_cache_len = k;
	pthread_mutex_unlock(&stmt_cache_lock);
}

int db_begin(sqlite3 *db, berr_t *err)
{
	return db_exec(db, "BEGIN IMMEDIATE", err);
}

int db_commit(sqlite3 *db, berr_t *err)
{
	return db_exec(db, "COMMIT", err);
}

void db_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(sqlite3 *db, int *out, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	if (db_prepare(db, "PRAGMA user_version", &st, err) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		last_failure = sqlite3_errcode(db) & 0xff;
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	}
	*out = sqlite3_column_int(st, 0);
	return 0;
}

static int migrate(sqlite3 *db, const char *const *migrations, int n_migrations, berr_t *err)
{
	cleanup_free char *bump = NULL;
	int version;

	/* Cheap check first: the common case is an up-to-date schema, and
	 * taking the write lock on every CLI call would serialise readers. */
	if (user_version(db, &version, err) < 0)
		return -1;
	if (version == n_migrations)
		return 0;
	if (db_begin(db, err) < 0)
		return -1;
	if (user_version(db, &version, err) < 0)
		goto fail;
	if (version > n_migrations) {
		berr_make(err, 0, "database schema version %d is newer than this berth (%d): upgrade berth",
			  version, n_migrations);
		goto fail;
	}
	for (int i = version; i < n_migrations; i++) {
		if (db_exec(db, migrations[i], err) < 0) {
			berr_wrap(err, "migration %d", i + 1);
			goto fail;
		}
	}
	bump = xasprintf("PRAGMA user_version = %d", n_migrations);
	if (db_exec(db, bump, err) < 0 || db_commit(db, err) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int db_open(const char *path, sqlite3 **out, berr_t *err)
{
	return db_open_schema(path, migrations, N_MIGRATIONS, out, err);
}

int db_open_schema(const char *path, const char *const *migrations, int n_migrations, sqlite3 **out, berr_t *err)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		berr_make(err, 0, "cannot open database %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		db_close(db);
		return -1;
	}
	/* The busy timeout must come first: switching to WAL itself needs a
	 * lock that a concurrent CLI may hold. */
	sqlite3_busy_timeout(db, 30000);
	/* SQLite answers SQLITE_BUSY without calling the busy handler in two
	 * cases a fresh root meets under concurrent CLIs: the switch to WAL
	 * while another connection holds a lock, and WAL recovery in
	 * progress.  Both pass in milliseconds, so retry for a while rather
	 * than fail a learner's command with "database is locked". */
	for (int attempt = 0;; attempt++) {
		if (db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", err) == 0 &&
		    migrate(db, migrations, n_migrations, err) == 0)
			break;
		int code = last_failure ? last_failure : sqlite3_errcode(db) & 0xff;
		last_failure = 0;
		if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) && attempt < 500) {
			berr_free(err);
			struct timespec ts = {0, (5 + attempt % 20) * 1000000L};
			nanosleep(&ts, NULL);
			continue;
		}
		berr_wrap(err, "%s", path);
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void db_close(sqlite3 *db)
{
	if (db) {
		stmt_cache_drop(db);
		sqlite3_close(db);
	}
}
