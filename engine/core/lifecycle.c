/* lifecycle.c: create, start, stop, kill, remove, wait, pause (see
 * lifecycle.h).  Every operation that acts on a live process first refreshes
 * the row against /proc (container_refresh), so a dead monitor never makes
 * berth act on a recycled pid. */
#define _GNU_SOURCE
#include "lifecycle.h"
#include "cgroup.h"
#include "cleanup.h"
#include "db.h"
#include "logfile.h"
#include "monitor.h"
#include "ref.h"
#include "registry.h"
#include "seccomp.h"
#include "units.h"
#include "util.h"
#include "volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- files of a new container --------------------------------------- */

static const char hosts_file[] = "127.0.0.1\tlocalhost\n"
				 "::1\tlocalhost ip6-localhost ip6-loopback\n"
				 "fe00::0\tip6-localnet\n"
				 "ff00::0\tip6-mcastprefix\n"
				 "ff02::1\tip6-allnodes\n"
				 "ff02::2\tip6-allrouters\n";

/* The host's resolv.conf without loopback nameservers (they mean nothing
 * in the container's network namespace); docker's public fallback when
 * none is left. */
static char *resolv_conf(void)
{
	cleanup_fclose FILE *f = fopen("/etc/resolv.conf", "re");
	char line[1024];
	size_t len = 0;
	char *out = NULL;
	FILE *m = open_memstream(&out, &len);
	bool ns = false;

	while (f && fgets(line, sizeof(line), f)) {
		char addr[256];
		if (sscanf(line, " nameserver %255s", addr) == 1) {
			if (str_has_prefix(addr, "127.") || strcmp(addr, "::1") == 0)
				continue;
			ns = true;
		}
		fputs(line, m);
	}
	if (!ns)
		fputs("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", m);
	fclose(m);
	return out;
}

static int write_small(const char *dir, const char *name, const char *data, berr_t *err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, name);
	cleanup_close int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(data);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return berr_make(err, errno, "cannot write %s", p);
	return 0;
}

static int create_files(struct berth *b, const struct container *c, berr_t *err)
{
	cleanup_free char *cdir = container_dir(b, c->id);
	cleanup_free char *top = berth_path(b, "containers");
	cleanup_free char *hostname = xasprintf("%s\n", json_string_value(json_object_get(c->config, "Hostname")));
	cleanup_free char *resolv = resolv_conf();
	cleanup_free char *rootfs = xasprintf("%s/rootfs", cdir);

	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create %s", top);
	if (mkdir(cdir, 0700) < 0)
		return berr_make(err, errno, "cannot create %s", cdir);
	if (mkdir(rootfs, 0755) < 0)
		return berr_make(err, errno, "cannot create %s", rootfs);
	if (write_small(cdir, "hostname", hostname, err) < 0 || write_small(cdir, "hosts", hosts_file, err) < 0 ||
	    write_small(cdir, "resolv.conf", resolv ? resolv : "", err) < 0)
		return -1;
	return 0;
}

/* Delete a tree in the background.  Freeing blocks on a filesystem
 * mounted with -o discard (this host's) waits for the device: 5-15 ms for
 * a container's few directories, which `run --rm` should not pay.  The
 * tree has been renamed out of containers/ already, so nothing can see it;
 * a child in its own session removes it and exits. */
static void remove_tree_async(char *path)
{
	pid_t p = runtime_fork();
	if (p == 0) {
		cleanup_berr berr_t e = NULL;
		/* Hold nothing of the caller's: a shell reading its stdout
		 * must not wait for this. */
		syscall(SYS_close_range, 0U, ~0U, 0U);
		setsid();
		/* Background work: out of the next container's way (nice, not
		 * SCHED_IDLE, which a busy host could starve for good). */
		(void)!setpriority(PRIO_PROCESS, 0, 19);
		rootfs_remove(path, &e);
		remove_tree(path, &e);
		_exit(0);
	}
	if (p < 0) {
		cleanup_berr berr_t e = NULL;
		rootfs_remove(path, &e);
		remove_tree(path, &e);
	}
}

