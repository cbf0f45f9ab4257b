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
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void init_reaper(pid_t child, bool tty)
{
	sigset_t all;
	int status = 0;

	(void)tty;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "init", 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			_exit(125);
		}
		if (sig != SIGCHLD) {
			/* Forwarded as is; a stopped command sees SIGCONT too. */
			kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);
			if (p <= 0)
				break;
			if (p == child) {
				status = wait_status_code(st);
				/* Reap whatever else has already exited, then go:
				 * the namespace's other processes die with us. */
				while (waitpid(-1, &st, WNOHANG) > 0)
					;
				_exit(status);
			}
		}
	}
}
