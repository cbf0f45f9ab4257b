/* compose.c: reconcile a compose model with the engine, as docker compose does.
 *
 * Everything a project owns carries labels: containers
 * com.docker.compose.project/.service/.container-number/.config-hash/.oneoff,
 * networks and volumes com.docker.compose.project/.network/.volume.  `up`
 * compares each service's configuration hash (compose_config.c) and image
 * with the labels of its containers and recreates only what changed; `down`
 * finds everything by label, so it cleans up even after the file changed.
 *
 * How the engine is driven — a deliberate split:
 *  - reading state (containers, networks, volumes, images) goes through the
 *    core's functions (container_list, network_find, volume_get,
 *    image_resolve_id): no process, no parsing of printed output;
 *  - networks and volumes are created and removed through the core
 *    (network_create, volume_create, ...), small stable calls;
 *  - containers are created, started, stopped and removed by re-executing
 *    this berth binary (/proc/self/exe) with docker's arguments (`run -d
 *    --name ... --network ... -p ... -v ...`).  docker's command line is the
 *    one interface every branch of the engine (runtime, net, build, registry)
 *    keeps stable; the runtime's create_opts and its network/volume hooks live
 *    in its command layer and keep moving, so compose does not reach into
 *    them.  Independent services are started in parallel, which keeps `up`
 *    fast despite one process per container.
 *
 * Healthchecks: the runtime has none yet, so compose probes a service's
 * healthcheck test itself with `exec` when a dependency says
 * condition: service_healthy.
 */
#define _GNU_SOURCE
#include "compose_run.h"
#include "cleanup.h"
#include "container.h"
#include "ctrlist.h"
#include "image.h"
#include "network.h"
#include "tabwriter.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define L_PROJECT "com.docker.compose.project"
#define L_SERVICE "com.docker.compose.service"
#define L_NUMBER "com.docker.compose.container-number"
#define L_HASH "com.docker.compose.config-hash"
#define L_ONEOFF "com.docker.compose.oneoff"
#define L_NETWORK "com.docker.compose.network"
#define L_VOLUME "com.docker.compose.volume"
#define L_WORKDIR "com.docker.compose.project.working_dir"
#define L_FILES "com.docker.compose.project.config_files"

/* ---- argv ---- */

struct av {
	char **v;
	size_t n;
};

static void av_add(struct av *a, const char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(char *));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

__attribute__((format(printf, 2, 3))) static void av_addf(struct av *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	av_add(a, s ? s : "");
	free(s);
}

static void av_free(struct av *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* ---- running berth ---- */

/* Start `berth --root ROOT ARGS...`; stdout to out_fd (-1: inherit, -2:
 * /dev/null), stderr to err_fd (-1: inherit). */
static pid_t spawn(struct berth *b, const struct av *a, int out_fd, int err_fd)
{
	struct av full = {0};
	av_add(&full, "berth");
	av_add(&full, "--root");
	av_add(&full, b->root);
	for (size_t i = 0; i < a->n; i++)
		av_add(&full, a->v[i]);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		if (out_fd == -2) {
			int nul = open("/dev/null", O_WRONLY);
			if (nul >= 0)
				dup2(nul, 1);
		} else if (out_fd >= 0) {
			dup2(out_fd, 1);
		}
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv("/proc/self/exe", full.v);
		_exit(127);
	}
	av_free(&full);
	return pid;
}

static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Read back what a child wrote to a memfd, trimmed of the "Error: " docker
 * puts first and the trailing newline. */
static char *memfd_text(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	if (len <= 0)
		return xstrdup("");
	char *s = xmalloc(len + 1);
	ssize_t r = pread(fd, s, len, 0);
	s[r > 0 ? r : 0] = '\0';
	/* Drop the usage hints docker prints after an error ("See '...'",
	 * "Run '...'"): compose names the service instead. */
	for (char *hint; (hint = strstr(s, "\nSee '")) || (hint = strstr(s, "\nRun '"));)
		*hint = '\0';
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
	if (str_has_prefix(s, "berth: ")) {
		char *t = xstrdup(s + 7);
		free(s);
		s = t;
	}
	if (str_has_prefix(s, "Error: ") || str_has_prefix(s, "Error response from daemon: ")) {
		char *t = xstrdup(strchr(s, ':') + 2);
		free(s);
		return t;
	}
	return s;
}

/* Run berth synchronously; on failure *msg (if non-NULL) holds its stderr. */
static int run_berth(struct berth *b, const struct av *a, int out_fd, char **msg)
{
	int efd = msg ? memfd_create("berth-err", MFD_CLOEXEC) : -1;
	pid_t pid = spawn(b, a, out_fd, efd);
	if (pid < 0) {
		if (efd >= 0)
			close(efd);
		return 127;
	}
	int st = reap(pid);
	if (msg) {
		*msg = st ? memfd_text(efd) : NULL;
		close(efd);
	}
	return st;
}

/* ---- what the project owns ---- */

struct pc {
	struct container *c;
	const char *service, *hash;
	int number;
	bool oneoff;
};