int ctr_cgroup_open(const struct container *c, const struct cgroup_limits *l, struct cgroup *out, berr_t *err)
{
	cleanup_free char *name = container_cgroup_name(c);
	return cgroup_open(name, l, out, err);
}

void ctr_sweep_trash(struct berth *b)
{
	cleanup_free char *dir = berth_path(b, "trash");
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	while (d && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* A fresh entry may still be in the hands of its remover (rename
		 * sets ctime, not mtime). */
		if (now - st.st_ctime < 60)
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
		cleanup_berr berr_t e = NULL;
		rootfs_remove(p, &e);
		remove_tree(p, &e);
	}
}

/* Files and row; its mounts forgotten and, with `volumes` (rm -v, and
 * always for --rm and failed creates, as docker), its anonymous volumes
 * removed (volume.h).  `cgroups_gone`: the caller reaped it already. */
static int remove_files(struct berth *b, const struct container *c, bool volumes, bool cgroups_gone, berr_t *err);

int ctr_remove_files(struct berth *b, const struct container *c, berr_t *err)
{
	return remove_files(b, c, true, false, err);
}

static int remove_files(struct berth *b, const struct container *c, bool volumes, bool cgroups_gone, berr_t *err)
{
	const char *id = c->id;
	cleanup_free char *cdir = container_dir(b, id);
	cleanup_free char *trash_dir = berth_path(b, "trash");
	cleanup_free char *rnd = random_hex(4);
	cleanup_free char *trash = xasprintf("%s/%s.%s", trash_dir, id, rnd);
	struct cgroup cg;
	cleanup_berr berr_t e2 = NULL;

	/* One write the less on the hot path: the row goes in a moment. */
	if (!cgroups_gone)
		container_set_state(b, id, CS_REMOVING, &e2);
	volume_release_container(b, id, volumes, &e2);
	if (!cgroups_gone && ctr_cgroup_open(c, NULL, &cg, &e2) == 0) {
		cgroup_remove(&cg, &e2);
		cgroup_free(&cg);
	}
	if ((mkdir(trash_dir, 0700) == 0 || errno == EEXIST) && rename(cdir, trash) == 0) {
		if (container_delete_row(b, id, err) < 0)
			return -1;
		remove_tree_async(trash);
		return 0;
	}
	if (errno != ENOENT && (rootfs_remove(cdir, err) < 0 || remove_tree(cdir, err) < 0))
		return -1;
	return container_delete_row(b, id, err);
}

/* ---- create ---------------------------------------------------------- */

/* docker's --pull: pull a missing image (the default), always, or never. */
static int find_image(struct berth *b, const char *name, bool announce, const char *pull, struct image **img,
		      berr_t *err)
{
	struct ref r;
	bool always = pull && strcmp(pull, "always") == 0, never = pull && strcmp(pull, "never") == 0;

	if (ref_parse_default_tag(name, &r, err) < 0) {
		/* An image id is not a reference but is a valid image. */
		cleanup_berr berr_t e2 = NULL;
		if (image_find(b, name, img, &e2) == 0) {
			berr_free(err);
			return 0;
		}
		return -1;
	}
	cleanup_free char *shown = ref_familiar(&r);
	ref_free(&r);
	if (!always) {
		if (image_find(b, name, img, err) == 0)
			return 0;
		if (!str_has_prefix((*err)->msg, "No such image"))
			return -1;
		berr_free(err);
		if (never)
			return berr_make(err, 0, "Error response from daemon: No such image: %s", shown);
		if (announce)
			fprintf(stderr, "Unable to find image '%s' locally\n", shown);
	}
	/* Pull it, as docker run does; its progress goes to stderr. */
	struct pull_options po = {.out = stderr};
	if (registry_pull(b, shown, &po, err) < 0) {
		if (!str_has_prefix((*err)->msg, "Error response from daemon"))
			berr_wrap(err, "Error response from daemon");
		(*err)->status = BERTH_EXIT_ERROR;
		return -1;
	}
	return image_find(b, shown, img, err);
}

