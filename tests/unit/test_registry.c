/* test_registry.c: the parsers in front of the network and the files
 * registries involve: WWW-Authenticate challenges, token answers, base64
 * credentials, docker's config.json, berth's daemon.json, the plain-HTTP
 * rules, login server names and docker's progress formatting. */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/auth.h"
#include "../../engine/core/config.h"
#include "../../engine/core/oci.h"
#include "../../engine/core/progress.h"
#include "../../engine/core/registry.h"
#include "../../engine/core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse(const char *h, struct auth_challenge **c, size_t *n)
{
	berr_t err = NULL;
	int r = auth_parse_challenges(h, strlen(h), c, n, &err);
	berr_free(&err);
	return r;
}

static void test_challenges(void)
{
	struct auth_challenge *c;
	size_t n;

	ok(parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		 "scope=\"repository:library/busybox:pull\"",
		 &c, &n) == 0 && n == 1,
	   "Docker Hub's Bearer challenge parses");
	is_int(c[0].scheme, AUTH_BEARER, "its scheme is Bearer");
	is_str(c[0].realm, "https://auth.docker.io/token", "realm");
	is_str(c[0].service, "registry.docker.io", "service");
	is_str(c[0].scope, "repository:library/busybox:pull", "scope");
	auth_challenges_free(c, n);

	ok(parse("Basic realm=\"basic-realm\"", &c, &n) == 0 && n == 1 && c[0].scheme == AUTH_BASIC &&
		   strcmp(c[0].realm, "basic-realm") == 0,
	   "docker-registry's Basic challenge parses");
	auth_challenges_free(c, n);

	ok(parse("bEaReR REALM=\"http://t/token\" , Service = reg", &c, &n) == 0 && c[0].scheme == AUTH_BEARER &&
		   strcmp(c[0].realm, "http://t/token") == 0 && strcmp(c[0].service, "reg") == 0,
	   "schemes and names are case-insensitive; tokens need no quotes; spaces around = are allowed");
	auth_challenges_free(c, n);

	ok(parse("Negotiate abc==, Basic realm=\"a, b\", Bearer realm=\"x\",scope=\"s\"", &c, &n) == 0 && n == 3,
	   "several challenges in one header, a token68 and a comma inside quotes");
	ok(n == 3 && c[0].scheme == AUTH_OTHER && c[1].scheme == AUTH_BASIC && strcmp(c[1].realm, "a, b") == 0 &&
		   c[2].scheme == AUTH_BEARER && strcmp(c[2].scope, "s") == 0,
	   "each challenge keeps its own parameters");
	auth_challenges_free(c, n);

	ok(parse("Bearer realm=\"a\\\"b\\\\c\"", &c, &n) == 0 && strcmp(c[0].realm, "a\"b\\c") == 0,
	   "quoted-pair escapes are undone");
	auth_challenges_free(c, n);

	ok(parse("Bearer realm=\"x\",error=\"insufficient_scope\",scope=\"repository:a:pull,push\"", &c, &n) == 0 &&
		   strcmp(c[0].error, "insufficient_scope") == 0 && strcmp(c[0].scope, "repository:a:pull,push") == 0,
	   "error and a scope with a comma in quotes");
	auth_challenges_free(c, n);

	ok(parse("Bearer", &c, &n) == 0 && n == 1 && c[0].realm == NULL, "a bare scheme has no realm");
	auth_challenges_free(c, n);

	static const char *const bad[] = {
		"", "   ", "Bearer realm=\"unterminated", "Bearer realm=http://unquoted/url", "Bearer realm=\"a\"b", "=x", "Bearer realm=\"a\" junk",
		"Bearer realm=\"a\", realm=\"b\"", "Bearer realm=\"\x01\"", "\"quoted\" scheme", "Bearer realm=a;b",
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		c = NULL;
		n = 0;
		ok(parse(bad[i], &c, &n) < 0 && c == NULL, "refused: \"%s\"", bad[i]);
	}
	{
		char big[AUTH_HEADER_MAX + 10];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ok(parse(big, &c, &n) < 0, "a header over %d bytes is refused", AUTH_HEADER_MAX);
	}
	{
		berr_t err = NULL;
		ok(auth_parse_challenges("Basic\0x", 7, &c, &n, &err) < 0, "a NUL byte is refused");
		berr_free(&err);
	}
	{
		/* More challenges than anyone sends. */
		char many[2048] = "";
		for (int i = 0; i < 40; i++)
			strcat(many, "Basic, ");
		ok(parse(many, &c, &n) < 0, "more than 16 challenges are refused");
	}
}

