/* ctrstats.c: docker top and docker stats (see ctrops.h). */
#define _GNU_SOURCE
#include "ctrops.h"
#include "lifecycle.h"
#include "cgroup.h"
#include "cleanup.h"
#include "tabwriter.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool is_running(const struct container *c)
{
	return (c->state == CS_RUNNING || c->state == CS_PAUSED) && proc_alive(c->pid, c->pid_start);
}

/* docker's daemon runs ps on the host and keeps the rows whose PID
 * column names a process of the container. */
int ctr_top(struct berth *b, struct container *c, char *const *ps_args, berr_t *err)
{
	struct cgroup cg;
	pid_t *pids = NULL;
	size_t n = 0;
	int pfd[2], st;
	pid_t child;
	char *out = NULL;
	size_t len = 0, cap = 0;
	(void)b;

	if (!is_running(c))
		return berr_make_status(err, 1, 0, "Error response from daemon: Container %s is not running", c->id);
	if (ctr_cgroup_open(c, NULL, &cg, err) < 0)
		return -1;
	int rc = cgroup_pids(&cg, &pids, &n, err);
	cgroup_free(&cg);
	if (rc < 0)
		return -1;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(pids);
		return berr_make(err, errno, "pipe");
	}
	child = fork();
	if (child == 0) {
		size_t na = 0;
		while (ps_args && ps_args[na])
			na++;
		char **argv = xcalloc(na + 3, sizeof(char *));
		argv[0] = "ps";
		if (na == 0)
			argv[1] = "-ef";
		for (size_t i = 0; i < na; i++)
			argv[i + 1] = ps_args[i];
		dup2(pfd[1], 1);
		execvp("ps", argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			out = xrealloc(out, cap + 1);
		}
		ssize_t r = read(pfd[0], out + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pfd[0]);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	out = out ? out : xmalloc(1);
	out[len] = '\0';
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(pids);
		free(out);
		return berr_make_status(err, 1, 0, "Error response from daemon: ps: exit status %d", WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	/* Header: find the PID column. */
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	int pid_col = -1, ncols = 0;
	struct tabwriter *tw = tw_new(stdout, 20, 1, 3);
	if (line) {
		cleanup_free char *hdr = xstrdup(line);
		char *s2 = NULL;
		for (char *t = strtok_r(hdr, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2), ncols++) {
			if (strcmp(t, "PID") == 0)
				pid_col = ncols;
			if (ncols)
				tw_puts(tw, "\t");
			tw_puts(tw, t);
		}
		tw_puts(tw, "\n");
	}
	if (pid_col < 0) {
		tw_free(tw);
		free(pids);
		free(out);
		return berr_make_status(err, 1, 0, "Error response from daemon: Couldn't find PID field in ps output");
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* Split into ncols fields; the last one (CMD) keeps its spaces. */
		char *fields[64];
		int nf = 0;
		char *p = line;
		while (nf < ncols && nf < 64 && *p) {
			while (*p == ' ')
				p++;
			fields[nf++] = p;
			if (nf == ncols)
				break;
			while (*p && *p != ' ')
				p++;
			if (*p)
				*p++ = '\0';
		}
		if (nf <= pid_col)
			continue;
		long pid = atol(fields[pid_col]);
		bool ours = false;
		for (size_t i = 0; i < n; i++)
			ours |= pids[i] == pid;
		if (!ours)
			continue;
		for (int i = 0; i < nf; i++) {
			if (i)
				tw_puts(tw, "\t");
			tw_puts(tw, fields[i]);
		}
		tw_puts(tw, "\n");
	}
	tw_flush(tw);
	tw_free(tw);
	free(pids);
	free(out);
	return 0;
}

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ctr_usage(struct berth *b, struct container *const *cs, size_t n, int interval_ms, struct ctr_usage *out,
	      berr_t *err)
{
	struct cgroup *cgs = xcalloc(n ? n : 1, sizeof(*cgs));
	unsigned long long *cpu0 = xcalloc(n ? n : 1, sizeof(*cpu0));
	long long t0, t1;
	(void)b;

	for (size_t i = 0; i < n; i++) {
		struct cgroup_stats s;
		memset(&out[i], 0, sizeof(out[i]));
		if (!is_running(cs[i]))
			continue;
		if (ctr_cgroup_open(cs[i], NULL, &cgs[i], err) < 0) {
			free(cgs);
			free(cpu0);
			return -1;
		}
		cgroup_stats(&cgs[i], &s);
		cpu0[i] = s.cpu_usage_ns;
	}
	t0 = mono_ns();
	if (interval_ms > 0) {
		struct timespec ts = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	t1 = mono_ns();
	for (size_t i = 0; i < n; i++) {
		struct cgroup_stats s;
		if (!is_running(cs[i]))
			continue;
		cgroup_stats(&cgs[i], &s);
		out[i].cpu_percent = t1 > t0 && s.cpu_usage_ns >= cpu0[i] ? (double)(s.cpu_usage_ns - cpu0[i]) * 100.0 / (double)(t1 - t0) : 0;
		out[i].mem = s.mem_usage;
		out[i].mem_limit = s.mem_limit;
		out[i].pids = s.pids;
		out[i].blk_read = s.blk_read;
		out[i].blk_write = s.blk_write;
		cgroup_free(&cgs[i]);
	}
	free(cgs);
	free(cpu0);
	return 0;
}