static int create_with(struct berth *b, const struct create_opts *o, bool announce, struct container **out,
		       struct image **img_out, struct rootfs *rootfs_out, berr_t *err)
{
	struct image *img = NULL;
	struct container *c = NULL;
	cleanup_free char *cdir = NULL;
	struct rootfs rootfs;

	if (find_image(b, o->image, announce, o->pull, &img, err) < 0)
		return -1;
	if (ctrconfig_build(o, img, &c, err) < 0)
		goto fail;
	/* Networks, ports, volumes (netvol.h): checked before anything exists. */
	if (netvol_configure(b, &o->nv, img, c, err) < 0)
		goto fail;
	if (container_insert(b, c, err) < 0) {
		if (str_has_prefix((*err)->msg, "Conflict"))
			berr_wrap(err, "Error response from daemon");
		goto fail;
	}
	cdir = container_dir(b, c->id);
	if (create_files(b, c, err) < 0 || netvol_attach(b, &o->nv, c, err) < 0 ||
	    ctr_rootfs_prepare(b, img, cdir, o->rm, &rootfs, err) < 0) {
		cleanup_berr berr_t e2 = NULL;
		ctr_remove_files(b, c, &e2);
		goto fail;
	}
	if (rootfs_out)
		*rootfs_out = rootfs;
	else
		rootfs_free(&rootfs);
	*out = c;
	if (img_out)
		*img_out = img;
	else
		image_free(img);
	return 0;
fail:
	container_free(c);
	image_free(img);
	return -1;
}

int ctr_create(struct berth *b, const struct create_opts *o, bool announce, struct container **out, berr_t *err)
{
	return create_with(b, o, announce, out, NULL, NULL, err);
}

/* ---- the runner ------------------------------------------------------ */

static int mount_rootfs_cb(void *ctx, const char *target, berr_t *err)
{
	return rootfs_mount_at(ctx, target, err);
}