static const char *label(const struct container *c, const char *key)
{
	json_t *l = json_object_get(c->config, "Labels");
	json_t *v = json_object_get(l, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

struct owned {
	struct container **all;
	size_t nall;
	struct pc *v;
	size_t n;
};

static int owned_load(struct berth *b, const char *project, bool oneoff, struct owned *o, berr_t *err)
{
	memset(o, 0, sizeof(*o));
	if (container_list(b, &o->all, &o->nall, err) < 0)
		return -1;
	o->v = xcalloc(o->nall + 1, sizeof(*o->v));
	/* container_list is newest first; compose lists by service and number */
	for (size_t i = o->nall; i-- > 0;) {
		struct container *c = o->all[i];
		const char *pr = label(c, L_PROJECT);
		if (!pr || strcmp(pr, project) != 0)
			continue;
		const char *one = label(c, L_ONEOFF);
		bool is_oneoff = one && strcmp(one, "True") == 0;
		if (is_oneoff && !oneoff)
			continue;
		struct pc *p = &o->v[o->n++];
		p->c = c;
		p->service = label(c, L_SERVICE) ? label(c, L_SERVICE) : "";
		p->hash = label(c, L_HASH) ? label(c, L_HASH) : "";
		p->number = label(c, L_NUMBER) ? atoi(label(c, L_NUMBER)) : 0;
		p->oneoff = is_oneoff;
	}
	return 0;
}

static void owned_free(struct owned *o)
{
	container_list_free(o->all, o->nall);
	free(o->v);
}

static bool running(const struct container *c)
{
	return c->state == CS_RUNNING || c->state == CS_RESTARTING || c->state == CS_PAUSED;
}

static const struct ynode *services_of(const struct compose_project *p)
{
	return ynode_get(p->model, "services");
}

static bool wanted(const struct compose_run_opts *o, const char *svc)
{
	if (!o || o->nservices == 0)
		return true;
	for (int i = 0; i < o->nservices; i++)
		if (strcmp(o->services[i], svc) == 0)
			return true;
	return false;
}

static int check_services(const struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	for (int i = 0; o && i < o->nservices; i++)
		if (!ynode_get(services_of(p), o->services[i]))
			return berr_make_status(err, 1, 0, "no such service: %s", o->services[i]);
	return 0;
}

static long replicas(const struct ynode *svc)
{
	const char *r = ynode_str(ynode_get(svc, "deploy"), "replicas");
	if (!r)
		r = ynode_str(svc, "scale");
	return r ? atol(r) : 1;
}

static char *container_name(const struct compose_project *p, const char *svc, const struct ynode *s, int n)
{
	const char *cn = ynode_str(s, "container_name");
	if (cn)
		return xstrdup(cn);
	return xasprintf("%s-%s-%d", p->name, svc, n);
}

static const char *res_name(const struct compose_project *p, const char *section, const char *key)
{
	const char *n = ynode_str(ynode_get(ynode_get(p->model, section), key), "name");
	return n ? n : key;
}

static const char *image_of(const struct compose_project *p, const char *svc, const struct ynode *s, char **owned)
{
	const char *img = ynode_str(s, "image");
	if (img)
		return img;
	*owned = xasprintf("%s-%s", p->name, svc);
	return *owned;
}

/* ---- progress, as docker compose prints it ---- */

static void progress(const char *kind, const char *name, const char *what)
{
	fprintf(stderr, " \u2714 %s %s  %s\n", kind, name, what);
}

/* A network or volume this project created: its project label says so. */
static bool owned_by(json_t *labels, const struct compose_project *p)
{
	json_t *pl = json_object_get(labels, L_PROJECT);
	return json_is_string(pl) && strcmp(json_string_value(pl), p->name) == 0;
}

/* down goes on past a resource it cannot remove, saying which and why. */
static void report_removal(const char *kind, const char *name, int rc, berr_t *e)
{
	if (rc < 0) {
		fprintf(stderr, " ! %s %s  %s\n", kind, name, (*e)->msg);
		berr_free(e);
		return;
	}
	progress(kind, name, "Removed");
}

/* ---- networks and volumes ---- */

static bool service_uses_network(const struct ynode *s, const char *net)
{
	return ynode_get(ynode_get(s, "networks"), net) != NULL;
}

/* A model key compose reads as a boolean (external, internal). */
static bool is_true(const struct ynode *n, const char *key)
{
	const char *v = ynode_str(n, key);
	return v && strcmp(v, "true") == 0;
}

/* The labels of a network or volume the project creates: the project's, its
 * key in the file (under kind_label), then the ones the file gives it. */
static void resource_labels(const struct compose_project *p, const char *kind_label, const char *key,
			    const struct ynode *def, struct av *labels)
{
	av_addf(labels, "%s=%s", L_PROJECT, p->name);
	av_addf(labels, "%s=%s", kind_label, key);
	const struct ynode *ul = ynode_get(def, "labels");
	for (size_t j = 0; ul && j < ul->n; j++)
		av_addf(labels, "%s=%s", ul->keys[j], ul->items[j]->value);
}

static int ensure_networks(struct berth *b, struct compose_project *p, berr_t *err)
{
	const struct ynode *nets = ynode_get(p->model, "networks");
	for (size_t i = 0; nets && i < nets->n; i++) {
		const struct ynode *n = nets->items[i];
		bool used = false;
		for (size_t j = 0; j < services_of(p)->n; j++)
			used |= service_uses_network(services_of(p)->items[j], nets->keys[i]);
		if (!used)
			continue;
		const char *name = ynode_str(n, "name");
		struct network *net = NULL;
		berr_t e = NULL;
		if (network_find(b, name, &net, &e) == 0) {
			network_free(net);
			continue;
		}
		berr_free(&e);
		if (is_true(n, "external"))
			return berr_make_status(err, 1, 0, "network %s declared as external, but could not be found", name);
		struct av labels = {0};
		resource_labels(p, L_NETWORK, nets->keys[i], n, &labels);
		struct network_create_opts co = {0};
		co.name = name;
		co.driver = ynode_str(n, "driver");
		co.internal = is_true(n, "internal");
		co.attachable = true;
		co.labels = labels.v;
		char *id = NULL;
		int r = network_create(b, &co, &id, err);
		av_free(&labels);
		free(id);
		if (r < 0)
			return berr_wrap(err, "network %s", name);
		progress("Network", name, "Created");
	}
	return 0;
}

static int ensure_volumes(struct berth *b, struct compose_project *p, berr_t *err)
{
	const struct ynode *vols = ynode_get(p->model, "volumes");
	for (size_t i = 0; vols && i < vols->n; i++) {
		const struct ynode *v = vols->items[i];
		const char *name = ynode_str(v, "name");
		struct volume *vol = NULL;
		berr_t e = NULL;
		if (volume_get(b, name, &vol, &e) == 0) {
			volume_free(vol);
			continue;
		}
		berr_free(&e);
		if (is_true(v, "external"))
			return berr_make_status(err, 1, 0, "external volume \"%s\" not found", name);
		struct av labels = {0};
		resource_labels(p, L_VOLUME, vols->keys[i], v, &labels);
		struct av opts = {0};
		const struct ynode *dopts = ynode_get(v, "driver_opts");
		for (size_t j = 0; dopts && j < dopts->n; j++)
			av_addf(&opts, "%s=%s", dopts->keys[j], dopts->items[j]->value);
		int r = volume_create(b, name, ynode_str(v, "driver"), labels.v, opts.v, false, &vol, err);
		av_free(&labels);
		av_free(&opts);
		if (r < 0)
			return berr_wrap(err, "volume %s", name);
		volume_free(vol);
		fprintf(stderr, " ✔ Volume \"%s\"  Created\n", name);
	}
	return 0;
}

/* ---- images ---- */

static int ensure_image(struct berth *b, struct compose_project *p, const char *svc, const struct ynode *s, bool force_build,
			bool no_build, char **image_id, berr_t *err)
{
	cleanup_free char *own = NULL;
	const char *img = image_of(p, svc, s, &own);
	const struct ynode *build = ynode_get(s, "build");
	berr_t e = NULL;
	if (!force_build && image_resolve_id(b, img, image_id, &e) == 0)
		return 0;
	berr_free(&e);
	cleanup_free char *msg = NULL;
	struct av a = {0};
	int st;
	if (build && !no_build) {
		av_add(&a, "build");
		av_add(&a, "-t");
		av_add(&a, img);
		if (ynode_str(build, "dockerfile")) {
			cleanup_free char *df = ynode_str(build, "dockerfile")[0] == '/'
							? xstrdup(ynode_str(build, "dockerfile"))
							: xasprintf("%s/%s", ynode_str(build, "context"), ynode_str(build, "dockerfile"));
			av_add(&a, "-f");
			av_add(&a, df);
		}
		if (ynode_str(build, "target")) {
			av_add(&a, "--target");
			av_add(&a, ynode_str(build, "target"));
		}
		const struct ynode *args = ynode_get(build, "args");
		for (size_t i = 0; args && i < args->n; i++) {
			av_add(&a, "--build-arg");
			if (args->items[i]->plain)
				av_add(&a, args->keys[i]);
			else
				av_addf(&a, "%s=%s", args->keys[i], args->items[i]->value);
		}
		av_add(&a, ynode_str(build, "context"));
		fprintf(stderr, " Building %s\n", svc);
		st = run_berth(b, &a, 2, &msg);
		av_free(&a);
		if (st != 0)
			return berr_make_status(err, st == 125 || st == 127 ? 1 : st, 0, "service \"%s\": failed to build: %s", svc,
						msg && *msg ? msg : "build failed");
	} else {
		if (build && no_build)
			return berr_make_status(err, 1, 0, "service \"%s\": image %s not found and --no-build was given", svc, img);
		av_add(&a, "pull");
		av_add(&a, img);
		fprintf(stderr, " %s Pulling\n", svc);
		st = run_berth(b, &a, -2, &msg);
		av_free(&a);
		if (st != 0)
		{
			if (msg && strstr(msg, "unknown command"))
				return berr_make_status(err, 1, 0, "service \"%s\": image %s not found, and this berth cannot pull (no pull command)",
							svc, img);
			return berr_make_status(err, 1, 0, "service \"%s\": image %s: %s", svc, img, msg && *msg ? msg : "pull failed");
		}
	}
	if (image_resolve_id(b, img, image_id, err) < 0)
		return berr_wrap(err, "service \"%s\"", svc);
	return 0;
}

/* ---- container arguments ---- */

static long long duration_secs(const char *d)
{
	long long ns = 0;
	compose_parse_duration(d ? d : "0", &ns);
	return ns / 1000000000LL;
}

/* docker run/create arguments for one replica of a service. */
static void create_args(struct compose_project *p, const char *svc, const struct ynode *s, int number, const char *hash,
			const char *name, bool oneoff, struct av *a)
{
	cleanup_free char *own = NULL;
	const char *img = image_of(p, svc, s, &own);
	av_add(a, "--name");
	av_add(a, name);
	av_add(a, "-l");
	av_addf(a, "%s=%s", L_PROJECT, p->name);
	av_add(a, "-l");
	av_addf(a, "%s=%s", L_SERVICE, svc);
	av_add(a, "-l");
	av_addf(a, "%s=%d", L_NUMBER, number);
	av_add(a, "-l");
	av_addf(a, "%s=%s", L_HASH, hash);
	av_add(a, "-l");
	av_addf(a, "%s=%s", L_ONEOFF, oneoff ? "True" : "False");
	av_add(a, "-l");
	av_addf(a, "%s=%s", L_WORKDIR, p->dir);
	av_add(a, "-l");
	av_addf(a, "com.docker.compose.project.config_files=%s", p->nfiles ? p->files[0] : "");
	const struct ynode *lab = ynode_get(s, "labels");
	for (size_t i = 0; lab && i < lab->n; i++) {
		av_add(a, "-l");
		av_addf(a, "%s=%s", lab->keys[i], lab->items[i]->plain ? "" : lab->items[i]->value);
	}
	const struct ynode *env = ynode_get(s, "environment");
	for (size_t i = 0; env && i < env->n; i++) {
		if (env->items[i]->plain)
			continue; /* unset in the environment: not passed, as compose */
		av_add(a, "-e");
		av_addf(a, "%s=%s", env->keys[i], env->items[i]->value);
	}
	const char *nm = ynode_str(s, "network_mode");
	const struct ynode *nets = ynode_get(s, "networks");
	if (nm) {
		av_add(a, "--network");
		av_add(a, nm);
	} else if (nets && nets->n) {
		/* The first network at creation; others are connected after. */
		av_add(a, "--network");
		av_add(a, res_name(p, "networks", nets->keys[0]));
		if (!oneoff) {
			av_add(a, "--network-alias");
			av_add(a, svc);
		}
		const struct ynode *al = ynode_get(nets->items[0], "aliases");
		for (size_t i = 0; al && i < al->n; i++) {
			av_add(a, "--network-alias");
			av_add(a, al->items[i]->value);
		}
	}
	const struct ynode *ports = ynode_get(s, "ports");
	for (size_t i = 0; ports && i < ports->n; i++) {
		const struct ynode *pt = ports->items[i];
		const char *hip = ynode_str(pt, "host_ip"), *pub = ynode_str(pt, "published");
		av_add(a, "-p");
		av_addf(a, "%s%s%s%s%s/%s", hip ? hip : "", hip ? ":" : "", pub ? pub : "", pub || hip ? ":" : "",
			ynode_str(pt, "target"), ynode_str(pt, "protocol") ? ynode_str(pt, "protocol") : "tcp");
	}
	const struct ynode *vols = ynode_get(s, "volumes");
	for (size_t i = 0; vols && i < vols->n; i++) {
		const struct ynode *v = vols->items[i];
		const char *ty = ynode_str(v, "type"), *src = ynode_str(v, "source"), *tgt = ynode_str(v, "target");
		const char *ro = ynode_str(v, "read_only");
		bool r = ro && strcmp(ro, "true") == 0;
		if (ty && strcmp(ty, "tmpfs") == 0) {
			av_add(a, "--tmpfs");
			av_add(a, tgt);
			continue;
		}
		av_add(a, "-v");
		if (ty && strcmp(ty, "volume") == 0 && src)
			av_addf(a, "%s:%s%s", res_name(p, "volumes", src), tgt, r ? ":ro" : "");
		else if (src)
			av_addf(a, "%s:%s%s", src, tgt, r ? ":ro" : "");
		else
			av_add(a, tgt);
	}
	static const char *const refs[] = {"secrets", "configs"};
	for (size_t k = 0; k < 2; k++) {
		const struct ynode *l = ynode_get(s, refs[k]);
		for (size_t i = 0; l && i < l->n; i++) {
			const char *src = ynode_str(l->items[i], "source");
			const char *file = ynode_str(ynode_get(ynode_get(p->model, refs[k]), src), "file");
			const char *tgt = ynode_str(l->items[i], "target");
			if (!file)
				continue;
			av_add(a, "-v");
			if (k == 0)
				av_addf(a, "%s:%s%s%s:ro", file, tgt && tgt[0] == '/' ? "" : "/run/secrets/", tgt ? tgt : src, "");
			else
				av_addf(a, "%s:%s%s:ro", file, tgt && tgt[0] == '/' ? "" : "/", tgt ? tgt : src);
		}
	}
	const struct ynode *tm = ynode_get(s, "tmpfs");
	for (size_t i = 0; tm && i < tm->n; i++) {
		av_add(a, "--tmpfs");
		av_add(a, tm->items[i]->value);
	}
	static const struct {
		const char *key, *flag;
	} strflags[] = {
		{"working_dir", "--workdir"}, {"user", "--user"}, {"hostname", "--hostname"},
		{"restart", "--restart"}, {"stop_signal", "--stop-signal"}, {"mem_limit", "--memory"},
		{"cpus", "--cpus"},
	};
	for (size_t i = 0; i < sizeof strflags / sizeof *strflags; i++)
		if (ynode_str(s, strflags[i].key)) {
			av_add(a, strflags[i].flag);
			av_add(a, ynode_str(s, strflags[i].key));
		}
	if (!ynode_str(s, "hostname") && !oneoff && !nm) {
		/* docker gives a container its id as hostname; compose keeps it */
	}
	const struct ynode *lim = ynode_get(ynode_get(ynode_get(s, "deploy"), "resources"), "limits");
	if (lim && ynode_str(lim, "memory") && !ynode_str(s, "mem_limit")) {
		av_add(a, "--memory");
		av_add(a, ynode_str(lim, "memory"));
	}
	if (lim && ynode_str(lim, "cpus") && !ynode_str(s, "cpus")) {
		av_add(a, "--cpus");
		av_add(a, ynode_str(lim, "cpus"));
	}
	if (lim && ynode_str(lim, "pids")) {
		av_add(a, "--pids-limit");
		av_add(a, ynode_str(lim, "pids"));
	}
	if (ynode_str(s, "stop_grace_period")) {
		av_add(a, "--stop-timeout");
		av_addf(a, "%lld", duration_secs(ynode_str(s, "stop_grace_period")));
	}
	static const struct {
		const char *key, *flag;
	} boolflags[] = {
		{"init", "--init"}, {"read_only", "--read-only"}, {"privileged", "--privileged"},
		{"tty", "--tty"}, {"stdin_open", "--interactive"},
	};
	for (size_t i = 0; i < sizeof boolflags / sizeof *boolflags; i++) {
		const char *v = ynode_str(s, boolflags[i].key);
		if (v && strcmp(v, "true") == 0)
			av_add(a, boolflags[i].flag);
	}
	static const char *const lists[][2] = {{"cap_add", "--cap-add"}, {"cap_drop", "--cap-drop"},
					       {"dns", "--dns"}, {"security_opt", "--security-opt"}};
	for (size_t k = 0; k < sizeof lists / sizeof *lists; k++) {
		const struct ynode *l = ynode_get(s, lists[k][0]);
		for (size_t i = 0; l && l->kind == YNODE_SEQ && i < l->n; i++) {
			av_add(a, lists[k][1]);
			av_add(a, l->items[i]->value);
		}
	}
	const struct ynode *ul = ynode_get(s, "ulimits");
	for (size_t i = 0; ul && i < ul->n; i++) {
		av_add(a, "--ulimit");
		if (ul->items[i]->kind == YNODE_MAP)
			av_addf(a, "%s=%s:%s", ul->keys[i], ynode_str(ul->items[i], "soft"), ynode_str(ul->items[i], "hard"));
		else
			av_addf(a, "%s=%s", ul->keys[i], ul->items[i]->value);
	}
	const struct ynode *ep = ynode_get(s, "entrypoint");
	if (ep && ep->n) {
		av_add(a, "--entrypoint");
		av_add(a, ep->items[0]->value);
	}
	av_add(a, img);
	for (size_t i = 1; ep && i < ep->n; i++)
		av_add(a, ep->items[i]->value);
	const struct ynode *cmd = ynode_get(s, "command");
	for (size_t i = 0; cmd && i < cmd->n; i++)
		av_add(a, cmd->items[i]->value);
}

/* ---- up ---- */

struct job {
	pid_t pid;
	int efd;
	char *name, *svc, *what;
	char **connect;   /* extra networks to join after create: "net alias" */
};

struct jobs {
	struct job *v;
	size_t n;
};

static int jobs_wait(struct berth *b, struct jobs *j, berr_t *err)
{
	int r = 0;
	for (size_t i = 0; i < j->n; i++) {
		struct job *x = &j->v[i];
		int st = reap(x->pid);
		cleanup_free char *msg = memfd_text(x->efd);
		close(x->efd);
		if (st != 0 && r == 0) {
			berr_make_status(err, 1, 0, "service \"%s\": container %s: %s", x->svc, x->name, *msg ? msg : "failed");
			r = -1;
		} else if (st == 0) {
			progress("Container", x->name, x->what);
		}
		free(x->name);
		free(x->svc);
		free(x->what);
	}
	free(j->v);
	j->v = NULL;
	j->n = 0;
	(void)b;
	return r;
}

static void jobs_add(struct berth *b, struct jobs *j, const struct av *a, const char *name, const char *svc,
		     const char *what)
{
	int efd = memfd_create("berth-err", MFD_CLOEXEC);
	pid_t pid = spawn(b, a, -2, efd);
	j->v = xrealloc(j->v, (j->n + 1) * sizeof(*j->v));
	j->v[j->n++] = (struct job){pid, efd, xstrdup(name), xstrdup(svc), xstrdup(what), NULL};
}

static bool job_pending(const struct jobs *j, const char *svc)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->v[i].svc, svc) == 0)
			return true;
	return false;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Probe a service's healthcheck in its first container until it passes. */
