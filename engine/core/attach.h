/* attach.h: `docker attach` without a daemon.
 *
 * A detached container's monitor (monitor.c) holds its stdio.  It listens
 * on containers/<id>/attach.sock, a SOCK_SEQPACKET unix socket (one
 * message per read, so the framing costs nothing): every attached client
 * gets each chunk of the container's output, and what a client sends goes
 * to the container's stdin or pty.  When PID 1 has exited and its output
 * is drained, the monitor sends the exit code and closes the connections.
 *
 * Messages, first byte the kind:
 *   monitor -> client: 'o' stdout bytes, 'e' stderr bytes, 'x' int code
 *   client -> monitor: 'i' stdin bytes, 'r' struct attach_winsize
 *   a client's shutdown(SHUT_WR) ends its stdin (the container's stdin
 *   stays open: docker closes it only for StdinOnce, never for -d -i).
 *
 * The socket path is reached through /proc/self/fd/N/attach.sock, because
 * containers/<64 hex>/attach.sock under a deep root overflows sun_path
 * (108 bytes); conmon does the same.
 */
#ifndef BERTH_ATTACH_H
#define BERTH_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "container.h"
#include "err.h"
#include "root.h"

#define ATTACH_MAX_MSG 65536

struct attach_winsize {
	unsigned short rows, cols;
};

/* The monitor's listening socket in container directory `cdir`, or -1
 * (attach then reports the container as not attachable). */
int attach_listen(const char *cdir);

/* docker's --detach-keys: "ctrl-p,ctrl-q", "a,b", "ctrl-@" ...  Fills keys
 * (at most cap), returns the count, or -1 when the spec is invalid. */
int attach_parse_detach_keys(const char *spec, unsigned char *keys, size_t cap);

struct attach_opts {
	bool no_stdin;          /* --no-stdin */
	bool sig_proxy;         /* --sig-proxy (default true) */
	const char *detach_keys;/* NULL: ctrl-p,ctrl-q */
};

/* Attach our stdin/stdout/stderr to running container c until it exits
 * (*exit_code: its code) or we detach (docker's "read escape sequence",
 * status 1). */
int ctr_attach(struct berth *b, struct container *c, const struct attach_opts *o, int *exit_code, berr_t *err);

#endif
