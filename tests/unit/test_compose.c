/* test_compose.c: the compose loader's tables — interpolation (after
 * compose-go's template tests), merging of several files (the compose
 * spec's merge rules), validation messages with positions, and the small
 * parsers (durations, sizes, ports, shell words, project names). */
#define _GNU_SOURCE
#include "tap.h"
#include "../../engine/core/compose.h"
#include "../../engine/core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct compose_env env;

static void interp_ok(const char *in, const char *want)
{
	char *out = NULL, *why = NULL;
	int r = compose_interpolate(in, &env, &out, &why);
	ok(r == 0, "interpolate %s succeeds%s%s", in, why ? ": " : "", why ? why : "");
	if (r == 0)
		is_str(out, want, "interpolate %s", in);
	free(out);
	free(why);
}

static void interp_err(const char *in, const char *want)
{
	char *out = NULL, *why = NULL;
	int r = compose_interpolate(in, &env, &out, &why);
	ok(r < 0, "interpolate %s fails", in);
	if (r < 0)
		ok(strstr(why, want) != NULL, "interpolate %s: \"%s\" says \"%s\"", in, why, want);
	free(out);
	free(why);
}

static struct ynode *parse(const char *y)
{
	struct ynode *n = NULL;
	berr_t err = NULL;
	if (yaml_load(y, strlen(y), "t.yaml", &n, &err) < 0) {
		fprintf(stderr, "# %s\n", err->msg);
		berr_free(&err);
		return NULL;
	}
	return n;
}

/* base + override → the merged tree's services.<svc>.<key> as YAML */
static void merge_case(const char *base, const char *over, const char *svc, const char *key, const char *want)
{
	struct ynode *a = parse(base), *b = parse(over);
	compose_premerge_normalise(a);
	compose_premerge_normalise(b);
	compose_merge_files(a, b);
	struct ynode *v = ynode_get(ynode_get(ynode_get(a, "services"), svc), key);
	char *got = v ? compose_emit_string(v) : xstrdup("(none)\n");
	is_str(got, want, "merge %s.%s", svc, key);
	free(got);
	ynode_free(a);
}

static void invalid(const char *y, const char *want)
{
	struct ynode *n = parse(y);
	berr_t err = NULL;
	int r = n ? compose_validate_file(n, "compose.yaml", &err) : 0;
	ok(r < 0, "invalid: %s", want);
	if (r < 0) {
		is_str(err->msg, want, "message");
		is_int(err->status, 1, "exit 1");
	}
	berr_free(&err);
	ynode_free(n);
}

static void valid(const char *y, const char *what)
{
	struct ynode *n = parse(y);
	berr_t err = NULL;
	int r = n ? compose_validate_file(n, "compose.yaml", &err) : -1;
	ok(r == 0, "valid: %s%s%s", what, err ? ": " : "", err ? err->msg : "");
	berr_free(&err);
	ynode_free(n);
}

/* Load a project from a directory holding the given files. */
static struct compose_project *load_dir(const char *dir, char **files, const char *pname, berr_t *err)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	if (chdir(dir) < 0)
		return NULL;
	struct compose_options o = {0};
	o.files = files;
	o.project_name = pname;
	struct compose_project *p = NULL;
	if (compose_load(&o, &p, err) < 0)
		p = NULL;
	if (chdir(cwd) < 0)
		return NULL;
	return p;
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	berr_t err = NULL;
	if (write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
		berr_free(&err);
	free(path);
}