static void test_tokens(void)
{
	char *t;
	long exp;
	berr_t err = NULL;

	const char *tj = "{\"token\":\"abc.def-ghi\",\"expires_in\":300}";
	ok(auth_parse_token(tj, strlen(tj), &t, &exp, &err) == 0 &&
		   strcmp(t, "abc.def-ghi") == 0 && exp == 300,
	   "token and expires_in");
	free(t);
	ok(auth_parse_token("{\"access_token\":\"xyz\"}", 22, &t, &exp, &err) == 0 && strcmp(t, "xyz") == 0 &&
		   exp == 60,
	   "access_token when token is absent; 60 s by default");
	free(t);
	static const char *const bad[] = {
		"", "[]", "{}", "{\"token\":\"\"}", "{\"token\":5}", "{\"token\":\"a b\"}", "{\"token\":\"a\\r\\nX: y\"}",
		"{\"token\":\"a\\\"b\"}", "not json", NULL,
	};
	for (int i = 0; bad[i]; i++) {
		t = NULL;
		ok(auth_parse_token(bad[i], strlen(bad[i]), &t, &exp, &err) < 0 && t == NULL, "token refused: %s",
		   bad[i]);
		berr_free(&err);
	}
}

static void test_base64(void)
{
	char *u, *p, *e;
	berr_t err = NULL;

	e = auth_basic_encode("alice", "s3cret");
	is_str(e, "YWxpY2U6czNjcmV0", "user:pass in base64");
	ok(auth_basic_decode(e, &u, &p, &err) == 0 && strcmp(u, "alice") == 0 && strcmp(p, "s3cret") == 0,
	   "and back");
	free(e);
	free(u);
	free(p);
	e = auth_basic_encode("bob", "a:b:c");
	ok(auth_basic_decode(e, &u, &p, &err) == 0 && strcmp(p, "a:b:c") == 0, "a password may hold ':'");
	free(e);
	free(u);
	free(p);
	static const char *const bad[] = {"", "abc", "YWxpY2U", "YWxp!2U6", "YWxpY2U=", "=AAA", "AA=A", NULL};
	for (int i = 0; bad[i]; i++) {
		ok(auth_basic_decode(bad[i], &u, &p, &err) < 0 && !u && !p, "base64 refused: \"%s\"", bad[i]);
		berr_free(&err);
	}
}

static void test_config_json(void)
{
	struct auth_cred c;
	bool found;
	berr_t err = NULL;
	const char *j = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
			"\"http://localhost:5000/v2/\":{\"auth\":\"YTpi\"},"
			"\"old.example\":{\"username\":\"o\",\"password\":\"p\"}}}";

	ok(auth_cred_parse(j, strlen(j), "docker.io", &c, &found, &err) == 0 && found &&
		   strcmp(c.username, "hub") == 0 && strcmp(c.password, "hubpw") == 0,
	   "Docker Hub's credentials under its v1 URL");
	auth_cred_clear(&c);
	ok(auth_cred_parse(j, strlen(j), "localhost:5000", &c, &found, &err) == 0 && found &&
		   strcmp(c.username, "a") == 0,
	   "a key written as a URL matches its host");
	auth_cred_clear(&c);
	ok(auth_cred_parse(j, strlen(j), "old.example", &c, &found, &err) == 0 && found && strcmp(c.password, "p") == 0,
	   "username/password fields of older files");
	auth_cred_clear(&c);
	ok(auth_cred_parse(j, strlen(j), "localhost:5001", &c, &found, &err) == 0 && !found,
	   "another port is another registry");
	ok(auth_cred_parse("", 0, "x", &c, &found, &err) == 0 && !found, "an empty file has nothing");
	static const char *const bad[] = {"[]", "{\"auths\":[]}", "{\"auths\":{\"x\":5}}", "{\"auths\":{\"x\":{\"auth\":\"%%%\"}}}",
					  "{", NULL};
	for (int i = 0; bad[i]; i++) {
		ok(auth_cred_parse(bad[i], strlen(bad[i]), "x", &c, &found, &err) < 0, "config.json refused: %s", bad[i]);
		berr_free(&err);
	}

	/* Store, read back, erase: in a file of our own. */
	char dir[] = "/tmp/berth-unit-XXXXXX";
	ok(mkdtemp(dir) != NULL, "a temporary directory");
	char *path = xasprintf("%s/sub/config.json", dir);
	struct stat st;
	ok(auth_cred_store(path, "localhost:5000", "u", "p:w", &err) == 0, "store credentials");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "config.json is mode 0600");
	ok(auth_cred_get(path, "localhost:5000", &c, &found, &err) == 0 && found && strcmp(c.password, "p:w") == 0,
	   "and they read back");
	auth_cred_clear(&c);
	ok(auth_cred_store(path, "docker.io", "h", "q", &err) == 0 && auth_cred_get(path, "index.docker.io", &c, &found,
										       &err) == 0 &&
		   found && strcmp(c.username, "h") == 0,
	   "Docker Hub's aliases share one entry");
	auth_cred_clear(&c);
	ok(auth_cred_erase(path, "localhost:5000", &found, &err) == 0 && found, "erase finds the entry");
	ok(auth_cred_get(path, "localhost:5000", &c, &found, &err) == 0 && !found, "and it is gone");
	ok(auth_cred_get(path, "docker.io", &c, &found, &err) == 0 && found, "the other one stays");
	auth_cred_clear(&c);
	ok(auth_cred_erase(path, "nothere:1", &found, &err) == 0 && !found, "erasing nothing is not an error");
	char *cmd = xasprintf("rm -rf %s", dir);
	ok(system(cmd) == 0, "cleaned up");
	free(cmd);
	free(path);
	char *key = auth_server_key("docker.io");
	is_str(key, "https://index.docker.io/v1/", "Docker Hub's key");
	free(key);
}