static int wait_healthy(struct berth *b, struct compose_project *p, const char *svc, berr_t *err)
{
	const struct ynode *s = ynode_get(services_of(p), svc);
	const struct ynode *hc = ynode_get(s, "healthcheck");
	const struct ynode *test = ynode_get(hc, "test");
	cleanup_free char *name = container_name(p, svc, s, 1);
	if (!test || !test->n || strcmp(test->items[0]->value, "NONE") == 0 ||
	    (ynode_str(hc, "disable") && strcmp(ynode_str(hc, "disable"), "true") == 0))
		return berr_make_status(err, 1, 0, "dependency failed to start: service \"%s\" has no healthcheck", svc);
	long long interval = 30, retries = 3, start = 0;
	if (ynode_str(hc, "interval"))
		interval = duration_secs(ynode_str(hc, "interval")) * 1000;
	else
		interval = 30000;
	if (ynode_str(hc, "retries"))
		retries = atoll(ynode_str(hc, "retries"));
	if (ynode_str(hc, "start_period"))
		start = duration_secs(ynode_str(hc, "start_period")) * 1000;
	if (interval < 100)
		interval = 100;
	struct av a = {0};
	av_add(&a, "exec");
	av_add(&a, name);
	if (strcmp(test->items[0]->value, "CMD-SHELL") == 0) {
		av_add(&a, "/bin/sh");
		av_add(&a, "-c");
		av_add(&a, test->n > 1 ? test->items[1]->value : "true");
	} else {
		for (size_t i = strcmp(test->items[0]->value, "CMD") == 0 ? 1 : 0; i < test->n; i++)
			av_add(&a, test->items[i]->value);
	}
	/* As docker: unhealthy after `retries` failures past the start period;
	 * the first probes come sooner than a whole interval so a quick service
	 * does not cost the 30 s default. */
	long long t0 = monotonic_ns() / 1000000;
	long long pause = interval < 250 ? interval : 250;
	int failures = 0;
	for (;;) {
		if (run_berth(b, &a, -2, NULL) == 0) {
			progress("Container", name, "Healthy");
			av_free(&a);
			return 0;
		}
		long long now = monotonic_ns() / 1000000;
		if (now - t0 >= start && pause >= interval)
			failures++;
		if (failures > retries || now - t0 > start + interval * (retries + 2))
			break;
		sleep_ms(pause);
		pause = pause * 2 > interval ? interval : pause * 2;
	}
	av_free(&a);
	return berr_make_status(err, 1, 0, "dependency failed to start: container %s is unhealthy", name);
}

