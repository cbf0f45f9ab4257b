/* test_image.c: finding images the way docker does (names, digests, full
 * and short ids, ambiguity, a name winning over an id prefix), configs
 * parsed with docker's null-versus-empty distinction, chain ids, and
 * removal conflicts with containers (a stand-in containers table, as the
 * runtime will create). */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/image.h"
#include "../../engine/core/db.h"
#include "../../engine/core/store.h"
#include "../../engine/core/util.h"
#include "../../engine/core/cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct berth b;

/* An image straight into the database (no layers): its config decides
 * its id. */
static char *add_image(const char *config)
{
	cleanup_berr berr_t err = NULL;
	char id[DIGEST_LEN];
	sqlite3 *db;

	sha256_digest(config, strlen(config), id);
	berth_db(&b, &db, &err);
	db_begin(db, &err);
	image_insert(db, id, config, strlen(config), NULL, 0, NULL, NULL, &err);
	db_commit(db, &err);
	store_put(&b, config, strlen(config), id, NULL, &err);
	return xstrdup(id);
}

static char *resolve(const char *s, char **errmsg)
{
	cleanup_berr berr_t err = NULL;
	char *id = NULL;
	*errmsg = NULL;
	if (image_resolve_id(&b, s, &id, &err) < 0) {
		*errmsg = xstrdup(err->msg);
		return NULL;
	}
	return id;
}

