/* container.c: reading and writing container records (see container.h).
 *
 * Each state change is a single UPDATE in autocommit mode: with WAL and
 * synchronous=NORMAL that is one append to the WAL and no fsync, which is
 * what keeps `run --rm` inside its time budget.  Only creation, which must
 * check the name and insert atomically, relies on the UNIQUE constraint
 * instead of a read-then-write transaction.
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "db.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const state_names[] = {
	[CS_CREATED] = "created", [CS_RUNNING] = "running", [CS_PAUSED] = "paused",
	[CS_RESTARTING] = "restarting", [CS_EXITED] = "exited", [CS_DEAD] = "dead",
	[CS_REMOVING] = "removing",
};

const char *cstate_name(enum cstate s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "dead";
}

int cstate_parse(const char *s, enum cstate *out)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(s, state_names[i]) == 0)
			return *out = (enum cstate)i, 0;
	return -1;
}

char *container_cgroup_name(const struct container *c)
{
	const char *parent = json_string_value(json_object_get(c->host_config, "CgroupParent"));
	if (!parent || !*parent)
		parent = "berth";
	while (*parent == '/')
		parent++;
	return xasprintf("%s/%s", *parent ? parent : "berth", c->id);
}

char *container_dir(const struct berth *b, const char *id)
{
	return xasprintf("%s/containers/%s", b->root, id);
}

long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: fields restart after the
	 * last ')'.  starttime is field 22; after ") " comes field 3. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0; /* a zombie has exited: not alive for our purposes */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoll(p, NULL, 10) : 0;
}

bool proc_alive(pid_t pid, long long start)
{
	return pid > 0 && start > 0 && proc_start_time(pid) == start;
}

void format_rfc3339nano(long long ns, char *buf, size_t len)
{
	struct tm tm;
	time_t secs;
	long frac;
	char fbuf[16];
	int i;

	if (ns <= 0) {
		snprintf(buf, len, "0001-01-01T00:00:00Z");
		return;
	}
	secs = (time_t)(ns / 1000000000LL);
	frac = (long)(ns % 1000000000LL);
	gmtime_r(&secs, &tm);
	if (frac == 0) {
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	/* Go's RFC3339Nano drops trailing zeros of the fraction. */
	snprintf(fbuf, sizeof(fbuf), "%09ld", frac);
	for (i = 8; i > 0 && fbuf[i] == '0'; i--)
		fbuf[i] = '\0';
	char date[32];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%sZ", date, fbuf);
}

void container_free(struct container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->image_id);
	free(c->image_ref);
	free(c->path);
	json_decref(c->args);
	json_decref(c->config);
	json_decref(c->host_config);
	free(c->error);
	free(c);
}

void container_list_free(struct container **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_free(v[i]);
	free(v);
}

#define COLUMNS                                                                                           \
	"id, name, image_id, image_ref, created, path, args, config, host_config, state, pid, pid_start, "  \
	"monitor_pid, monitor_start, exit_code, oom_killed, error, started_at, finished_at, restart_count, " \
	"stop_requested"