static int wait_completed(struct berth *b, struct compose_project *p, const char *svc, berr_t *err)
{
	const struct ynode *s = ynode_get(services_of(p), svc);
	cleanup_free char *name = container_name(p, svc, s, 1);
	struct av a = {0};
	av_add(&a, "wait");
	av_add(&a, name);
	int pfd[2];
	if (pipe(pfd) < 0)
		return berr_make(err, errno, "pipe");
	pid_t pid = spawn(b, &a, pfd[1], -1);
	close(pfd[1]);
	char buf[64] = {0};
	ssize_t r = read(pfd[0], buf, sizeof buf - 1);
	close(pfd[0]);
	int st = reap(pid);
	av_free(&a);
	if (st != 0 || r <= 0)
		return berr_make_status(err, 1, 0, "service \"%s\" didn't complete successfully", svc);
	int code = atoi(buf);
	if (code != 0)
		return berr_make_status(err, 1, 0, "service \"%s\" didn't complete successfully: exit %d", svc, code);
	return 0;
}

/* Services to act on: the ones named and, for up, what they depend on. */
static bool *selection(const struct compose_project *p, const struct compose_run_opts *o, bool with_deps)
{
	const struct ynode *svcs = services_of(p);
	bool *sel = xcalloc(svcs->n + 1, sizeof(bool));
	for (size_t i = 0; i < svcs->n; i++)
		sel[i] = wanted(o, svcs->keys[i]);
	for (bool changed = with_deps; changed;) {
		changed = false;
		for (size_t i = 0; i < svcs->n; i++) {
			if (!sel[i])
				continue;
			const struct ynode *dep = ynode_get(svcs->items[i], "depends_on");
			for (size_t j = 0; dep && j < dep->n; j++)
				for (size_t k = 0; k < svcs->n; k++)
					if (!sel[k] && strcmp(svcs->keys[k], dep->keys[j]) == 0)
						sel[k] = changed = true;
		}
	}
	return sel;
}

static size_t svc_index(const struct ynode *svcs, const char *name)
{
	for (size_t i = 0; i < svcs->n; i++)
		if (strcmp(svcs->keys[i], name) == 0)
			return i;
	return (size_t)-1;
}

/* ---- the services in dependency order ---- */

/* A walk over the selected services (selection()) in dependency order:
 * dependencies first, to create and start, or reversed, dependents first,
 * to stop and remove.  begin, then next() until false (w.name and w.node
 * are the current service), then end.  A cycle gives no order (validation
 * reports it first): nothing is walked. */
struct service_walk {
	const struct ynode *services;
	bool *selected;            /* by index in services (selection()) */
	char **order;
	size_t norder, step;
	bool reverse;
	const char *name;          /* the current service */
	const struct ynode *node;  /* and its model */
};

static void service_walk_begin(struct service_walk *w, const struct compose_project *p, const struct compose_run_opts *o,
			       bool with_deps, bool reverse)
{
	memset(w, 0, sizeof(*w));
	w->services = services_of(p);
	w->selected = selection(p, o, with_deps);
	w->order = compose_service_order(w->services, &w->norder);
	w->reverse = reverse;
}

static bool service_walk_next(struct service_walk *w)
{
	while (w->order && w->step < w->norder) {
		size_t k = w->step++;
		const char *name = w->order[w->reverse ? w->norder - 1 - k : k];
		size_t i = svc_index(w->services, name);
		if (!w->selected[i])
			continue;
		w->name = name;
		w->node = w->services->items[i];
		return true;
	}
	return false;
}

static void service_walk_end(struct service_walk *w)
{
	for (size_t i = 0; w->order && i < w->norder; i++)
		free(w->order[i]);
	free(w->order);
	free(w->selected);
	memset(w, 0, sizeof(*w));
}

static int remove_containers(struct berth *b, struct container **cs, size_t n, bool volumes, berr_t *err);

static int orphans(struct berth *b, struct compose_project *p, struct owned *own, bool remove, berr_t *err)
{
	struct container **orph = NULL;
	size_t n = 0;
	for (size_t i = 0; i < own->n; i++) {
		const char *svc = own->v[i].service;
		/* A service behind a disabled profile is not an orphan. */
		const struct ynode *raw = ynode_get(ynode_get(p->raw, "services"), svc);
		if (ynode_get(services_of(p), svc) || raw || own->v[i].oneoff)
			continue;
		orph = xrealloc(orph, (n + 1) * sizeof(*orph));
		orph[n++] = own->v[i].c;
	}
	int r = 0;
	if (n && remove) {
		r = remove_containers(b, orph, n, false, err);
	} else if (n) {
		fprintf(stderr, "WARN[0000] Found orphan containers ([");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s%s", i ? " " : "", orph[i]->name);
		fprintf(stderr, "]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n");
	}
	free(orph);
	return r;
}