static void test_find(void)
{
	cleanup_berr berr_t err = NULL;
	cleanup_free char *a = add_image("{\"config\":{\"Cmd\":[\"a\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
	cleanup_free char *c = add_image("{\"config\":{\"Cmd\":[\"c\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
	char *msg, *id;
	sqlite3 *db;

	ok(image_tag(&b, a, "busybox", &err) == 0, "tag busybox");
	ok(image_tag(&b, c, "localhost:5000/team/app:1.0", &err) == 0, "tag localhost:5000/team/app:1.0");

	id = resolve("busybox", &msg);
	is_str(id, a, "busybox means busybox:latest");
	free(id);
	id = resolve("docker.io/library/busybox:latest", &msg);
	is_str(id, a, "the canonical name too");
	free(id);
	id = resolve("localhost:5000/team/app:1.0", &msg);
	is_str(id, c, "a name with a registry and port");
	free(id);
	id = resolve(a, &msg);
	is_str(id, a, "a full sha256: id");
	free(id);
	id = resolve(a + 7, &msg);
	is_str(id, a, "the 64 hex alone");
	free(id);
	{
		cleanup_free char *p = xstrndup(a + 7, 12);
		id = resolve(p, &msg);
		is_str(id, a, "a 12-character prefix");
		free(id);
		cleanup_free char *sp = xasprintf("sha256:%.6s", a + 7);
		id = resolve(sp, &msg);
		is_str(id, a, "sha256: and a short prefix");
		free(id);
	}
	id = resolve("nosuch", &msg);
	ok(!id && msg && strcmp(msg, "No such image: nosuch:latest") == 0, "a miss: No such image: nosuch:latest");
	free(msg);
	id = resolve("Nope", &msg);
	ok(!id && msg && strstr(msg, "invalid reference format"), "an invalid name is a reference error (%s)",
	   msg ? msg : "");
	free(msg);
	{
		cleanup_berr berr_t e2 = NULL;
		struct image *img = NULL;
		ok(image_find(&b, "nosuch:tag", &img, &e2) < 0 && e2->status == 125, "image_find's miss exits 125");
	}

	/* A name that looks like an id prefix wins over the id. */
	{
		cleanup_free char *p = xstrndup(c + 7, 8);
		ok(image_tag(&b, a, p, &err) == 0, "tag image a with image c's id prefix as its name");
		id = resolve(p, &msg);
		is_str(id, a, "the name wins over the id prefix");
		free(id);
	}

	/* Ambiguous prefixes: two ids made to share one. */
	berth_db(&b, &db, &err);
	db_exec(db,
		"INSERT INTO images(id, config, created, size, added) VALUES "
		"('sha256:abcdef0000000000000000000000000000000000000000000000000000000001', '{}', 0, 0, 0),"
		"('sha256:abcdef0000000000000000000000000000000000000000000000000000000002', '{}', 0, 0, 0)",
		&err);
	id = resolve("abcdef", &msg);
	ok(!id && msg && strstr(msg, "ambiguous"), "a prefix two ids share is ambiguous (%s)", msg ? msg : "");
	free(msg);
	id = resolve("abcdef0000000000000000000000000000000000000000000000000000000002", &msg);
	ok(id && str_has_suffix(id, "2"), "the full id still finds one of them");
	free(id);

	/* name@digest through repo_digests (pulled images). */
	db_exec(db,
		"INSERT INTO repo_digests VALUES ('docker.io/library/busybox@sha256:"
		"1111111111111111111111111111111111111111111111111111111111111111', "
		"(SELECT image_id FROM tags WHERE name = 'docker.io/library/busybox:latest'))",
		&err);
	id = resolve("busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111", &msg);
	is_str(id, a, "name@digest");
	free(id);
	{
		struct image *img = NULL;
		ok(image_find(&b, "busybox", &img, &err) == 0, "image_find loads it");
		ok(img && img->repo_tags && img->repo_tags[0] && strcmp(img->repo_tags[0], "busybox:latest") == 0,
		   "RepoTags are familiar");
		ok(img && img->repo_digests && img->repo_digests[0] &&
			   str_has_prefix(img->repo_digests[0], "busybox@sha256:1111"),
		   "RepoDigests are familiar");
		image_free(img);
	}
}

static void test_config(void)
{
	cleanup_berr berr_t err = NULL;
	json_error_t jerr;
	struct image *img = xcalloc(1, sizeof(*img));
	json_t *cfg = json_loads(
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05.123456789+01:00\","
		"\"config\":{\"Cmd\":[],\"Entrypoint\":null,\"Env\":[\"A=1\"],\"ExposedPorts\":{\"80/tcp\":{},"
		"\"53/udp\":{}},\"Volumes\":{\"/data\":{}},\"Labels\":{\"k\":\"v\"},\"WorkingDir\":\"/w\",\"User\":\"1:2\","
		"\"StopSignal\":\"SIGINT\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
		"\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		"\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"]}}",
		0, &jerr);

	ok(image_from_config("sha256:x", cfg, img, &err) == 0, "a full config parses");
	ok(img->config.cmd && img->config.cmd[0] == NULL, "Cmd [] is set but empty");
	ok(img->config.entrypoint == NULL, "Entrypoint null is unset");
	is_str(img->config.env[0], "A=1", "Env");
	is_str(img->config.exposed_ports[0], "53/udp", "ExposedPorts sorted (53/udp first)");
	is_str(img->config.exposed_ports[1], "80/tcp", "then 80/tcp");
	is_str(img->config.volumes[0], "/data", "Volumes");
	is_str(json_string_value(json_object_get(img->config.labels, "k")), "v", "Labels");
	is_str(img->config.working_dir, "/w", "WorkingDir");
	is_str(img->config.user, "1:2", "User");
	is_str(img->config.stop_signal, "SIGINT", "StopSignal");
	ok(img->config.healthcheck != NULL, "Healthcheck kept as JSON");
	is_int(img->created, 1704161045, "created honours the +01:00 offset (02:04:05Z)");
	is_int(img->n_layers, 2, "two layers");
	is_str(img->chain_ids[0], img->diff_ids[0], "the first chain id is the first diff id");
	{
		char want[DIGEST_LEN];
		const char *s = "sha256:1111111111111111111111111111111111111111111111111111111111111111 "
				"sha256:2222222222222222222222222222222222222222222222222222222222222222";
		sha256_digest(s, strlen(s), want);
		is_str(img->chain_ids[1], want, "chain id 2 = sha256(chain 1 + \" \" + diff 2)");
	}
	image_free(img);
	json_decref(cfg);

	img = xcalloc(1, sizeof(*img));
	cfg = json_loads("{\"config\":{\"Cmd\":\"sh\"},\"rootfs\":{\"diff_ids\":[\"md5:x\"]}}", 0, &jerr);
	ok(image_from_config("sha256:x", cfg, img, &err) < 0 && strstr(err->msg, "diff_ids[0]"),
	   "a diff id that is not sha256 is refused");
	image_free(img);
	json_decref(cfg);
	berr_free(&err);

	img = xcalloc(1, sizeof(*img));
	cfg = json_loads("{\"config\":{\"Cmd\":\"sh -c x\"}}", 0, &jerr);
	ok(image_from_config("sha256:x", cfg, img, &err) == 0 && img->config.cmd && img->config.cmd[0] &&
		   !img->config.cmd[1],
	   "a bare-string Cmd (old configs) is one element");
	ok(img->config.env == NULL && img->n_layers == 0, "no Env, no layers");
	image_free(img);
	json_decref(cfg);
}

static void emit_count(void *ctx, const char *what, const char *name)
{
	(void)what;
	(void)name;
	(*(int *)ctx)++;
}

static void test_conflicts(void)
{
	cleanup_berr berr_t err = NULL;
	cleanup_free char *id = add_image("{\"config\":{\"Cmd\":[\"x\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
	cleanup_free char *user = NULL;
	sqlite3 *db;
	int n = 0;

	image_tag(&b, id, "used:1", &err);
	ok(image_used_by_container(&b, id, false) == NULL, "no containers table: nobody uses it");
	berth_db(&b, &db, &err);
	/* Integration (runtime branch): the real containers table exists once
	 * the runtime's migration is in; the stand-in is only made without it,
	 * and the row names its columns. */
	db_exec(db, "CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT, image_id TEXT, state TEXT)",
		&err);
	{
		cleanup_free char *sql = xasprintf("INSERT INTO containers (id, name, image_id, state) VALUES "
						   "('c0ffee0000000000000000000000000000000000000000000000000000000000', "
						   "'web', '%s', 'exited')",
						   id);
		db_exec(db, sql, &err);
	}
	user = image_used_by_container(&b, id, false);
	ok(user && str_has_prefix(user, "c0ffee"), "a stopped container uses it");
	ok(image_remove(&b, "used:1", false, true, emit_count, &n, &err) < 0 &&
		   strstr(err->msg, "unable to remove repository reference \"used:1\" (must force) - container c0ffee000000"),
	   "rmi of its last name is refused: %s", err ? err->msg : "");
	is_int(err ? err->status : 0, 1, "with exit status 1");
	berr_free(&err);
	{
		cleanup_free char *sid = xstrndup(id + 7, 12);
		ok(image_remove(&b, sid, false, true, emit_count, &n, &err) < 0 &&
			   strstr(err->msg, "(must be forced) - image is being used by stopped container c0ffee000000"),
		   "rmi by id: must be forced");
		berr_free(&err);
	}
	db_exec(db, "UPDATE containers SET state = 'running'", &err);
	{
		cleanup_free char *sid = xstrndup(id + 7, 12);
		ok(image_remove(&b, sid, true, true, emit_count, &n, &err) < 0 &&
			   strstr(err->msg, "(cannot be forced) - image is being used by running container"),
		   "a running container's image cannot be forced out");
		berr_free(&err);
	}
	db_exec(db, "UPDATE containers SET state = 'exited'", &err);
	n = 0;
	ok(image_remove(&b, "used:1", true, true, emit_count, &n, &err) == 0, "rmi -f of the name works");
	is_int(n, 1, "it only untags: the image stays while the container needs its layers");
	{
		struct image *img = NULL;
		ok(image_get(&b, id, &img, &err) == 0, "the image is still there, untagged");
		image_free(img);
	}
}

int main(void)
{
	char top[] = "/tmp/berth-imagetest.XXXXXX";
	cleanup_berr berr_t err = NULL;

	if (!mkdtemp(top))
		return 1;
	b.root = top;
	test_find();
	test_config();
	test_conflicts();
	db_close(b.db);
	remove_tree(top, &err);
	return done_testing();
}
