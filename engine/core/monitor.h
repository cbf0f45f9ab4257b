/* monitor.h: watching a running container: its stdio, its log, its exit.
 *
 * io_run() is the loop both monitors use, the CLI in the foreground and the
 * detached monitor process: copy the container's stdout and stderr (or its
 * pty) to the terminal and/or the log, forward stdin, forward signals (sig
 * proxy) and window size changes, until its PID 1 exits and its output is
 * drained.
 *
 * monitor_detach() forks the detached monitor, podman's conmon in spirit:
 * one small process per container (its own session, stdio on /dev/null)
 * that spawns the container, reports back to the CLI, then loops.  It
 * touches no library but libc while the container runs: SQLite only at the
 * end, to record the exit.
 */
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include <stdbool.h>
#include "lifecycle.h"
#include "runtime.h"

struct io_opts {
	int in_src;          /* our stdin to forward, or -1 */
	int out_dst, err_dst;/* the terminal (or -1: detached) */
	int log_fd;          /* the container's log, or -1 */
	bool proxy_signals;  /* forward SIGINT, SIGTERM, ... to PID 1 */
	int winsize_src;     /* a tty whose size the pty follows, or -1 */
	void (*before_first_wait)(void); /* the monitor sheds memory here */
	bool attachable;     /* serve `berth attach` clients on attach_fd */
	int attach_fd;       /* listening socket (attach.h) */
};

/* Returns the container's exit code (docker's: 128+signal when killed). */
int io_run(struct spawned *sp, const struct io_opts *o);

/* Terminal raw mode for -it; restore undoes it (also safe to call twice). */
int term_raw(int fd);
void term_restore(void);
void term_size(int fd, unsigned short *rows, unsigned short *cols);

/* Fork the monitor for a runner whose container is in the DB as
 * created/exited.  Returns in the CLI once the container's program has
 * been exec'd (its pid recorded as running), or with the start error. */
int monitor_detach(struct runner *r, berr_t *err);

#endif