int compose_up(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	const struct ynode *svcs = services_of(p);
	struct owned own;
	struct jobs jobs = {0};
	struct service_walk walk;
	int r = -1;
	if (check_services(p, o, err) < 0)
		return -1;
	if (o->exit_code_from && !ynode_get(svcs, o->exit_code_from))
		return berr_make_status(err, 1, 0, "no such service: %s", o->exit_code_from);
	if (owned_load(b, p->name, false, &own, err) < 0)
		return -1;
	service_walk_begin(&walk, p, o, true, false);
	if (orphans(b, p, &own, o->remove_orphans, err) < 0)
		goto out;
	if (ensure_networks(b, p, err) < 0 || ensure_volumes(b, p, err) < 0)
		goto out;
	while (service_walk_next(&walk)) {
		const char *svc = walk.name;
		const struct ynode *s = walk.node;
		/* Dependencies first: anything still starting, then conditions. */
		const struct ynode *dep = ynode_get(s, "depends_on");
		bool flush = false;
		for (size_t j = 0; dep && j < dep->n; j++)
			flush |= job_pending(&jobs, dep->keys[j]);
		if (flush && jobs_wait(b, &jobs, err) < 0)
			goto out;
		cleanup_free char *image_id = NULL;
		if (ensure_image(b, p, svc, s, o->build, o->no_build, &image_id, err) < 0)
			goto out;
		cleanup_free char *hash = compose_service_hash(s);
		long n = replicas(s);
		/* Nothing to do for this service (all replicas up to date and
		 * running): its dependencies' conditions need no waiting. */
		bool idle = !o->force_recreate;
		for (long num = 1; idle && num <= n; num++) {
			struct pc *h = NULL;
			for (size_t k = 0; k < own.n; k++)
				if (strcmp(own.v[k].service, svc) == 0 && own.v[k].number == num)
					h = &own.v[k];
			idle = h && running(h->c) &&
			       (o->no_recreate || (strcmp(h->hash, hash) == 0 && h->c->image_id && image_id &&
						   strcmp(h->c->image_id, image_id) == 0));
		}
		for (size_t j = 0; !idle && dep && j < dep->n; j++) {
			const char *cond = ynode_str(dep->items[j], "condition");
			if (!ynode_get(svcs, dep->keys[j]))
				continue;
			if (cond && strcmp(cond, "service_healthy") == 0 && wait_healthy(b, p, dep->keys[j], err) < 0)
				goto out;
			if (cond && strcmp(cond, "service_completed_successfully") == 0 &&
			    wait_completed(b, p, dep->keys[j], err) < 0)
				goto out;
		}
		/* Replicas beyond the scale are removed, highest first. */
		for (size_t k = own.n; k-- > 0;)
			if (strcmp(own.v[k].service, svc) == 0 && own.v[k].number > n) {
				if (remove_containers(b, &own.v[k].c, 1, false, err) < 0)
					goto out;
				progress("Container", own.v[k].c->name, "Removed");
			}
		for (long num = 1; num <= n; num++) {
			cleanup_free char *name = container_name(p, svc, s, (int)num);
			struct pc *have = NULL;
			for (size_t k = 0; k < own.n; k++)
				if (strcmp(own.v[k].service, svc) == 0 && own.v[k].number == num)
					have = &own.v[k];
			struct av a = {0};
			const char *what = "Started";
			if (have) {
				bool same = strcmp(have->hash, hash) == 0 && have->c->image_id && image_id &&
					    strcmp(have->c->image_id, image_id) == 0;
				if ((same && !o->force_recreate) || o->no_recreate) {
					if (running(have->c)) {
						progress("Container", name, "Running");
						continue;
					}
					av_add(&a, "start");
					av_add(&a, have->c->name);
					jobs_add(b, &jobs, &a, have->c->name, svc, "Started");
					av_free(&a);
					continue;
				}
				if (remove_containers(b, &have->c, 1, false, err) < 0)
					goto out;
				what = "Recreated";
			}
			const struct ynode *nets = ynode_get(s, "networks");
			bool more_nets = nets && nets->n > 1 && !ynode_str(s, "network_mode");
			av_add(&a, more_nets ? "create" : "run");
			if (!more_nets)
				av_add(&a, "-d");
			create_args(p, svc, s, (int)num, hash, name, false, &a);
			if (!more_nets) {
				jobs_add(b, &jobs, &a, name, svc, what);
				av_free(&a);
				continue;
			}
			/* create, connect the other networks, start */
			cleanup_free char *msg = NULL;
			if (run_berth(b, &a, -2, &msg) != 0) {
				av_free(&a);
				berr_make_status(err, 1, 0, "service \"%s\": %s", svc, msg ? msg : "create failed");
				goto out;
			}
			av_free(&a);
			for (size_t k = 1; k < nets->n; k++) {
				struct av c = {0};
				av_add(&c, "network");
				av_add(&c, "connect");
				av_add(&c, "--alias");
				av_add(&c, svc);
				const struct ynode *al = ynode_get(nets->items[k], "aliases");
				for (size_t x = 0; al && x < al->n; x++) {
					av_add(&c, "--alias");
					av_add(&c, al->items[x]->value);
				}
				av_add(&c, res_name(p, "networks", nets->keys[k]));
				av_add(&c, name);
				free(msg);
				msg = NULL;
				int st = run_berth(b, &c, -2, &msg);
				av_free(&c);
				if (st != 0) {
					berr_make_status(err, 1, 0, "service \"%s\": %s", svc, msg ? msg : "network connect failed");
					goto out;
				}
			}
			av_add(&a, "start");
			av_add(&a, name);
			jobs_add(b, &jobs, &a, name, svc, what);
			av_free(&a);
		}
	}
	if (jobs_wait(b, &jobs, err) < 0)
		goto out;
	/* --wait: dependencies' conditions were honoured; wait for healthchecks too. */
	if (o->wait) {
		for (size_t i = 0; i < svcs->n; i++)
			if (walk.selected[i] && ynode_get(svcs->items[i], "healthcheck") &&
			    wait_healthy(b, p, svcs->keys[i], err) < 0)
				goto out;
	}
	r = 0;
	if (!o->detach && !o->wait) {
		/* Attached: follow every selected service's logs until they end. */
		struct compose_run_opts lo = {0};
		lo.follow = true;
		lo.attached = true;
		lo.abort_on_exit = o->abort_on_exit || o->exit_code_from;
		lo.exit_code_from = o->exit_code_from;
		lo.timeout = o->timeout;
		int code = 0;
		lo.exit_code = &code;
		lo.services = o->services;
		lo.nservices = o->nservices;
		owned_free(&own);
		memset(&own, 0, sizeof(own));
		r = compose_logs(b, p, &lo, err);
		/* --abort-on-container-exit: the exit code of the container
		 * that ended first, or of --exit-code-from's service. */
		if (r == 0 && lo.abort_on_exit)
			r = code;
	}
out:
	if (jobs.n) {
		berr_t e2 = NULL;
		jobs_wait(b, &jobs, r < 0 ? &e2 : err);
		berr_free(&e2);
	}
	service_walk_end(&walk);
	if (own.all || own.v)
		owned_free(&own);
	return r;
}

/* ---- stop, rm, down ---- */

static int remove_containers(struct berth *b, struct container **cs, size_t n, bool volumes, berr_t *err)
{
	if (!n)
		return 0;
	struct av a = {0};
	av_add(&a, "rm");
	av_add(&a, "-f");
	if (volumes)
		av_add(&a, "-v");
	for (size_t i = 0; i < n; i++)
		av_add(&a, cs[i]->id);
	cleanup_free char *msg = NULL;
	int st = run_berth(b, &a, -2, &msg);
	av_free(&a);
	if (st != 0)
		return berr_make_status(err, 1, 0, "removing containers: %s", msg ? msg : "failed");
	return 0;
}

/* Containers of the selected services, in dependency order (reverse:
 * dependents first).  Containers of services no longer in the file are not
 * picked: down and up --remove-orphans deal with those. */
static size_t pick(const struct compose_project *p, const struct owned *own, const struct compose_run_opts *o,
		   bool reverse, bool only_running, struct container ***out)
{
	size_t n = 0;
	struct container **v = xcalloc(own->n + 1, sizeof(*v));
	bool *used = xcalloc(own->n + 1, sizeof(bool));
	struct service_walk walk;
	service_walk_begin(&walk, p, o, false, reverse);
	while (service_walk_next(&walk))
		for (size_t k = 0; k < own->n; k++)
			if (!used[k] && strcmp(own->v[k].service, walk.name) == 0 && (!only_running || running(own->v[k].c))) {
				v[n++] = own->v[k].c;
				used[k] = true;
			}
	service_walk_end(&walk);
	free(used);
	*out = v;
	return n;
}

/* The containers of the services o names (all when none), in dependency
 * order or reversed; *cs points into *own, the caller frees both. */
static int load_picked(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, bool reverse,
		       bool only_running, struct owned *own, struct container ***cs, size_t *n, berr_t *err)
{
	if (check_services(p, o, err) < 0)
		return -1;
	if (owned_load(b, p->name, false, own, err) < 0)
		return -1;
	*n = pick(p, own, o, reverse, only_running, cs);
	return 0;
}

static int batch(struct berth *b, const char *cmd, const char *flag, const char *flagval, struct container **cs, size_t n,
		 const char *done, berr_t *err)
{
	if (!n)
		return 0;
	struct av a = {0};
	av_add(&a, cmd);
	if (flag) {
		av_add(&a, flag);
		av_add(&a, flagval);
	}
	for (size_t i = 0; i < n; i++)
		av_add(&a, cs[i]->name);
	cleanup_free char *msg = NULL;
	int st = run_berth(b, &a, -2, &msg);
	av_free(&a);
	if (st != 0)
		return berr_make_status(err, 1, 0, "%s", msg && *msg ? msg : "failed");
	for (size_t i = 0; done && i < n; i++)
		progress("Container", cs[i]->name, done);
	return 0;
}

/* Stop containers in parallel, dependents before their dependencies: a
 * container is stopped once no running container of a service that depends
 * on its service is still stopping.  (`berth stop a b c` stops one after the
 * other; a shell as PID 1 ignores SIGTERM, so that would cost 10 s each.) */
static int stop_levels(struct berth *b, struct compose_project *p, struct container **cs, size_t n, long timeout,
		       berr_t *err)
{
	const struct ynode *svcs = services_of(p);
	struct jobs jobs = {0};
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *svc = label(cs[i], L_SERVICE);
		/* Does a pending stop belong to a service that depends on svc? */
		bool flush = false;
		for (size_t j = 0; j < jobs.n && svc; j++) {
			const struct ynode *dep = ynode_get(ynode_get(svcs, jobs.v[j].svc), "depends_on");
			flush |= ynode_get(dep, svc) != NULL;
		}
		if (flush)
			r = jobs_wait(b, &jobs, err);
		struct av a = {0};
		av_add(&a, "stop");
		if (timeout >= 0) {
			av_add(&a, "-t");
			av_addf(&a, "%ld", timeout);
		}
		av_add(&a, cs[i]->id);
		jobs_add(b, &jobs, &a, cs[i]->name, svc ? svc : "", "Stopped");
		av_free(&a);
	}
	berr_t e2 = NULL;
	if (jobs.n && jobs_wait(b, &jobs, r < 0 ? &e2 : err) < 0)
		r = -1;
	berr_free(&e2);
	return r;
}

