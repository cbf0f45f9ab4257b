/* grade.c: see grade.h. */
#define _GNU_SOURCE
#include "grade.h"
#include "sandbox.h"
#include "../engine/core/util.h"
#include "../engine/core/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Copy the regular files and directories of the work dir (not symlinks: a
 * learner's link must not pull outside files into the sandbox). */
static int copy_work(const char *from, const char *to, berr_t *err)
{
	cleanup_closedir DIR *d = opendir(from);
	struct dirent *de;

	if (!d)
		return berr_make(err, errno, "cannot read the work directory %s", from);
	if (mkdir_p(to, 0755, err) < 0)
		return -1;
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cleanup_free char *src = xasprintf("%s/%s", from, de->d_name);
		cleanup_free char *dst = xasprintf("%s/%s", to, de->d_name);
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (copy_work(src, dst, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			cleanup_free char *data = NULL;
			size_t len;
			if (read_file(src, &data, &len, err) < 0 ||
			    write_file_atomic(dst, data, len, st.st_mode & 0777, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* The berth seed image, for checks that need an image in their fresh
 * root: next to the binaries in a build tree, or in share/ when installed. */
static char *seed_image(const char *berth_dir)
{
	static const char *const candidates[] = {"%s/../images/busybox.tar", "%s/../share/berth/images/busybox.tar"};
	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf(candidates[i], berth_dir);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Run one check in the sandbox; fills *status (exit status, or -1 on
 * timeout). */
static int run_check(const struct check *c, const char *sandbox, const char *berth_dir, const char *course_dir,
		     int timeout_ms, int *status, berr_t *err)
{
	cleanup_free char *out_path = xasprintf("%s/stdout", sandbox);
	cleanup_free char *err_path = xasprintf("%s/stderr", sandbox);
	cleanup_free char *path = xasprintf("PATH=%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					    berth_dir);
	cleanup_free char *seed = seed_image(berth_dir);
	cleanup_free char *seed_env = seed ? xasprintf("BERTH_SEED=%s", seed) : xstrdup("BERTH_SEED=");
	char *envp[] = {path, "HOME=" SANDBOX_ATTEMPT_DIR "/home", "BERTH_ROOT=" SANDBOX_ATTEMPT_DIR "/root",
			seed_env, "LANG=C.UTF-8", "TERM=dumb", NULL};
	cleanup_close int ofd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cleanup_close int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct sandbox_spec spec = {.attempt_dir = sandbox, .command = c->run, .envp = envp,
				    .stdout_fd = ofd, .stderr_fd = efd, .keep = {berth_dir, seed, course_dir}};
	pid_t pid;

	if (ofd < 0 || efd < 0)
		return berr_make(err, errno, "cannot create the check's output files in %s", sandbox);
	pid = sandbox_spawn(&spec, err);
	if (pid < 0)
		return -1;
	/* Wait with a deadline: a pidfd becomes readable when the child exits. */
	cleanup_close int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = monotonic_ns() + (long long)timeout_ms * 1000000LL;
	int st = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		long long left = (deadline - monotonic_ns()) / 1000000LL;
		if (left <= 0) {
			/* Killing the sandbox's init ends every process in it. */
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			*status = -1;
			return 0;
		}
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		} else {
			struct timespec ts = {0, 10 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

static char *first_line(const char *s)
{
	size_t n = strcspn(s, "\n");
	return xstrndup(s, n > 200 ? 200 : n);
}

int grade_attempt(const struct exercise *e, const char *workdir, const char *berth_dir, struct grade_result *out,
		  berr_t *err)
{
	char tmpl[] = "/var/tmp/berth-grade.XXXXXX";
	char *report = NULL;
	size_t rlen = 0;
	FILE *rep;
	int r = -1;

	/* `berth lab` inside a check reads the course: keep lessons/ visible. */
	cleanup_free char *up = xasprintf("%s/../..", e->dir);
	cleanup_free char *course_dir = realpath(up, NULL);
	memset(out, 0, sizeof(*out));
	if (!mkdtemp(tmpl))
		return berr_make(err, errno, "cannot create a sandbox directory");
	cleanup_free char *work = xasprintf("%s/work", tmpl);
	cleanup_free char *home = xasprintf("%s/home", tmpl);
	cleanup_free char *answer = xasprintf("%s/%s", workdir, e->answer);
	if (access(answer, R_OK) < 0) {
		berr_make(err, errno, "%s: write your answer there first (berth lab start %s gives a starter)", answer,
			  e->id);
		goto out;
	}
	if (copy_work(workdir, work, err) < 0 || mkdir_p(home, 0700, err) < 0)
		goto out;
	rep = open_memstream(&report, &rlen);
	out->checks_total = (int)e->n_checks;
	for (size_t i = 0; i < e->n_checks; i++) {
		const struct check *c = &e->checks[i];
		int status = 0;
		cleanup_free char *so = NULL, *se = NULL;
		cleanup_free char *sop = xasprintf("%s/stdout", tmpl), *sep = xasprintf("%s/stderr", tmpl);
		berr_t ignore = NULL;

		if (run_check(c, tmpl, berth_dir, course_dir, e->timeout * 1000, &status, err) < 0) {
			fclose(rep);
			goto out;
		}
		if (read_file(sop, &so, NULL, &ignore) < 0)
			so = xstrdup("");
		berr_free(&ignore);
		if (read_file(sep, &se, NULL, &ignore) < 0)
			se = xstrdup("");
		berr_free(&ignore);
		bool pass = true;
		cleanup_free char *why = NULL;
		if (status < 0) {
			pass = false;
			why = xasprintf("did not finish within %d seconds", e->timeout);
		} else if (c->exit_code >= 0 && status != c->exit_code) {
			cleanup_free char *hint = first_line(*se ? se : so);
			pass = false;
			why = xasprintf("exited with %d, expected %d%s%s", status, c->exit_code, *hint ? ": " : "", hint);
		} else if (c->stdout_has && !strstr(so, c->stdout_has)) {
			pass = false;
			why = xasprintf("its output does not contain \"%s\"", c->stdout_has);
		} else if (c->stderr_has && !strstr(se, c->stderr_has)) {
			pass = false;
			why = xasprintf("its error output does not contain \"%s\"", c->stderr_has);
		}
		if (pass)
			out->checks_passed++;
		fprintf(rep, "%s check %zu: %s%s%s\n", pass ? "PASS" : "FAIL", i + 1, c->run, pass ? "" : " — ",
			pass ? "" : why);
	}
	fclose(rep);
	out->report = report;
	report = NULL;
	out->passed = out->checks_passed == out->checks_total;
	r = 0;
out:
	free(report);
	{
		berr_t ignore = NULL;
		remove_tree(tmpl, &ignore);
		berr_free(&ignore);
	}
	return r;
}

void grade_result_free(struct grade_result *r)
{
	free(r->report);
	r->report = NULL;
}