int main(void)
{
	compose_env_set(&env, "FOO", "first", true);
	compose_env_set(&env, "BAR", "", true);
	compose_env_set(&env, "N", "3", true);

	/* interpolation, as compose-go's template_test.go */
	interp_ok("${FOO}", "first");
	interp_ok("$FOO", "first");
	interp_ok("pre ${FOO} post", "pre first post");
	interp_ok("$FOO-$N", "first-3");
	interp_ok("${UNSET}", "");
	interp_ok("${FOO:-def}", "first");
	interp_ok("${UNSET:-def}", "def");
	interp_ok("${BAR:-def}", "def");
	interp_ok("${BAR-def}", "");
	interp_ok("${UNSET-def}", "def");
	interp_ok("${FOO:+alt}", "alt");
	interp_ok("${BAR:+alt}", "");
	interp_ok("${BAR+alt}", "alt");
	interp_ok("${UNSET+alt}", "");
	interp_ok("${FOO:?must}", "first");
	interp_ok("${BAR?must}", "");
	interp_ok("$$", "$");
	interp_ok("$${FOO}", "${FOO}");
	interp_ok("$$FOO", "$FOO");
	interp_ok("${UNSET:-${FOO}}", "first");
	interp_ok("${UNSET:-${UNSET2:-deep}}", "deep");
	interp_ok("${UNSET:-a b c}", "a b c");
	interp_ok("${UNSET:-}", "");
	interp_ok("cost $ 5", "cost $ 5");
	interp_ok("no vars", "no vars");
	interp_err("${UNSET:?must be set}", "required variable UNSET is missing a value: must be set");
	interp_err("${BAR:?}", "required variable BAR is missing a value");
	interp_err("${UNSET?}", "required variable UNSET");
	interp_err("${", "invalid interpolation format");
	interp_err("${FOO", "missing closing brace");
	interp_err("${}", "invalid interpolation format");
	interp_err("${ FOO}", "invalid interpolation format");
	interp_err("${FOO:x}", "invalid interpolation format");
	interp_err("${9a}", "invalid interpolation format");

	/* .env files */
	{
		struct compose_env e = {0};
		berr_t err = NULL;
		const char *text = "# comment\nA=1\nexport B=two words\nC='single $A'\nD=\"dq ${A}\\n\"\nE=x #c\nF=\n  G = spaced\n";
		ok(compose_env_parse(&e, text, ".env", true, &err) == 0, ".env parses");
		is_str(compose_env_get(&e, "A"), "1", ".env A");
		is_str(compose_env_get(&e, "B"), "two words", ".env export B");
		is_str(compose_env_get(&e, "C"), "single $A", ".env single quotes are literal");
		is_str(compose_env_get(&e, "D"), "dq 1\n", ".env double quotes expand and escape");
		is_str(compose_env_get(&e, "E"), "x", ".env inline comment");
		is_str(compose_env_get(&e, "F"), "", ".env empty value");
		is_str(compose_env_get(&e, "G"), "spaced", ".env spaces around =");
		ok(compose_env_parse(&e, "BAD KEY=1\n", ".env", true, &err) < 0, ".env bad key refused");
		berr_free(&err);
		ok(compose_env_parse(&e, "Q=\"open\n", ".env", true, &err) < 0, ".env unterminated quote refused");
		berr_free(&err);
		compose_env_free(&e);
	}

	/* merge, per the compose spec */
	merge_case("services: {a: {image: x:1}}", "services: {a: {image: x:2}}", "a", "image", "x:2\n");
	merge_case("services: {a: {image: x, command: [a, b]}}", "services: {a: {command: [c]}}", "a", "command",
		   "- c\n");
	merge_case("services: {a: {image: x, environment: [A=1, B=2]}}", "services: {a: {environment: {B: 3, C: 4}}}",
		   "a", "environment", "A: \"1\"\nB: 3\nC: 4\n");
	merge_case("services: {a: {image: x, labels: {l: 1}}}", "services: {a: {labels: [m=2]}}", "a", "labels",
		   "l: 1\nm: \"2\"\n");
	merge_case("services: {a: {image: x, ports: ['80:80']}}", "services: {a: {ports: ['80:80', '443:443']}}", "a",
		   "ports", "- \"80:80\"\n- \"443:443\"\n");
	merge_case("services: {a: {image: x, volumes: ['./a:/data', 'v:/keep']}}",
		   "services: {a: {volumes: ['./b:/data']}}", "a", "volumes", "- ./b:/data\n- v:/keep\n");
	merge_case("services: {a: {image: x, depends_on: [b]}}",
		   "services: {a: {depends_on: {c: {condition: service_healthy}}}}", "a", "depends_on",
		   "b:\nc:\n  condition: service_healthy\n");
	merge_case("services: {a: {image: x, healthcheck: {test: [CMD, a], interval: 5s}}}",
		   "services: {a: {healthcheck: {test: [CMD, b]}}}", "a", "healthcheck",
		   "interval: 5s\ntest:\n- CMD\n- b\n");
	merge_case("services: {a: {image: x}}", "services: {b: {image: y}}", "b", "image", "y\n");
	merge_case("services: {a: {image: x, cap_add: [NET_ADMIN]}}", "services: {a: {cap_add: [SYS_TIME, NET_ADMIN]}}",
		   "a", "cap_add", "- NET_ADMIN\n- SYS_TIME\n");
	merge_case("services: {a: {image: x, networks: [front]}}", "services: {a: {networks: {back: {aliases: [b]}}}}",
		   "a", "networks", "back:\n  aliases:\n  - b\nfront:\n");
	merge_case("services: {a: {image: x, build: {context: ., args: [A=1]}}}",
		   "services: {a: {build: {args: {B: 2}}}}", "a", "build", "args:\n  A: \"1\"\n  B: 2\ncontext: .\n");

	/* validation with positions */
	invalid("services:\n  web:\n    image: x\n    ports:\n      - \"80:80:80\"\n",
		"compose.yaml:5:9: services.web.ports[0]: invalid port \"80:80:80\"");
	invalid("services:\n  web:\n    image: x\n    ports: [\"99999:80\"]\n",
		"compose.yaml:4:13: services.web.ports[0]: invalid port \"99999:80\"");
	invalid("services:\n  web:\n    image: x\n    ports: [\"80/xyz\"]\n",
		"compose.yaml:4:13: services.web.ports[0]: invalid proto \"xyz\"");
	invalid("services:\n  web:\n    image: x\n    ports: [\"8000-8002:80-81\"]\n",
		"compose.yaml:4:13: services.web.ports[0]: invalid port \"8000-8002:80-81\"");
	invalid("services:\n  web:\n    image: x\n    imagee: y\n",
		"compose.yaml:4:5: services.web: additional property \"imagee\" is not allowed");
	invalid("servics: {}\n", "compose.yaml:1:1: (root): additional property \"servics\" is not allowed");
	invalid("services:\n  web:\n    image: [x]\n", "compose.yaml:3:12: services.web.image: must be a string, not a list");
	invalid("services:\n  web:\n    image: x\n    ports: 80\n", "compose.yaml:4:12: services.web.ports: must be a list, not a string");
	invalid("services:\n  web:\n    image: x\n    privileged: maybe\n",
		"compose.yaml:4:17: services.web.privileged: must be a boolean");
	invalid("services:\n  web:\n    image: x\n    scale: two\n", "compose.yaml:4:12: services.web.scale: must be an integer");
	invalid("services:\n  web:\n    image: x\n    stop_grace_period: 10\n",
		"compose.yaml:4:24: services.web.stop_grace_period: invalid duration \"10\"");
	invalid("services:\n  web:\n    image: x\n    healthcheck:\n      interval: 1x\n",
		"compose.yaml:5:17: services.web.healthcheck.interval: invalid duration \"1x\"");
	invalid("services:\n  web:\n    image: x\n    healthcheck:\n      intervl: 1s\n",
		"compose.yaml:5:7: services.web.healthcheck: additional property \"intervl\" is not allowed");
	invalid("services:\n  web:\n    image: x\n    mem_limit: 1zb\n",
		"compose.yaml:4:16: services.web.mem_limit: invalid size \"1zb\"");
	invalid("services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: lots\n",
		"compose.yaml:7:19: services.web.deploy.resources.limits.memory: invalid size \"lots\"");
	invalid("services:\n  web:\n    image: x\n    volumes: [\"a:b:c:d\"]\n",
		"compose.yaml:4:15: services.web.volumes[0]: invalid volume specification: \"a:b:c:d\"");
	invalid("services:\n  web:\n    image: x\n    volumes: [\"data:rel\"]\n",
		"compose.yaml:4:15: services.web.volumes[0]: invalid volume specification: \"data:rel\": the target must be an absolute path");
	invalid("services:\n  web:\n    image: x\n    volumes: [{type: weird, target: /x}]\n",
		"compose.yaml:4:15: services.web.volumes[0]: invalid mount type \"weird\"");
	invalid("services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_done\n",
		"compose.yaml:6:20: services.web.depends_on.db: invalid condition \"service_done\"");
	invalid("services:\n  web:\n    image: x\n    ports: [[1]]\n",
		"compose.yaml:4:13: services.web.ports[0]: must be a string or a mapping");
	invalid("services:\n  web:\n    image: x\n    ports: [{published: 80}]\n",
		"compose.yaml:4:13: services.web.ports[0]: target is required");
	invalid("services:\n  web:\n    image: x\n    volumes: [{target: /x}]\n",
		"compose.yaml:4:15: services.web.volumes[0]: type is required");
	invalid("services:\n  web:\n    image: x\n    ulimits:\n      nofile: many\n",
		"compose.yaml:5:15: services.web.ulimits.nofile: must be an integer or {soft, hard}");
	invalid("services:\n  web:\n    image: x\n    networks: front\n",
		"compose.yaml:4:15: services.web.networks: must be a list or a mapping, not a string");
	invalid("services:\n  web:\n    image: x\n    networks:\n      front: [1]\n",
		"compose.yaml:5:14: services.web.networks.front: must be a mapping, not a list");
	invalid("services:\n  web:\n    image: x\n    secrets: [[s]]\n",
		"compose.yaml:4:15: services.web.secrets[0]: must be a string or a mapping");
	invalid("services:\n  web:\n    image: x\n    restart: sometimes\n",
		"compose.yaml:4:14: services.web.restart: invalid restart policy \"sometimes\"");
	invalid("services:\n  web:\n    image: x\n    environment: 3\n",
		"compose.yaml:4:18: services.web.environment: must be a mapping or a list, not a string");
	invalid("services:\n  web:\n    image: x\n    environment:\n      A: [1]\n",
		"compose.yaml:5:10: services.web.environment.A: must be a string, number, boolean or null");
	invalid("services:\n  web:\n    image: x\n    ulimits:\n      nofile: {soft: a}\n",
		"compose.yaml:5:22: services.web.ulimits.nofile.soft: must be an integer");
	invalid("services:\n  web: [x]\n", "compose.yaml:2:8: services.web: must be a mapping, not a list");
	invalid("services:\n  web:\n    image: x\nvolumes:\n  data:\n    drivr: local\n",
		"compose.yaml:6:5: volumes.data: additional property \"drivr\" is not allowed");
	invalid("services:\n  \"we b\":\n    image: x\n", "compose.yaml:2:3: services: invalid service name \"we b\"");
	valid("version: '3.8'\nservices:\n  web:\n    image: x\n    x-custom: 1\nx-common: &c {a: 1}\n", "version and x- keys");
	valid("services:\n  web:\n    image: x\n    ports: [80, \"8080:80\", \"127.0.0.1:81:81/udp\", \"[::1]:82:82\", \"9000-9001:9000-9001\", {target: 80, published: 8081}]\n",
	      "every port syntax");
	valid("services:\n  web:\n    image: x\n    volumes: [/anon, \"data:/d:ro\", \"./src:/s:rw,z\", {type: tmpfs, target: /t, tmpfs: {size: 10m}}]\n",
	      "every volume syntax");
	valid("services:\n  web:\n    image: x\n    healthcheck: {test: [CMD, true], interval: 1m30s, timeout: 500ms, retries: 3}\n    stop_grace_period: 1h2m3s\n",
	      "durations");

	/* durations, sizes */
	long long ns = 0, by = 0;
	ok(compose_parse_duration("1m30s", &ns) == 0 && ns == 90000000000LL, "1m30s");
	ok(compose_parse_duration("1.5s", &ns) == 0 && ns == 1500000000LL, "1.5s");
	ok(compose_parse_duration("500ms", &ns) == 0 && ns == 500000000LL, "500ms");
	ok(compose_parse_duration("0", &ns) == 0 && ns == 0, "0");
	ok(compose_parse_duration("10", &ns) < 0, "10 without a unit");
	ok(compose_parse_duration("1d", &ns) < 0, "1d");
	ok(compose_parse_duration("", &ns) < 0, "empty duration");
	ok(compose_parse_duration("s", &ns) < 0, "a unit alone");
	char *d = compose_format_duration(90000000000LL);
	is_str(d, "1m30s", "format 1m30s");
	free(d);
	d = compose_format_duration(3723000000000LL);
	is_str(d, "1h2m3s", "format 1h2m3s");
	free(d);
	d = compose_format_duration(500000000LL);
	is_str(d, "500ms", "format 500ms");
	free(d);
	d = compose_format_duration(1500000000LL);
	is_str(d, "1.5s", "format 1.5s");
	free(d);
	ok(compose_parse_size("512m", &by) == 0 && by == 536870912LL, "512m");
	ok(compose_parse_size("1gb", &by) == 0 && by == 1073741824LL, "1gb");
	ok(compose_parse_size("1024", &by) == 0 && by == 1024, "1024");
	ok(compose_parse_size("1.5k", &by) == 0 && by == 1536, "1.5k");
	ok(compose_parse_size("12q", &by) < 0, "12q");
	ok(compose_parse_size("-1m", &by) < 0, "-1m");
	ok(compose_parse_size("m", &by) < 0, "m alone");

	/* ports */
	{
		struct compose_port *pp;
		size_t n;
		char *why = NULL;
		ok(compose_port_parse("127.0.0.1:8080:80/udp", &pp, &n, &why) == 0 && n == 1, "ip:host:container/udp");
		is_str(pp[0].host_ip, "127.0.0.1", "host ip");
		is_str(pp[0].published, "8080", "published");
		is_int(pp[0].target, 80, "target");
		is_str(pp[0].protocol, "udp", "protocol");
		compose_ports_free(pp, n);
		ok(compose_port_parse("3000-3002", &pp, &n, &why) == 0 && n == 3 && !pp[0].published, "a range, unpublished");
		compose_ports_free(pp, n);
		ok(compose_port_parse("80:80:80", &pp, &n, &why) < 0, "80:80:80 refused");
		free(why);
		why = NULL;
		ok(compose_port_parse("0:80", &pp, &n, &why) == 0, "host port 0 = any");
		compose_ports_free(pp, n);
		ok(compose_port_parse("80:0", &pp, &n, &why) < 0, "container port 0 refused");
		free(why);
	}

	/* shell words */
	{
		char **v;
		size_t n;
		ok(compose_shell_split("sh -c 'echo \"hi there\"' a\\ b \"x y\"", &v, &n) == 0 && n == 5, "shell split");
		is_str(v[2], "echo \"hi there\"", "single quotes");
		is_str(v[3], "a b", "backslash space");
		is_str(v[4], "x y", "double quotes");
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		ok(compose_shell_split("echo 'open", &v, &n) < 0, "unterminated quote");
	}

	/* project names */
	{
		char *s = compose_normalise_name("My App.v2");
		is_str(s, "myappv2", "normalised name");
		free(s);
		s = compose_normalise_name("-_x");
		is_str(s, "x", "leading - and _ dropped");
		free(s);
	}

	/* whole projects from disk */
	{
		char tmpl[] = "/tmp/test_compose.XXXXXX";
		char *dir = mkdtemp(tmpl);
		berr_t err = NULL;
		put(dir, "compose.yaml",
		    "name: Fancy_Name\nservices:\n  web:\n    image: \"busybox:${TAG:-1}\"\n    environment: [A=1]\n    profiles: [debug]\n  db:\n    image: busybox\n    extends: {service: common}\n  common:\n    image: base\n    environment: {FROM_BASE: yes}\n");
		put(dir, "compose.override.yaml", "services:\n  db:\n    environment:\n      EXTRA: ${EXTRA}\n");
		put(dir, ".env", "EXTRA=from-dotenv\nTAG=2\n");
		unsetenv("COMPOSE_PROJECT_NAME");
		unsetenv("EXTRA");
		setenv("TAG", "from-shell", 1);
		struct compose_project *p = load_dir(dir, NULL, NULL, &err);
		ok(p != NULL, "project loads%s%s", err ? ": " : "", err ? err->msg : "");
		if (p) {
			is_str(p->name, "fancy_name", "name: normalised");
			struct ynode *svcs = ynode_get(p->model, "services");
			ok(ynode_get(svcs, "web") == NULL, "a service behind a profile is inactive");
			struct ynode *db = ynode_get(svcs, "db");
			is_str(ynode_str(ynode_get(db, "environment"), "EXTRA"), "from-dotenv", "override file + .env");
			is_str(ynode_str(ynode_get(db, "environment"), "FROM_BASE"), "yes", "extends brought the base's keys");
			is_str(ynode_str(db, "image"), "busybox", "extends: the service's own image wins");
			is_int(p->nfiles, 2, "the override file is loaded");
			compose_project_free(p);
		}
		berr_free(&err);
		char *files[] = {"compose.yaml", NULL};
		p = load_dir(dir, files, "other", &err);
		ok(p && strcmp(p->name, "other") == 0, "-p wins over name:");
		if (p)
			ok(ynode_str(ynode_get(ynode_get(ynode_get(p->model, "services"), "db"), "environment"), "EXTRA") == NULL,
			   "-f without the override file");
		compose_project_free(p);
		berr_free(&err);
		p = load_dir(dir, files, "Bad Name", &err);
		ok(p == NULL && err && strstr(err->msg, "invalid project name"), "-p must already be a valid name");
		berr_free(&err);
		put(dir, "two.yaml", "services:\n  db:\n    volumes: [\"data:/x\"]\n");
		char *files2[] = {"compose.yaml", "two.yaml", NULL};
		p = load_dir(dir, files2, NULL, &err);
		ok(p == NULL && err && strcmp(err->msg, "two.yaml:3:15: services.db.volumes[0]: service \"db\" refers to undefined volume data") == 0,
		   "an undefined volume names the file that used it: %s", err ? err->msg : "");
		berr_free(&err);
		put(dir, "inc.yaml", "include: [compose.yaml]\nservices:\n  extra:\n    image: e\n");
		char *files3[] = {"inc.yaml", NULL};
		p = load_dir(dir, files3, NULL, &err);
		ok(p && ynode_get(ynode_get(p->model, "services"), "db") && ynode_get(ynode_get(p->model, "services"), "extra"),
		   "include brings another file's services");
		compose_project_free(p);
		berr_free(&err);
		char *cmd = xasprintf("rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# cleanup failed\n");
		free(cmd);
	}
	compose_env_free(&env);
	return done_testing();
}
