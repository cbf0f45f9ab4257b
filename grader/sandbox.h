/* sandbox.h: where a check runs.
 *
 * A check is a learner's shell command, run as root because berth needs
 * root.  It gets namespaces of its own (mount, PID, IPC, UTS, network): the
 * host's file system is read-only, /tmp, /var/tmp and /run are empty tmpfs
 * (so no other attempt, learner or host socket is visible), only its own
 * attempt directory is writable, it sees only its own processes, and its
 * network is a private loopback.  When the check ends or runs out of time
 * the namespace's init dies and takes every process of the attempt with it.
 *
 * What it is not: a boundary against deliberate attack by a root process
 * (root can remount); it keeps learners' attempts apart and accidents
 * (`rm -rf /`, a fork loop, a stray container) away from the machine.
 */
#ifndef BERTH_SANDBOX_H
#define BERTH_SANDBOX_H

#include <sys/types.h>
#include "../engine/core/err.h"

/* Inside the sandbox the attempt directory appears here. */
#define SANDBOX_ATTEMPT_DIR "/tmp/attempt"

struct sandbox_spec {
	const char *attempt_dir;   /* host path: holds work/, root/, home/ */
	const char *command;       /* run as sh -c COMMAND in attempt/work */
	/* Host paths the check needs at the same place, read-only, even when
	 * they live under /tmp, /var/tmp or /run, which the sandbox covers:
	 * the berth binaries and the seed image (a build tree may be in /tmp). */
	const char *keep[4];
	char *const *envp;
	int stdout_fd, stderr_fd;
};

/* Start the check; returns the host pid of the sandbox's init.  Waiting
 * for it gives the check's exit status; SIGKILL to it ends everything. */
pid_t sandbox_spawn(const struct sandbox_spec *s, berr_t *err);

#endif