int compose_down(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	if (owned_load(b, p->name, true, &own, err) < 0)
		return -1;
	int r = -1;
	struct container **cs = NULL;
	struct compose_run_opts all = *o;
	all.nservices = 0;
	size_t n = pick(p, &own, &all, true, false, &cs);
	/* Stop in reverse dependency order, then remove. */
	struct container **run = xcalloc(n + 1, sizeof(*run));
	size_t nr = 0;
	for (size_t i = 0; i < n; i++)
		if (running(cs[i]))
			run[nr++] = cs[i];
	if (stop_levels(b, p, run, nr, o->timeout, err) < 0) {
		free(run);
		goto out;
	}
	free(run);
	if (remove_containers(b, cs, n, false, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		progress("Container", cs[i]->name, "Removed");
	/* Orphans and one-off containers. */
	struct container **rest = xcalloc(own.n + 1, sizeof(*rest));
	size_t nrest = 0;
	for (size_t k = 0; k < own.n; k++) {
		bool listed = false;
		for (size_t i = 0; i < n; i++)
			listed |= cs[i] == own.v[k].c;
		if (!listed && (o->remove_orphans || own.v[k].oneoff))
			rest[nrest++] = own.v[k].c;
		else if (!listed)
			fprintf(stderr, "WARN[0000] Found orphan containers ([%s]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n",
				own.v[k].c->name);
	}
	if (remove_containers(b, rest, nrest, false, err) < 0) {
		free(rest);
		goto out;
	}
	for (size_t i = 0; i < nrest; i++)
		progress("Container", rest[i]->name, "Removed");
	free(rest);
	/* Networks the project created (by label), not external ones. */
	struct network **nets = NULL;
	size_t nn = 0;
	if (network_list(b, &nets, &nn, err) < 0)
		goto out;
	for (size_t i = 0; i < nn; i++) {
		if (!owned_by(nets[i]->labels, p))
			continue;
		berr_t e = NULL;
		report_removal("Network", nets[i]->name, network_remove(b, nets[i]->id, &e), &e);
	}
	network_list_free(nets, nn);
	if (o->volumes) {
		struct volume **vols = NULL;
		size_t nv = 0;
		if (volume_list(b, &vols, &nv, err) < 0)
			goto out;
		for (size_t i = 0; i < nv; i++) {
			if (!owned_by(vols[i]->labels, p))
				continue;
			berr_t e = NULL;
			report_removal("Volume", vols[i]->name, volume_remove(b, vols[i]->name, &e), &e);
		}
		volume_list_free(vols, nv);
	}
	if (o->rmi) {
		const struct ynode *svcs = services_of(p);
		struct av a = {0};
		av_add(&a, "rmi");
		for (size_t i = 0; i < svcs->n; i++) {
			bool local = !ynode_str(svcs->items[i], "image");
			if (strcmp(o->rmi, "all") == 0 || local) {
				cleanup_free char *own_img = NULL;
				av_add(&a, image_of(p, svcs->keys[i], svcs->items[i], &own_img));
			}
		}
		if (a.n > 1)
			run_berth(b, &a, -2, NULL);
		av_free(&a);
	}
	r = 0;
out:
	free(cs);
	owned_free(&own);
	return r;
}

static int simple_batch(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, const char *cmd,
			bool reverse, bool only_running, bool only_stopped, const char *done, berr_t *err)
{
	struct owned own;
	struct container **cs = NULL;
	size_t n = 0;
	if (load_picked(b, p, o, reverse, only_running, &own, &cs, &n, err) < 0)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!only_stopped || !running(cs[i]))
			cs[k++] = cs[i];
	char tbuf[32];
	const char *flag = NULL, *val = NULL;
	if (o->timeout >= 0 && (strcmp(cmd, "stop") == 0 || strcmp(cmd, "restart") == 0)) {
		snprintf(tbuf, sizeof tbuf, "%ld", o->timeout);
		flag = "-t";
		val = tbuf;
	}
	if (strcmp(cmd, "kill") == 0 && o->signal) {
		flag = "-s";
		val = o->signal;
	}
	int r = strcmp(cmd, "stop") == 0 ? stop_levels(b, p, cs, k, o->timeout, err)
					  : batch(b, cmd, flag, val, cs, k, done, err);
	free(cs);
	owned_free(&own);
	return r;
}

int compose_start(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	return simple_batch(b, p, o, "start", false, false, true, "Started", err);
}

int compose_stop(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	return simple_batch(b, p, o, "stop", true, true, false, "Stopped", err);
}

int compose_restart(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	return simple_batch(b, p, o, "restart", false, false, false, "Started", err);
}

int compose_kill(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	return simple_batch(b, p, o, "kill", true, true, false, "Killed", err);
}

int compose_rm(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	struct container **cs = NULL;
	size_t n = 0;
	if (load_picked(b, p, o, true, false, &own, &cs, &n, err) < 0)
		return -1;
	int r = 0;
	if (o->stop_first) {
		struct container **run = xcalloc(n + 1, sizeof(*run));
		size_t nr = 0;
		for (size_t i = 0; i < n; i++)
			if (running(cs[i]))
				run[nr++] = cs[i];
		r = batch(b, "stop", NULL, NULL, run, nr, "Stopped", err);
		free(run);
		for (size_t i = 0; i < n; i++)
			container_reload(b, cs[i], err);
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!running(cs[i]) || o->stop_first)
			cs[k++] = cs[i];
	if (r == 0 && k == 0)
		fprintf(stderr, "No stopped containers\n");
	else if (r == 0) {
		for (size_t i = 0; i < k; i++)
			fprintf(stderr, "Going to remove %s\n", cs[i]->name);
		r = remove_containers(b, cs, k, o->volumes, err);
		for (size_t i = 0; r == 0 && i < k; i++)
			progress("Container", cs[i]->name, "Removed");
	}
	free(cs);
	owned_free(&own);
	return r;
}

/* ---- ps, images, top, port, ls ---- */

int compose_ps(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	if (o->list_services) {
		struct service_walk walk;
		service_walk_begin(&walk, p, o, false, false);
		while (service_walk_next(&walk))
			printf("%s\n", walk.name);
		service_walk_end(&walk);
		return 0;
	}
	struct owned own;
	if (check_services(p, o, err) < 0)
		return -1;
	if (owned_load(b, p->name, false, &own, err) < 0)
		return -1;
	long long now = now_ns();
	struct tabwriter *tw = o->quiet ? NULL : tw_new(stdout, 0, 8, 3);
	if (tw)
		tw_puts(tw, "NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS\n");
	/* By service name then number, as compose ps sorts. */
	for (size_t i = 0; i < own.n; i++)
		for (size_t j = i + 1; j < own.n; j++) {
			int c = strcmp(own.v[i].service, own.v[j].service);
			if (c > 0 || (c == 0 && own.v[i].number > own.v[j].number)) {
				struct pc t = own.v[i];
				own.v[i] = own.v[j];
				own.v[j] = t;
			}
		}
	for (size_t i = 0; i < own.n; i++) {
		struct pc *x = &own.v[i];
		if (!wanted(o, x->service) || (!o->all && !running(x->c)))
			continue;
		if (o->quiet) {
			printf("%s\n", x->c->id);
			continue;
		}
		json_t *j = container_ps_json(b, x->c, true, now);
		cleanup_free char *line = xasprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x->c->name,
						    json_string_value(json_object_get(j, "Image")) ?: "",
						    json_string_value(json_object_get(j, "Command")) ?: "", x->service,
						    json_string_value(json_object_get(j, "RunningFor")) ?: "",
						    json_string_value(json_object_get(j, "Status")) ?: "",
						    json_string_value(json_object_get(j, "Ports")) ?: "");
		tw_puts(tw, line);
		json_decref(j);
	}
	if (tw) {
		tw_flush(tw);
		tw_free(tw);
	}
	owned_free(&own);
	return 0;
}

int compose_images(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	if (owned_load(b, p->name, false, &own, err) < 0)
		return -1;
	struct tabwriter *tw = o->quiet ? NULL : tw_new(stdout, 0, 8, 3);
	if (tw)
		tw_puts(tw, "CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\n");
	for (size_t i = 0; i < own.n; i++) {
		struct container *c = own.v[i].c;
		if (!wanted(o, own.v[i].service))
			continue;
		const char *id = c->image_id ? c->image_id : "";
		if (str_has_prefix(id, "sha256:"))
			id += 7;
		if (o->quiet) {
			printf("%s\n", id);
			continue;
		}
		cleanup_free char *repo = xstrdup(c->image_ref ? c->image_ref : "<none>");
		char *colon = strrchr(repo, ':');
		const char *tag = "latest";
		if (colon && !strchr(colon, '/')) {
			*colon = '\0';
			tag = colon + 1;
		}
		cleanup_free char *line = xasprintf("%s\t%s\t%s\t%.12s\n", c->name, repo, tag, id);
		tw_puts(tw, line);
	}
	if (tw) {
		tw_flush(tw);
		tw_free(tw);
	}
	owned_free(&own);
	return 0;
}