int container_db(struct berth *b, sqlite3 **db, berr_t *err)
{
	int done = 0;
	if (berth_db(b, db, err) < 0)
		return -1;
	/* Once per connection (the setting itself says whether it was made:
	 * a connection closed before a fork and opened again is a new one). */
	sqlite3_db_config(*db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, -1, &done);
	if (!done) {
		/* Every CLI call is the last connection to close, and SQLite
		 * checkpoints the WAL (two fsyncs) when the last one closes.
		 * Leave that to the automatic checkpoint: commits in WAL mode
		 * with synchronous=NORMAL need no fsync. */
		sqlite3_db_config(*db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		/* But the WAL must stay short: the first connection of every
		 * process rebuilds the WAL index by reading the whole WAL (a 4 MB
		 * WAL cost 2.8 ms of CPU per CLI call).  A checkpoint every 256
		 * pages keeps that under a quarter of a millisecond on average,
		 * its two fsyncs falling on one call in twenty or so. */
		sqlite3_exec(*db, "PRAGMA wal_autocheckpoint=256", NULL, NULL, NULL);
	}
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static json_t *col_json(sqlite3_stmt *st, int i, bool array)
{
	json_t *j = json_loads(col_text(st, i), 0, NULL);
	if (!j)
		j = array ? json_array() : json_object();
	return j;
}

static struct container *from_row(sqlite3_stmt *st)
{
	struct container *c = xcalloc(1, sizeof(*c));

	snprintf(c->id, sizeof(c->id), "%s", col_text(st, 0));
	c->name = xstrdup(col_text(st, 1));
	c->image_id = xstrdup(col_text(st, 2));
	c->image_ref = xstrdup(col_text(st, 3));
	c->created = sqlite3_column_int64(st, 4);
	c->path = xstrdup(col_text(st, 5));
	c->args = col_json(st, 6, true);
	c->config = col_json(st, 7, false);
	c->host_config = col_json(st, 8, false);
	if (cstate_parse(col_text(st, 9), &c->state) < 0)
		c->state = CS_DEAD;
	c->pid = (pid_t)sqlite3_column_int(st, 10);
	c->pid_start = sqlite3_column_int64(st, 11);
	c->monitor_pid = (pid_t)sqlite3_column_int(st, 12);
	c->monitor_start = sqlite3_column_int64(st, 13);
	c->exit_code = sqlite3_column_int(st, 14);
	c->oom_killed = sqlite3_column_int(st, 15) != 0;
	c->error = xstrdup(col_text(st, 16));
	c->started_at = sqlite3_column_int64(st, 17);
	c->finished_at = sqlite3_column_int64(st, 18);
	c->restart_count = sqlite3_column_int(st, 19);
	c->stop_requested = sqlite3_column_int(st, 20) != 0;
	return c;
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, berr_t *err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

int container_insert(struct berth *b, struct container *c, berr_t *err)
{
	cleanup_free char *args = NULL, *config = NULL, *host = NULL;
	sqlite3 *db;
	bool generated = c->name == NULL;

	if (container_db(b, &db, err) < 0)
		return -1;
	args = json_dumps(c->args ? c->args : json_array(), JSON_COMPACT);
	config = json_dumps(c->config, JSON_COMPACT);
	host = json_dumps(c->host_config, JSON_COMPACT);
	for (int attempt = 0; attempt < 10; attempt++) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		int rc;

		if (generated) {
			free(c->name);
			c->name = names_generate(attempt);
		}
		if (db_prepare(db,
			       "INSERT INTO containers (id, name, image_id, image_ref, created, path, args, config, "
			       "host_config) VALUES (?,?,?,?,?,?,?,?,?)",
			       &st, err) < 0)
			return -1;
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, c->image_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c->image_ref, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, c->created);
		sqlite3_bind_text(st, 6, c->path ? c->path : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, args, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, config, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, host, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			c->state = CS_CREATED;
			return 0;
		}
		if (sqlite3_extended_errcode(db) != SQLITE_CONSTRAINT_UNIQUE)
			return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
		if (!generated) {
			struct container *o = NULL;
			cleanup_berr berr_t e2 = NULL;
			char holder[65] = "";
			if (container_lookup(b, c->name, &o, &e2) == 0 && o) {
				snprintf(holder, sizeof(holder), "%s", o->id);
				container_free(o);
			}
			return berr_make(err, 0,
					 "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
					 "You have to remove (or rename) that container to be able to reuse that name.",
					 c->name, holder);
		}
	}
	return berr_make(err, 0, "cannot find a free container name");
}

/* Load one row by an exact column match. */
static int load_where(sqlite3 *db, const char *where, const char *val, struct container **out, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *sql = xasprintf("SELECT " COLUMNS " FROM containers WHERE %s", where);
	int rc;

	*out = NULL;
	if (db_prepare(db, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, val, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = from_row(st);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	return 0;
}

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int container_lookup(struct berth *b, const char *ref, struct container **out, berr_t *err)
{
	sqlite3 *db;
	const char *name = ref[0] == '/' ? ref + 1 : ref;

	*out = NULL;
	if (!*ref)
		return 0;
	if (container_db(b, &db, err) < 0)
		return -1;
	if (strlen(ref) == 64 && is_hex(ref)) {
		if (load_where(db, "id = ?", ref, out, err) < 0)
			return -1;
		if (*out)
			goto found;
	}
	if (load_where(db, "name = ?", name, out, err) < 0)
		return -1;
	if (*out)
		goto found;
	if (is_hex(ref)) {
		cleanup_stmt sqlite3_stmt *st = NULL;
		cleanup_free char *lo = xstrdup(ref), *hi = NULL;
		/* A prefix range scan on the primary key: ref <= id < ref+'g'. */
		hi = xasprintf("%sg", ref);
		if (db_prepare(db, "SELECT " COLUMNS " FROM containers WHERE id >= ? AND id < ? LIMIT 2", &st,
			       err) < 0)
			return -1;
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*out = from_row(st);
			if (sqlite3_step(st) == SQLITE_ROW) {
				container_free(*out);
				*out = NULL;
				return berr_make_status(err, 1, 0, "Multiple IDs found with provided prefix: %s", ref);
			}
			goto found;
		}
	}
	return 0;
found:
	if (container_refresh(b, *out, err) < 0) {
		container_free(*out);
		*out = NULL;
		return -1;
	}
	if ((*out)->id[0] == '\0') {
		/* It was --rm and its monitor died: refresh removed it. */
		container_free(*out);
		*out = NULL;
	}
	return 0;
}

int container_find(struct berth *b, const char *ref, struct container **out, berr_t *err)
{
	if (container_lookup(b, ref, out, err) < 0)
		return -1;
	if (!*out)
		return berr_make_status(err, 1, 0, "No such container: %s", ref);
	return 0;
}

int container_reload(struct berth *b, struct container *c, berr_t *err)
{
	sqlite3 *db;
	struct container *fresh = NULL;

	if (container_db(b, &db, err) < 0 || load_where(db, "id = ?", c->id, &fresh, err) < 0)
		return -1;
	if (!fresh)
		return berr_make_status(err, 1, 0, "No such container: %s", c->id);
	/* Swap contents so the caller's pointer stays valid. */
	struct container tmp = *c;
	*c = *fresh;
	*fresh = tmp;
	container_free(fresh);
	return 0;
}

/* The columns of a summary: the heavy JSON documents reduced, in SQLite,
 * to the parts listing and refreshing need (labels; AutoRemove and the
 * cgroup parent for refresh).  `ps` with a hundred containers then parses
 * a few hundred bytes of JSON instead of a few hundred kilobytes. */
#define SUMMARY_COLUMNS                                                                                            \
	"id, name, image_id, image_ref, created, path, args, "                                                       \
	"json_object('Labels', json(coalesce(json_extract(config, '$.Labels'), '{}')), "                            \
	/* ps's PORTS lists exposed ports too (endpoint.c) */                                                      \
	"'ExposedPorts', json(coalesce(json_extract(config, '$.ExposedPorts'), '{}'))), "                           \
	"json_object('AutoRemove', json(CASE WHEN json_extract(host_config, '$.AutoRemove') THEN 'true' ELSE 'false' END), " \
	"'CgroupParent', coalesce(json_extract(host_config, '$.CgroupParent'), '')), "                              \
	"state, pid, pid_start, monitor_pid, monitor_start, exit_code, oom_killed, error, started_at, finished_at, "  \
	"restart_count, stop_requested"

static int list_with(struct berth *b, const char *columns, struct container ***out, size_t *n, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *sql = xasprintf("SELECT %s FROM containers ORDER BY created DESC, rowid DESC", columns);
	struct container **v = NULL;
	size_t count = 0;
	sqlite3 *db;
	int rc;

	*out = NULL;
	*n = 0;
	if (container_db(b, &db, err) < 0)
		return -1;
	if (db_prepare(db, sql, &st, err) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = from_row(st);
	}
	if (rc != SQLITE_DONE) {
		container_list_free(v, count);
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	}
	db_stmt_release(st);
	st = NULL;
	for (size_t i = 0; i < count; i++) {
		if (container_refresh(b, v[i], err) < 0) {
			container_list_free(v, count);
			return -1;
		}
	}
	/* A refresh may have removed an --rm container: drop those. */
	size_t kept = 0;
	for (size_t i = 0; i < count; i++) {
		if (v[i]->id[0] == '\0')
			container_free(v[i]);
		else
			v[kept++] = v[i];
	}
	*out = v;
	*n = kept;
	return 0;
}

int container_list(struct berth *b, struct container ***out, size_t *n, berr_t *err)
{
	return list_with(b, COLUMNS, out, n, err);
}

int container_list_summary(struct berth *b, struct container ***out, size_t *n, berr_t *err)
{
	return list_with(b, SUMMARY_COLUMNS, out, n, err);
}

static int exec_update(struct berth *b, const char *sql, const char *id, berr_t *err,
		       void (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	sqlite3 *db;

	if (container_db(b, &db, err) < 0 || db_prepare(db, sql, &st, err) < 0)
		return -1;
	if (bind)
		bind(st, arg);
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":id"), id, -1, SQLITE_STATIC);
	return step_done(db, st, err);
}

struct running_args {
	pid_t pid, mon;
	long long pid_start, mon_start, now;
};

static void bind_running(sqlite3_stmt *st, const void *p)
{
	const struct running_args *a = p;
	sqlite3_bind_int(st, 1, a->pid);
	sqlite3_bind_int64(st, 2, a->pid_start);
	sqlite3_bind_int(st, 3, a->mon);
	sqlite3_bind_int64(st, 4, a->mon_start);
	sqlite3_bind_int64(st, 5, a->now);
}

int container_set_running(struct berth *b, struct container *c, pid_t pid, long long pid_start, pid_t mon,
			  long long mon_start, berr_t *err)
{
	struct running_args a = {pid, mon, pid_start, mon_start, now_ns()};

	/* exit_code and error of the last run are cleared, as docker does when
	 * a container starts again.  stop_requested is not: a stop that came
	 * while the monitor was restarting it must still win (ctr_start
	 * clears it for a start by hand). */
	if (exec_update(b,
			"UPDATE containers SET state = 'running', pid = ?1, pid_start = ?2, monitor_pid = ?3, "
			"monitor_start = ?4, started_at = ?5, exit_code = 0, oom_killed = 0, error = '' "
			"WHERE id = :id",
			c->id, err, bind_running, &a) < 0)
		return -1;
	c->state = CS_RUNNING;
	c->pid = pid;
	c->pid_start = pid_start;
	c->monitor_pid = mon;
	c->monitor_start = mon_start;
	c->started_at = a.now;
	c->exit_code = 0;
	c->oom_killed = false;
	return 0;
}

static void bind_state(sqlite3_stmt *st, const void *p)
{
	sqlite3_bind_text(st, 1, (const char *)p, -1, SQLITE_STATIC);
}

int container_set_state(struct berth *b, const char *id, enum cstate s, berr_t *err)
{
	return exec_update(b, "UPDATE containers SET state = ?1 WHERE id = :id", id, err, bind_state, cstate_name(s));
}

struct exited_args {
	int code;
	bool oom;
	const char *error;
	long long now;
};

static void bind_exited(sqlite3_stmt *st, const void *p)
{
	const struct exited_args *a = p;
	sqlite3_bind_int(st, 1, a->code);
	sqlite3_bind_int(st, 2, a->oom);
	sqlite3_bind_text(st, 3, a->error ? a->error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->now);
}

int container_set_exited(struct berth *b, const char *id, int exit_code, bool oom, const char *error,
			 berr_t *err)
{
	struct exited_args a = {exit_code, oom, error, now_ns()};
	return exec_update(b,
			   "UPDATE containers SET state = 'exited', exit_code = ?1, oom_killed = ?2, error = ?3, "
			   "finished_at = ?4, pid = 0, pid_start = 0, monitor_pid = 0, monitor_start = 0 "
			   "WHERE id = :id",
			   id, err, bind_exited, &a);
}

static void bind_int1(sqlite3_stmt *st, const void *p)
{
	sqlite3_bind_int(st, 1, *(const int *)p);
}

int container_set_stop_requested(struct berth *b, const char *id, bool v, berr_t *err)
{
	int i = v;
	return exec_update(b, "UPDATE containers SET stop_requested = ?1 WHERE id = :id", id, err, bind_int1, &i);
}

int container_rename(struct berth *b, struct container *c, const char *newname, berr_t *err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	sqlite3 *db;

	if (container_db(b, &db, err) < 0 ||
	    db_prepare(db, "UPDATE containers SET name = ? WHERE id = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, newname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE) {
			struct container *o = NULL;
			cleanup_berr berr_t e2 = NULL;
			char holder[65] = "";
			if (container_lookup(b, newname, &o, &e2) == 0 && o) {
				snprintf(holder, sizeof(holder), "%s", o->id);
				container_free(o);
			}
			return berr_make_status(err, 1, 0,
						"Error when allocating new name: Conflict. The container name \"/%s\" is "
						"already in use by container \"%s\". You have to remove (or rename) that "
						"container to be able to reuse that name.",
						newname, holder);
		}
		return berr_make(err, 0, "database: %s", sqlite3_errmsg(db));
	}
	free(c->name);
	c->name = xstrdup(newname);
	return 0;
}

int container_delete_row(struct berth *b, const char *id, berr_t *err)
{
	return exec_update(b, "DELETE FROM containers WHERE id = :id", id, err, NULL, NULL);
}