static void test_daemon_json(void)
{
	struct berth_config c;
	berr_t err = NULL;
	const char *j = "{\"registry-mirrors\":[\"http://127.0.0.1:5000/\"],"
			"\"insecure-registries\":[\"myreg:5000\",\"10.0.0.0/8\"],\"max-concurrent-downloads\":6,"
			"\"log-driver\":\"json-file\"}";

	ok(config_parse(j, strlen(j), "daemon.json", &c, &err) == 0, "a daemon.json with other keys too");
	is_str(c.registry_mirrors[0], "http://127.0.0.1:5000", "mirror without its trailing slash");
	is_int(c.max_concurrent_downloads, 6, "max-concurrent-downloads");
	is_int(c.max_concurrent_uploads, 5, "max-concurrent-uploads defaults to docker's 5");
	ok(config_registry_insecure(&c, "myreg:5000"), "a listed registry is plain HTTP");
	ok(!config_registry_insecure(&c, "myreg:5001"), "the same host on another port is not");
	ok(config_registry_insecure(&c, "10.1.2.3:5000"), "an address inside a listed CIDR is");
	ok(!config_registry_insecure(&c, "11.1.2.3:5000"), "one outside is not");
	ok(config_registry_insecure(&c, "localhost:5000") && config_registry_insecure(&c, "127.0.0.1:5000") &&
		   config_registry_insecure(&c, "127.8.9.10") && config_registry_insecure(&c, "[::1]:5000"),
	   "loopback is always plain HTTP");
	ok(!config_registry_insecure(&c, "registry.example.com"), "anything else is HTTPS");
	config_clear(&c);
	ok(!config_registry_insecure(NULL, "ghcr.io") && config_registry_insecure(NULL, "localhost"),
	   "with no configuration at all");

	static const char *const bad[] = {
		"[]", "{\"registry-mirrors\":\"x\"}", "{\"registry-mirrors\":[5]}",
		"{\"registry-mirrors\":[\"ftp://m\"]}", "{\"registry-mirrors\":[\"m.example\"]}",
		"{\"registry-mirrors\":[\"http://u:p@m\"]}", "{\"registry-mirrors\":[\"http://m?x=1\"]}",
		"{\"registry-mirrors\":[\"http://\"]}", "{\"insecure-registries\":[\"http://x\"]}",
		"{\"insecure-registries\":[\"10.0.0.0/99\"]}", "{\"insecure-registries\":[\"\"]}",
		"{\"max-concurrent-downloads\":0}", "{\"max-concurrent-uploads\":\"3\"}", "{\"a\":1,\"a\":2}", "{", NULL,
	};
	for (int i = 0; bad[i]; i++) {
		ok(config_parse(bad[i], strlen(bad[i]), "daemon.json", &c, &err) < 0 && strstr(err->msg, "daemon.json"),
		   "daemon.json refused, naming the file: %s", bad[i]);
		berr_free(&err);
	}
}

static void test_servers(void)
{
	char *d;
	berr_t err = NULL;
	struct berth_config none = {0};

	ok(registry_server_domain(NULL, &d, &err) == 0 && strcmp(d, "docker.io") == 0, "no server is Docker Hub");
	free(d);
	ok(registry_server_domain("https://index.docker.io/v1/", &d, &err) == 0 && strcmp(d, "docker.io") == 0,
	   "Docker Hub's v1 URL");
	free(d);
	ok(registry_server_domain("http://localhost:5000/v2/", &d, &err) == 0 && strcmp(d, "localhost:5000") == 0,
	   "a URL gives its host and port");
	free(d);
	ok(registry_server_domain("bad host", &d, &err) < 0, "spaces are refused");
	berr_free(&err);
	d = registry_base_url(&none, "localhost:5000");
	is_str(d, "http://localhost:5000", "localhost speaks plain HTTP");
	free(d);
	d = registry_base_url(&none, "ghcr.io");
	is_str(d, "https://ghcr.io", "others HTTPS");
	free(d);
	d = registry_base_url(&none, "docker.io");
	is_str(d, "https://registry-1.docker.io", "Docker Hub's API host");
	free(d);
}