int compose_top(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	if (owned_load(b, p->name, false, &own, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < own.n && r == 0; i++) {
		if (!wanted(o, own.v[i].service) || !running(own.v[i].c))
			continue;
		printf("%s\n", own.v[i].c->name);
		fflush(stdout);
		struct av a = {0};
		av_add(&a, "top");
		av_add(&a, own.v[i].c->name);
		if (run_berth(b, &a, -1, NULL) != 0)
			r = berr_make_status(err, 1, 0, "top %s failed", own.v[i].c->name);
		av_free(&a);
		printf("\n");
	}
	owned_free(&own);
	return r;
}

static struct pc *find_replica(struct owned *own, const char *svc, long index)
{
	for (size_t i = 0; i < own->n; i++)
		if (strcmp(own->v[i].service, svc) == 0 && own->v[i].number == index && !own->v[i].oneoff)
			return &own->v[i];
	return NULL;
}

int compose_port(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	if (check_services(p, o, err) < 0)
		return -1;
	if (owned_load(b, p->name, false, &own, err) < 0)
		return -1;
	struct pc *x = find_replica(&own, o->services[0], o->index);
	int r;
	if (!x) {
		r = berr_make_status(err, 1, 0, "service \"%s\" is not running", o->services[0]);
	} else {
		struct av a = {0};
		av_add(&a, "port");
		av_add(&a, x->c->name);
		av_addf(&a, "%s/%s", o->port, o->protocol);
		cleanup_free char *msg = NULL;
		int st = run_berth(b, &a, -1, &msg);
		av_free(&a);
		r = st == 0 ? 0 : berr_make_status(err, 1, 0, "%s", msg && *msg ? msg : "no port");
	}
	owned_free(&own);
	return r;
}

int compose_ls(struct berth *b, const struct compose_run_opts *o, berr_t *err)
{
	struct container **all = NULL;
	size_t n = 0;
	if (container_list(b, &all, &n, err) < 0)
		return -1;
	struct proj {
		char *name, *files;
		int running, exited, other;
	} *v = NULL;
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		const char *pr = label(all[i], L_PROJECT);
		if (!pr)
			continue;
		size_t k;
		for (k = 0; k < np; k++)
			if (strcmp(v[k].name, pr) == 0)
				break;
		if (k == np) {
			v = xrealloc(v, (np + 1) * sizeof(*v));
			const char *f = label(all[i], L_FILES);
			v[np++] = (struct proj){xstrdup(pr), xstrdup(f ? f : ""), 0, 0, 0};
		}
		if (all[i]->state == CS_RUNNING)
			v[k].running++;
		else if (all[i]->state == CS_EXITED)
			v[k].exited++;
		else
			v[k].other++;
	}
	for (size_t i = 0; i < np; i++)
		for (size_t j = i + 1; j < np; j++)
			if (strcmp(v[i].name, v[j].name) > 0) {
				struct proj t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	bool json = o->format && strcmp(o->format, "json") == 0;
	struct tabwriter *tw = o->quiet || json ? NULL : tw_new(stdout, 0, 8, 3);
	json_t *arr = json ? json_array() : NULL;
	if (tw)
		tw_puts(tw, "NAME\tSTATUS\tCONFIG FILES\n");
	for (size_t i = 0; i < np; i++) {
		if (!o->all && !v[i].running)
			goto next;
		char status[128] = "";
		size_t off = 0;
		if (v[i].running)
			off += snprintf(status + off, sizeof status - off, "running(%d)", v[i].running);
		if (v[i].exited)
			off += snprintf(status + off, sizeof status - off, "%sexited(%d)", off ? ", " : "", v[i].exited);
		if (v[i].other)
			snprintf(status + off, sizeof status - off, "%screated(%d)", off ? ", " : "", v[i].other);
		if (o->quiet)
			printf("%s\n", v[i].name);
		else if (json)
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "Name", v[i].name, "Status", status,
							     "ConfigFiles", v[i].files));
		else {
			cleanup_free char *line = xasprintf("%s\t%s\t%s\n", v[i].name, status, v[i].files);
			tw_puts(tw, line);
		}
next:
		free(v[i].name);
		free(v[i].files);
	}
	if (tw) {
		tw_flush(tw);
		tw_free(tw);
	}
	if (arr) {
		char *s = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(arr);
	}
	free(v);
	container_list_free(all, n);
	return 0;
}

/* ---- logs ---- */

static volatile sig_atomic_t got_signal;
static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static int stop_levels(struct berth *b, struct compose_project *p, struct container **cs, size_t n, long timeout,
		       berr_t *err);

struct stream {
	int fd;
	pid_t pid;
	char *prefix;
	char buf[8192];
	size_t len;
};

static const char *const colours[] = {"\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m",
				      "\033[96m", "\033[93m", "\033[92m", "\033[95m", "\033[94m"};

static void emit_lines(struct stream *s, bool flush_all, bool colour, int ci)
{
	size_t start = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] != '\n')
			continue;
		if (colour)
			printf("%s%s\033[0m%.*s\n", colours[ci % 10], s->prefix, (int)(i - start), s->buf + start);
		else
			printf("%s%.*s\n", s->prefix, (int)(i - start), s->buf + start);
		start = i + 1;
	}
	if (flush_all && start < s->len) {
		printf("%s%.*s\n", s->prefix, (int)(s->len - start), s->buf + start);
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	/* A line longer than the buffer is printed in pieces. */
	if (s->len == sizeof s->buf) {
		printf("%s%.*s\n", s->prefix, (int)s->len, s->buf);
		s->len = 0;
	}
	fflush(stdout);
}