int runner_init(struct berth *b, struct container *c, struct runner *r, struct image *img, struct rootfs *rootfs,
		berr_t *err)
{
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->c = c;
	r->img = img;
	if (rootfs) {
		r->rootfs = *rootfs;
		r->have_rootfs = true;
	}
	if (ctrconfig_start_spec(c, &r->spec, err) < 0)
		return -1;
	if (!r->spec.seccomp_unconfined) {
		if (r->spec.seccomp_profile ? seccomp_profile_program(r->spec.seccomp_profile, r->spec.proc.caps, &r->prog, err) < 0
					    : seccomp_default_program(b, r->spec.proc.caps, &r->prog, err) < 0)
			return -1;
		r->have_prog = true;
		r->spec.proc.seccomp = &r->prog;
	}
	if (!r->img && image_get(b, c->image_id, &r->img, err) < 0)
		return -1;
	r->cdir = container_dir(b, c->id);
	r->rootfs_dir = xasprintf("%s/rootfs", r->cdir);
	r->log_path = xasprintf("%s/container.log", r->cdir);
	if (!r->have_rootfs) {
		if (ctr_rootfs_prepare(b, r->img, r->cdir, r->spec.auto_remove, &r->rootfs, err) < 0)
			return -1;
		r->have_rootfs = true;
	}
	if (mkdir(r->rootfs_dir, 0755) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot create %s", r->rootfs_dir);
	r->rs.id = c->id;
	r->rs.rootfs_dir = r->rootfs_dir;
	r->rs.container_dir = r->cdir;
	r->rs.mount_rootfs = mount_rootfs_cb;
	r->rs.mount_ctx = &r->rootfs;
	r->rs.hostname = r->spec.hostname;
	r->rs.read_only = r->spec.read_only;
	r->rs.privileged = r->spec.privileged;
	r->rs.init = r->spec.init;
	r->rs.cg = &r->cg;
	r->rs.proc = r->spec.proc;
	/* Volumes, binds, tmpfs (volume.h), mounted by the child. */
	ctr_net_init(&r->net);
	if (volume_mount_plan(b, c, &r->mounts, &r->n_mounts, err) < 0)
		return -1;
	r->rs.mounts = r->mounts;
	r->rs.n_mounts = r->n_mounts;
	return 0;
}

int runner_spawn(struct runner *r, struct spawned *sp, berr_t *err)
{
	if (ctr_cgroup_open(r->c, &r->spec.limits, &r->cg, err) < 0)
		return -1;
	if (cgroup_create(&r->cg, &r->spec.limits, err) < 0) {
		cgroup_free(&r->cg);
		return -1;
	}
	/* Its network namespace, addresses and ports (endpoint.h), ready
	 * before the process exists; the child joins the namespace. */
	if (endpoint_up(r->b, r->c, &r->net, err) < 0) {
		cleanup_berr berr_t e2 = NULL;
		cgroup_remove(&r->cg, &e2);
		cgroup_free(&r->cg);
		return -1;
	}
	r->rs.net_host = r->net.host;
	r->rs.net_join = r->net.netns_fd >= 0;
	r->rs.netns_fd = r->net.netns_fd;
	if (runtime_spawn(&r->rs, sp, err) < 0 || endpoint_started(r->b, r->c, &r->net, sp->pid, sp->pidfd, err) < 0) {
		cleanup_berr berr_t e2 = NULL;
		if (sp->pid > 0 && sp->pidfd >= 0) {
			/* Started, but its ports could not be served: undo. */
			siginfo_t si;
			kill(sp->pid, SIGKILL);
			waitid(P_PIDFD, (id_t)sp->pidfd, &si, WEXITED);
			spawned_close(sp);
		}
		endpoint_down(r->b, r->c->id, &r->net);
		cgroup_remove(&r->cg, &e2);
		cgroup_free(&r->cg);
		return -1;
	}
	return 0;
}

bool runner_reap(struct runner *r)
{
	cleanup_berr berr_t e = NULL;
	bool oom = cgroup_oom_killed(&r->cg);
	endpoint_down(r->b, r->c->id, &r->net); /* proxy, addresses, ports, peers' hosts */
	cgroup_remove(&r->cg, &e);
	cgroup_free(&r->cg);
	return oom;
}

void runner_free(struct runner *r)
{
	ctrconfig_spec_free(&r->spec);
	if (r->have_prog)
		free(r->prog.filter);
	image_free(r->img);
	if (r->have_rootfs)
		rootfs_free(&r->rootfs);
	free(r->cdir);
	free(r->rootfs_dir);
	free(r->log_path);
	mount_ops_free(r->mounts, r->n_mounts);
	memset(r, 0, sizeof(*r));
}

bool restart_wanted(const struct start_spec *s, int code, int restart_count, bool stop_requested)
{
	if (stop_requested)
		return false;
	if (strcmp(s->restart.name, "always") == 0 || strcmp(s->restart.name, "unless-stopped") == 0)
		return true;
	if (strcmp(s->restart.name, "on-failure") == 0)
		return code != 0 && (s->restart.max_retry <= 0 || restart_count < s->restart.max_retry);
	return false;
}

int ctr_record_exit(struct berth *b, struct container *c, int code, bool oom, const char *error, berr_t *err)
{
	/* Called after runner_reap: its cgroup is gone already. */
	if (json_is_true(json_object_get(c->host_config, "AutoRemove")))
		return remove_files(b, c, true, true, err);
	if (container_set_exited(b, c->id, code, oom, error, err) < 0)
		return -1;
	c->state = CS_EXITED;
	c->exit_code = code;
	c->oom_killed = oom;
	return 0;
}

/* ---- start ----------------------------------------------------------- */

/* A failed start: docker keeps the container (created, with the error and
 * exit code) unless it was --rm. */
static int start_failed(struct berth *b, struct container *c, berr_t *err)
{
	cleanup_berr berr_t e2 = NULL;
	int status = (*err)->status ? (*err)->status : 125;

	/* Word it as docker's daemon does. */
	if (!str_has_prefix((*err)->msg, "Error response from daemon")) {
		if (str_has_prefix((*err)->msg, "unable to find"))
			berr_wrap(err, "Error response from daemon");
		else
			berr_wrap(err, "Error response from daemon: unable to start container process");
		(*err)->status = status;
	}
	if (json_is_true(json_object_get(c->host_config, "AutoRemove"))) {
		ctr_remove_files(b, c, &e2);
	} else {
		sqlite3 *db;
		cleanup_stmt sqlite3_stmt *st = NULL;
		if (berth_db(b, &db, &e2) == 0 &&
		    db_prepare(db, "UPDATE containers SET exit_code = ?, error = ? WHERE id = ?", &st, &e2) == 0) {
			sqlite3_bind_int(st, 1, status);
			/* State.Error is the daemon's message itself, as docker keeps it */
			const char *msg = (*err)->msg;
			if (str_has_prefix(msg, "Error response from daemon: "))
				msg += strlen("Error response from daemon: ");
			sqlite3_bind_text(st, 2, msg, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, c->id, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
	}
	return -1;
}

static int start_runner(struct berth *b, struct container *c, struct runner *r, const struct start_opts *so,
			int *exit_code, berr_t *err)
{
	struct spawned sp;
	cleanup_close int log_fd = -1;
	bool raw = false;
	int code;

	if (!so->attach) {
		if (monitor_detach(r, err) < 0)
			return start_failed(b, c, err);
		return 0;
	}
	if (r->rs.proc.tty) {
		int tfd = isatty(0) ? 0 : isatty(1) ? 1 : -1;
		term_size(tfd, &r->rs.proc.rows, &r->rs.proc.cols);
	}
	log_fd = open(r->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (runner_spawn(r, &sp, err) < 0)
		return start_failed(b, c, err);
	if (container_set_running(b, c, sp.pid, proc_start_time(sp.pid), getpid(), proc_start_time(getpid()), err) < 0) {
		kill(sp.pid, SIGKILL);
		io_run(&sp, &(struct io_opts){.in_src = -1, .out_dst = -1, .err_dst = -1, .log_fd = -1, .winsize_src = -1});
		spawned_close(&sp);
		runner_reap(r);
		return -1;
	}
	if (r->rs.proc.tty && so->attach_stdin && isatty(0) && term_raw(0) == 0)
		raw = true;
	struct io_opts io = {
		.in_src = so->attach_stdin ? 0 : -1,
		.out_dst = 1,
		.err_dst = 2,
		.log_fd = log_fd,
		/* docker proxies signals unless there is a tty (where Ctrl-C
		 * travels through the pty as a character). */
		.proxy_signals = !(r->rs.proc.tty && raw),
		.winsize_src = r->rs.proc.tty ? (isatty(0) ? 0 : isatty(1) ? 1 : -1) : -1,
	};
	code = io_run(&sp, &io);
	if (raw)
		term_restore();
	spawned_close(&sp);
	bool oom = runner_reap(r);
	*exit_code = code;

	if (strcmp(r->spec.restart.name, "no") != 0) {
		cleanup_berr berr_t e2 = NULL;
		bool stop_req = false;
		if (container_reload(b, c, &e2) == 0)
			stop_req = c->stop_requested;
		if (restart_wanted(&r->spec, code, c->restart_count, stop_req)) {
			/* The restart policy outlives this CLI: hand the container
			 * to a detached monitor, as docker's daemon keeps it. */
			sqlite3 *db;
			cleanup_stmt sqlite3_stmt *st = NULL;
			if (berth_db(b, &db, &e2) == 0 &&
			    db_prepare(db, "UPDATE containers SET restart_count = restart_count + 1, exit_code = ? WHERE id = ?",
				       &st, &e2) == 0) {
				sqlite3_bind_int(st, 1, code);
				sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
				sqlite3_step(st);
				db_stmt_release(st);
				st = NULL;
			}
			if (monitor_detach(r, &e2) == 0)
				return 0;
		}
	}
	cleanup_berr berr_t e3 = NULL;
	if (ctr_record_exit(b, c, code, oom, "", &e3) < 0 && (*exit_code == 0))
		*exit_code = 125;
	return 0;
}

static int check_startable(const struct container *c, berr_t *err)
{
	if (c->state == CS_PAUSED)
		return berr_make_status(err, 1, 0, "Error response from daemon: cannot start a paused container, try unpause instead");
	if (c->state == CS_REMOVING || c->state == CS_DEAD)
		return berr_make_status(err, 1, 0, "Error response from daemon: container is marked for removal and cannot be started");
	return 0;
}

int ctr_start(struct berth *b, struct container *c, const struct start_opts *so, int *exit_code, berr_t *err)
{
	struct runner r;
	int rc;

	*exit_code = 0;
	if (c->state == CS_RUNNING || c->state == CS_RESTARTING)
		return 0;
	if (check_startable(c, err) < 0)
		return -1;
	/* A start by hand cancels an earlier stop for the restart policy. */
	if (c->stop_requested && container_set_stop_requested(b, c->id, false, err) < 0)
		return -1;
	c->stop_requested = false;
	if (runner_init(b, c, &r, NULL, NULL, err) < 0) {
		runner_free(&r);
		return -1;
	}
	rc = start_runner(b, c, &r, so, exit_code, err);
	runner_free(&r);
	return rc;
}

int ctr_run(struct berth *b, const struct create_opts *o, const struct start_opts *so, struct container **out,
	    int *exit_code, berr_t *err)
{
	struct image *img = NULL;
	struct rootfs rootfs;
	struct runner r;
	int rc;

	*exit_code = 0;
	if (create_with(b, o, true, out, &img, &rootfs, err) < 0)
		return -1;
	if (runner_init(b, *out, &r, img, &rootfs, err) < 0) {
		cleanup_berr berr_t e2 = NULL;
		runner_free(&r);
		if (o->rm)
			ctr_remove_files(b, *out, &e2);
		return -1;
	}
	rc = start_runner(b, *out, &r, so, exit_code, err);
	runner_free(&r);
	return rc;
}

/* ---- stop, kill, wait ------------------------------------------------ */

static bool is_live(const struct container *c)
{
	return c->state == CS_RUNNING || c->state == CS_PAUSED || c->state == CS_RESTARTING;
}

/* Wait until a process has exited, up to timeout_ms (-1: no limit). */
static bool wait_pid_gone(pid_t pid, long long start, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return true;
	if (!proc_alive(pid, start)) {
		close(fd);
		return true;
	}
	struct pollfd p = {fd, POLLIN, 0};
	int rc;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	close(fd);
	return rc > 0;
}

/* After the container's process died: wait for its monitor to record it
 * (the row leaves running), or record it ourselves if the monitor is gone. */
static int await_recorded(struct berth *b, struct container *c, berr_t *err)
{
	for (int i = 0; i < 1000; i++) {
		if (container_reload(b, c, err) < 0) {
			/* Gone: it was --rm. */
			berr_free(err);
			c->state = CS_REMOVING;
			return 0;
		}
		if (!is_live(c) || (c->state == CS_RESTARTING && !c->stop_requested))
			return 0;
		if (!proc_alive(c->monitor_pid, c->monitor_start))
			return container_refresh(b, c, err);
		if (c->monitor_pid > 0 && i % 10 == 0 && c->state == CS_RESTARTING)
			kill(c->monitor_pid, SIGUSR1);
		wait_pid_gone(c->monitor_pid, c->monitor_start, 5);
	}
	return container_refresh(b, c, err);
}

int ctr_stop(struct berth *b, struct container *c, int timeout, int sig, berr_t *err)
{
	struct start_spec spec;

	if (!is_live(c))
		return 0;
	if (container_set_stop_requested(b, c->id, true, err) < 0)
		return -1;
	if (c->state == CS_RESTARTING) {
		if (c->monitor_pid > 0)
			kill(c->monitor_pid, SIGUSR1);
		return await_recorded(b, c, err);
	}
	if (ctrconfig_start_spec(c, &spec, err) < 0)
		return -1;
	if (!sig)
		sig = parse_signal(spec.stop_signal);
	if (timeout < 0)
		timeout = spec.stop_timeout;
	ctrconfig_spec_free(&spec);
	if (!sig)
		sig = SIGTERM;
	if (proc_alive(c->pid, c->pid_start)) {
		kill(c->pid, sig);
		if (c->state == CS_PAUSED) {
			struct cgroup cg;
			cleanup_berr berr_t e2 = NULL;
			if (ctr_cgroup_open(c, NULL, &cg, &e2) == 0) {
				cgroup_freeze(&cg, false, &e2);
				cgroup_free(&cg);
			}
		}
		if (!wait_pid_gone(c->pid, c->pid_start, timeout * 1000)) {
			kill(c->pid, SIGKILL);
			wait_pid_gone(c->pid, c->pid_start, 10000);
		}
	}
	return await_recorded(b, c, err);
}

int ctr_kill(struct berth *b, struct container *c, int sig, berr_t *err)
{
	if (!is_live(c) || c->state == CS_RESTARTING || !proc_alive(c->pid, c->pid_start))
		return berr_make_status(err, 1, 0,
					"Error response from daemon: Cannot kill container: %s: Container %s is not running",
					c->name, c->id);
	if (kill(c->pid, sig) < 0)
		return berr_make_status(err, 1, errno, "Error response from daemon: Cannot kill container: %s", c->name);
	if (sig == SIGKILL && c->state == CS_PAUSED) {
		struct cgroup cg;
		cleanup_berr berr_t e2 = NULL;
		if (ctr_cgroup_open(c, NULL, &cg, &e2) == 0) {
			cgroup_freeze(&cg, false, &e2);
			cgroup_free(&cg);
		}
	}
	(void)b;
	return 0;
}

int ctr_restart(struct berth *b, struct container *c, int timeout, int sig, berr_t *err)
{
	struct start_opts so = {0};
	int code;

	if (ctr_stop(b, c, timeout, sig, err) < 0)
		return -1;
	if (container_reload(b, c, err) < 0)
		return -1;
	return ctr_start(b, c, &so, &code, err);
}

int ctr_wait(struct berth *b, struct container *c, int *exit_code, berr_t *err)
{
	for (;;) {
		if (c->state != CS_RUNNING && c->state != CS_PAUSED) {
			*exit_code = c->exit_code;
			return 0;
		}
		if (proc_alive(c->pid, c->pid_start))
			wait_pid_gone(c->pid, c->pid_start, 1000);
		else
			wait_pid_gone(c->monitor_pid, c->monitor_start, 10);
		if (container_reload(b, c, err) < 0) {
			/* Removed on exit (--rm): its monitor left the code in
			 * exits/<id> (see monitor.c). */
			cleanup_free char *path = xasprintf("%s/exits/%s", b->root, c->id);
			cleanup_free char *data = NULL;
			berr_free(err);
			*exit_code = 0;
			if (read_file(path, &data, NULL, err) == 0)
				*exit_code = atoi(data);
			berr_free(err);
			return 0;
		}
		if (container_refresh(b, c, err) < 0)
			return -1;
		if (c->id[0] == '\0') {
			*exit_code = c->exit_code;
			return 0;
		}
	}
}

int ctr_pause(struct berth *b, struct container *c, bool pause, berr_t *err)
{
	struct cgroup cg;
	int rc;

	if (pause && c->state == CS_PAUSED)
		return berr_make_status(err, 1, 0, "Error response from daemon: Container %s is already paused", c->id);
	if (!pause && c->state != CS_PAUSED)
		return berr_make_status(err, 1, 0, "Error response from daemon: Container %s is not paused", c->id);
	if (pause && c->state != CS_RUNNING)
		return berr_make_status(err, 1, 0, "Error response from daemon: Container %s is not running", c->id);
	if (ctr_cgroup_open(c, NULL, &cg, err) < 0)
		return -1;
	rc = cgroup_freeze(&cg, pause, err);
	cgroup_free(&cg);
	if (rc < 0)
		return -1;
	return container_set_state(b, c->id, pause ? CS_PAUSED : CS_RUNNING, err);
}

/* ---- remove ----------------------------------------------------------- */

int ctr_remove(struct berth *b, struct container *c, bool force, berr_t *err)
{
	return ctr_remove_v(b, c, force, false, err);
}

int ctr_remove_v(struct berth *b, struct container *c, bool force, bool volumes, berr_t *err)
{
	if (is_live(c)) {
		if (!force)
			return berr_make_status(err, 1, 0,
						"Error response from daemon: You cannot remove a %s container %s. Stop the "
						"container before attempting removal or force remove",
						c->state == CS_PAUSED ? "paused" : c->state == CS_RESTARTING ? "restarting" : "running",
						c->id);
		if (container_set_stop_requested(b, c->id, true, err) < 0)
			return -1;
		if (c->state == CS_RESTARTING && c->monitor_pid > 0)
			kill(c->monitor_pid, SIGUSR1);
		if (proc_alive(c->pid, c->pid_start)) {
			kill(c->pid, SIGKILL);
			if (c->state == CS_PAUSED) {
				struct cgroup cg;
				cleanup_berr berr_t e2 = NULL;
				if (ctr_cgroup_open(c, NULL, &cg, &e2) == 0) {
					cgroup_freeze(&cg, false, &e2);
					cgroup_free(&cg);
				}
			}
			wait_pid_gone(c->pid, c->pid_start, 10000);
		}
		/* Let the monitor finish with it before the files go. */
		if (c->monitor_pid != getpid())
			wait_pid_gone(c->monitor_pid, c->monitor_start, 5000);
	}
	return remove_files(b, c, volumes, false, err);
}

/* ---- refresh ---------------------------------------------------------- */

int container_refresh(struct berth *b, struct container *c, berr_t *err)
{
	if (!is_live(c) || c->id[0] == '\0')
		return 0;
	if (proc_alive(c->monitor_pid, c->monitor_start))
		return 0;
	/* The monitor is gone.  Its container dies with it (PDEATHSIG); make
	 * sure, then say what happened. */
	if (proc_alive(c->pid, c->pid_start)) {
		kill(c->pid, SIGKILL);
		wait_pid_gone(c->pid, c->pid_start, 2000);
	}
	/* Its addresses and ports: nobody else will give them back. */
	endpoint_down(b, c->id, NULL);
	{
		struct cgroup cg;
		cleanup_berr berr_t e2 = NULL;
		if (ctr_cgroup_open(c, NULL, &cg, &e2) == 0) {
			cgroup_remove(&cg, &e2);
			cgroup_free(&cg);
		}
	}
	if (json_is_true(json_object_get(c->host_config, "AutoRemove"))) {
		if (ctr_remove_files(b, c, err) < 0)
			return -1;
		c->state = CS_REMOVING;
		c->id[0] = '\0';
		return 0;
	}
	{
		sqlite3 *db;
		cleanup_stmt sqlite3_stmt *st = NULL;
		long long now = now_ns();
		const char *msg = "the container's monitor died: its exit status is unknown";
		if (berth_db(b, &db, err) < 0)
			return -1;
		/* Only if nobody else recorded it meanwhile. */
		if (db_prepare(db,
			       "UPDATE containers SET state = 'exited', exit_code = 137, error = ?, finished_at = ?, pid = 0, "
			       "pid_start = 0, monitor_pid = 0, monitor_start = 0 WHERE id = ? AND monitor_pid = ? AND "
			       "state IN ('running', 'paused', 'restarting')",
			       &st, err) < 0)
			return -1;
		sqlite3_bind_text(st, 1, msg, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, c->id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, c->monitor_pid);
		sqlite3_step(st);
	}
	return container_reload(b, c, err);
}
