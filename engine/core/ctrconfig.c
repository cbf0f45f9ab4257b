/* ctrconfig.c: see ctrconfig.h. */
#define _GNU_SOURCE
#include "ctrconfig.h"
#include "caps.h"
#include "cleanup.h"
#include "units.h"
#include "seccomp.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char **json_to_strv(const json_t *a)
{
	size_t i, n;
	char **v;
	json_t *e;

	if (!a || !json_is_array(a))
		return NULL;
	n = json_array_size(a);
	v = xcalloc(n + 1, sizeof(char *));
	json_array_foreach(a, i, e) v[i] = xstrdup(json_is_string(e) ? json_string_value(e) : "");
	return v;
}

json_t *strv_to_json(char *const *v)
{
	json_t *a;
	if (!v)
		return json_null();
	a = json_array();
	for (size_t i = 0; v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **d;
	while (v && v[n])
		n++;
	d = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* docker's ReplaceOrAppendEnvValues: a later NAME=... replaces an earlier
 * one in place. */
static void env_set(char ***v, size_t *n, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < *n; i++) {
		if (strncmp((*v)[i], kv, klen) == 0 && ((*v)[i][klen] == '=' || (*v)[i][klen] == '\0')) {
			free((*v)[i]);
			(*v)[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(v, n, xstrdup(kv));
}

/* -e NAME without a value takes the host's, or nothing (docker). */
static void env_add_user(char ***v, size_t *n, const char *kv)
{
	if (strchr(kv, '=')) {
		env_set(v, n, kv);
		return;
	}
	const char *host = getenv(kv);
	if (host) {
		cleanup_free char *full = xasprintf("%s=%s", kv, host);
		env_set(v, n, full);
	}
}

static int read_env_file(const char *path, char ***v, size_t *n, berr_t *err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return berr_make(err, 0, "open %s: %s", path, errno == ENOENT ? "no such file or directory" : strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *s = line;
		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
			s[--len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (*s == '=') {
			free(line);
			return berr_make(err, 0, "invalid environment variable: %s", s);
		}
		env_add_user(v, n, s);
	}
	free(line);
	return 0;
}

static json_t *labels_json(const json_t *image_labels, char *const *user)
{
	json_t *o = image_labels && json_is_object(image_labels) ? json_deep_copy(image_labels) : json_object();
	for (size_t i = 0; user && user[i]; i++) {
		const char *eq = strchr(user[i], '=');
		cleanup_free char *k = eq ? xstrndup(user[i], (size_t)(eq - user[i])) : xstrdup(user[i]);
		json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
	}
	return o;
}

static const char *const masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
	"/sys/firmware", NULL,
};
static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

/* --security-opt values docker accepts that berth acts on. */
struct secopts {
	bool seccomp_unconfined, no_new_privs;
	char *seccomp_profile; /* a profile's JSON text, or NULL */
};

/* seccomp=PATH: docker's CLI reads the file when the container is created
 * and keeps its text in SecurityOpt as seccomp=<JSON>, so the container
 * does not depend on the file later.  Both forms are read here; `resolve`
 * (create) checks the profile and gives the entry to store. */
static int parse_seccomp(const char *val, struct secopts *s, char **stored, berr_t *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	const char *name = val;

	if (val[0] == '{') {
		text = xstrdup(val);
		len = strlen(text);
		name = "(inline)";
	} else if (read_file(val, &text, &len, err) < 0) {
		return berr_make(err, (*err)->errnum, "opening seccomp profile (%s) failed", val);
	} else if (memchr(text, '\0', len)) {
		return berr_make(err, 0, "seccomp profile %s: not a text file", val);
	}
	if (seccomp_profile_check(text, len, name, err) < 0)
		return -1;
	if (stored) {
		/* Compact, as docker stores it. */
		json_t *j = json_loadb(text, len, 0, NULL);
		char *c = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
		*stored = xasprintf("seccomp=%s", c ? c : text);
		free(c);
	}
	free(s->seccomp_profile);
	s->seccomp_profile = steal_pointer(&text);
	return 0;
}

static int parse_secopts(char *const *opts, struct secopts *s, char ***resolved, berr_t *err)
{
	memset(s, 0, sizeof(*s));
	if (resolved) {
		size_t n = 0;
		while (opts && opts[n])
			n++;
		*resolved = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			(*resolved)[i] = xstrdup(opts[i]);
	}
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i];
		size_t klen = strcspn(o, "=:");
		const char *val = o[klen] ? o + klen + 1 : NULL;
		if (strncmp(o, "no-new-privileges", klen) == 0 && klen == 17) {
			if (!val || strcmp(val, "true") == 0)
				s->no_new_privs = true;
			else if (strcmp(val, "false") == 0)
				s->no_new_privs = false;
			else
				return berr_make(err, 0, "Error response from daemon: invalid --security-opt 2: \"%s\"", o);
		} else if (klen == 7 && strncmp(o, "seccomp", 7) == 0 && val) {
			if (strcmp(val, "unconfined") == 0) {
				s->seccomp_unconfined = true;
			} else {
				char *stored = NULL;
				if (parse_seccomp(val, s, resolved ? &stored : NULL, err) < 0)
					return -1;
				if (resolved) {
					free((*resolved)[i]);
					(*resolved)[i] = stored;
				}
			}
		} else if ((klen == 8 && strncmp(o, "apparmor", 8) == 0 && val) ||
			   (klen == 5 && strncmp(o, "label", 5) == 0 && val)) {
			/* No AppArmor or SELinux here: accepted and ignored, as
			 * docker does on hosts without them. */
		} else {
			return berr_make(err, 0, "Invalid --security-opt: \"%s\"", o);
		}
	}
	return 0;
}

int ctrconfig_build(const struct create_opts *o, const struct image *img, struct container **out, berr_t *err)
{
	const struct image_config *ic = &img->config;
	cleanup_free char *id = random_hex(32);
	char **env = NULL, **argv = NULL, **entry = NULL, **cmd = NULL;
	size_t nenv = 0, nargv = 0;
	json_t *config = NULL, *host = NULL;
	struct container *c = NULL;
	struct secopts so;
	cleanup_strv char **secopt = NULL;
	struct restart_policy rp;
	uint64_t caps;
	char hostname[65];
	const char *workdir, *user;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	*out = NULL;
	if (o->name && !names_valid(o->name[0] == '/' ? o->name + 1 : o->name))
		return berr_make(err, 0,
				 "Error response from daemon: Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				 "are allowed",
				 o->name);
	if (parse_restart(o->restart ? o->restart : "", &rp, err) < 0)
		return -1;
	if (o->rm && strcmp(rp.name, "no") != 0)
		return berr_make(err, 0, "conflicting options: cannot specify both --restart and --rm");
	if (parse_secopts(o->security_opt, &so, &secopt, err) < 0) {
		free(so.seccomp_profile);
		return -1;
	}
	free(so.seccomp_profile);
	if (caps_compute(o->cap_add, o->cap_drop, o->privileged, &caps, err) < 0)
		return berr_wrap(err, "Error response from daemon");
	if (o->stop_signal && !parse_signal(o->stop_signal))
		return berr_make(err, 0, "Error response from daemon: Invalid signal: %s", o->stop_signal);
	if (ic->stop_signal && *ic->stop_signal && !o->stop_signal && !parse_signal(ic->stop_signal))
		return berr_make(err, 0, "Error response from daemon: Invalid signal: %s", ic->stop_signal);
	if (o->memory > 0 && o->memory < 6 * 1024 * 1024)
		return berr_make(err, 0, "Error response from daemon: Minimum memory limit allowed is 6MB");
	if (o->nano_cpus < 0 || (o->nano_cpus > 0 && (o->nano_cpus < 10000000 || o->nano_cpus > ncpu * 1000000000LL)))
		return berr_make(err, 0,
				 "Error response from daemon: Range of CPUs is from 0.01 to %ld.00, as there are only %ld "
				 "CPUs available",
				 ncpu, ncpu);
	workdir = o->workdir ? o->workdir : ic->working_dir ? ic->working_dir : "";
	if (*workdir && *workdir != '/')
		return berr_make(err, 0,
				 "Error response from daemon: the working directory '%s' is invalid, it needs to be an "
				 "absolute path",
				 workdir);
	user = o->user ? o->user : ic->user ? ic->user : "";

	/* ENTRYPOINT and CMD: an explicit --entrypoint (even "") replaces the
	 * image's and drops its CMD; explicit arguments replace CMD. */
	if (o->entrypoint) {
		if (*o->entrypoint) {
			entry = xcalloc(2, sizeof(char *));
			entry[0] = xstrdup(o->entrypoint);
		}
		cmd = o->cmd && o->cmd[0] ? strv_dup(o->cmd) : NULL;
	} else {
		entry = ic->entrypoint && ic->entrypoint[0] ? strv_dup(ic->entrypoint) : NULL;
		if (o->cmd && o->cmd[0])
			cmd = strv_dup(o->cmd);
		else
			cmd = ic->cmd && ic->cmd[0] ? strv_dup(ic->cmd) : NULL;
	}
	for (size_t i = 0; entry && entry[i]; i++)
		strv_push(&argv, &nargv, xstrdup(entry[i]));
	for (size_t i = 0; cmd && cmd[i]; i++)
		strv_push(&argv, &nargv, xstrdup(cmd[i]));
	if (nargv == 0) {
		berr_make(err, 0, "Error response from daemon: No command specified");
		goto fail;
	}

	/* Env: the image's, then --env-file, then -e. */
	for (size_t i = 0; ic->env && ic->env[i]; i++)
		env_set(&env, &nenv, ic->env[i]);
	for (size_t i = 0; o->env_files && o->env_files[i]; i++)
		if (read_env_file(o->env_files[i], &env, &nenv, err) < 0)
			goto fail;
	for (size_t i = 0; o->env && o->env[i]; i++)
		env_add_user(&env, &nenv, o->env[i]);
	if (!env)
		env = xcalloc(1, sizeof(char *));

	snprintf(hostname, sizeof(hostname), "%s", o->hostname && *o->hostname ? o->hostname : id);
	if (!(o->hostname && *o->hostname))
		hostname[12] = '\0';

	config = json_object();
	json_object_set_new(config, "Hostname", json_string(hostname));
	json_object_set_new(config, "Domainname", json_string(""));
	json_object_set_new(config, "User", json_string(user));
	json_object_set_new(config, "AttachStdin", json_boolean(o->interactive && !o->detach));
	json_object_set_new(config, "AttachStdout", json_boolean(!o->detach));
	json_object_set_new(config, "AttachStderr", json_boolean(!o->detach));
	if (ic->exposed_ports && ic->exposed_ports[0]) {
		json_t *ports = json_object();
		for (size_t i = 0; ic->exposed_ports[i]; i++)
			json_object_set_new(ports, ic->exposed_ports[i], json_object());
		json_object_set_new(config, "ExposedPorts", ports);
	}
	json_object_set_new(config, "Tty", json_boolean(o->tty));
	json_object_set_new(config, "OpenStdin", json_boolean(o->interactive));
	json_object_set_new(config, "StdinOnce", json_boolean(o->interactive && !o->detach));
	json_object_set_new(config, "Env", strv_to_json(env));
	json_object_set_new(config, "Cmd", strv_to_json(cmd));
	json_object_set_new(config, "Image", json_string(o->image));
	if (ic->volumes && ic->volumes[0]) {
		json_t *vols = json_object();
		for (size_t i = 0; ic->volumes[i]; i++)
			json_object_set_new(vols, ic->volumes[i], json_object());
		json_object_set_new(config, "Volumes", vols);
	} else {
		json_object_set_new(config, "Volumes", json_null());
	}
	json_object_set_new(config, "WorkingDir", json_string(workdir));
	json_object_set_new(config, "Entrypoint", strv_to_json(entry));
	json_object_set_new(config, "OnBuild", json_null());
	json_object_set_new(config, "Labels", labels_json(ic->labels, o->labels));
	if (o->stop_signal)
		json_object_set_new(config, "StopSignal", json_string(o->stop_signal));
	else if (ic->stop_signal && *ic->stop_signal)
		json_object_set_new(config, "StopSignal", json_string(ic->stop_signal));
	if (o->stop_timeout >= 0)
		json_object_set_new(config, "StopTimeout", json_integer(o->stop_timeout));

	host = json_object();
	json_object_set_new(host, "Binds", json_null());
	json_object_set_new(host, "ContainerIDFile", json_string(""));
	json_object_set_new(host, "LogConfig", json_pack("{s:s, s:{}}", "Type", "k8s-file", "Config"));
	json_object_set_new(host, "NetworkMode", json_string("none"));
	json_object_set_new(host, "PortBindings", json_object());
	json_object_set_new(host, "RestartPolicy", json_pack("{s:s, s:i}", "Name", rp.name, "MaximumRetryCount", rp.max_retry));
	json_object_set_new(host, "AutoRemove", json_boolean(o->rm));
	json_object_set_new(host, "VolumeDriver", json_string(""));
	json_object_set_new(host, "VolumesFrom", json_null());
	json_object_set_new(host, "CapAdd", o->cap_add ? strv_to_json(o->cap_add) : json_null());
	json_object_set_new(host, "CapDrop", o->cap_drop ? strv_to_json(o->cap_drop) : json_null());
	json_object_set_new(host, "CgroupnsMode", json_string("private"));
	json_object_set_new(host, "Dns", json_array());
	json_object_set_new(host, "DnsOptions", json_array());
	json_object_set_new(host, "DnsSearch", json_array());
	json_object_set_new(host, "ExtraHosts", json_null());
	json_object_set_new(host, "GroupAdd", json_null());
	json_object_set_new(host, "IpcMode", json_string("private"));
	json_object_set_new(host, "Cgroup", json_string(""));
	json_object_set_new(host, "Links", json_null());
	json_object_set_new(host, "OomScoreAdj", json_integer(0));
	json_object_set_new(host, "PidMode", json_string(""));
	json_object_set_new(host, "Privileged", json_boolean(o->privileged));
	json_object_set_new(host, "PublishAllPorts", json_false());
	json_object_set_new(host, "ReadonlyRootfs", json_boolean(o->read_only));
	json_object_set_new(host, "SecurityOpt", o->security_opt ? strv_to_json(secopt) : json_null());
	json_object_set_new(host, "UTSMode", json_string(""));
	json_object_set_new(host, "UsernsMode", json_string(""));
	json_object_set_new(host, "ShmSize", json_integer(67108864));
	json_object_set_new(host, "Runtime", json_string("berth"));
	json_object_set_new(host, "Isolation", json_string(""));
	json_object_set_new(host, "CpuShares", json_integer(0));
	json_object_set_new(host, "Memory", json_integer(o->memory));
	json_object_set_new(host, "NanoCpus", json_integer(o->nano_cpus));
	/* BERTH_CGROUP_PARENT: where this root's containers' cgroups go
	 * (docker's --cgroup-parent); the test suite gives each file its own. */
	json_object_set_new(host, "CgroupParent", json_string(getenv("BERTH_CGROUP_PARENT") ? getenv("BERTH_CGROUP_PARENT") : ""));
	json_object_set_new(host, "MemoryReservation", json_integer(0));
	json_object_set_new(host, "MemorySwap", json_integer(o->memory > 0 ? 2 * o->memory : 0));
	json_object_set_new(host, "PidsLimit", o->pids_limit ? json_integer(o->pids_limit) : json_null());
	{
		json_t *ul = json_array();
		for (size_t i = 0; o->ulimits && o->ulimits[i]; i++) {
			struct ulimit u;
			char why[256];
			if (parse_ulimit(o->ulimits[i], &u, why, sizeof(why)) < 0) {
				json_decref(ul);
				berr_make(err, 0, "invalid argument \"%s\" for \"--ulimit\" flag: %s", o->ulimits[i], why);
				goto fail;
			}
			json_array_append_new(ul, json_pack("{s:s, s:I, s:I}", "Name", u.name, "Hard", (json_int_t)u.hard,
							    "Soft", (json_int_t)u.soft));
		}
		json_object_set_new(host, "Ulimits", json_array_size(ul) ? ul : (json_decref(ul), json_null()));
	}
	json_object_set_new(host, "Init", o->init ? json_true() : json_null());
	json_object_set_new(host, "MaskedPaths", o->privileged ? json_null() : strv_to_json((char *const *)masked));
	json_object_set_new(host, "ReadonlyPaths", o->privileged ? json_null() : strv_to_json((char *const *)readonly));
	(void)caps;
	(void)so;

	c = xcalloc(1, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->name = o->name ? xstrdup(o->name[0] == '/' ? o->name + 1 : o->name) : NULL;
	c->image_id = xstrdup(img->id);
	c->image_ref = xstrdup(o->image);
	c->created = now_ns();
	c->path = xstrdup(argv[0]);
	c->args = json_array();
	for (size_t i = 1; argv[i]; i++)
		json_array_append_new(c->args, json_string(argv[i]));
	c->config = config;
	c->host_config = host;
	c->error = xstrdup("");
	c->state = CS_CREATED;
	*out = c;
	cleanup_strvp(&env);
	cleanup_strvp(&argv);
	cleanup_strvp(&entry);
	cleanup_strvp(&cmd);
	return 0;
fail:
	json_decref(config);
	json_decref(host);
	cleanup_strvp(&env);
	cleanup_strvp(&argv);
	cleanup_strvp(&entry);
	cleanup_strvp(&cmd);
	return -1;
}

char **ctrconfig_env(const struct container *c, bool tty, char *const *extra)
{
	char **env = NULL;
	size_t n = 0;
	const char *hostname = json_string_value(json_object_get(c->config, "Hostname"));
	cleanup_free char *h = xasprintf("HOSTNAME=%s", hostname ? hostname : "");
	json_t *e = json_object_get(c->config, "Env");
	size_t i;
	json_t *v;

	env_set(&env, &n, DEFAULT_PATH);
	env_set(&env, &n, h);
	if (tty)
		env_set(&env, &n, "TERM=xterm");
	json_array_foreach(e, i, v) if (json_is_string(v)) env_set(&env, &n, json_string_value(v));
	for (i = 0; extra && extra[i]; i++)
		env_add_user(&env, &n, extra[i]);
	return env;
}

static bool jbool(const json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

static long long jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

int ctrconfig_start_spec(const struct container *c, struct start_spec *s, berr_t *err)
{
	const json_t *cfg = c->config, *host = c->host_config;
	cleanup_strv char **add = json_to_strv(json_object_get(host, "CapAdd"));
	cleanup_strv char **drop = json_to_strv(json_object_get(host, "CapDrop"));
	cleanup_strv char **sec = json_to_strv(json_object_get(host, "SecurityOpt"));
	struct secopts so;
	json_t *ul, *rp, *v;
	size_t i, n = 0;
	char **argv;

	memset(s, 0, sizeof(*s));
	s->privileged = jbool(host, "Privileged");
	if (caps_compute(add, drop, s->privileged, &s->proc.caps, err) < 0 || parse_secopts(sec, &so, NULL, err) < 0) {
		free(so.seccomp_profile);
		return -1;
	}
	s->seccomp_unconfined = so.seccomp_unconfined || s->privileged;
	s->seccomp_profile = s->seccomp_unconfined ? NULL : so.seccomp_profile;
	if (s->seccomp_unconfined)
		free(so.seccomp_profile);
	s->proc.no_new_privs = so.no_new_privs;
	s->proc.tty = jbool(cfg, "Tty");
	s->proc.open_stdin = jbool(cfg, "OpenStdin");
	s->proc.env = ctrconfig_env(c, s->proc.tty, NULL);
	s->proc.cwd = xstrdup(jstr(cfg, "WorkingDir"));
	s->proc.user = xstrdup(jstr(cfg, "User"));
	n = json_array_size(c->args);
	argv = xcalloc(n + 2, sizeof(char *));
	argv[0] = xstrdup(c->path);
	json_array_foreach(c->args, i, v) argv[i + 1] = xstrdup(json_is_string(v) ? json_string_value(v) : "");
	s->proc.argv = argv;
	s->hostname = xstrdup(jstr(cfg, "Hostname"));
	s->read_only = jbool(host, "ReadonlyRootfs");
	s->init = jbool(host, "Init");
	s->auto_remove = jbool(host, "AutoRemove");
	s->stop_signal = xstrdup(*jstr(cfg, "StopSignal") ? jstr(cfg, "StopSignal") : "SIGTERM");
	s->stop_timeout = json_is_integer(json_object_get(cfg, "StopTimeout")) ? (int)jint(cfg, "StopTimeout") : 10;
	rp = json_object_get(host, "RestartPolicy");
	snprintf(s->restart.name, sizeof(s->restart.name), "%s", *jstr(rp, "Name") ? jstr(rp, "Name") : "no");
	s->restart.max_retry = (int)jint(rp, "MaximumRetryCount");
	s->limits.memory = jint(host, "Memory");
	s->limits.memory_swap = jint(host, "MemorySwap");
	s->limits.nano_cpus = jint(host, "NanoCpus");
	s->limits.pids = jint(host, "PidsLimit");
	s->limits.privileged = s->privileged;
	ul = json_object_get(host, "Ulimits");
	if (json_is_array(ul) && json_array_size(ul)) {
		s->rlimits = xcalloc(json_array_size(ul), sizeof(*s->rlimits));
		json_array_foreach(ul, i, v)
		{
			struct ulimit u;
			char why[256];
			cleanup_free char *spec = xasprintf("%s=%lld:%lld", jstr(v, "Name"), jint(v, "Soft"), jint(v, "Hard"));
			if (parse_ulimit(spec, &u, why, sizeof(why)) < 0)
				return berr_make(err, 0, "invalid ulimit %s: %s", spec, why);
			s->rlimits[s->n_rlimits].resource = u.resource;
			s->rlimits[s->n_rlimits].soft = u.soft < 0 ? (unsigned long long)-1 : (unsigned long long)u.soft;
			s->rlimits[s->n_rlimits].hard = u.hard < 0 ? (unsigned long long)-1 : (unsigned long long)u.hard;
			s->n_rlimits++;
		}
	}
	s->proc.rlimits = s->rlimits;
	s->proc.n_rlimits = s->n_rlimits;
	return 0;
}

void ctrconfig_spec_free(struct start_spec *s)
{
	cleanup_strvp(&s->proc.argv);
	cleanup_strvp(&s->proc.env);
	free((char *)s->proc.cwd);
	free((char *)s->proc.user);
	free(s->hostname);
	free(s->stop_signal);
	free(s->rlimits);
	free(s->seccomp_profile);
	memset(s, 0, sizeof(*s));
}