int compose_logs(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	struct container **cs = NULL;
	size_t n = 0;
	if (load_picked(b, p, o, false, false, &own, &cs, &n, err) < 0)
		return -1;
	size_t width = 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(cs[i]->name) > width)
			width = strlen(cs[i]->name);
	bool colour = isatty(1) && !getenv("NO_COLOR");
	struct stream *ss = xcalloc(n + 1, sizeof(*ss));
	struct pollfd *pfds = xcalloc(n + 1, sizeof(*pfds));
	for (size_t i = 0; i < n; i++) {
		int pfd[2];
		if (pipe2(pfd, O_CLOEXEC) < 0) {
			ss[i].fd = -1;
			continue;
		}
		struct av a = {0};
		av_add(&a, "logs");
		if (o->follow)
			av_add(&a, "-f");
		if (o->timestamps)
			av_add(&a, "-t");
		if (o->tail) {
			av_add(&a, "--tail");
			av_add(&a, o->tail);
		}
		av_add(&a, cs[i]->id);
		ss[i].pid = spawn(b, &a, pfd[1], pfd[1]);
		av_free(&a);
		close(pfd[1]);
		ss[i].fd = pfd[0];
		ss[i].prefix = o->no_prefix ? xstrdup("") : xasprintf("%-*s | ", (int)width, cs[i]->name);
	}
	size_t open_n = n;
	bool stop_all = false;
	ssize_t first_exit = -1;
	struct sigaction sa = {0}, old_int, old_term;
	if (o->attached) {
		/* Attached `up`: Ctrl+C stops the project, as docker compose. */
		got_signal = 0;
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	while (open_n && !stop_all) {
		if (got_signal) {
			fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
			stop_all = true;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			pfds[i].fd = ss[i].fd;
			pfds[i].events = POLLIN;
		}
		if (poll(pfds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (ss[i].fd < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(ss[i].fd, ss[i].buf + ss[i].len, sizeof ss[i].buf - ss[i].len);
			if (r <= 0) {
				emit_lines(&ss[i], true, colour, (int)i);
				close(ss[i].fd);
				ss[i].fd = -1;
				reap(ss[i].pid);
				open_n--;
				if (o->abort_on_exit) {
					fprintf(stderr, "Aborting on container exit...\n");
					stop_all = true;
					if (first_exit < 0)
						first_exit = (ssize_t)i;
				}
				continue;
			}
			ss[i].len += r;
			emit_lines(&ss[i], false, colour, (int)i);
		}
	}
	int r = 0;
	if (o->attached) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (ss[i].fd >= 0) {
			kill(ss[i].pid, SIGTERM);
			close(ss[i].fd);
			reap(ss[i].pid);
		}
		free(ss[i].prefix);
	}
	if (stop_all) {
		struct container **run = xcalloc(n + 1, sizeof(*run));
		size_t nr = 0;
		/* reverse dependency order: pick() gave dependencies first */
		for (size_t i = n; i-- > 0;) {
			container_reload(b, cs[i], err);
			if (running(cs[i]))
				run[nr++] = cs[i];
		}
		r = stop_levels(b, p, run, nr, o->timeout, err);
		free(run);
	}
	if (r == 0 && o->abort_on_exit && o->exit_code) {
		ssize_t from = first_exit;
		for (size_t i = 0; o->exit_code_from && i < n; i++) {
			const char *svc = label(cs[i], L_SERVICE);
			if (svc && strcmp(svc, o->exit_code_from) == 0)
				from = (ssize_t)i;
		}
		if (from >= 0) {
			berr_t e2 = NULL;
			if (container_reload(b, cs[from], &e2) == 0)
				*o->exit_code = cs[from]->exit_code;
			berr_free(&e2);
		}
	}
	free(ss);
	free(pfds);
	free(cs);
	owned_free(&own);
	return r;
}

/* ---- exec, run ---- */

int compose_exec(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	struct owned own;
	if (check_services(p, o, err) < 0)
		return -1;
	if (owned_load(b, p->name, false, &own, err) < 0)
		return -1;
	struct pc *x = find_replica(&own, o->services[0], o->index);
	if (!x || !running(x->c)) {
		owned_free(&own);
		return berr_make_status(err, 1, 0, "service \"%s\" is not running", o->services[0]);
	}
	struct av a = {0};
	av_add(&a, "exec");
	if (o->detach)
		av_add(&a, "-d");
	if (!o->no_tty && isatty(0))
		av_add(&a, "-it");
	else
		av_add(&a, "-i");
	for (char **e = o->env; e && *e; e++) {
		av_add(&a, "-e");
		av_add(&a, *e);
	}
	if (o->user) {
		av_add(&a, "-u");
		av_add(&a, o->user);
	}
	if (o->workdir) {
		av_add(&a, "-w");
		av_add(&a, o->workdir);
	}
	av_add(&a, x->c->name);
	for (int i = 0; i < o->ncmd; i++)
		av_add(&a, o->cmd[i]);
	owned_free(&own);
	int st = run_berth(b, &a, -1, NULL);
	av_free(&a);
	return st;
}

int compose_run(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	if (check_services(p, o, err) < 0)
		return -1;
	const char *svc = o->services[0];
	struct ynode *s = ymodel_copy(ynode_get(services_of(p), svc));
	int r = -1;
	/* Dependencies come up first, as compose run does (unless --no-deps). */
	const struct ynode *dep = ynode_get(s, "depends_on");
	if (!o->no_deps && dep && dep->n) {
		struct compose_run_opts uo = {0};
		uo.detach = true;
		uo.services = xcalloc(dep->n + 1, sizeof(char *));
		for (size_t i = 0; i < dep->n; i++)
			uo.services[i] = dep->keys[i];
		uo.nservices = (int)dep->n;
		r = compose_up(b, p, &uo, err);
		free(uo.services);
		if (r < 0) {
			ynode_free(s);
			return -1;
		}
	} else if (ensure_networks(b, p, err) < 0 || ensure_volumes(b, p, err) < 0) {
		ynode_free(s);
		return -1;
	}
	cleanup_free char *image_id = NULL;
	if (ensure_image(b, p, svc, s, false, false, &image_id, err) < 0) {
		ynode_free(s);
		return -1;
	}
	/* A one-off container: no published ports unless asked, the command
	 * from the command line, its own name. */
	if (!o->service_ports)
		ymodel_put(s, "ports", ymodel_seq());
	if (o->ncmd) {
		struct ynode *c = ymodel_seq();
		for (int i = 0; i < o->ncmd; i++)
			ymodel_push(c, ymodel_str(o->cmd[i]));
		ymodel_put(s, "command", c);
	}
	if (o->entrypoint) {
		char **v;
		size_t n;
		if (compose_shell_split(o->entrypoint, &v, &n) == 0) {
			struct ynode *e = ymodel_seq();
			for (size_t i = 0; i < n; i++) {
				ymodel_push(e, ymodel_str(v[i]));
				free(v[i]);
			}
			free(v);
			ymodel_put(s, "entrypoint", e);
		}
	}
	if (o->user)
		ymodel_put(s, "user", ymodel_str(o->user));
	if (o->workdir)
		ymodel_put(s, "working_dir", ymodel_str(o->workdir));
	struct ynode *env = ynode_get(s, "environment");
	if (!env) {
		env = ymodel_map();
		ymodel_put(s, "environment", env);
	}
	for (char **e = o->env; e && *e; e++) {
		char *eq = strchr(*e, '=');
		cleanup_free char *k = eq ? xstrndup(*e, eq - *e) : xstrdup(*e);
		const char *v = eq ? eq + 1 : getenv(k);
		if (v)
			ymodel_put(env, k, ymodel_str(v));
	}
	struct ynode *vols = ynode_get(s, "volumes");
	if (o->volume && !vols) {
		vols = ymodel_seq();
		ymodel_put(s, "volumes", vols);
	}
	for (char **v = o->volume; v && *v; v++) {
		struct ynode *m = ymodel_map();
		char *c = strchr(*v, ':');
		ymodel_put(m, "type", ymodel_str("bind"));
		if (c) {
			cleanup_free char *src = xstrndup(*v, c - *v);
			ymodel_put(m, "source", ymodel_str(src));
			ymodel_put(m, "target", ymodel_str(c + 1));
		} else {
			ymodel_put(m, "target", ymodel_str(*v));
		}
		ymodel_push(vols, m);
	}
	ymodel_put(s, "restart", ymodel_str("no"));
	cleanup_free char *name = o->name ? xstrdup(o->name) : NULL;
	if (!name) {
		cleanup_free char *rnd = random_hex(6);
		name = xasprintf("%s-%s-run-%s", p->name, svc, rnd);
	}
	cleanup_free char *hash = compose_service_hash(s);
	struct av a = {0};
	av_add(&a, "run");
	if (o->detach)
		av_add(&a, "-d");
	else if (!o->no_tty && isatty(0))
		av_add(&a, "-it");
	else
		av_add(&a, "-i");
	if (o->rm)
		av_add(&a, "--rm");
	for (char **pp = o->publish; pp && *pp; pp++) {
		av_add(&a, "-p");
		av_add(&a, *pp);
	}
	struct ynode *cn = ynode_get(s, "container_name");
	if (cn) {
		free(cn->value);
		cn->value = xstrdup(name);
	}
	create_args(p, svc, s, 1, hash, name, true, &a);
	r = run_berth(b, &a, -1, NULL);
	av_free(&a);
	ynode_free(s);
	return r;
}

/* ---- build, pull, push ---- */

int compose_build(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	const struct ynode *svcs = services_of(p);
	if (check_services(p, o, err) < 0)
		return -1;
	for (size_t i = 0; i < svcs->n; i++) {
		if (!wanted(o, svcs->keys[i]) || !ynode_get(svcs->items[i], "build"))
			continue;
		cleanup_free char *id = NULL;
		if (ensure_image(b, p, svcs->keys[i], svcs->items[i], true, false, &id, err) < 0)
			return -1;
	}
	return 0;
}

int compose_pull(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	const struct ynode *svcs = services_of(p);
	if (check_services(p, o, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < svcs->n; i++) {
		const char *img = ynode_str(svcs->items[i], "image");
		if (!wanted(o, svcs->keys[i]) || !img)
			continue;
		struct av a = {0};
		av_add(&a, "pull");
		if (o->quiet)
			av_add(&a, "-q");
		av_add(&a, img);
		cleanup_free char *msg = NULL;
		int st = run_berth(b, &a, o->quiet ? -2 : -1, &msg);
		av_free(&a);
		if (st != 0 && !o->force) {
			r = berr_make_status(err, 1, 0, "service \"%s\": %s", svcs->keys[i], msg && *msg ? msg : "pull failed");
			break;
		}
		if (st == 0 && !o->quiet)
			progress("Container", svcs->keys[i], "Pulled");
	}
	return r;
}

int compose_push(struct berth *b, struct compose_project *p, const struct compose_run_opts *o, berr_t *err)
{
	const struct ynode *svcs = services_of(p);
	if (check_services(p, o, err) < 0)
		return -1;
	for (size_t i = 0; i < svcs->n; i++) {
		const char *img = ynode_str(svcs->items[i], "image");
		if (!wanted(o, svcs->keys[i]) || !img || !ynode_get(svcs->items[i], "build"))
			continue;
		struct av a = {0};
		av_add(&a, "push");
		av_add(&a, img);
		cleanup_free char *msg = NULL;
		int st = run_berth(b, &a, -1, &msg);
		av_free(&a);
		if (st != 0)
			return berr_make_status(err, 1, 0, "service \"%s\": %s", svcs->keys[i], msg && *msg ? msg : "push failed");
	}
	return 0;
}
