/* ctrexec.c: docker exec (see ctrops.h).  The process gets the container's
 * own security context: its capabilities, seccomp profile and
 * no-new-privileges, its user and working directory unless -u/-w say
 * otherwise, and its environment plus -e. */
#define _GNU_SOURCE
#include "ctrops.h"
#include "lifecycle.h"
#include "caps.h"
#include "cgroup.h"
#include "cleanup.h"
#include "ctrconfig.h"
#include "monitor.h"
#include "runtime.h"
#include "seccomp.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ctr_exec(struct berth *b, struct container *c, const struct exec_opts *o, int *code, berr_t *err)
{
	struct start_spec spec;
	struct sock_fprog prog = {0, NULL};
	struct proc_spec p;
	struct cgroup cg;
	struct spawned sp;
	bool raw = false;
	int rc = -1;

	*code = 0;
	if (c->state == CS_PAUSED)
		return berr_make_status(err, 1, 0,
					"Error response from daemon: Container %s is paused, unpause the container before exec",
					c->name);
	if (c->state != CS_RUNNING || !proc_alive(c->pid, c->pid_start))
		return berr_make_status(err, 1, 0, "Error response from daemon: Container %s is not running", c->id);
	if (ctrconfig_start_spec(c, &spec, err) < 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.argv = o->argv;
	p.env = ctrconfig_env(c, o->tty, o->env);
	p.cwd = o->workdir && *o->workdir ? o->workdir : spec.proc.cwd;
	p.cwd_must_exist = true;
	p.user = o->user ? o->user : spec.proc.user;
	p.tty = o->tty;
	p.open_stdin = o->interactive;
	p.no_new_privs = spec.proc.no_new_privs;
	p.caps = o->privileged ? caps_all() : spec.proc.caps;
	p.rlimits = spec.rlimits;
	p.n_rlimits = spec.n_rlimits;
	if (!spec.seccomp_unconfined && !o->privileged) {
		if (spec.seccomp_profile ? seccomp_profile_program(spec.seccomp_profile, p.caps, &prog, err) < 0
					 : seccomp_default_program(b, p.caps, &prog, err) < 0)
			goto out;
		p.seccomp = &prog;
	}
	if (o->tty) {
		int tfd = isatty(0) ? 0 : isatty(1) ? 1 : -1;
		term_size(tfd, &p.rows, &p.cols);
	}
	if (ctr_cgroup_open(c, NULL, &cg, err) < 0)
		goto out;
	rc = runtime_exec(c->pid, &cg, &p, o->detach, &sp, err);
	cgroup_free(&cg);
	if (rc < 0) {
		/* docker: every failure to start the process is status 126;
		 * a missing user is reported as is, the rest as runc's. */
		cleanup_free char *msg = xstrdup((*err)->msg);
		if (str_has_prefix(msg, "unable to find"))
			berr_make_status(err, 126, 0, "%s", msg);
		else
			berr_make_status(err, 126, 0,
					 "OCI runtime exec failed: exec failed: unable to start container process: %s: unknown",
					 msg);
		goto out;
	}
	if (o->detach) {
		spawned_close(&sp);
		goto out;
	}
	if (o->tty && o->interactive && isatty(0) && term_raw(0) == 0)
		raw = true;
	struct io_opts io = {
		.in_src = o->interactive ? 0 : -1,
		.out_dst = 1,
		.err_dst = 2,
		.log_fd = -1,
		.proxy_signals = !raw,
		.winsize_src = o->tty ? (isatty(0) ? 0 : isatty(1) ? 1 : -1) : -1,
	};
	*code = io_run(&sp, &io);
	if (raw)
		term_restore();
	spawned_close(&sp);
out:
	free(prog.filter);
	cleanup_strvp(&p.env);
	ctrconfig_spec_free(&spec);
	return rc;
}
