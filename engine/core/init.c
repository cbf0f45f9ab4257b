/* init.c: the tiny PID 1 behind --init (docker's docker-init is tini).
 *
 * A container's PID 1 has two duties a normal program does not know about:
 * reaping orphans (or they pile up as zombies) and handling signals (the
 * kernel sends a namespace's init no signal it has no handler for, so a
 * plain program as PID 1 ignores `stop`'s SIGTERM).  This reaper does both:
 * every signal is blocked and taken with sigwaitinfo; SIGCHLD reaps, every
 * other signal goes on to the command; when the command exits, so does the
 * reaper, with the command's status.
 *
 * It is not a separate binary: the container's process forks after its
 * setup, the child execs the command and the parent stays here.  The host's
 * berth binary could not run inside the image anyway (its libraries are not
 * there), and the fork costs nothing.  The reaper holds the same user,
 * capabilities and seccomp filter as the command, and is not dumpable.
 */
#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* What `ps` shows for PID 1: "init -- CMD", not the berth command line
 * (and environment) this process was forked from on the host.  The kernel
 * reads /proc/PID/cmdline from our own memory, between arg_start and
 * arg_end (fields 48-51 of /proc/self/stat); rewriting it in place needs no
 * privilege. */
static void set_title(char *const *cmd)
{
	char buf[2048], *p;
	unsigned long a0 = 0, a1 = 0, e0 = 0, e1 = 0;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return;
	/* After ") " comes field 3; arg_start is field 48. */
	p += 2;
	for (int field = 3; field < 48 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%lu %lu %lu %lu", &a0, &a1, &e0, &e1) != 4 || a1 <= a0)
		return;
	/* The environment is the host CLI's: nothing of it stays visible. */
	if (e1 > e0)
		memset((void *)e0, 0, e1 - e0);
	size_t cap = a1 - a0, off = 0;
	char *area = (char *)a0;
	memset(area, 0, cap);
	const char *head[] = {"init", "--"};
	for (size_t i = 0; i < 2 && off < cap - 1; i++) {
		size_t l = strlen(head[i]);
		if (off + l + 1 > cap - 1)
			break;
		memcpy(area + off, head[i], l);
		off += l + 1;
	}
	for (size_t i = 0; cmd && cmd[i] && off < cap - 1; i++) {
		size_t l = strlen(cmd[i]);
		if (off + l + 1 > cap - 1)
			l = cap - 2 - off;
		memcpy(area + off, cmd[i], l);
		off += l + 1;
	}
}

char **init_name(char *const *cmd)
{
	size_t n = 0;
	while (cmd && cmd[n])
		n++;
	/* cmd's strings may live in the very memory the title overwrites
	 * (the CLI's own argv): the command to exec is this copy. */
	char **copy = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; copy && i < n; i++)
		copy[i] = strdup(cmd[i]);
	prctl(PR_SET_NAME, "init", 0, 0, 0);
	set_title(copy);
	return copy;
}

void init_reaper(pid_t child, bool tty)
{
	sigset_t all;
	int status = 0;

	(void)tty;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		/* Reap first: a command that died before SIGCHLD was blocked
		 * above sent a signal that was discarded, not left pending. */
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p == child) {
				status = wait_status_code(st);
				/* Reap whatever else has already exited, then go:
				 * the namespace's other processes die with us. */
				while (waitpid(-1, &st, WNOHANG) > 0)
					;
				_exit(status);
			}
		}
		siginfo_t si;
		int sig;
		while ((sig = sigwaitinfo(&all, &si)) < 0)
			if (errno != EINTR)
				_exit(125);
		/* Forwarded as is; a stopped command sees SIGCONT too. */
		if (sig != SIGCHLD)
			kill(child, sig);
	}
}