#define H(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
static void test_documents(void)
{
	static const char list[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
		"\"manifests\":["
		"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" H("a") "\",\"size\":1,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
		"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" H("b") "\",\"size\":1,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
		"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" H("c") "\",\"size\":1,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" H("d") "\",\"size\":1,"
		"\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";
	static const char man[] =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" H("e") "\",\"size\":9},"
		"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" H("f") "\",\"size\":5}]}";
	struct oci_manifest m;
	char chosen[72], *mt = NULL;
	berr_t err = NULL;

	ok(registry_parse_document(list, strlen(list), "application/vnd.docker.distribution.manifest.list.v2+json",
				   "linux/arm/v7", &mt, chosen, &m, &err) == 1 &&
		   strcmp(chosen, H("b")) == 0,
	   "a docker manifest list: --platform linux/arm/v7 picks the v7 entry");
	free(mt);
	ok(registry_parse_document(list, strlen(list), NULL, "linux/armhf", &mt, chosen, &m, &err) == 1 &&
		   strcmp(chosen, H("b")) == 0,
	   "armhf is arm/v7; the body's mediaType says it is a list");
	free(mt);
	ok(registry_parse_document(list, strlen(list), NULL, "linux/aarch64", &mt, chosen, &m, &err) == 1 &&
		   strcmp(chosen, H("c")) == 0,
	   "aarch64 is arm64, whose v8 variant is the default");
	free(mt);
	ok(registry_parse_document(list, strlen(list), NULL, "linux/arm", &mt, chosen, &m, &err) == 1 &&
		   strcmp(chosen, H("a")) == 0,
	   "no variant asked for: the first arm entry");
	free(mt);
	ok(registry_parse_document(list, strlen(list), NULL, "linux/s390x", &mt, chosen, &m, &err) < 0 &&
		   strstr(err->msg, "no matching manifest for linux/s390x"),
	   "a platform the list lacks: docker's message");
	berr_free(&err);
	ok(registry_parse_document(list, strlen(list), "application/vnd.oci.image.manifest.v1+json", NULL, &mt, chosen,
				   &m, &err) < 0,
	   "served as a manifest while its body says list: refused");
	berr_free(&err);

	ok(registry_parse_document(man, strlen(man), "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
				   NULL, &mt, chosen, &m, &err) == 0 &&
		   m.n_layers == 1 && m.layers[0].size == 5 && strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") == 0,
	   "a docker schema 2 manifest, Content-Type parameters ignored");
	oci_manifest_clear(&m);
	free(mt);

	static const char *const bad[] = {
		"{\"schemaVersion\":1,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":\"" H("e") "\"},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" H("e") "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" H("f") "\"}]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:abc\",\"size\":1},\"layers\":[]}",
		"{\"mediaType\":5}", "[]", "", "{\"manifests\":5}", "{\"mediaType\":\"text/html\"}",
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		mt = NULL;
		ok(registry_parse_document(bad[i], strlen(bad[i]), NULL, NULL, &mt, chosen, &m, &err) < 0 && err && !mt,
		   "document refused: %.60s", bad[i]);
		berr_free(&err);
	}
}

static void test_progress(void)
{
	char buf[200];

	progress_human_size(527, buf, sizeof(buf));
	is_str(buf, "527B", "bytes");
	progress_human_size(32768, buf, sizeof(buf));
	is_str(buf, "32.77kB", "kB, four digits");
	progress_human_size(1234567, buf, sizeof(buf));
	is_str(buf, "1.235MB", "MB");
	progress_bar(1200000, 3400000, 200, buf, sizeof(buf));
	is_str(buf, "[=================>                                 ]    1.2MB/3.4MB",
	       "docker's bar on a wide terminal");
	progress_bar(1200000, 3400000, 80, buf, sizeof(buf));
	is_str(buf, "   1.2MB/3.4MB", "no bar on a narrow one");
	progress_bar(5, 3, 200, buf, sizeof(buf));
	ok(strstr(buf, "[==================================================>]") && !strchr(buf, '/'),
	   "a count past the total shows a full bar and no total");
}

int main(void)
{
	test_challenges();
	test_tokens();
	test_base64();
	test_config_json();
	test_daemon_json();
	test_servers();
	test_documents();
	test_progress();
	return done_testing();
}
